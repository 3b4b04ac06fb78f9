//! Cisco ASA and FTD lines (`%ASA-n-nnnnnn: text`, after any syslog header) → ECS.
//!
//! The format and the mapping are described in `collectors/firewall/cisco_asa.py`,
//! which calls this and converts the header's time; the texts of the message ids
//! are in `cisco_asa_messages.rs`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use regex::Regex;

use crate::cisco_asa_messages::{Message, MESSAGES};
use crate::cisco_asa_program::{word_but, Outcome, Program, Set, Slots, ANY, DIGITS};
use crate::event::{Map, Val};
use crate::net;
use crate::pytext::{self as py, SPACE, WORD};
use crate::syslog_header::Syslog;

pub(crate) static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"%(ASA|FTD|PIX|FWSM)[^-{SPACE}:]{{0,16}}-+(\d)-(\d{{6}}):? ?"
    ))
    .unwrap()
});
const LEVELS: [&str; 8] = [
    "emergencies",
    "alert",
    "critical",
    "error",
    "warning",
    "notification",
    "informational",
    "debugging",
];
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\{(\w+)([*+?]?)\}").unwrap());
static PAYLOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"([{WORD}]+) src ([^{SPACE}]+?)/(\d+) dst ([^{SPACE}]+?)/(\d+)"
    ))
    .unwrap()
});
/// What separates an address from its neighbours in free text: `(10.0.0.1)`, `<ip>`, `ip/port`.
static TOKENS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r#"[{SPACE}()<>\[\],;/="']+"#)).unwrap());
static SESSION_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\A(?:(\d+)d[{SPACE}]*)?(\d+)h:(\d+)m:(\d+)s\z")).unwrap()
});
/// The start of a Firepower event's next key after ", ": a value holds commas (a user agent's
/// `(KHTML, like Gecko)`, a URL's query), and a few keys hold spaces (`Prefilter Policy`).
static FIREPOWER_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\A[A-Za-z][{WORD}-]*(?: [A-Za-z][{WORD}-]*){{0,3}}: "
    ))
    .unwrap()
});
static UTC_SECOND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\z").unwrap());

/// The names `apply` maps to ECS, in the order it reads them (the source side first).
const FIELDS: [&str; 21] = [
    "src_ip",
    "src_port",
    "src_if",
    "src_user",
    "src_nat_ip",
    "src_nat_port",
    "src_nat_user",
    "dst_ip",
    "dst_port",
    "dst_if",
    "dst_user",
    "dst_nat_ip",
    "dst_nat_port",
    "dst_nat_user",
    "direction",
    "transport",
    "rule",
    "user",
    "verdict",
    "bytes",
    "duration",
];
const DIRECTION: usize = 14;
/// Names a pattern reads that are not kept under `cisco.asa.*` as they are.
const TAKEN: [&str; 2] = ["rest", "payload"];

type Values<'a> = [Option<&'a str>; 21];

/// A placeholder's regular expression when the name alone decides it, and its bytes in ASCII text.
fn typed(name: &str) -> (Cow<'static, str>, Set) {
    match name {
        "src_ip" | "dst_ip" | "src_nat_ip" => (format!("[^{SPACE}/(),]+").into(), IP_BYTES),
        "src_port" | "dst_port" | "src_nat_port" | "icmp_type" | "icmp_code" => {
            (r"\d+".into(), DIGITS)
        }
        _ => (format!("[^{SPACE}]+").into(), WORD_BYTES),
    }
}

const WORD_BYTES: Set = word_but(b"");
const INTERFACE_BYTES: Set = word_but(b":/()");
const IP_BYTES: Set = word_but(b"/(),");
const NAT_IP_BYTES: Set = word_but(b"/()");

/// One table pattern, ready to read.
struct Plan {
    /// The pattern as a regular expression: made the first time the program leaves a text to it
    /// (one beyond ASCII, or over its budget), as compiling it costs a millisecond.
    source: String,
    regex: OnceLock<Regex>,
    /// The pattern for ASCII text (nearly every line), read at a third of the expression's cost.
    program: Program,
    /// The capture group of each of `FIELDS`, if the pattern has it.
    fields: [Option<usize>; 21],
    /// The pattern's other names: group, name, name with the sides swapped.
    extras: Vec<(usize, &'static str, &'static str)>,
}

/// The message table's pattern language as a regular expression, and as a program that reads ASCII
/// text the same way (written step for step beside it); and its plain names in order.
fn compile_pattern(pattern: &'static str) -> (String, Program, Vec<&'static str>) {
    let mut out = String::from(r"\A(?:");
    let mut program = Program::default();
    let mut names = Vec::new();
    let mut pos = 0;
    for found in PLACEHOLDER.captures_iter(pattern) {
        let (Some(whole), Some(name), Some(mode)) = (found.get(0), found.get(1), found.get(2))
        else {
            continue;
        };
        let text = literal(&pattern[pos..whole.start()]);
        out.push_str(&text);
        program.literal(&text);
        let (name, mode) = (name.as_str(), mode.as_str());
        if name == "_" {
            out.push_str(&format!("[^{SPACE}]+"));
            program.run(WORD_BYTES, 1, false);
        } else if name == "src" || name == "dst" {
            out.push_str(&format!(
                r"(?:(?P<{name}_if>[^{SPACE}:/()]+):)?(?P<{name}_ip>[^{SPACE}/(),]+)(?:/(?P<{name}_port>\d+))?(?:\((?P<{name}_user>[^)]*)\))?"
            ));
            program.optional(|p| {
                p.group(format!("{name}_if"), |p| p.run(INTERFACE_BYTES, 1, false));
                p.literal(":");
            });
            program.group(format!("{name}_ip"), |p| p.run(IP_BYTES, 1, false));
            port(&mut program, &format!("{name}_port"));
            user(&mut program, &format!("{name}_user"));
        } else if name == "src_nat" || name == "dst_nat" {
            let p = &name[..3];
            out.push_str(&format!(
                r"\((?P<{p}_nat_ip>[^{SPACE}/()]+)(?:/(?P<{p}_nat_port>\d+))?\)(?:\((?P<{p}_nat_user>[^)]*)\))?"
            ));
            program.literal(r"\(");
            program.group(format!("{p}_nat_ip"), |p| p.run(NAT_IP_BYTES, 1, false));
            port(&mut program, &format!("{p}_nat_port"));
            program.literal(r"\)");
            user(&mut program, &format!("{p}_nat_user"));
        } else {
            names.push(name);
            match mode {
                "*" => {
                    out.push_str(&format!("(?P<{name}>.*?)"));
                    program.group(name, |p| p.run(ANY, 0, true));
                }
                "+" => {
                    out.push_str(&format!("(?P<{name}>.+)"));
                    program.group(name, |p| p.run(ANY, 1, false));
                }
                "?" => {
                    out.push_str(&format!("(?: +(?P<{name}>.+))?"));
                    program.optional(|p| {
                        p.literal(" +");
                        p.group(name, |p| p.run(ANY, 1, false));
                    });
                }
                _ => {
                    let (class, bytes) = typed(name);
                    out.push_str(&format!("(?P<{name}>{class})"));
                    program.group(name, |p| p.run(bytes, 1, false));
                }
            }
        }
        pos = whole.end();
    }
    let text = literal(&pattern[pos..]);
    out.push_str(&text);
    program.literal(&text);
    out.push(')');
    (out, program.finished(), names)
}

/// An endpoint's `(?:/(?P<port>\d+))?`, as a program.
fn port(program: &mut Program, name: &str) {
    program.optional(|p| {
        p.literal("/");
        p.group(name, |p| p.run(DIGITS, 1, false));
    });
}

/// An endpoint's `(?:\((?P<user>[^)]*)\))?`, as a program.
fn user(program: &mut Program, name: &str) {
    program.optional(|p| {
        p.literal(r"\(");
        p.group(name, |p| p.run(Set::all_but(b")"), 0, false));
        p.literal(r"\)");
    });
}

/// Literal text, where one space (or more) in the pattern matches a run of spaces.
fn literal(text: &str) -> String {
    text.split(' ')
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(" +")
        .replace(" + +", " +")
}

fn plan(pattern: &'static str) -> Plan {
    let (source, program, names) = compile_pattern(pattern);
    let group = |name: &str| program.group_of(name);
    let fields = FIELDS.map(group);
    let extras = names
        .into_iter()
        .filter(|name| !FIELDS.contains(name) && !TAKEN.contains(name))
        .filter_map(|name| Some((group(name)?, name, swap_name(name))))
        .collect();
    Plan {
        source,
        regex: OnceLock::new(),
        program,
        fields,
        extras,
    }
}

impl Plan {
    /// The pattern's groups in `text`, if it matches: by the program where it decides, else by the
    /// expression.
    fn read<'a>(&self, text: &'a str) -> Option<Groups<'a>> {
        match self.program.read(text.as_bytes()) {
            Outcome::Match(slots) => Some(Groups::Ascii(text, slots)),
            Outcome::NoMatch => None,
            Outcome::Undecided => Some(Groups::Text(self.regex().captures(text)?)),
        }
    }

    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(&self.source).expect("the message table's patterns compile"))
    }
}

/// A match's groups, by what read it.
enum Groups<'a> {
    Text(regex::Captures<'a>),
    Ascii(&'a str, Box<Slots>),
}

impl<'a> Groups<'a> {
    fn get(&self, group: usize) -> Option<&'a str> {
        match self {
            Groups::Text(found) => found.get(group).map(|m| m.as_str()),
            // A group that took no part has no range; ASCII text: every offset is a boundary.
            Groups::Ascii(text, slots) => {
                text.get(*slots.get(2 * group)?..*slots.get(2 * group + 1)?)
            }
        }
    }
}

fn swap_name(name: &'static str) -> &'static str {
    let swapped = if let Some(rest) = name.strip_prefix("src_") {
        format!("dst_{rest}")
    } else if let Some(rest) = name.strip_prefix("dst_") {
        format!("src_{rest}")
    } else {
        return name;
    };
    Box::leak(swapped.into_boxed_str()) // once per table pattern
}

/// A message and its plans, compiled the first time that message is seen.
type Entry = (&'static Message, OnceLock<Vec<Plan>>);

static COMPILED: LazyLock<HashMap<&str, Entry>> = LazyLock::new(|| {
    MESSAGES
        .iter()
        .map(|(id, message)| (*id, (message, OnceLock::new())))
        .collect()
});

fn compiled(msgid: &str) -> Option<(&'static Message, &'static [Plan])> {
    let (message, plans) = COMPILED.get(msgid)?;
    let plans = plans.get_or_init(|| message.patterns.iter().map(|p| plan(p)).collect());
    Some((*message, plans))
}

/// `network.iana_number` of a transport keyword: the reverse of `net::transport`'s table.
static PROTOCOL_NUMBERS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    let mut numbers: Vec<(String, String)> = (0..256)
        .map(|n: u16| n.to_string())
        .filter_map(|number| {
            let name = net::transport(&number)?;
            (name != number).then_some((name, number))
        })
        .collect();
    for name in ["icmpv6", "icmp6"] {
        numbers.push((name.to_owned(), "58".to_owned())); // Cisco writes "icmp6"
    }
    numbers
});

fn protocol_number(name: &str) -> Option<&'static str> {
    PROTOCOL_NUMBERS
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, number)| number.as_str())
}

/// The header before the message id, and the event; the error is the reason a line cannot be read.
/// A whole line: the header before the message id, and the event (or the reason the line cannot be read).
///
/// A line that cannot be read has no header (its time is not read): the message id is looked for first.
pub fn parse_line(line: &str) -> (Syslog<'_>, Result<Map<'_>, String>) {
    match parse(line) {
        Ok((before, mut event)) => {
            let syslog = Syslog::read(before);
            if let Some(sequence) = syslog.sequence() {
                // `service sequence-numbers`: gaps show lost messages
                event.child("event").set("sequence", sequence);
            }
            if let Some(hostname) = hostname(&syslog) {
                event.child("observer").set("hostname", hostname);
                event.child("host").set("hostname", hostname);
            }
            if syslog.priority().is_some() {
                event.child("log").set("syslog", syslog.log_fields());
            }
            (syslog, Ok(event))
        }
        Err(reason) => (Syslog::read(""), Err(reason)),
    }
}

/// The device's name: the header's host, else its tag (a `%` tag is the message id), else a lone word.
fn hostname<'a>(syslog: &Syslog<'a>) -> Option<&'a str> {
    if let Some(hostname) = syslog.hostname().filter(|name| !name.is_empty()) {
        return Some(hostname);
    }
    if let Some(app) = syslog
        .app()
        .filter(|app| !app.is_empty() && !app.starts_with('%'))
    {
        return Some(app);
    }
    let word = py::strip(py::strip(syslog.message()).trim_end_matches(':'));
    (!word.is_empty() && !word.contains(' ')).then_some(word)
}

/// The header text before the message id, and the event of the message.
fn parse(line: &str) -> Result<(&str, Map<'_>), String> {
    let Some(found) = MARKER.captures(line) else {
        return Err("no %ASA-n-nnnnnn or %FTD-n-nnnnnn message id".into());
    };
    let (Some(whole), Some(product), Some(level), Some(msgid)) =
        (found.get(0), found.get(1), found.get(2), found.get(3))
    else {
        return Err("no %ASA-n-nnnnnn or %FTD-n-nnnnnn message id".into());
    };
    let msgid = msgid.as_str();
    let severity = level.as_str().chars().next().and_then(py::digit_value);
    let Some(level) = severity.and_then(|n| LEVELS.get(n as usize)) else {
        return Err(format!(
            "message {msgid} has severity {}, not a syslog level (0-7)",
            level.as_str()
        ));
    };
    let ftd = product.as_str() == "FTD";
    let namespace = if ftd { "ftd" } else { "asa" };
    let text = py::strip(&line[whole.end()..]);
    let mut event = Map::new();
    let fields = event.child("event");
    fields.set("kind", "event");
    fields.set("category", Val::List(Vec::new()));
    fields.set("type", vec!["info"]);
    fields.set("code", msgid);
    fields.set("severity", i64::from(severity.unwrap_or_default()));
    fields.set(
        "dataset",
        if ftd {
            "cisco_ftd.log"
        } else {
            "cisco_asa.log"
        },
    );
    fields.set("module", if ftd { "cisco_ftd" } else { "cisco_asa" });
    event.child("log").set("level", *level);
    let observer = event.child("observer");
    observer.set("vendor", "Cisco");
    observer.set("product", namespace);
    observer.set("type", "firewall");
    event.set("message", text);
    let mut vendor = Map::new();
    match msgid {
        "313005" => icmp_error(&mut event, text, &mut vendor, ftd),
        "430001" | "430002" | "430003" | "430004" | "430005" => {
            firepower(&mut event, msgid, text, &mut vendor)
        }
        _ => from_table(&mut event, msgid, text, &mut vendor, ftd),
    }
    if !vendor.is_empty() {
        event.child("cisco").set(namespace, vendor);
    }
    Ok((&line[..whole.start()], event))
}

fn strings(values: &[&'static str]) -> Val<'static> {
    Val::List(values.iter().map(|value| Val::from(*value)).collect())
}

fn from_table<'a>(
    event: &mut Map<'a>,
    msgid: &str,
    text: &'a str,
    vendor: &mut Map<'a>,
    ftd: bool,
) {
    let Some((message, plans)) = compiled(msgid) else {
        addresses_only(event, text);
        return;
    };
    let fields = event.child("event");
    fields.set("action", message.action);
    if ftd && message.action == "firewall-rule" {
        // how Elastic's cisco_ftd integration types them
        fields.set("category", vec!["network"]);
        fields.set("type", vec!["info"]);
    } else {
        fields.set("category", strings(message.category));
        if message.types.is_empty() {
            fields.set("type", vec!["info"]);
        } else {
            fields.set("type", strings(message.types));
        }
        if let Some(outcome) = message.outcome {
            fields.set("outcome", outcome);
        }
    }
    for plan in plans {
        let Some(found) = plan.read(text) else {
            continue;
        };
        let read = |group: Option<usize>| group.and_then(|at| found.get(at));
        let mut values: Values<'a> = plan.fields.map(read);
        let outbound = values[DIRECTION].is_some_and(|d| py::lower_eq(d, "outbound"));
        let swap = message.swap && outbound;
        if swap {
            // Written from the firewall's side: the "for" endpoint is the destination.
            let (source, rest) = values.split_at_mut(7);
            source.swap_with_slice(&mut rest[..7]);
        }
        let extras = plan
            .extras
            .iter()
            .map(|(group, name, swapped)| (if swap { *swapped } else { *name }, found.get(*group)));
        apply(event, vendor, &values, extras);
        return;
    }
    addresses_only(event, text);
}

/// A message with no known shape still names its addresses in `related.ip`: an indicator
/// sweep or a hunt for an address finds it, though which side each address is stays unknown.
fn addresses_only<'a>(event: &mut Map<'a>, text: &'a str) {
    let mut found = Vec::new();
    for token in TOKENS.split(text) {
        let token = token.trim_matches(|c| c == '.' || c == ':');
        if token.contains('.') || token.contains(':') {
            // As it stands, after an interface (`outside:10.0.0.1`), or before a port (`10.0.0.1:53`).
            let after = token.split_once(':').map_or("", |(_, after)| after);
            let before = token.rsplit_once(':').map_or("", |(before, _)| before);
            if let Some(candidate) = [token, after, before]
                .into_iter()
                .find(|candidate| net::ip(candidate).is_some())
            {
                found.push(candidate);
            }
        }
    }
    net::add_related_ips(event, found);
}

/// The vendor's names for one side's NAT address, port and user.
struct Side {
    mapped_ip: &'static str,
    mapped_port: &'static str,
    username: &'static str,
}

const SOURCE: Side = Side {
    mapped_ip: "mapped_source_ip",
    mapped_port: "mapped_source_port",
    username: "source_username",
};
const DESTINATION: Side = Side {
    mapped_ip: "mapped_destination_ip",
    mapped_port: "mapped_destination_port",
    username: "destination_username",
};

/// NAT address, port and user of one side, under the vendor's own names as written and in ECS
/// where they say something: ASA writes the mapped pair even when nothing was translated, and a
/// `nat` address or port equal to the real one is left out (as Elastic's pipeline does).
fn side<'a>(
    endpoint: &mut Map<'a>,
    vendor: &mut Map<'a>,
    names: &Side,
    nat_ip: Option<&'a str>,
    nat_port: Option<&'a str>,
    user: Option<&'a str>,
) {
    if let Some(ip) = nat_ip.and_then(net::ip) {
        vendor.set(names.mapped_ip, ip);
        if endpoint.get_str("ip") != Some(ip) {
            let mut nat = Map::new();
            nat.set("ip", ip);
            endpoint.set("nat", nat);
        }
    }
    if let Some(port) = nat_port.and_then(py::port) {
        vendor.set(names.mapped_port, port);
        if endpoint.get("port") != Some(&Val::Int(port)) {
            endpoint.child("nat").set("port", port);
        }
    }
    if let Some(user) = user {
        let name = user.rsplit_once('\\').map_or(user, |(_, name)| name);
        endpoint.child("user").set("name", name);
        vendor.set(names.username, user);
    }
}

fn named(name: &str) -> Map<'_> {
    let mut map = Map::new();
    map.set("name", name);
    map
}

/// Map one message's values (`FIELDS` order, then the other names') to ECS; empty means absent.
fn apply<'a>(
    event: &mut Map<'a>,
    vendor: &mut Map<'a>,
    values: &Values<'a>,
    extras: impl Iterator<Item = (&'static str, Option<&'a str>)>,
) {
    let [src_ip, src_port, src_if, src_user, src_nat_ip, src_nat_port, src_nat_user, dst_ip, dst_port, dst_if, dst_user, dst_nat_ip, dst_nat_port, dst_nat_user, direction, transport, rule, user, verdict, count, duration] =
        values.map(|value| value.filter(|text| !text.is_empty()));
    let mut source = net::endpoint(src_ip.unwrap_or(""), src_port.and_then(py::port));
    let mut destination = net::endpoint(dst_ip.unwrap_or(""), dst_port.and_then(py::port));
    side(
        &mut source,
        vendor,
        &SOURCE,
        src_nat_ip,
        src_nat_port,
        src_user.or(src_nat_user),
    );
    side(
        &mut destination,
        vendor,
        &DESTINATION,
        dst_nat_ip,
        dst_nat_port,
        dst_user.or(dst_nat_user),
    );
    event.attach("source", source);
    event.attach("destination", destination);
    if let Some(name) = src_if {
        let mut ingress = Map::new();
        ingress.set("interface", named(name));
        event.child("observer").set("ingress", ingress);
        vendor.set("source_interface", name);
    }
    if let Some(name) = dst_if {
        let mut egress = Map::new();
        egress.set("interface", named(name));
        event.child("observer").set("egress", egress);
        vendor.set("destination_interface", name);
    }
    let mut network = Map::new();
    if let Some(direction) = direction {
        for known in ["inbound", "outbound"] {
            if py::lower_eq(direction, known) {
                network.set("direction", known);
            }
        }
    }
    if let Some(transport) = transport.and_then(net::transport) {
        let number = protocol_number(&transport);
        network.set("transport", transport);
        network.put_opt("iana_number", number);
    }
    if let Some(bytes) = count.and_then(py::integer) {
        network.set("bytes", bytes);
    }
    event.attach("network", network);
    if let Some(rule) = rule {
        event.set("rule", named(rule));
        vendor.set("rule_name", rule);
    }
    if let Some(user) = user {
        event.set("user", named(user));
    }
    if let Some(verdict) = verdict {
        let verdict = py::lower(verdict);
        let allowed = ["permit", "allow", "est-allow"]
            .iter()
            .any(|prefix| verdict.starts_with(prefix));
        let said = if allowed { "allowed" } else { "denied" };
        if let Some(Val::List(types)) = event.lookup("event.type") {
            let types: Vec<Val<'a>> = types
                .iter()
                .map(|kind| match kind {
                    Val::Str(text) if text == "allowed" || text == "denied" => Val::from(said),
                    other => other.clone(),
                })
                .collect();
            event.child("event").set("type", Val::List(types));
        }
    }
    if let Some(seconds) = duration.and_then(seconds) {
        // beyond 64 bits only where Python kept a larger integer
        event
            .child("event")
            .put_opt("duration", seconds.checked_mul(1_000_000_000));
    }
    for (key, value) in extras {
        let Some(value) = value.filter(|value| !value.is_empty()) else {
            continue;
        };
        if key == "reason" {
            event.child("event").set("reason", py::strip(value));
        } else if key == "icmp_type" || key == "icmp_code" {
            vendor.set(key, py::integer(value).map_or(Val::from(value), Val::Int));
        } else {
            vendor.set(key, value);
        }
    }
    let addresses = [src_ip, dst_ip, src_nat_ip, dst_nat_ip];
    net::add_related_ips(event, addresses.into_iter().flatten());
}

/// Seconds of `h:mm:ss` (connections) or `[Nd ]Hh:MMm:SSs` (VPN sessions, 113019); None also
/// where the number needs more than 64 bits.
fn seconds(value: &str) -> Option<i64> {
    let parts = value.split(':');
    if parts.clone().count() > 3 || !parts.clone().all(py::is_decimal) {
        let found = SESSION_DURATION.captures(value)?;
        let number = |at: usize| found.get(at).map_or(Some(0), |m| py::integer(m.as_str()));
        let (days, hours, minutes, seconds) = (number(1)?, number(2)?, number(3)?, number(4)?);
        let hours = days.checked_mul(24)?.checked_add(hours)?;
        let minutes = hours.checked_mul(60)?.checked_add(minutes)?;
        return minutes.checked_mul(60)?.checked_add(seconds);
    }
    parts.into_iter().try_fold(0i64, |total, part| {
        total.checked_mul(60)?.checked_add(py::integer(part)?)
    })
}

/// 313005: the quoted original packet, when it has ports, names the real endpoints.
fn icmp_error<'a>(event: &mut Map<'a>, text: &'a str, vendor: &mut Map<'a>, ftd: bool) {
    from_table(event, "313005", text, vendor, ftd);
    let Some(at) = text.find("Original IP payload:") else {
        return;
    };
    let Some(found) = PAYLOAD.captures_at(text, at) else {
        return;
    };
    let group = |at: usize| found.get(at).map_or("", |m| m.as_str());
    let (src, sport, dst, dport) = (group(2), group(3), group(4), group(5));
    event.set("source", net::endpoint(src, py::port(sport)));
    event.set("destination", net::endpoint(dst, py::port(dport)));
    net::add_related_ips(event, [src, dst]);
}

/// Firepower keys read as `FIELDS`, with the index of the field.
const FIREPOWER_FIELDS: [(&str, usize); 13] = [
    ("SrcIP", 0),
    ("DstIP", 7),
    ("SrcPort", 1),
    ("DstPort", 8),
    ("Protocol", 15),
    ("IngressInterface", 2),
    ("EgressInterface", 9),
    ("AccessControlRuleName", 16),
    ("User", 17),
    ("NAT_InitiatorAddr", 4),
    ("NAT_InitiatorPort", 5),
    ("NAT_ResponderAddr", 11),
    ("NAT_ResponderPort", 12),
];
/// Firepower keys whose value is an ECS field as written (a digest in lowercase, as ECS keeps them).
const FIREPOWER_ECS: [(&str, &str); 6] = [
    ("URL", "url.original"),
    ("UserAgent", "user_agent.original"),
    ("DNSQuery", "dns.question.name"),
    ("FileName", "file.name"),
    ("FileSHA256", "file.hash.sha256"),
    ("HTTPReferer", "http.request.referrer"),
];
const FIREPOWER_COUNTERS: [(&str, &str, &str); 4] = [
    ("InitiatorBytes", "source", "bytes"),
    ("ResponderBytes", "destination", "bytes"),
    ("InitiatorPackets", "source", "packets"),
    ("ResponderPackets", "destination", "packets"),
];

/// The `Key: value` items of a Firepower event (430001–430005): the first value of a key is kept,
/// values are stripped, and an item with no value is left out.
fn firepower_pairs(text: &str) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut items = Vec::new();
    let (mut start, mut search) = (0, 0);
    while let Some(offset) = text.get(search..).and_then(|rest| rest.find(", ")) {
        let at = search + offset;
        if text
            .get(at + 2..)
            .is_some_and(|next| FIREPOWER_KEY.is_match(next))
        {
            items.push(&text[start..at]);
            start = at + 2;
        }
        search = at + 2;
    }
    items.push(&text[start..]);
    for item in items {
        let Some((key, value)) = item.split_once(": ") else {
            continue;
        };
        let value = py::strip(value);
        // As the Python dict had it: the key as written is looked up, the stripped key is stored.
        if value.is_empty() || pairs.iter().any(|(known, _)| *known == key) {
            continue;
        }
        let key = py::strip(key);
        match pairs.iter_mut().find(|(known, _)| *known == key) {
            Some(pair) => pair.1 = value,
            None => pairs.push((key, value)),
        }
    }
    pairs
}

fn firepower<'a>(event: &mut Map<'a>, msgid: &str, text: &'a str, vendor: &mut Map<'a>) {
    let (category, mut types, action): (&[&str], Vec<&str>, &str) = match msgid {
        "430001" => (
            &["intrusion_detection", "network"],
            vec!["info"],
            "intrusion-detected",
        ),
        "430002" => (
            &["network"],
            vec!["connection", "start"],
            "connection-started",
        ),
        "430003" => (
            &["network"],
            vec!["connection", "end"],
            "connection-finished",
        ),
        "430004" => (&["file", "network"], vec!["info"], "file-detected"),
        _ => (
            &["malware", "file", "network"],
            vec!["info"],
            "malware-detected",
        ),
    };
    let pairs = firepower_pairs(text);
    let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let verdict = py::lower(get("AccessControlRuleAction").unwrap_or(""));
    if !verdict.is_empty() {
        let denied = ["block", "deny", "drop"]
            .iter()
            .any(|prefix| verdict.starts_with(prefix));
        types.push(if denied { "denied" } else { "allowed" });
    }
    let fields = event.child("event");
    fields.set("category", category.to_vec());
    fields.set("type", types);
    fields.set("action", action);
    if !verdict.is_empty() {
        fields.set("outcome", "success");
    }
    let mut values: Values<'a> = [None; 21];
    for (key, at) in FIREPOWER_FIELDS {
        values[at] = get(key);
    }
    if values[17].is_some_and(|user| {
        ["no authentication required", "not found", "unknown"]
            .iter()
            .any(|none| py::lower_eq(user, none))
    }) {
        values[17] = None;
    }
    for (ip, port) in [(4, 5), (11, 12)] {
        // an unspecified address (and port 0) is "not translated"
        if values[ip].is_some_and(|address| net::nat_ip(address).is_none()) {
            values[ip] = None;
            values[port] = None;
        }
    }
    apply(event, vendor, &values, std::iter::empty());
    firepower_ecs(event, &pairs);
    for (key, value) in pairs {
        if FIREPOWER_FIELDS.iter().any(|(known, _)| *known == key) {
            continue;
        }
        let name: Cow<'a, str> = if key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            Cow::Borrowed(key)
        } else {
            Cow::Owned(py::lower(key).replace(' ', "_"))
        };
        vendor.set_data(name, value);
    }
}

/// The counters, zones, first-packet time and content names a connection or file event reports.
fn firepower_ecs<'a>(event: &mut Map<'a>, pairs: &[(&'a str, &'a str)]) {
    let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    for (key, side, counter) in FIREPOWER_COUNTERS {
        if let Some(number) = get(key).and_then(py::integer) {
            if event.get(side).is_some() {
                event.child(side).set(counter, number);
            }
        }
    }
    if event.get("network").is_some() {
        for field in ["bytes", "packets"] {
            let count = |side: &str| match event.get(side) {
                Some(Val::Map(map)) => match map.get(field) {
                    Some(Val::Int(number)) => Some(*number),
                    _ => None,
                },
                _ => None,
            };
            // beyond 64 bits only where Python kept a larger integer
            if let Some(total) = count("source")
                .zip(count("destination"))
                .and_then(|(a, b)| a.checked_add(b))
            {
                event.child("network").set(field, total);
            }
        }
        if let Some(protocol) = get("ApplicationProtocol") {
            event.child("network").set("protocol", py::lower(protocol));
        }
    }
    for (key, side) in [("IngressZone", "ingress"), ("EgressZone", "egress")] {
        if let Some(zone) = get(key) {
            event.child("observer").child(side).set("zone", zone);
        }
    }
    if let Some(first) = get("FirstPacketSecond").filter(|first| UTC_SECOND.is_match(first)) {
        let second = first.strip_suffix('Z').unwrap_or(first);
        event.put("event.start", format!("{second}.000Z"));
    }
    for (key, field) in FIREPOWER_ECS {
        if let Some(value) = get(key) {
            if key == "FileSHA256" {
                event.put(field, py::lower(value));
            } else {
                event.put(field, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_pattern_compiles() {
        for (msgid, message) in MESSAGES {
            let (_, plans) = compiled(msgid).expect("in the table");
            assert_eq!(plans.len(), message.patterns.len());
        }
    }

    /// A small deterministic generator (xorshift), for the texts below.
    struct Noise(u64);

    impl Noise {
        fn next(&mut self, below: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % below as u64) as usize
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next(from.len())]
        }
    }

    /// A text shaped like `pattern`, its placeholders filled with likely and awkward values, then maybe
    /// damaged: characters the classes treat specially swapped in, added or taken out.
    fn shaped(pattern: &str, noise: &mut Noise) -> String {
        const ENDPOINTS: &[&str] = &[
            "outside:10.1.2.3/443",
            "10.1.2.3",
            "inside:fe80::1/22(LOCAL\\u)",
            "dmz:host.example/80 (x)",
            "a:b:c/1",
            "if:1.2.3.4(u)(v)",
            "x/y",
        ];
        const NATS: &[&str] = &[
            "(10.0.0.1/53)",
            "(10.0.0.1)",
            "(1.2.3.4/5)(user)",
            "(a b)",
            "()",
        ];
        const WORDS: &[&str] = &[
            "TCP", "outbound", "x/y", "a(b", "1234", "0:45:35", "", "\"q\"", "a,b",
        ];
        const TAILS: &[&str] = &["", " extra text (x) [y]", "tail", "  two  spaces", "\tt"];
        const DAMAGE: &[u8] = b" :/()\t,.\"'0aZ-\x1c\x0b\n\x00\x7f";
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("a closed placeholder");
            let name = &rest[open + 1..close];
            out.push_str(match name.trim_end_matches(['*', '+', '?']) {
                "src" | "dst" => noise.pick(ENDPOINTS),
                "src_nat" | "dst_nat" => noise.pick(NATS),
                _ if name.len() > 1 && name.ends_with(['*', '+', '?']) => noise.pick(TAILS),
                _ => noise.pick(WORDS),
            });
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        let mut bytes = out.into_bytes();
        for _ in 0..noise.next(4) {
            let at = noise.next(bytes.len() + 1);
            let byte = match noise.next(4) {
                0 => noise.next(128) as u8, // any ASCII byte
                _ => DAMAGE[noise.next(DAMAGE.len())],
            };
            match noise.next(3) {
                0 if at < bytes.len() => bytes[at] = byte,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, byte),
            }
        }
        String::from_utf8(bytes).expect("ASCII")
    }

    #[test]
    fn the_programs_read_ascii_text_as_the_expressions_do() {
        let mut noise = Noise(0x5eed_cafe_f00d);
        let mut matched = 0;
        for (msgid, message) in MESSAGES {
            let (_, plans) = compiled(msgid).expect("in the table");
            for (plan, pattern) in plans.iter().zip(message.patterns) {
                assert!(
                    plan.program.names().eq(plan.regex().capture_names()),
                    "{msgid}: the same groups in the same places"
                );
                for _ in 0..300 {
                    let text = shaped(pattern, &mut noise);
                    let by_text = plan.regex().captures(&text);
                    let by_bytes = plan.read(&text);
                    assert!(
                        !matches!(by_bytes, Some(Groups::Text(_))),
                        "{msgid}: the program decides ({text:?})"
                    );
                    assert_eq!(by_text.is_some(), by_bytes.is_some(), "{msgid}: {text:?}");
                    let (Some(by_text), Some(by_bytes)) = (by_text, by_bytes) else {
                        continue;
                    };
                    matched += 1;
                    for group in 0..by_text.len() {
                        let expected = by_text.get(group).map(|m| m.as_str());
                        assert_eq!(
                            by_bytes.get(group),
                            expected,
                            "{msgid} group {group}: {text:?}"
                        );
                    }
                }
            }
        }
        assert!(
            matched > 2_500,
            "many shaped texts match their pattern ({matched})"
        );
    }

    #[test]
    fn a_text_over_the_programs_budget_is_read_by_the_expression() {
        // Three lazy runs before a "z" that never comes: every split of the text is tried.
        let (source, program, _) = compile_pattern("{a*}x{b*}y{c*}z");
        let regex = Regex::new(&source).expect("compiles");
        let text = "xy".repeat(400);
        assert!(matches!(program.read(text.as_bytes()), Outcome::Undecided));
        assert!(
            regex.captures(&text).is_none(),
            "and the expression finds no match"
        );
        let long = format!("{}z", "xy".repeat(3000));
        assert!(
            matches!(program.read(long.as_bytes()), Outcome::Undecided),
            "too long to try"
        );
        let short = "axbyz";
        let Outcome::Match(slots) = program.read(short.as_bytes()) else {
            panic!("a short text is decided");
        };
        let found = regex.captures(short).expect("matches");
        for group in 0..program.groups() {
            let by_program = short.get(slots[2 * group]..slots[2 * group + 1]);
            assert_eq!(by_program, found.get(group).map(|m| m.as_str()));
        }
    }

    #[test]
    fn text_beyond_ascii_is_read_by_the_unicode_expression() {
        // U+00A0 is whitespace to Python, so it ends the transport's word as a space would.
        let (_, plans) = compiled("302013").expect("in the table");
        let text = "Built outbound TCP\u{a0}x connection 1 for a:10.0.0.1/1 (10.0.0.1/1) to b:10.0.0.2/2 (10.0.0.2/2)";
        assert!(
            plans[0].read(text).is_none(),
            "a non-breaking space is not part of a word"
        );
        let text = "Built outbound TCP connection 1 for a:10.0.0.1/1 (10.0.0.1/1) to b:10.0.0.2/2 (10.0.0.2/2) é";
        let found = plans[0].read(text).expect("matches");
        assert!(matches!(found, Groups::Text(_)));
        let group = plans[0].fields[0].expect("the pattern reads src_ip");
        assert_eq!(
            found.get(group),
            Some("10.0.0.1"),
            "the sides as written (swapped later)"
        );
    }

    #[test]
    fn built_outbound_swaps_the_sides() {
        let line = "<166>May  5 17:51:17 dev01: %ASA-6-302013: Built outbound TCP connection 4412 for \
                    outside:203.0.113.80/443 (203.0.113.80/443) to inside:10.20.0.15/51544 (198.51.100.7/51544)";
        let (head, event) = parse(line).expect("parsed");
        assert_eq!(head, "<166>May  5 17:51:17 dev01: ");
        assert_eq!(event.get_str("source.ip"), Some("10.20.0.15"));
        assert_eq!(event.get_str("source.nat.ip"), Some("198.51.100.7"));
        assert_eq!(event.get_str("destination.ip"), Some("203.0.113.80"));
        assert_eq!(event.get_str("network.iana_number"), Some("6"));
        assert_eq!(
            event.get_str("cisco.asa.connection_id"),
            Some("4412"),
            "a name of the pattern is kept as the vendor's"
        );
    }

    #[test]
    fn the_header_names_the_device() {
        let line = "<166>1234: fw01: Mar 14 2026 08:15:00: %ASA-6-302013: Built inbound TCP connection 1 for \
                    outside:10.0.0.1/53 (10.0.0.1/53) to inside:10.0.0.2/53 (10.0.0.2/53)";
        let (_, parsed) = parse_line(line);
        let event = parsed.expect("parsed");
        assert_eq!(event.get_str("observer.hostname"), Some("fw01"));
        assert_eq!(event.get_str("host.hostname"), Some("fw01"));
        assert!(matches!(
            event.lookup("event.sequence"),
            Some(Val::Int(1234))
        ));
        assert!(matches!(
            event.lookup("log.syslog.priority"),
            Some(Val::Int(166))
        ));
        let (_, parsed) = parse_line("May  5 17:51:17 dev01 : %ASA-4-313005: x");
        assert_eq!(
            parsed.expect("parsed").get_str("observer.hostname"),
            Some("dev01")
        );
        let (syslog, parsed) = parse_line("May  5 17:51:17 dev01 : %ASA-9-313005: x");
        assert!(
            parsed.is_err() && syslog.times.is_empty(),
            "no header read for a bad line"
        );
    }

    #[test]
    fn unreadable_lines_say_why() {
        assert!(parse("no marker here").is_err());
        assert!(parse("%ASA-9-302013: x").is_err());
        assert!(parse("%ASA-\u{0663}-999999: x").is_ok());
    }

    #[test]
    fn firepower_pairs_split_before_keys_only() {
        let pairs = firepower_pairs("A: 1, UserAgent: x (KHTML, like Gecko), B C: 2, A: 3");
        assert_eq!(
            pairs,
            vec![
                ("A", "1"),
                ("UserAgent", "x (KHTML, like Gecko)"),
                ("B C", "2")
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(seconds("1:02:03"), Some(3723));
        assert_eq!(seconds("1d 2h:03m:04s"), Some(93784));
        assert_eq!(seconds("1:2:3:4"), None);
    }
}
