//! A JSON document that borrows its strings from the text it was read from.
//!
//! An EVTX record's JSON holds some sixty strings; a tree of owned strings and hashed objects
//! (`serde_json::Value`) cost more allocations than the whole mapping. Objects here are small
//! lists in document order, a repeated key keeping its first place and its last value, as a
//! Python dict read from the same text does.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// Parse a document; the error is serde_json's, with its line and column.
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The value of a key of an object (None for a missing key and for other values).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(entries) => entries
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Json::Int(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(value).map_or(Json::UInt(value), Json::Int))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Json::Float(value))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E>(self, value: String) -> Result<Self::Value, E> {
        Ok(Json::Str(Cow::Owned(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Json<'de>)> =
            Vec::with_capacity(map.size_hint().unwrap_or(8));
        // A short signature per key: a new key mostly differs from every earlier one in it, so the
        // repeated-key check compares few strings.
        let mut signatures = [0u32; SIGNED];
        while let Some(key) = map.next_key::<Json<'de>>()? {
            // JSON keys are strings: serde_json hands them to `visit_*str`, borrowed where it can.
            let Json::Str(key) = key else {
                return Err(A::Error::custom("an object key that is not a string"));
            };
            let value = map.next_value()?;
            let signature = signature(&key);
            let signed = entries.len().min(SIGNED);
            let earlier = (0..signed)
                .find(|at| signatures[*at] == signature && entries[*at].0 == key)
                .or_else(|| (SIGNED..entries.len()).find(|at| entries[*at].0 == key));
            match earlier {
                Some(at) => entries[at].1 = value,
                None => {
                    if entries.len() < SIGNED {
                        signatures[entries.len()] = signature;
                    }
                    entries.push((key, value));
                }
            }
        }
        Ok(Json::Object(entries))
    }
}

/// How many keys of an object keep a signature (on the stack); later ones are compared in full.
const SIGNED: usize = 32;

/// A key's length and its first and last bytes.
fn signature(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let edge = |byte: Option<&u8>| u32::from(byte.copied().unwrap_or(0));
    (key.len() as u32 & 0xffff) | edge(bytes.first()) << 16 | edge(bytes.last()) << 24
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_borrow_unless_escaped() {
        let doc = Json::parse(r#"{"a": "plain", "b\u0041": "x\ny", "n": [1, -2, 18446744073709551615, 1.5, null, true]}"#).unwrap();
        assert!(matches!(
            doc.get("a"),
            Some(Json::Str(Cow::Borrowed("plain")))
        ));
        assert!(matches!(doc.get("bA"), Some(Json::Str(Cow::Owned(text))) if text == "x\ny"));
        assert_eq!(
            doc.get("n"),
            Some(&Json::Array(vec![
                Json::Int(1),
                Json::Int(-2),
                Json::UInt(u64::MAX),
                Json::Float(1.5),
                Json::Null,
                Json::Bool(true)
            ]))
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_its_last_value() {
        let doc = Json::parse(r#"{"k": 1, "z": 2, "k": 3}"#).unwrap();
        let Json::Object(entries) = doc else {
            panic!("an object")
        };
        let keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_ref()).collect();
        assert_eq!(keys, ["k", "z"]);
        assert_eq!(entries[0].1, Json::Int(3));
    }

    #[test]
    fn bad_text_is_an_error() {
        assert!(Json::parse(r#"{"a": }"#).is_err());
    }
}
