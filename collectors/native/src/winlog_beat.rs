//! A Winlogbeat / Elastic Agent document (`{"@timestamp": …, "winlog": {…}, …}`) → the `winlog`
//! object the mapping takes, read from the document's JSON text as the EVTX records are.
//!
//! Winlogbeat has already named everything as the mapping wants it; what is left is keeping the
//! values Winlogbeat writes as strings as strings (`event_id`, `record_id`, EventData), braces on
//! the provider GUID, the channel's canonical spelling, and the version as a number.

use std::collections::HashMap;

use crate::event::{Map, Val};
use crate::json::Json;
use crate::winlog_record::{braced, json_val, py_str, system_time, text_value, truthy, Time};

/// `winlog` keys kept as they are when they hold non-empty text, in the order they are written.
const TEXT_KEYS: [&str; 7] = [
    "channel",
    "provider_name",
    "computer_name",
    "opcode",
    "task",
    "activity_id",
    "related_activity_id",
];

/// What the mapping needs from one document: its `winlog` object, time, level and message, and the
/// outcome Winlogbeat wrote (a localised agent's keyword names no longer show it).
pub struct Beat<'a> {
    pub winlog: Map<'a>,
    pub time: Option<Time<'a>>,
    pub level: Option<&'a str>,
    pub message: Option<&'a str>,
    pub outcome: Option<&'a str>,
}

/// Read a document and its `winlog` object (`source`); `channels` gives each known channel's
/// spelling by its lower-case name.
pub fn from_winlogbeat<'a>(
    doc: &'a Json<'a>,
    source: &'a Json<'a>,
    channels: &HashMap<String, &'static str>,
) -> Beat<'a> {
    let get = |key: &str| source.get(key);
    let mut winlog = Map::new();
    for key in TEXT_KEYS {
        if let Some(Json::Str(text)) = get(key).filter(|value| truthy(value)) {
            let text: &str = text;
            let value = match key {
                "channel" => channels
                    .get(&text.to_lowercase())
                    .map_or(text, |name| *name),
                _ => text,
            };
            winlog.set(key, value);
        }
    }
    for key in ["event_id", "record_id"] {
        match get(key) {
            None | Some(Json::Null) => {}
            Some(Json::Str(text)) if text.is_empty() => {}
            Some(value) => winlog.set(key, py_str(value)),
        }
    }
    if let Some(guid) = get("provider_guid").filter(|value| truthy(value)) {
        winlog.set("provider_guid", braced(&py_str(guid)).into_owned());
    }
    if let Some(version) = get("version").and_then(version) {
        winlog.set("version", version);
    }
    match get("keywords").filter(|value| truthy(value)) {
        Some(Json::Array(items)) => {
            winlog.set("keywords", Val::List(items.iter().map(json_val).collect()))
        }
        Some(other) => winlog.set("keywords", Val::List(vec![json_val(other)])),
        None => {}
    }
    for key in ["process", "user", "user_data"] {
        if let Some(object @ Json::Object(_)) = get(key).filter(|value| truthy(value)) {
            winlog.set(key, json_val(object));
        }
    }
    if let Some(Json::Object(entries)) = get("event_data") {
        let mut data = Map::with_capacity(entries.len());
        for (name, value) in entries {
            if let Some(value) = data_value(value) {
                data.push_new(name.as_ref(), value);
            }
        }
        if !data.is_empty() {
            winlog.set("event_data", data);
        }
    }
    let text = |value: Option<&'a Json<'a>>| match value {
        Some(Json::Str(text)) => Some(text.as_ref()),
        _ => None,
    };
    Beat {
        winlog,
        time: text(doc.get("@timestamp")).map(system_time),
        level: text(dotted(doc, "log", "level")),
        message: text(doc.get("message")).filter(|message| !message.is_empty()),
        outcome: text(dotted(doc, "event", "outcome"))
            .filter(|outcome| matches!(*outcome, "success" | "failure")),
    }
}

/// `winlog.version`: a number, or text of decimal digits; a flag counts as 0 or 1, as in Python.
fn version(value: &Json<'_>) -> Option<i64> {
    match value {
        Json::Int(number) => Some(*number),
        Json::Bool(flag) => Some(i64::from(*flag)),
        Json::Str(text) if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) => {
            text.parse().ok()
        }
        _ => None,
    }
}

/// An EventData value as Winlogbeat writes it: a string, or a list of strings (unnamed `Data`).
fn data_value<'a>(value: &'a Json<'a>) -> Option<Val<'a>> {
    match value {
        Json::Array(items) => {
            let texts: Vec<Val<'a>> = items.iter().filter_map(text_value).map(Val::from).collect();
            (!texts.is_empty()).then_some(Val::List(texts))
        }
        other => text_value(other).map(Val::from),
    }
}

/// `parent.child` of a document, nested or, where `parent` is missing, written flat.
fn dotted<'a>(doc: &'a Json<'a>, parent: &str, child: &str) -> Option<&'a Json<'a>> {
    match doc.get(parent) {
        Some(found @ Json::Object(_)) => found.get(child),
        Some(_) => None,
        None => doc.get(&format!("{parent}.{child}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Map<'_> {
        let doc = Box::leak(Box::new(Json::parse(text).unwrap()));
        let source = doc.get("winlog").expect("a winlog object");
        let channels = HashMap::from([("security".to_owned(), "Security")]);
        from_winlogbeat(doc, source, &channels).winlog
    }

    #[test]
    fn values_become_what_winlogbeat_writes() {
        let winlog = read(
            r#"{"winlog": {"channel": "SECURITY", "event_id": 4624, "record_id": false, "version": "2",
                "provider_guid": "abc", "keywords": "Audit Success", "task": "",
                "event_data": {"A": 5, "B": "", "C": ["x", null, 1.5], "D": [null]}}}"#,
        );
        assert_eq!(winlog.get_str("channel"), Some("Security"));
        assert_eq!(winlog.get_str("event_id"), Some("4624"));
        assert_eq!(winlog.get_str("record_id"), Some("False"));
        assert_eq!(winlog.get("version"), Some(&Val::Int(2)));
        assert_eq!(winlog.get_str("provider_guid"), Some("{abc}"));
        assert_eq!(
            winlog.get("keywords"),
            Some(&Val::from(vec!["Audit Success"]))
        );
        assert!(winlog.get("task").is_none());
        let data = winlog.lookup("event_data").unwrap();
        let Val::Map(data) = data else {
            panic!("event_data is not an object")
        };
        let names: Vec<&str> = data.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["A", "C"]);
        assert_eq!(data.get("C"), Some(&Val::from(vec!["x", "1.5"])));
    }

    #[test]
    fn versions_are_numbers_or_digits() {
        assert_eq!(version(&Json::Int(3)), Some(3));
        assert_eq!(version(&Json::Bool(true)), Some(1));
        assert_eq!(version(&Json::Str("007".into())), Some(7));
        assert_eq!(version(&Json::Str("1.0".into())), None);
        assert_eq!(version(&Json::Float(1.0)), None);
    }

    #[test]
    fn level_and_outcome_nested_or_flat() {
        let doc =
            Json::parse(r#"{"log.level": "warning", "event": {"outcome": "success"}}"#).unwrap();
        assert_eq!(
            dotted(&doc, "log", "level"),
            Some(&Json::Str("warning".into()))
        );
        assert_eq!(
            dotted(&doc, "event", "outcome"),
            Some(&Json::Str("success".into()))
        );
        let doc = Json::parse(r#"{"log": "x", "log.level": "warning"}"#).unwrap();
        assert_eq!(dotted(&doc, "log", "level"), None);
    }
}
