//! An EVTX record as the `evtx` library renders it in JSON → Winlogbeat's `winlog` object: the
//! native form of what `collectors/endpoint/winlog_record.py` does for the XML renderings.
//!
//! The library types its JSON values (`"EventID": 4624`), writes GUIDs upper case without
//! braces and keeps CR LF; the rules here turn that into the strings Winlogbeat writes, so that
//! a record gives the same `winlog` object from its EVTX, XML and JSON forms (the tests compare
//! them). Values borrow from the parsed JSON where they are kept unchanged.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::event::{Map, Val};
use crate::json::Json;

/// The System tables of `winlog_tables`: level and opcode names, keyword bits.
pub struct SystemTables {
    pub levels: HashMap<String, &'static str>,
    pub opcodes: HashMap<String, &'static str>,
    pub keyword_bits: Vec<(u64, &'static str)>,
}

/// `TimeCreated` as read: in the library's form and converted, or another form Python's
/// `datetime.fromisoformat` must read (hand-made `evtx_dump` lines).
pub enum Time<'a> {
    Utc(String),
    Other(&'a str),
}

/// One record's `winlog` object, `@timestamp` and `log.level`.
pub struct Record<'a> {
    pub winlog: Map<'a>,
    pub time: Option<Time<'a>>,
    pub level: Option<&'static str>,
}

/// A record the mapping cannot read, named as Python's exception would be.
pub type Unmappable = String;

/// The `Event` object of a record (the library's JSON rendering) → its `winlog` object.
pub fn from_evtx<'a>(event: &'a Json<'a>, tables: &SystemTables) -> Result<Record<'a>, Unmappable> {
    let system = match event.get("System") {
        Some(Json::Object(entries)) => System::read(entries),
        Some(_) => return Err("AttributeError: System is not an object".into()),
        None => return Err("KeyError: 'System'".into()),
    };
    // An element's attributes; a hand-made line may put a scalar where an element belongs.
    let element = |name: &str, found: Option<&'a Json<'a>>| match found {
        Some(found @ Json::Object(_)) => Ok(attributes(found)),
        Some(other) if truthy(other) => Err(format!("AttributeError: {name} is not an element")),
        _ => Ok(None),
    };
    let mut winlog = Map::new();
    if let Some(attrs) = element("Provider", system.provider)? {
        if let Some(name) = attrs.get("Name") {
            winlog.set("provider_name", json_val(name));
        }
        if let Some(guid) = attrs.get("Guid").filter(|guid| truthy(guid)) {
            let Json::Str(guid) = guid else {
                return Err("TypeError: Provider Guid is not a string".into());
            };
            winlog.set("provider_guid", braced(guid));
        }
    }
    let event_id = match system.event_id {
        Some(id @ Json::Object(_)) => id.get("#text").filter(|value| !value.is_null()),
        other => other,
    };
    if let Some(id) = event_id {
        winlog.set("event_id", py_str(id));
    }
    for (value, key) in [
        (system.channel, "channel"),
        (system.computer, "computer_name"),
    ] {
        if let Some(value) = value.filter(|value| truthy(value)) {
            winlog.set(key, json_val(value));
        }
    }
    if let Some(value) = system.record_id {
        winlog.set("record_id", py_str(value));
    }
    common(
        &mut winlog,
        system.version,
        system.opcode,
        system.keywords,
        tables,
    );
    if let Some(attrs) = element("Execution", system.execution)? {
        execution(&mut winlog, attrs.get("ProcessID"), attrs.get("ThreadID"));
    }
    if let Some(attrs) = element("Security", system.security)? {
        let first = attrs.get("UserID");
        let sid = if first.is_some_and(truthy) {
            first
        } else {
            attrs.get("UserId")
        };
        if let Some(sid) = sid.filter(|sid| !sid.is_null()) {
            let mut user = Map::new();
            user.set("identifier", py_str(sid));
            winlog.set("user", user);
        }
    }
    if let Some(attrs) = element("Correlation", system.correlation)? {
        for (name, key) in [
            ("ActivityID", "activity_id"),
            ("RelatedActivityID", "related_activity_id"),
        ] {
            if let Some(value) = attrs.get(name).filter(|value| truthy(value)) {
                winlog.set(key, braced(&py_str(value)).into_owned());
            }
        }
    }
    if let Some(Json::Object(data)) = event.get("EventData") {
        winlog.attach("event_data", event_data(data));
    }
    if let Some(Json::Object(data)) = event.get("UserData") {
        user_data(&mut winlog, data);
    }
    let time = element("TimeCreated", system.time_created)?.and_then(|attrs| {
        match attrs.get("SystemTime") {
            Some(Json::Str(stamp)) => Some(system_time(stamp)),
            _ => None,
        }
    });
    let level = system
        .level
        .and_then(|level| tables.levels.get(py_str(level).as_ref()).copied());
    Ok(Record {
        winlog,
        time,
        level,
    })
}

type Object<'a> = [(Cow<'a, str>, Json<'a>)];

/// The `System` children the mapping reads, found in one pass over its dozen or so; a null one
/// counts as absent.
#[derive(Default)]
struct System<'a> {
    provider: Option<&'a Json<'a>>,
    event_id: Option<&'a Json<'a>>,
    version: Option<&'a Json<'a>>,
    level: Option<&'a Json<'a>>,
    opcode: Option<&'a Json<'a>>,
    keywords: Option<&'a Json<'a>>,
    time_created: Option<&'a Json<'a>>,
    record_id: Option<&'a Json<'a>>,
    correlation: Option<&'a Json<'a>>,
    execution: Option<&'a Json<'a>>,
    channel: Option<&'a Json<'a>>,
    computer: Option<&'a Json<'a>>,
    security: Option<&'a Json<'a>>,
}

impl<'a> System<'a> {
    fn read(entries: &'a Object<'a>) -> Self {
        let mut system = System::default();
        for (name, value) in entries {
            let slot = match name.as_ref() {
                "Provider" => &mut system.provider,
                "EventID" => &mut system.event_id,
                "Version" => &mut system.version,
                "Level" => &mut system.level,
                "Opcode" => &mut system.opcode,
                "Keywords" => &mut system.keywords,
                "TimeCreated" => &mut system.time_created,
                "EventRecordID" => &mut system.record_id,
                "Correlation" => &mut system.correlation,
                "Execution" => &mut system.execution,
                "Channel" => &mut system.channel,
                "Computer" => &mut system.computer,
                "Security" => &mut system.security,
                _ => continue,
            };
            *slot = Some(value).filter(|value| !value.is_null());
        }
        system
    }
}

/// The `#attributes` of an element, when it has any.
fn attributes<'a>(element: &'a Json<'a>) -> Option<&'a Json<'a>> {
    match element.get("#attributes") {
        Some(attrs @ Json::Object(entries)) if !entries.is_empty() => Some(attrs),
        _ => None,
    }
}

/// Python's truth of a JSON value.
pub(crate) fn truthy<'a>(value: &'a Json<'a>) -> bool {
    match value {
        Json::Null => false,
        Json::Bool(flag) => *flag,
        Json::Int(number) => *number != 0,
        Json::UInt(_) => true,
        Json::Float(number) => *number != 0.0,
        Json::Str(text) => !text.is_empty(),
        Json::Array(items) => !items.is_empty(),
        Json::Object(map) => !map.is_empty(),
    }
}

/// Python's `str()` of a scalar JSON value (containers as JSON: only hand-made records have them).
pub(crate) fn py_str<'a>(value: &'a Json<'a>) -> Cow<'a, str> {
    match value {
        Json::Str(text) => Cow::Borrowed(text),
        Json::Bool(true) => Cow::Borrowed("True"),
        Json::Bool(false) => Cow::Borrowed("False"),
        Json::Null => Cow::Borrowed("None"),
        Json::Int(number) => Cow::Owned(number.to_string()),
        Json::UInt(number) => Cow::Owned(number.to_string()),
        Json::Float(number) => Cow::Owned(py_float(*number)),
        Json::Array(_) => Cow::Borrowed("[…]"),
        Json::Object(_) => Cow::Borrowed("{…}"),
    }
}

/// Python's `repr()` of a float: the shortest digits that read back, in positional form for
/// decimal exponents -4…15 (with `.0` when whole), else as `1.5e-05` / `1e+16`.
fn py_float(value: f64) -> String {
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if !(-4..16).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let mark = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{fraction}e{mark}{:02}", exponent.abs());
    }
    let point = exponent + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    };
    format!("{sign}{body}")
}

/// A JSON value kept as it is (`provider_name`, `channel`, `computer_name`).
pub(crate) fn json_val<'a>(value: &'a Json<'a>) -> Val<'a> {
    match value {
        Json::Null => Val::Null,
        Json::Bool(flag) => Val::Bool(*flag),
        Json::Int(number) => Val::Int(*number),
        Json::UInt(number) => Val::from(number.to_string()),
        Json::Float(number) => Val::Float(*number),
        Json::Str(text) => Val::from(text.as_ref()),
        Json::Array(items) => Val::List(items.iter().map(json_val).collect()),
        Json::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                out.set_data(key.as_ref(), json_val(item));
            }
            Val::Map(out)
        }
    }
}

/// `{GUID}`: Windows writes braces, the library does not.
pub(crate) fn braced(guid: &str) -> Cow<'_, str> {
    if guid.starts_with('{') {
        Cow::Borrowed(guid)
    } else {
        Cow::Owned(format!("{{{guid}}}"))
    }
}

/// An upper-case GUID as the library writes GUID-typed values.
fn is_library_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            8 | 13 | 18 | 23 => *byte == b'-',
            _ => byte.is_ascii_digit() || (b'A'..=b'F').contains(byte),
        })
}

/// One EventData value as Winlogbeat writes it (a string), or None when empty.
pub fn text_value<'a>(value: &'a Json<'a>) -> Option<Cow<'a, str>> {
    match value {
        Json::Str(text) if text.is_empty() => None,
        Json::Str(text) if is_library_guid(text) => {
            Some(Cow::Owned(format!("{{{}}}", text.to_lowercase())))
        }
        Json::Str(text) if text.contains('\r') => {
            Some(Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")))
        }
        Json::Str(text) => Some(Cow::Borrowed(text)),
        Json::Bool(flag) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
        Json::Int(number) => Some(Cow::Owned(number.to_string())),
        Json::UInt(number) => Some(Cow::Owned(number.to_string())),
        Json::Float(number) => Some(Cow::Owned(py_float(*number))),
        Json::Null => None,
        object @ Json::Object(_) => object.get("#text").and_then(text_value),
        Json::Array(items) => {
            let texts: Vec<Cow<'a, str>> = items.iter().filter_map(text_value).collect();
            (!texts.is_empty()).then(|| Cow::Owned(texts.join(", ")))
        }
    }
}

/// `2021-12-04T21:19:16.7419951Z` → an ECS timestamp (µs, or ms when that is exact).
pub fn system_time(stamp: &str) -> Time<'_> {
    let bytes = stamp.as_bytes();
    if stamp.is_ascii()
        && bytes.len() >= 20
        && bytes[10] == b'T'
        && bytes[bytes.len() - 1] == b'Z'
        && matches!(bytes[19], b'.' | b'Z')
    {
        let given = stamp.get(20..stamp.len() - 1).unwrap_or("");
        let mut fraction: String = given.chars().take(6).collect();
        while fraction.len() < 6 {
            fraction.push('0');
        }
        if fraction.bytes().all(|byte| byte.is_ascii_digit()) {
            let shown = if fraction.ends_with("000") {
                &fraction[..3]
            } else {
                &fraction
            };
            return Time::Utc(format!("{}.{shown}Z", &stamp[..19]));
        }
    }
    Time::Other(stamp)
}

/// `Version`, `Opcode` and `Keywords`: the version as a number, the opcode's and keywords' names.
fn common<'a>(
    winlog: &mut Map<'_>,
    version: Option<&'a Json<'a>>,
    opcode: Option<&'a Json<'a>>,
    keywords: Option<&'a Json<'a>>,
    tables: &SystemTables,
) {
    if let Some(number) = version.and_then(|version| decimal(&py_str(version))) {
        winlog.set("version", number);
    }
    if let Some(name) = opcode.and_then(|opcode| tables.opcodes.get(py_str(opcode).as_ref())) {
        if !name.is_empty() {
            winlog.set("opcode", *name);
        }
    }
    let Some(keywords) = keywords.filter(|keywords| truthy(keywords)) else {
        return;
    };
    let Some(mask) = hex_mask(&py_str(keywords)) else {
        return;
    };
    let names: Vec<Val<'_>> = tables
        .keyword_bits
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| Val::from(*name))
        .collect();
    if !names.is_empty() {
        winlog.set("keywords", Val::List(names));
    }
}

/// A decimal numeral (ASCII digits only) as a number.
fn decimal(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The low 64 bits of a hexadecimal keyword mask (`0x8020000000000000`): every named bit is there.
fn hex_mask(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(&digits[digits.len().saturating_sub(16)..], 16).ok()
}

/// `Execution`: the process and thread that logged the event.
fn execution<'a>(winlog: &mut Map<'_>, pid: Option<&'a Json<'a>>, tid: Option<&'a Json<'a>>) {
    let mut process = Map::new();
    if let Some(pid) = pid.and_then(whole_number) {
        process.set("pid", pid);
    }
    if let Some(tid) = tid.and_then(whole_number) {
        let mut thread = Map::new();
        thread.set("id", tid);
        process.set("thread", thread);
    }
    winlog.attach("process", process);
}

/// An integer, or a decimal numeral in a string.
fn whole_number<'a>(value: &'a Json<'a>) -> Option<i64> {
    match value {
        Json::Int(number) => Some(*number),
        Json::Str(text) => decimal(text),
        _ => None,
    }
}

/// EventData: named values as strings; unnamed `Data` become `param1`… and, as a list, `Data`.
fn event_data<'a>(data: &'a Object<'a>) -> Map<'a> {
    let mut out = Map::with_capacity(data.len() + 1);
    // The object's own names are distinct (`Json` keeps one of each): only the `paramN` names
    // made for unnamed data can meet one of them.
    let mut numbered = false;
    for (name, value) in data {
        if name == "#attributes" {
            continue;
        }
        if name == "Data" {
            let items = match value {
                Json::Array(items) => Some(items.as_slice()),
                object @ Json::Object(_) => object.get("#text").map(|text| match text {
                    Json::Array(inner) => inner.as_slice(),
                    other => std::slice::from_ref(other),
                }),
                _ => None,
            };
            if let Some(items) = items {
                unnamed_data(&mut out, items);
                numbered = true;
                continue;
            }
        }
        if let Some(text) = text_value(value) {
            if numbered {
                out.set_data(name.as_ref(), text);
            } else {
                out.push_new(name.as_ref(), text);
            }
        }
    }
    out
}

fn unnamed_data<'a>(out: &mut Map<'a>, items: &'a [Json<'a>]) {
    let mut unnamed = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if let Some(text) = text_value(item) {
            out.set_data(format!("param{}", index + 1), text.clone());
            unnamed.push(Val::Str(text));
        }
    }
    if !unnamed.is_empty() {
        out.set_data("Data", Val::List(unnamed));
    }
}

/// UserData: its one child element, named in `xml_name`, with its values nested as written.
fn user_data<'a>(winlog: &mut Map<'a>, data: &'a Object<'a>) {
    if let Some((name, value)) = data.iter().find(|(name, _)| name.as_ref() != "#attributes") {
        let mut out = Map::new();
        out.set("xml_name", name.as_ref());
        if let Json::Object(inner) = value {
            nested(&mut out, inner);
        }
        winlog.set("user_data", out);
    }
}

fn nested<'a>(out: &mut Map<'a>, value: &'a Object<'a>) {
    for (key, item) in value {
        if key == "#attributes" {
            continue;
        }
        if let Json::Object(inner) = item {
            if !inner.iter().any(|(name, _)| name == "#text") {
                let mut child = Map::new();
                nested(&mut child, inner);
                if !child.is_empty() {
                    out.set_data(key.as_ref(), child);
                }
                continue;
            }
        }
        if let Some(text) = text_value(item) {
            out.set_data(key.as_ref(), text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        for (value, text) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (1e22, "1e+22"),
        ] {
            assert_eq!(py_float(value), text);
        }
    }

    #[test]
    fn system_times_keep_their_precision() {
        let utc = |stamp| match system_time(stamp) {
            Time::Utc(text) => text,
            Time::Other(raw) => format!("other {raw}"),
        };
        assert_eq!(
            utc("2021-12-04T21:19:16.7419951Z"),
            "2021-12-04T21:19:16.741995Z"
        );
        assert_eq!(
            utc("2021-12-04T21:19:16.123000Z"),
            "2021-12-04T21:19:16.123Z"
        );
        assert_eq!(utc("2021-12-04T21:19:16Z"), "2021-12-04T21:19:16.000Z");
        assert_eq!(
            utc("2021-12-04 21:19:16+01:00"),
            "other 2021-12-04 21:19:16+01:00"
        );
    }

    #[test]
    fn values_become_winlogbeat_strings() {
        let json = Json::parse(
            r##"[4624, true, "", "a\r\nb\rc", "0A0B0C0D-1111-2222-3333-444455556666", {"#text": "x"}, ["p", "", 7]]"##,
        )
        .unwrap();
        let Json::Array(items) = json else {
            panic!("an array")
        };
        let texts: Vec<Option<String>> = items
            .iter()
            .map(|v| text_value(v).map(Cow::into_owned))
            .collect();
        assert_eq!(
            texts,
            [
                Some("4624".into()),
                Some("true".into()),
                None,
                Some("a\nb\nc".into()),
                Some("{0a0b0c0d-1111-2222-3333-444455556666}".into()),
                Some("x".into()),
                Some("p, 7".into()),
            ]
        );
    }

    #[test]
    fn keyword_masks_read_as_hex() {
        assert_eq!(hex_mask("0x8020000000000000"), Some(0x8020_0000_0000_0000));
        assert_eq!(hex_mask("18"), Some(0x18));
        assert_eq!(hex_mask("0x"), None);
        assert_eq!(hex_mask("zz"), None);
    }
}
