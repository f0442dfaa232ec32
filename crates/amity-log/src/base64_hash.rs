//! Hashes as standard base64 text (RFC 4648 §4, with padding), in JSON and in checkpoints.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::Hash;

/// A hash as standard base64 (44 characters, one `=`).
pub fn encode_hash(hash: &Hash) -> String {
    STANDARD.encode(hash)
}

/// A hash from standard base64; the reason says what is wrong (not base64, not 32 bytes).
pub fn decode_hash(text: &str) -> Result<Hash, String> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|error| format!("{text:?} is not standard base64 ({error})"))?;
    <Hash>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "{text:?} is {} bytes, not a 32-byte SHA-256 hash",
            bytes.len()
        )
    })
}

/// Serde for one hash as base64 text.
pub(crate) mod one {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::Hash;

    pub fn serialize<S: Serializer>(hash: &Hash, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::encode_hash(hash))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Hash, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::decode_hash(&text).map_err(D::Error::custom)
    }
}

/// Serde for an optional hash as base64 text (absent or `null`: `None`).
pub(crate) mod optional {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    use crate::Hash;

    pub fn serialize<S: Serializer>(hash: &Option<Hash>, serializer: S) -> Result<S::Ok, S::Error> {
        match hash {
            Some(hash) => serializer.serialize_str(&super::encode_hash(hash)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Hash>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| super::decode_hash(&text).map_err(D::Error::custom))
            .transpose()
    }
}

/// Serde for a list of hashes as a list of base64 texts.
pub(crate) mod many {
    use serde::{de::Error as _, ser::SerializeSeq, Deserialize, Deserializer, Serializer};

    use crate::Hash;

    pub fn serialize<S: Serializer>(hashes: &[Hash], serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(hashes.len()))?;
        for hash in hashes {
            seq.serialize_element(&super::encode_hash(hash))?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Hash>, D::Error> {
        Vec::<String>::deserialize(deserializer)?
            .iter()
            .enumerate()
            .map(|(index, text)| {
                super::decode_hash(text)
                    .map_err(|reason| D::Error::custom(format!("hashes[{index}]: {reason}")))
            })
            .collect()
    }
}
