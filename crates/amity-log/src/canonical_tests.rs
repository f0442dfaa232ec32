//! Tests of the canonical record: the worked example of `events-schema/README.md`, byte for
//! byte, and that every field counts.

use super::*;
use crate::vectors::{hex, to_hex};

/// The worked example of `events-schema/README.md` ("Canonical record v1").
fn example() -> CanonicalRecord<'static> {
    CanonicalRecord {
        // 019ab1f2-3c4d-7e5f-8a6b-7c8d9e0fa1b2
        event_id: hex("019ab1f23c4d7e5f8a6b7c8d9e0fa1b2").try_into().unwrap(),
        stream: "milestones",
        stream_version: 0,
        event_type: "MilestoneRecorded",
        schema_version: 1,
        recorded_by: "ana",
        // 2026-11-23T19:26:35.483045Z
        recorded_at_micros: 1_795_461_995_483_045,
        payload: br#"{"key":"x","title":"X","occurred":"1993","sources":[]}"#,
    }
}

/// The example's bytes, as the README lists them: the tag, then each field's length and bytes.
const EXAMPLE_HEX: [&str; 9] = [
    "616d6974792e7265636f72642e76310a",
    "0000000000000010 019ab1f23c4d7e5f8a6b7c8d9e0fa1b2",
    "000000000000000a 6d696c6573746f6e6573",
    "0000000000000001 30",
    "0000000000000011 4d696c6573746f6e655265636f72646564",
    "0000000000000001 31",
    "0000000000000003 616e61",
    "0000000000000010 31373935343631393935343833303435",
    "0000000000000036 7b226b6579223a2278222c227469746c65223a2258222c226f63637572726564223a2231393933222c22736f7572636573223a5b5d7d",
];

/// The example's leaf hash, as the README gives it.
const EXAMPLE_LEAF_HASH: &str = "fd842264ed2b4babba8f89e561e4d6c057e838341741ea987ff26e4701b8183a";

#[test]
fn the_readme_example_is_these_bytes_and_this_leaf_hash() {
    let expected = hex(&EXAMPLE_HEX.concat().replace(' ', ""));
    let bytes = example().to_bytes();
    assert_eq!(to_hex(&bytes), to_hex(&expected));
    assert_eq!(bytes.len(), 198);
    assert_eq!(to_hex(&example().leaf_hash()), EXAMPLE_LEAF_HASH);
    assert_eq!(crate::leaf_hash(&bytes), example().leaf_hash());
}

#[test]
fn numbers_are_decimal_ascii() {
    let with = |stream_version: u64, schema_version: u32, recorded_at_micros: i64| {
        let record = CanonicalRecord {
            stream_version,
            schema_version,
            recorded_at_micros,
            ..example()
        };
        let bytes = record.to_bytes();
        assert_eq!(crate::leaf_hash(&bytes), record.leaf_hash());
        String::from_utf8_lossy(&bytes).into_owned()
    };
    assert!(with(u64::MAX, u32::MAX, i64::MIN).contains(
        "\0\0\0\0\0\0\0\u{14}18446744073709551615\0\0\0\0\0\0\0\u{11}MilestoneRecorded\0\0\0\0\0\0\0\n4294967295"
    ));
    assert!(with(0, 0, i64::MIN).contains("\0\0\0\0\0\0\0\u{14}-9223372036854775808"));
    assert!(with(0, 0, i64::MAX).contains("\0\0\0\0\0\0\0\u{13}9223372036854775807"));
    assert!(with(10, 2, -1).contains("\0\0\0\0\0\0\0\u{2}-1"));
    assert!(with(10, 2, 0).contains("\0\0\0\0\0\0\0\u{1}0\0\0\0\0\0\0\0\u{36}{"));
}

#[test]
fn every_field_counts_and_no_two_fields_run_together() {
    let base = example().leaf_hash();
    let mut event_id = example().event_id;
    event_id[15] ^= 1;
    let changed = [
        CanonicalRecord {
            event_id,
            ..example()
        },
        CanonicalRecord {
            stream: "milestone",
            ..example()
        },
        CanonicalRecord {
            stream_version: 1,
            ..example()
        },
        CanonicalRecord {
            event_type: "MilestoneRecorde",
            ..example()
        },
        CanonicalRecord {
            schema_version: 2,
            ..example()
        },
        CanonicalRecord {
            recorded_by: "anna",
            ..example()
        },
        CanonicalRecord {
            recorded_at_micros: 1_795_461_995_483_046,
            ..example()
        },
        CanonicalRecord {
            payload: br#"{"key":"y","title":"X","occurred":"1993","sources":[]}"#,
            ..example()
        },
        // Bytes moved from one field to the next: the lengths tell them apart.
        CanonicalRecord {
            stream: "milestonesMilestone",
            event_type: "Recorded",
            ..example()
        },
        CanonicalRecord {
            recorded_by: "",
            payload: br#"ana{"key":"x","title":"X","occurred":"1993","sources":[]}"#,
            ..example()
        },
    ];
    for record in changed {
        assert_ne!(record.leaf_hash(), base, "{record:?}");
    }
}
