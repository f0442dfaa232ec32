//! The lists: statuses, partners, parties, milestones.

use amity_interchange::views::definite_and_possible;

use super::*;

/// The parties found by `amity parties`.
pub fn parties(found: &[amity_projections::query::PartyMatch], format: Format) -> Result<()> {
    let rows = found.iter().map(|found| (&found.row, found.partnerships));
    match format {
        Format::Json => print_json(found),
        Format::Csv => {
            let header = [
                "key",
                "name",
                "country",
                "subdivision",
                "wikidata",
                "kind",
                "aliases",
                "community",
                "partnerships",
            ];
            let rows = rows
                .map(|(row, partnerships)| {
                    vec![
                        row.key.clone(),
                        row.party.name.clone(),
                        row.party.country.clone(),
                        row.party.subdivision.clone().unwrap_or_default(),
                        row.party.wikidata.clone().unwrap_or_default(),
                        row.kind.map_or("", |kind| kind.name()).to_owned(),
                        row.aliases.join("; "),
                        row.canonical.clone(),
                        partnerships.to_string(),
                    ]
                })
                .collect();
            emit_report(&header, rows, Report::Csv, false)
        }
        _ => {
            let mut table = table(
                &[
                    "Key",
                    "Name",
                    "Country",
                    "Subdivision",
                    "Wikidata",
                    "Also named",
                    "Partnerships",
                ],
                false,
            );
            for (row, partnerships) in rows {
                let key = if row.canonical == row.key {
                    row.key.clone()
                } else {
                    format!("{} (same as {})", row.key, row.canonical)
                };
                table.add_row([
                    key,
                    row.party.name.clone(),
                    row.party.country.clone(),
                    row.party.subdivision.clone().unwrap_or_default(),
                    row.party.wikidata.clone().unwrap_or_default(),
                    row.aliases.join("; "),
                    partnerships.to_string(),
                ]);
            }
            if found.is_empty() {
                return emit("no party matches");
            }
            emit(table)
        }
    }
}

/// Status answers.
pub fn status(views: &[StatusView], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(views);
    }
    if format == Format::Csv {
        // The status view's columns (`export --format csv --view status`).
        let mut buffer = Vec::new();
        amity_interchange::views::write_status(views, raw_csv(), &mut buffer)?;
        return emit(String::from_utf8(buffer)?.trim_end());
    }
    if views.is_empty() {
        return emit("no partnership is recorded (as known at that moment)");
    }
    let mut asked = Vec::new();
    if let Some(as_of) = &views[0].as_of {
        asked.push(format!("as of {as_of}"));
    }
    if let Some(known_at) = &views[0].known_at {
        asked.push(format!("as known at {known_at}"));
    }
    if !asked.is_empty() {
        emit(format_args!("status {}", asked.join(", ")))?;
    }
    let mut out = table(
        &[
            "partnership",
            "parties",
            "kind",
            "status",
            "certainty",
            "since",
            "events",
        ],
        false,
    );
    for view in views {
        out.add_row(vec![
            view.partnership.to_string(),
            format!("{} ⇄ {}", view.parties[0], view.parties[1]),
            view.kind.to_string(),
            view.status.to_string(),
            certainty_text(view.certainty, &view.competing),
            since_text(
                view.status,
                view.since.as_deref(),
                view.first_attested.as_deref(),
            ),
            view.events.to_string(),
        ]);
    }
    emit(format_args!("{out}"))
}

/// A party's partners.
pub fn partners(key: &PartyKey, rows: &[PartnerView], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(rows);
    }
    if format == Format::Csv {
        // Statuses as in the status view: named when definite, every possible one listed.
        let header = [
            "partner_key",
            "partner_name",
            "partner_country",
            "partner_subdivision",
            "partnership",
            "kind",
            "founded",
            "status",
            "possible_statuses",
            "certainty",
            "since",
        ];
        let csv_rows = rows
            .iter()
            .map(|row| {
                let (status, possible) = definite_and_possible(
                    row.certainty,
                    row.status.name(),
                    row.competing.iter().map(|s| s.name()),
                );
                vec![
                    row.partner.key().to_string(),
                    row.partner.name.clone(),
                    row.partner.country.clone(),
                    row.partner.subdivision.clone().unwrap_or_default(),
                    row.partnership.to_string(),
                    row.kind.to_string(),
                    date_cell(row.founded.as_deref()),
                    status.to_owned(),
                    possible,
                    certainty_name(row.certainty).to_owned(),
                    since_cell(row.status, row.since.as_deref()),
                ]
            })
            .collect();
        return emit_report(&header, csv_rows, Report::Csv, false);
    }
    emit(format_args!("partners of {key}"))?;
    let mut out = table(
        &[
            "partner",
            "founded",
            "status",
            "certainty",
            "since",
            "partnership",
        ],
        false,
    );
    for row in rows {
        let partner = match &row.succession {
            None => row.partner.to_string(),
            Some(amity_projections::Succession::SucceededBy(key)) => {
                format!("{} (succeeded by {key})", row.partner)
            }
            Some(amity_projections::Succession::SuccessorOf(key)) => {
                format!("{} (successor of {key})", row.partner)
            }
        };
        out.add_row(vec![
            partner,
            row.founded.clone().unwrap_or_default(),
            row.status.to_string(),
            certainty_text(row.certainty, &row.competing),
            since_text(
                row.status,
                row.since.as_deref(),
                row.first_attested.as_deref(),
            ),
            row.partnership.to_string(),
        ]);
    }
    emit(format_args!("{out}"))
}

/// `milestone list`.
pub fn milestones(milestones: &[Milestone], format: Format) -> Result<()> {
    if format == Format::Json {
        return print_json(milestones);
    }
    let rows = milestones
        .iter()
        .map(|m| {
            vec![
                m.key.to_string(),
                m.occurred.to_string(),
                m.title.clone(),
                m.sources
                    .iter()
                    .map(source_line)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        })
        .collect();
    emit_report(
        &["key", "occurred", "title", "sources"],
        rows,
        format.into(),
        true,
    )
}
