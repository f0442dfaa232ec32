//! The queries over the tables.

use tokio_postgres::types::{ToSql, Type};

use super::{pg_error, placeholder, PostgresTables};
use crate::analysis::{Cohort, Member};
use crate::placement::{Entry, Placements};
use crate::rows::{DirectoryRow, PartyRow, StatusRow, TimelineRow};
use crate::tables::{
    cohort_filter, driving_step, dump_line, from_json, from_name, pair_histories, partnership_id,
    party_search_sql, DumpValue, DUMPED, TIMELINE_COLUMNS,
};
use crate::Result;

impl PostgresTables {
    /// Status rows: all, in partnership order, or those of the given partnerships that
    /// exist, in the order given.
    pub async fn status_rows(&self, only: Option<&[String]>) -> Result<Vec<StatusRow>> {
        let rows = match only {
            None => self
                .client
                .query(
                    &self.sql(
                        r#"SELECT "row"::text FROM {s}.partnership_status ORDER BY partnership"#,
                    ),
                    &[],
                )
                .await,
            Some(ids) => {
                self.client
                    .query(
                        &self.sql(
                            r#"SELECT p."row"::text
                               FROM UNNEST($1::text[]) WITH ORDINALITY AS i (id, n)
                               JOIN {s}.partnership_status p ON p.partnership = i.id
                               ORDER BY i.n"#,
                        ),
                        &[&ids],
                    )
                    .await
            }
        }
        .map_err(pg_error)?;
        rows.iter()
            .map(|row| from_json(row.get::<_, &str>(0)))
            .collect()
    }

    /// A partnership's history rows, in history order.
    pub async fn timeline_rows(&self, partnership: &str) -> Result<Vec<TimelineRow>> {
        let rows = self
            .client
            .query(
                &self.sql(&format!(
                    "SELECT {} FROM {{s}}.partnership_timeline WHERE partnership = $1 ORDER BY seq",
                    select_list(TIMELINE_COLUMNS)
                )),
                &[&partnership],
            )
            .await
            .map_err(pg_error)?;
        rows.iter().map(timeline_row).collect()
    }

    /// Every history entry's place, by partnership then history order.
    pub async fn placements(&self) -> Result<Placements> {
        let rows = self
            .client
            .query(
                &self.sql(
                    "SELECT partnership, seq, event_id, earliest, latest, disputed, status_after,
                            retracted_by
                     FROM {s}.partnership_timeline ORDER BY partnership, seq",
                ),
                &[],
            )
            .await
            .map_err(pg_error)?;
        let mut placements = Placements::default();
        for row in &rows {
            let key = placements.key_in_turn(partnership_id(row.get(0))?.as_str());
            let entry = Entry {
                seq: row.get::<_, i64>(1) as u64,
                event_id: row.get(2),
                stored_at: None,
                earliest: row.get(3),
                latest: row.get(4),
                disputed: row.get(5),
                status_after: row.get::<_, Option<&str>>(6).map(from_name).transpose()?,
                retracted_by: row.get(7),
            };
            placements.push(key, entry);
        }
        Ok(placements.in_order())
    }

    /// The members of a cohort with their driving steps, in partnership order.
    pub async fn cohort_members(&self, cohort: &Cohort) -> Result<Vec<Member>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let parameters: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        let members_sql = self.sql(&format!(
            "SELECT partnership, party_a_name, party_a_country, party_a_subdivision,
                    party_a_wikidata, party_b_name, party_b_country, party_b_subdivision,
                    party_b_wikidata, kind, conflict IS NOT NULL, party_a, party_b
             FROM {{s}}.partnership_status WHERE {filter} ORDER BY partnership"
        ));
        let steps_sql = self.sql(&format!(
            "SELECT partnership, event_id, event_type, occurred, earliest, latest, status_after
             FROM {{s}}.partnership_timeline
             WHERE step IS NOT NULL
               AND partnership IN (SELECT partnership FROM {{s}}.partnership_status WHERE {filter})
             ORDER BY partnership, step"
        ));
        let (members, steps) = tokio::try_join!(
            self.client.query(&members_sql, &parameters),
            self.client.query(&steps_sql, &parameters),
        )
        .map_err(pg_error)?;
        let party = |row: &tokio_postgres::Row, offset: usize| amity_domain::Party {
            name: row.get(offset),
            country: row.get(offset + 1),
            subdivision: row.get(offset + 2),
            wikidata: row.get(offset + 3),
            qualifier: None,
        };
        let mut members = members
            .iter()
            .map(|row| {
                Ok(Member {
                    partnership: partnership_id(row.get(0))?,
                    parties: vec![
                        party(row, 1).keyed(row.get(11)),
                        party(row, 5).keyed(row.get(12)),
                    ],
                    kind: amity_domain::PartnershipKind::new(row.get::<_, &str>(9)),
                    conflict: row.get(10),
                    steps: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut index = 0;
        for row in &steps {
            let partnership: &str = row.get(0);
            while index < members.len() && members[index].partnership.as_str() != partnership {
                index += 1;
            }
            let Some(member) = members.get_mut(index) else {
                break;
            };
            if row.get::<_, Option<&str>>(6).is_none() {
                continue;
            }
            member.steps.push(driving_step(
                row.get(1),
                row.get(2),
                row.get(3),
                row.get(4),
                row.get(5),
            )?);
        }
        Ok(members)
    }

    /// The status rows of a cohort's partnerships, in partnership order, each with its
    /// history rows: two queries whatever the cohort's size.
    pub async fn cohort_histories(
        &self,
        cohort: &Cohort,
    ) -> Result<Vec<(StatusRow, Vec<TimelineRow>)>> {
        let (filter, values) = cohort_filter(cohort, placeholder);
        let parameters: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|value| value as &(dyn ToSql + Sync))
            .collect();
        let status = self
            .client
            .query(
                &self.sql(&format!(
                    r#"SELECT "row"::text FROM {{s}}.partnership_status WHERE {filter}
                       ORDER BY partnership"#
                )),
                &parameters,
            )
            .await
            .map_err(pg_error)?
            .iter()
            .map(|row| from_json(row.get::<_, &str>(0)))
            .collect::<Result<Vec<StatusRow>>>()?;
        let rows = self
            .client
            .query(
                &self.sql(&format!(
                    "SELECT {} FROM {{s}}.partnership_timeline
                     WHERE partnership IN
                         (SELECT partnership FROM {{s}}.partnership_status WHERE {filter})
                     ORDER BY partnership, seq",
                    select_list(TIMELINE_COLUMNS)
                )),
                &parameters,
            )
            .await
            .map_err(pg_error)?;
        pair_histories(status, rows.iter().map(timeline_row))
    }

    /// A party's directory rows, in partnership order.
    pub async fn directory_rows(&self, party: &str) -> Result<Vec<DirectoryRow>> {
        let rows = self
            .client
            .query(
                &self.sql(
                    r#"SELECT "row"::text FROM {s}.party_directory WHERE party = $1
                       ORDER BY partnership"#,
                ),
                &[&party],
            )
            .await
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| from_json(row.get::<_, &str>(0)))
            .collect()
    }

    /// One party's row, by its key.
    pub async fn party(&self, key: &str) -> Result<Option<PartyRow>> {
        let row = self
            .client
            .query_opt(
                &self.sql("SELECT \"row\"::text FROM {s}.parties WHERE party = $1"),
                &[&key],
            )
            .await
            .map_err(pg_error)?;
        row.map(|row| from_json(row.get(0))).transpose()
    }

    /// Every party row, by key.
    pub async fn all_parties(&self) -> Result<Vec<PartyRow>> {
        let rows = self
            .client
            .query(
                &self.sql("SELECT \"row\"::text FROM {s}.parties ORDER BY party"),
                &[],
            )
            .await
            .map_err(pg_error)?;
        rows.iter().map(|row| from_json(row.get(0))).collect()
    }

    /// Parties matching a folded query (see [`crate::tables::party_search_sql`]).
    pub async fn search_parties(&self, query: &str) -> Result<Vec<(PartyRow, u64)>> {
        let sql = party_search_sql("$1::text", &format!("\"{}\".", self.schema));
        let rows = self
            .client
            .query(&sql.replace("p.row,", "p.\"row\"::text,"), &[&query])
            .await
            .map_err(pg_error)?;
        rows.iter()
            .map(|row| {
                let json: String = row.get(0);
                let count: i64 = row.get(1);
                Ok((from_json(&json)?, count as u64))
            })
            .collect()
    }

    /// Every party key whose name part is `name`, in order (for "did you mean").
    pub async fn parties_named(&self, name: &str) -> Result<Vec<String>> {
        let rows = self
            .client
            .query(
                &self.sql(
                    "SELECT DISTINCT party FROM {s}.party_directory WHERE party LIKE $1
                     ORDER BY party",
                ),
                &[&format!("%:{name}")],
            )
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// Every table's rows as text, printed as the SQLite backend prints its own.
    pub async fn dump(&self) -> Result<Vec<String>> {
        let mut lines = Vec::new();
        for (table, columns, order) in DUMPED {
            let rows = self
                .client
                .query(
                    &self.sql(&format!(
                        "SELECT {} FROM {{s}}.{table} ORDER BY {order}",
                        select_list(columns)
                    )),
                    &[],
                )
                .await
                .map_err(pg_error)?;
            for row in &rows {
                let values = row
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(index, column)| {
                        let value = match *column.type_() {
                            Type::INT8 => row.get::<_, Option<i64>>(index).map(DumpValue::Integer),
                            Type::BOOL => row
                                .get::<_, Option<bool>>(index)
                                .map(|flag| DumpValue::Integer(i64::from(flag))),
                            _ => row.get::<_, Option<String>>(index).map(DumpValue::Text),
                        };
                        value.unwrap_or(DumpValue::Null)
                    })
                    .collect::<Vec<_>>();
                lines.push(dump_line(table, &values));
            }
        }
        Ok(lines)
    }
}

/// A select list of these columns, JSON ones read back as text.
fn select_list(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|name| match *name {
            "row" | "sources" => format!("\"{name}\"::text"),
            _ => format!("\"{name}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A [`TimelineRow`] from the columns of [`TIMELINE_COLUMNS`].
fn timeline_row(row: &tokio_postgres::Row) -> Result<TimelineRow> {
    Ok(TimelineRow {
        partnership: partnership_id(row.get(0))?,
        seq: row.get::<_, i64>(1) as u64,
        step: row.get::<_, Option<i64>>(2).map(|step| step as u64),
        event_id: row.get(3),
        stream_version: row.get::<_, i64>(4) as u64,
        event_type: row.get::<_, &str>(5).into(),
        occurred: row.get::<_, Option<&str>>(6).map(Into::into),
        earliest: row.get::<_, Option<&str>>(7).map(Into::into),
        latest: row.get::<_, Option<&str>>(8).map(Into::into),
        term_as_written: row.get(9),
        certainty: from_name(row.get(10))?,
        sources: from_json(row.get(11))?,
        initiated_by: row.get(12),
        note: row.get(13),
        target: row.get(14),
        reason: row.get(15),
        retracted_by: row.get(16),
        disputed: row.get(17),
        status_after: row.get::<_, Option<&str>>(18).map(from_name).transpose()?,
        recorded_by: row.get(19),
        recorded_at: row.get(20),
        stream: row.get(21),
    })
}
