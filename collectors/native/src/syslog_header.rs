//! Syslog headers split into their parts: the native half of `collectors/syslog_header.py`.
//!
//! One call reads a line's RFC 3164 or RFC 5424 header (with a relay's header
//! before the device's, a Cisco prefix, a byte order mark) and returns its parts
//! as written; Python converts the header times with `SyslogClock` (cached per
//! minute, in the context's zone) and builds the `SyslogHeader`.
//!
//! The scanners reproduce the Python module's regular expressions exactly,
//! including what `re` calls whitespace (`\x1c`-`\x1f` too) and digits (any
//! Unicode decimal digit). They work on bytes: a Python line may hold lone
//! surrogates (undecodable log bytes), which reach here encoded as UTF-8 with
//! `surrogatepass` and go back to Python the same way.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ffi::c_char;
use std::sync::{LazyLock, RwLock};

use memchr::memmem::{self, Finder};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

use crate::clock::{self, Clock};
use crate::event::{presized, Converter, Map, Val};
use crate::pydict;

/// A piece of the line (UTF-8, lone surrogates allowed).
type Text<'a> = &'a [u8];

/// One SD-ELEMENT: its id and its parameters in the order written (a repeated name: the last value wins).
type Element<'a> = (Text<'a>, Vec<(Text<'a>, Cow<'a, [u8]>)>);

const BOM: &[u8] = "\u{feff}".as_bytes();
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
/// Relay headers read before the device's: two hops at most.
const RELAYS: u32 = 2;

/// The zone names, and the longest one's length (a longer word is no zone: no lookup).
static ZONES: LazyLock<RwLock<(HashSet<Vec<u8>>, usize)>> = LazyLock::new(Default::default);
static UNICODE_DIGIT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"\A\d\z").expect("a valid pattern"));

/// The zone names a BSD time may carry (`collectors.syslog_time`'s `HEADER_ZONES` and `AMBIGUOUS_ZONES`).
pub(crate) fn set_zone_names(names: Vec<String>) {
    let mut zones = ZONES
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let longest = names.iter().map(String::len).max().unwrap_or(0);
    *zones = (names.into_iter().map(String::into_bytes).collect(), longest);
}

fn is_zone(name: &[u8]) -> bool {
    ZONES
        .read()
        .map(|zones| name.len() <= zones.1 && zones.0.contains(name))
        .unwrap_or(false)
}

/// A header time as written, for `SyslogClock`: its `parts` (through `clock`) or `iso`.
#[derive(Debug, PartialEq)]
pub(crate) enum Time<'a> {
    Bsd {
        stamp: Text<'a>,
        minute: Text<'a>,
        second: Text<'a>,
        fraction: Option<Text<'a>>,
        zone: Option<Text<'a>>,
    },
    Iso {
        stamp: Text<'a>,
        date: Text<'a>,
        minute: Text<'a>,
        second: Text<'a>,
        fraction: Option<Text<'a>>,
        offset: Option<Text<'a>>,
    },
    Raw(Text<'a>),
}

/// A header's parts; its time is in the list `parse` fills.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Header<'a> {
    pub message: Text<'a>,
    pub priority: Option<Text<'a>>,
    pub hostname: Option<Text<'a>>,
    pub app: Option<Text<'a>>,
    pub procid: Option<Text<'a>>,
    pub msgid: Option<Text<'a>>,
    pub structured: Option<Vec<Element<'a>>>,
    pub version: Option<Text<'a>>,
    pub sequence: Option<Text<'a>>,
}

// ---- characters, as Python's `re` classes them ----

/// The character at `i` (a code point, a surrogate included) and its length in bytes.
#[inline]
fn char_at(s: &[u8], i: usize) -> Option<(u32, usize)> {
    let b = *s.get(i)?;
    if b < 0x80 {
        return Some((u32::from(b), 1));
    }
    let (len, lead) = if b >= 0xF0 {
        (4, b & 0x07)
    } else if b >= 0xE0 {
        (3, b & 0x0F)
    } else {
        (2, b & 0x1F)
    };
    let mut c = u32::from(lead);
    for k in 1..len {
        c = (c << 6) | u32::from(*s.get(i + k)? & 0x3F);
    }
    Some((c, len))
}

/// `\s` of Python's `re` (`str.isspace`): Unicode White_Space and the separators `\x1c`-`\x1f`.
#[inline]
fn is_space(c: u32) -> bool {
    matches!(
        c,
        0x09..=0x0D
            | 0x1C..=0x20
            | 0x85
            | 0xA0
            | 0x1680
            | 0x2000..=0x200A
            | 0x2028
            | 0x2029
            | 0x202F
            | 0x205F
            | 0x3000
    )
}

/// `\d`: a Unicode decimal digit.
#[inline]
fn is_digit(c: u32) -> bool {
    if c < 0x80 {
        return (0x30..=0x39).contains(&c);
    }
    if c < 0x660 {
        return false;
    }
    char::from_u32(c).is_some_and(|c| UNICODE_DIGIT.is_match(c.encode_utf8(&mut [0; 4])))
}

/// Up to `max` digits at `i`: how many, and where they end.
#[inline]
fn digits(s: &[u8], mut i: usize, max: usize) -> (usize, usize) {
    let mut n = 0;
    while n < max {
        match char_at(s, i) {
            Some((c, len)) if is_digit(c) => {
                n += 1;
                i += len;
            }
            _ => break,
        }
    }
    (n, i)
}

/// Where the run of characters from `i` that `stop` does not end, ends.
#[inline]
fn run(s: &[u8], mut i: usize, stop: impl Fn(u32) -> bool) -> usize {
    while let Some((c, len)) = char_at(s, i) {
        if stop(c) {
            break;
        }
        i += len;
    }
    i
}

/// Past the ` +` (plain spaces) at `i`.
#[inline]
fn spaces(s: &[u8], mut i: usize) -> usize {
    while s.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

#[inline]
fn at(s: &[u8], i: usize, byte: u8) -> bool {
    s.get(i) == Some(&byte)
}

#[inline]
fn part(s: &[u8], from: usize, to: usize) -> Text<'_> {
    s.get(from..to).unwrap_or_default()
}

#[inline]
fn tail(s: &[u8], from: usize) -> Text<'_> {
    s.get(from..).unwrap_or_default()
}

/// `$` of Python's `re`: the end, or a last newline.
#[inline]
fn dollar(s: &[u8], i: usize) -> bool {
    i == s.len() || (i + 1 == s.len() && s[i] == b'\n')
}

/// `<\d{1,3}>` at `i`: the digits and the end.
fn priority_at(s: &[u8], i: usize) -> Option<(Text<'_>, usize)> {
    if !at(s, i, b'<') {
        return None;
    }
    let (n, end) = digits(s, i + 1, 3);
    (n > 0 && at(s, end, b'>')).then(|| (part(s, i + 1, end), end + 1))
}

// ---- times ----

/// `Mmm +d{1,2} +(?:yyyy +)?h{1,2}:mm:ss` at `p`: where the minute and the second end.
fn bsd_clock(s: &[u8], p: usize) -> Option<(usize, usize)> {
    if !MONTHS.contains(&s.get(p..p + 3)?) {
        return None;
    }
    let mut i = spaces(s, p + 3);
    if i == p + 3 {
        return None;
    }
    let (n, j) = digits(s, i, 2);
    i = spaces(s, j);
    if n == 0 || i == j {
        return None;
    }
    let (n, j) = digits(s, i, 4);
    if n == 4 && at(s, j, b' ') {
        i = spaces(s, j);
    }
    let (n, j) = digits(s, i, 2);
    if n == 0 || !at(s, j, b':') {
        return None;
    }
    let (n, minute) = digits(s, j + 1, 2);
    if n != 2 || !at(s, minute, b':') {
        return None;
    }
    let (n, second) = digits(s, minute + 1, 2);
    (n == 2).then_some((minute, second))
}

/// `(?:\.(\d{1,9}))?` at `p`: the fraction's digits, if any, and where the time goes on.
fn fraction_at(s: &[u8], p: usize) -> (Option<Text<'_>>, usize) {
    if at(s, p, b'.') {
        let (n, j) = digits(s, p + 1, 9);
        if n > 0 {
            return (Some(part(s, p + 1, j)), j);
        }
    }
    (None, p)
}

/// A BSD time at `p` with its fraction and the zone name after it, and where it ends.
fn bsd_time(s: &[u8], p: usize) -> Option<(Time<'_>, usize)> {
    let (minute, second) = bsd_clock(s, p)?;
    let (fraction, mut end) = fraction_at(s, second);
    let stamp = part(s, p, end);
    let mut zone = None;
    if at(s, end, b' ') {
        let name_end = run(s, end + 1, |c| c == u32::from(b':') || is_space(c));
        let name = part(s, end + 1, name_end);
        if !name.is_empty() && is_zone(name) {
            zone = Some(name);
            end = name_end;
        }
    }
    let time = Time::Bsd {
        stamp,
        minute: part(s, p, minute),
        second: part(s, minute + 1, second),
        fraction,
        zone,
    };
    Some((time, end))
}

/// `\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(offset)?` at `p`. RFC 5424's form (`t_only`) has a
/// `T`, seconds 00-59 and a `z` as well as a `Z`.
fn iso_time(s: &[u8], p: usize, t_only: bool) -> Option<(Time<'_>, usize)> {
    let two = |i: usize| {
        let (n, j) = digits(s, i, 2);
        (n == 2).then_some(j)
    };
    let (n, mut i) = digits(s, p, 4);
    if n != 4 || !at(s, i, b'-') {
        return None;
    }
    i = two(i + 1)?;
    if !at(s, i, b'-') {
        return None;
    }
    let date_end = two(i + 1)?;
    if !(at(s, date_end, b'T') || (!t_only && at(s, date_end, b' '))) {
        return None;
    }
    i = two(date_end + 1)?;
    if !at(s, i, b':') {
        return None;
    }
    let minute_end = two(i + 1)?;
    if !at(s, minute_end, b':') {
        return None;
    }
    let second_end = if t_only {
        if !matches!(s.get(minute_end + 1), Some(b'0'..=b'5')) {
            return None;
        }
        let (n, j) = digits(s, minute_end + 2, 1);
        if n != 1 {
            return None;
        }
        j
    } else {
        two(minute_end + 1)?
    };
    let (fraction, mut end) = fraction_at(s, second_end);
    let mut offset = None;
    match s.get(end) {
        Some(b'Z') => {
            offset = Some(part(s, end, end + 1));
            end += 1;
        }
        Some(b'z') if t_only => {
            offset = Some(part(s, end, end + 1));
            end += 1;
        }
        Some(b'+' | b'-') => {
            if let Some(j) = two(end + 1) {
                let last = if at(s, j, b':') { two(j + 1) } else { two(j) };
                if let Some(last) = last {
                    offset = Some(part(s, end, last));
                    end = last;
                }
            }
        }
        _ => {}
    }
    let time = Time::Iso {
        stamp: part(s, p, end),
        date: part(s, p, date_end),
        minute: part(s, date_end + 1, minute_end),
        second: part(s, minute_end + 1, second_end),
        fraction,
        offset,
    };
    Some((time, end))
}

// ---- RFC 3164 ----

/// The tag, host or both after a BSD header's time.
enum Tail<'a> {
    None,
    App(Text<'a>, Option<Text<'a>>),
    HostApp(Text<'a>, Text<'a>, Option<Text<'a>>),
    Host(Text<'a>),
}

/// What `_BSD` of the Python module matched.
struct Bsd<'a> {
    priority: Option<Text<'a>>,
    time: Option<Time<'a>>,
    stamp_end: usize,
    tail: Tail<'a>,
    end: usize,
}

fn not_tag(c: u32) -> bool {
    matches!(c, 0x3A | 0x5B | 0x5D) || is_space(c)
}

/// `app(?:[procid])?:(?: |$)` at `i` (`app` non-empty, without spaces, brackets or colons): app, procid, end.
fn tag_at(s: &[u8], i: usize) -> Option<(Text<'_>, Option<Text<'_>>, usize)> {
    let app_end = run(s, i, not_tag);
    if app_end == i {
        return None;
    }
    let mut j = app_end;
    let mut procid = None;
    if at(s, j, b'[') {
        let close = run(s, j + 1, |c| c == u32::from(b']') || is_space(c));
        if at(s, close, b']') {
            procid = Some(part(s, j + 1, close));
            j = close + 1;
        }
    }
    if !at(s, j, b':') {
        return None;
    }
    let end = if at(s, j + 1, b' ') {
        j + 2
    } else if dollar(s, j + 1) {
        j + 1
    } else {
        return None;
    };
    Some((part(s, i, app_end), procid, end))
}

/// A host written as an IPv6 address at `i` and followed by a space: where it ends.
fn ipv6_host(s: &[u8], i: usize) -> Option<usize> {
    let end = i + s
        .get(i..)?
        .iter()
        .take_while(|b| b.is_ascii_hexdigit() || **b == b':' || **b == b'.')
        .count();
    let text = part(s, i, end);
    let first = text.iter().position(|b| *b == b':')?;
    let valid = first <= 4
        && text[..first].iter().all(u8::is_ascii_hexdigit)
        && text.iter().filter(|b| **b == b':').count() >= 2
        && text.last().is_some_and(u8::is_ascii_hexdigit)
        && at(s, end, b' ');
    valid.then_some(end)
}

fn bsd(s: &[u8]) -> Bsd<'_> {
    let mut i = 0;
    let mut priority = None;
    if let Some((pri, end)) = priority_at(s, 0) {
        priority = Some(pri);
        i = end;
    }
    if at(s, i, b':') {
        i += 1;
    }
    i = run(s, i, |c| !is_space(c));
    let mut time = None;
    if let Some((found, end)) = bsd_time(s, i).or_else(|| iso_time(s, i, false)) {
        time = Some(found);
        i = end;
    }
    if at(s, i, b':') {
        i += 1;
    }
    if at(s, i, b' ') {
        i += 1;
    }
    let stamp_end = i;
    let mut tail = Tail::None;
    let mut end = i;
    if let Some((app, procid, j)) = tag_at(s, i) {
        tail = Tail::App(app, procid);
        end = j;
    } else {
        let host_app = |host_end: usize| {
            let k = spaces(s, host_end);
            if k == host_end {
                return None;
            }
            tag_at(s, k)
                .map(|(app, procid, j)| (Tail::HostApp(part(s, i, host_end), app, procid), j))
        };
        let host_end = run(s, i, |c| c == u32::from(b':') || is_space(c));
        let mut found = if host_end > i {
            host_app(host_end)
        } else {
            None
        };
        if found.is_none() {
            found = ipv6_host(s, i).and_then(host_app);
        }
        if found.is_none() {
            let host_end = run(s, i, |c| matches!(c, 0x3A | 0x5B) || is_space(c));
            let host_end = if host_end > i && at(s, host_end, b' ') {
                Some(host_end)
            } else {
                ipv6_host(s, i)
            };
            found = host_end.map(|h| (Tail::Host(part(s, i, h)), spaces(s, h)));
        }
        if let Some((found, j)) = found {
            tail = found;
            end = j;
        }
    }
    Bsd {
        priority,
        time,
        stamp_end,
        tail,
        end,
    }
}

// ---- the header ----

/// The header of `line` and, in `times`, the time of each header read (a relay's first); the last one is the
/// header's time.
pub(crate) fn parse<'a>(line: Text<'a>, times: &mut Vec<Time<'a>>) -> Header<'a> {
    parse_at(line, times, RELAYS)
}

fn parse_at<'a>(line: Text<'a>, times: &mut Vec<Time<'a>>, relays: u32) -> Header<'a> {
    if at(line, 0, b'<') {
        if let Some(header) = rfc5424(line, times) {
            if relays > 0 && header.app.is_none() && relayed_first(header.message) {
                return relayed(header, times, relays);
            }
            return header;
        }
    }
    let found = bsd(line);
    let priority = found.priority;
    match found.time {
        Some(time) => times.push(time),
        None if line.starts_with(BOM) => {
            let mut rest = line;
            while let Some(after) = rest.strip_prefix(BOM) {
                rest = after;
            }
            return parse_at(rest, times, relays);
        }
        None => {
            let at = found.stamp_end;
            if matches!(line.get(at), Some(b'0'..=b'9' | b'*' | b'.')) {
                return cisco_prefixed(line, at, priority, times, relays);
            }
            return Header {
                message: tail(line, at),
                priority,
                ..Header::default()
            };
        }
    }
    let message = tail(line, found.end);
    let header = match found.tail {
        Tail::App(app, procid) => {
            return Header {
                message,
                priority,
                app: Some(app),
                procid,
                ..Header::default()
            }
        }
        Tail::HostApp(host, app, procid) => {
            return Header {
                message,
                priority,
                hostname: Some(host),
                app: Some(app),
                procid,
                ..Header::default()
            }
        }
        Tail::Host(host) => Header {
            message,
            priority,
            hostname: Some(host),
            ..Header::default()
        },
        Tail::None => Header {
            message: tail(line, found.stamp_end),
            priority,
            ..Header::default()
        },
    };
    if relays > 0 && relayed_first(header.message) {
        return relayed(header, times, relays);
    }
    header
}

/// What Cisco devices write before a BSD time, at `i`: counter, host, sequence number, and where it ends.
#[allow(clippy::type_complexity)]
fn cisco_prefix(
    s: &[u8],
    i: usize,
) -> (Option<Text<'_>>, Option<Text<'_>>, Option<Text<'_>>, usize) {
    // `(\d{1,10}): +` at j: the number and the end.
    let numbered = |j: usize| {
        let (n, k) = digits(s, j, 10);
        if n == 0 || !at(s, k, b':') {
            return None;
        }
        let end = spaces(s, k + 1);
        (end > k + 1).then(|| (part(s, j, k), end))
    };
    let (mut counter, mut host, mut number, mut end) = (None, None, None, i);
    if let Some((found, mut j)) = numbered(i) {
        counter = Some(found);
        let (n, k) = digits(s, j, 10);
        if !(n > 0 && at(s, k, b':')) {
            let host_end = run(s, j, |c| c == u32::from(b':') || is_space(c));
            let after = spaces(s, host_end + 1);
            if host_end > j && at(s, host_end, b':') && after > host_end + 1 {
                host = Some(part(s, j, host_end));
                j = after;
            }
        }
        if let Some((found, k)) = numbered(j) {
            number = Some(found);
            j = k;
        }
        end = j;
    }
    if matches!(s.get(end), Some(b'*' | b'.')) {
        end += 1;
    }
    (counter, host, number, end)
}

fn cisco_prefixed<'a>(
    line: Text<'a>,
    i: usize,
    priority: Option<Text<'a>>,
    times: &mut Vec<Time<'a>>,
    relays: u32,
) -> Header<'a> {
    let (counter, host, number, end) = cisco_prefix(line, i);
    let rest = tail(line, end);
    if bsd_clock(rest, 0).is_none() {
        return Header {
            message: tail(line, i),
            priority,
            ..Header::default()
        };
    }
    let mut header = parse_at(rest, times, relays);
    if header.priority.is_none() {
        header.priority = priority;
    }
    if counter.is_some() {
        header.sequence = number.or(counter);
    }
    if header.hostname.is_none_or(<[u8]>::is_empty) {
        header.hostname = host;
    }
    header
}

fn relayed_first(message: &[u8]) -> bool {
    matches!(
        message.first(),
        Some(b'<' | b'1' | b'2' | b'3' | b'J' | b'F' | b'M' | b'A' | b'S' | b'O' | b'N' | b'D')
    )
}

/// The device's header after a relay's, the relay's values filling the gaps; `relay` when there is none.
fn relayed<'a>(relay: Header<'a>, times: &mut Vec<Time<'a>>, relays: u32) -> Header<'a> {
    let text = relay.message;
    let second_header = priority_at(text, 0).is_some()
        || iso_time(text, 0, false).is_some()
        || bsd_clock(text, 0).is_some();
    if !second_header {
        return relay;
    }
    let mut device = parse_at(text, times, relays - 1);
    if device.priority.is_none() {
        device.priority = relay.priority;
    }
    if device.hostname.is_none_or(<[u8]>::is_empty) {
        device.hostname = relay.hostname;
    }
    if device.structured.is_none() {
        device.structured = relay.structured;
    }
    device
}

// ---- RFC 5424 ----

fn rfc5424<'a>(line: Text<'a>, times: &mut Vec<Time<'a>>) -> Option<Header<'a>> {
    let (priority, mut i) = priority_at(line, 0)?;
    let (n, j) = digits(line, i, 2);
    if n == 0 || !at(line, j, b' ') {
        return None;
    }
    let version = part(line, i, j);
    let field = |from: usize| {
        let end = run(line, from, is_space);
        (end > from).then(|| (part(line, from, end), end))
    };
    let stamp_start = j + 1;
    let (stamp, stamp_end) = field(stamp_start)?;
    let mut fields = [&b""[..]; 4];
    i = stamp_end;
    for slot in &mut fields {
        if !at(line, i, b' ') {
            return None;
        }
        let (found, end) = field(i + 1)?;
        *slot = found;
        i = end;
    }
    if at(line, i, b' ') {
        i += 1;
    }
    match iso_time(line, stamp_start, true) {
        Some((time, end)) if end == stamp_end => times.push(time),
        _ if stamp != b"-" => times.push(Time::Raw(stamp)),
        _ => {}
    }
    let given = |value: Text<'a>| (value != b"-").then_some(value);
    let [host, app, procid, msgid] = fields;
    let mut header = Header {
        priority: Some(priority),
        hostname: given(host),
        app: given(app),
        procid: given(procid),
        msgid: given(msgid),
        version: Some(version),
        ..Header::default()
    };
    let mut rest = tail(line, i);
    if rest.starts_with(b"- ") || rest == b"-" {
        rest = tail(rest, 2);
    } else if rest.starts_with(b"[") {
        let (structured, used) = structured_data(rest);
        if structured.is_some() {
            header.structured = structured;
            rest = tail(rest, used);
            while let Some(after) = rest.strip_prefix(b" ") {
                rest = after;
            }
        }
    }
    header.message = rest.strip_prefix(BOM).unwrap_or(rest);
    Some(header)
}

/// RFC 5424 SD-ELEMENTs at the start of `text` and how many bytes they took; `None` when the brackets hold
/// something else (Check Point's `key:"value";` lists).
pub(crate) fn structured_data(text: &[u8]) -> (Option<Vec<Element<'_>>>, usize) {
    let mut elements = Vec::new();
    let mut pos = 0;
    while at(text, pos, b'[') {
        let id_end = run(text, pos + 1, |c| {
            matches!(c, 0x5D | 0x22 | 0x3D | 0x3A | 0x3B) || is_space(c)
        });
        if id_end == pos + 1 || !(at(text, id_end, b' ') || at(text, id_end, b']')) {
            break;
        }
        let Some(end) = element_end(text, pos) else {
            break;
        };
        let inner = part(text, pos + 1, end);
        let (sd_id, params_text) = match inner.iter().position(|b| *b == b' ') {
            Some(space) => (&inner[..space], &inner[space + 1..]),
            None => (inner, &b""[..]),
        };
        elements.push((sd_id, params(params_text)));
        pos = end + 1;
    }
    if elements.is_empty() {
        (None, pos)
    } else {
        (Some(elements), pos)
    }
}

fn find(text: &[u8], byte: u8, from: usize) -> Option<usize> {
    Some(from + text.get(from..)?.iter().position(|b| *b == byte)?)
}

/// Python's `str.count(needle)`: occurrences that do not overlap.
fn count(text: &[u8], needle: &[u8]) -> usize {
    memmem::find_iter(text, needle).count()
}

/// Where the SD-ELEMENT opened at `pos` closes.
///
/// RFC 5424 §6.3.3 wants `]` escaped inside a value, so the first bare `]` would close the element; devices
/// also write it unescaped (`policy-name="p [1]"`). A `]` right after a value's closing quote and before the
/// next element, a space or the end closes it; another one closes it when an even number of quotes precede
/// it (it is not inside a value). When quotes do not pair up, the first bare `]` is taken.
fn element_end(text: &[u8], pos: usize) -> Option<usize> {
    let mut first = None;
    let (mut quotes, mut counted) = (0usize, pos);
    let mut end = find(text, b']', pos);
    while let Some(e) = end.filter(|e| *e > 0) {
        let before = text[e - 1];
        if before == b'"' && matches!(text.get(e + 1), None | Some(b' ' | b'[')) {
            return Some(e);
        }
        if before != b'\\' {
            first.get_or_insert(e);
            let span = part(text, counted, e);
            quotes += count(span, b"\"") - count(span, b"\\\"");
            counted = e;
            if quotes % 2 == 0 {
                return Some(e);
            }
        }
        end = find(text, b']', e + 1);
    }
    first
}

/// The separators of `name="value"` pairs, their searchers built once (building one costs as much as a search).
static QUOTE_SPACE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\" "));
static EQUALS_QUOTE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"=\""));
static EMPTY_VALUE_SPACE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"\" "));

/// Python's `str.split(sep)`.
fn split<'a>(text: &'a [u8], sep: &'a Finder<'static>) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match sep.find(current) {
            Some(i) => {
                rest = Some(&current[i + sep.needle().len()..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// Python's `str.partition(sep)`, the separator found or not.
fn partition<'a>(text: &'a [u8], sep: &Finder<'static>) -> (&'a [u8], bool, &'a [u8]) {
    match sep.find(text) {
        Some(i) => (&text[..i], true, &text[i + sep.needle().len()..]),
        None => (text, false, &b""[..]),
    }
}

/// Python's `str.strip()`.
fn strip(text: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some((c, len)) = char_at(text, start) {
        if !is_space(c) {
            break;
        }
        start += len;
    }
    let mut end = text.len();
    while end > start {
        // step back one character
        let mut k = end - 1;
        while k > start && text[k] & 0xC0 == 0x80 {
            k -= 1;
        }
        match char_at(text, k) {
            Some((c, _)) if is_space(c) => end = k,
            _ => break,
        }
    }
    part(text, start, end)
}

fn has_space(text: &[u8]) -> bool {
    let mut i = 0;
    while let Some((c, len)) = char_at(text, i) {
        if is_space(c) {
            return true;
        }
        i += len;
    }
    false
}

/// `name="value"` pairs: a plain split when nothing is escaped, the full grammar otherwise.
fn params(text: &[u8]) -> Vec<(Text<'_>, Cow<'_, [u8]>)> {
    let escaped = text.contains(&b'\\');
    if !escaped && EMPTY_VALUE_SPACE.find(text).is_none() {
        let items: Vec<_> = split(text, &QUOTE_SPACE)
            .map(|item| partition(item, &EQUALS_QUOTE))
            .collect();
        let joined_len: usize = items.iter().map(|(name, _, _)| name.len()).sum();
        let plain = items
            .iter()
            .all(|(name, sep, _)| *sep && !name.contains(&b'=') && !has_space(name));
        if plain && joined_len > 0 {
            let last = items.len() - 1;
            return items
                .into_iter()
                .enumerate()
                .map(|(k, (name, _, value))| {
                    let value = if k == last {
                        value.strip_suffix(b"\"").unwrap_or(value)
                    } else {
                        value
                    };
                    (name, Cow::Borrowed(value))
                })
                .collect();
        }
    }
    if !escaped {
        let mut out = Vec::new();
        let mut complete = true;
        for item in split(text, &QUOTE_SPACE) {
            let (name, sep, value) = partition(item, &EQUALS_QUOTE);
            let name_stripped = strip(name);
            if !sep || name_stripped.contains(&b' ') || name.contains(&b'=') {
                complete = false;
                break;
            }
            let value = value.strip_suffix(b"\"").unwrap_or(value);
            out.push((name_stripped, Cow::Borrowed(value)));
        }
        if complete {
            return out;
        }
    }
    quoted_params(text)
}

/// `_SD_PARAM.findall`: `name="value"` with `\`-escapes in the value, anywhere in `text`.
fn quoted_params(text: &[u8]) -> Vec<(Text<'_>, Cow<'_, [u8]>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let name_end = run(text, i, |c| matches!(c, 0x3D | 0x22 | 0x5D) || is_space(c));
        if name_end > i && tail(text, name_end).starts_with(b"=\"") {
            if let Some(close) = value_end(text, name_end + 2) {
                out.push((
                    part(text, i, name_end),
                    unescape(part(text, name_end + 2, close)),
                ));
                i = close + 1;
                continue;
            }
        }
        i = if name_end > i {
            name_end
        } else {
            i + char_at(text, i).map_or(1, |(_, len)| len)
        };
    }
    out
}

/// The closing quote of a value starting at `i` (`[^"\\]*(?:\\.[^"\\]*)*"`).
fn value_end(text: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match *text.get(i)? {
            b'"' => return Some(i),
            b'\\' => {
                let (c, len) = char_at(text, i + 1)?;
                if c == u32::from(b'\n') {
                    return None;
                }
                i += 1 + len;
            }
            _ => i += 1,
        }
    }
}

/// `\"`, `\\` and `\]` → the character.
fn unescape(value: &[u8]) -> Cow<'_, [u8]> {
    if !value.contains(&b'\\') {
        return Cow::Borrowed(value);
    }
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'\\' && matches!(value.get(i + 1), Some(b'"' | b'\\' | b']')) {
            out.push(value[i + 1]);
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Cow::Owned(out)
}

// ---- for the vendor parsers ----

/// A line's syslog header as a native vendor parser reads it: the parts, and the times as written
/// (converted in Python, in the context's zone, by `collectors.syslog_header.header_timestamp`).
pub(crate) struct Syslog<'a> {
    pub header: Header<'a>,
    pub times: Vec<Time<'a>>,
}

/// Text of a part of a `&str` line: the header splits at character boundaries, so it is UTF-8.
fn text(part: Text<'_>) -> &str {
    std::str::from_utf8(part).unwrap_or_default()
}

impl<'a> Syslog<'a> {
    /// The header of a line (the header module's `parse_header`, without the time conversion).
    pub fn read(line: &'a str) -> Self {
        let mut times = Vec::new();
        let header = parse(line.as_bytes(), &mut times);
        Syslog { header, times }
    }

    /// Everything after the header.
    pub fn message(&self) -> &'a str {
        text(self.header.message)
    }

    pub fn priority(&self) -> Option<i64> {
        self.header
            .priority
            .and_then(|digits| crate::pytext::integer(text(digits)))
    }

    pub fn hostname(&self) -> Option<&'a str> {
        self.header.hostname.map(text)
    }

    pub fn app(&self) -> Option<&'a str> {
        self.header.app.map(text)
    }

    pub fn procid(&self) -> Option<&'a str> {
        self.header.procid.map(text)
    }

    pub fn msgid(&self) -> Option<&'a str> {
        self.header.msgid.map(text)
    }

    /// The device's message number written before a BSD time (Cisco's `service sequence-numbers`).
    pub fn sequence(&self) -> Option<i64> {
        self.header
            .sequence
            .and_then(|digits| crate::pytext::integer(text(digits)))
    }

    /// `log.syslog.*` as `SyslogHeader.log_fields` builds it.
    pub fn log_fields(&self) -> Map<'a> {
        let mut syslog = Map::new();
        if let Some(priority) = self.priority() {
            syslog.set("priority", priority);
            syslog.put("facility.code", priority >> 3);
            syslog.put("severity.code", priority & 7);
        }
        for (key, value) in [
            ("hostname", self.hostname()),
            ("appname", self.app()),
            ("procid", self.procid()),
            ("msgid", self.msgid()),
        ] {
            if let Some(value) = value.filter(|value| !value.is_empty()) {
                syslog.set(key, value);
            }
        }
        if let Some(version) = self
            .header
            .version
            .and_then(|digits| crate::pytext::integer(text(digits)))
        {
            syslog.set("version", version.to_string());
        }
        if let Some(elements) = self
            .header
            .structured
            .as_ref()
            .filter(|elements| !elements.is_empty())
        {
            let mut structured = Map::new();
            for (sd_id, params) in elements {
                let mut element = Map::new();
                for (name, value) in params {
                    let value = match value {
                        Cow::Borrowed(value) => Val::from(text(value)),
                        Cow::Owned(value) => Val::from(String::from_utf8_lossy(value).into_owned()),
                    };
                    element.set_data(text(name), value);
                }
                structured.set_data(text(sd_id), element);
            }
            syslog.set("structured_data", structured);
        }
        syslog
    }

    /// `process.name` and `process.pid` from the tag (`sshd[4120]`), as `SyslogHeader.process_fields`.
    pub fn process_fields(&self) -> Map<'a> {
        let mut process = Map::new();
        if let Some(app) = self.app().filter(|app| !app.is_empty()) {
            process.set("name", app);
            if let Some(pid) = self
                .procid()
                .filter(|procid| crate::pytext::is_decimal(procid))
            {
                process.put_opt("pid", crate::pytext::integer(pid));
            }
        }
        process
    }

    /// The header's time(s) for Python: None, a tuple for `SyslogClock.parts`, a str for `iso`, or a
    /// list of those when relayed headers each carry one.
    pub fn time_to_py<'py>(&self, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyAny>> {
        times_to_py(clock, &self.times)
    }
}

// ---- to Python ----

/// A Python str from a piece of the line (lone surrogates as they came).
pub(crate) fn py_text<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let size = pyo3::ffi::Py_ssize_t::try_from(text.len())?;
    // SAFETY: the pointer and length describe `text`, alive for the call; the result is a new reference or
    // NULL with an exception set, which `from_owned_ptr_or_err` turns into the error.
    unsafe {
        let ptr = pyo3::ffi::PyUnicode_DecodeUTF8(
            text.as_ptr().cast::<c_char>(),
            size,
            c"surrogatepass".as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, ptr)
    }
}

pub(crate) fn py_opt<'py>(py: Python<'py>, text: Option<&[u8]>) -> PyResult<Bound<'py, PyAny>> {
    match text {
        Some(text) => py_text(py, text),
        None => Ok(py.None().into_bound(py)),
    }
}

/// `int(digits)`: any Unicode decimal digits, as Python reads them.
fn py_int<'py>(py: Python<'py>, digits: Option<&[u8]>) -> PyResult<Bound<'py, PyAny>> {
    let Some(digits) = digits else {
        return Ok(py.None().into_bound(py));
    };
    if digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        let value = digits
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        return Ok(value.into_pyobject(py)?.into_any());
    }
    py.get_type::<PyInt>().call1((py_text(py, digits)?,))
}

fn times_to_py<'py>(clock: Clock<'_, 'py>, times: &[Time<'_>]) -> PyResult<Bound<'py, PyAny>> {
    let py = clock.py;
    Ok(match times {
        [] => py.None().into_bound(py),
        [one] => py_time(clock, one)?,
        many => PyList::new(
            py,
            many.iter()
                .map(|time| py_time(clock, time))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
    })
}

fn py_time<'py>(clock: Clock<'_, 'py>, time: &Time<'_>) -> PyResult<Bound<'py, PyAny>> {
    match *time {
        Time::Bsd {
            stamp,
            minute,
            second,
            fraction,
            zone,
        } => clock::bsd_to_py(clock, stamp, minute, second, fraction, zone),
        Time::Iso {
            stamp,
            date,
            minute,
            second,
            fraction,
            offset,
        } => clock::iso_to_py(clock, stamp, date, minute, second, fraction, offset),
        Time::Raw(stamp) => clock::unusual(clock.py, stamp),
    }
}

/// SD-ELEMENTs as Python sees them: `{id: {name: value}}`, a repeated id's or name's last value wins.
pub(crate) fn py_structured<'py>(
    py: Python<'py>,
    elements: &[Element<'_>],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (sd_id, params) in elements {
        out.set_item(py_text(py, sd_id)?, py_params(py, params)?)?;
    }
    Ok(out)
}

/// One SD-ELEMENT's parameters as a dict. Names and short values repeat from line to line: they come from the
/// events' string caches, names with their hash already computed for the dict.
pub(crate) fn py_params<'py>(
    py: Python<'py>,
    params: &[(Text<'_>, Cow<'_, [u8]>)],
) -> PyResult<Bound<'py, PyDict>> {
    Converter::with(py, |strings| {
        // Sized up front: a Juniper element holds 26 parameters, and a dict grown to them is rebuilt on the way.
        let inner = presized(py, params.len())?;
        for (name, value) in params {
            let name = match std::str::from_utf8(name) {
                Ok(name) => strings.data_key(name).into_any(),
                Err(_) => py_text(py, name)?, // lone surrogates, passed through
            };
            let value = match std::str::from_utf8(value) {
                Ok(value) => strings.text(value).into_any(),
                Err(_) => py_text(py, value)?,
            };
            pydict::set_item(&inner, &name, &value)?;
        }
        Ok(inner)
    })
}

/// The line's bytes: UTF-8, or with `surrogatepass` when it holds lone surrogates.
fn line_bytes<'a>(line: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    match line.to_str() {
        Ok(text) => Ok(Cow::Borrowed(text.as_bytes())),
        Err(_) => {
            let encoded = line.call_method1("encode", ("utf-8", "surrogatepass"))?;
            Ok(Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec()))
        }
    }
}

/// `(message, priority, time, hostname, app, procid, msgid, structured, version, sequence)`: `SyslogHeader`'s
/// fields in order, with the time as written: a tuple for `SyslogClock.parts` (`clock`, the text alone for `iso`),
/// None, or a list of those when relayed headers each carry one (the last is the header's).
pub(crate) fn to_py<'py>(line: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyTuple>> {
    let py = line.py();
    let bytes = line_bytes(line)?;
    let mut times = Vec::new();
    let header = parse(&bytes, &mut times);
    let time = times_to_py(Clock { py, kept: None }, &times)?;
    let structured = match &header.structured {
        Some(elements) => py_structured(py, elements)?.into_any(),
        None => py.None().into_bound(py),
    };
    PyTuple::new(
        py,
        [
            py_text(py, header.message)?,
            py_int(py, header.priority)?,
            time,
            py_opt(py, header.hostname)?,
            py_opt(py, header.app)?,
            py_opt(py, header.procid)?,
            py_opt(py, header.msgid)?,
            structured,
            py_int(py, header.version)?,
            py_int(py, header.sequence)?,
        ],
    )
}

/// `(elements or None, characters used)` for `parse_structured_data`.
pub(crate) fn structured_to_py<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyTuple>> {
    let py = text.py();
    let bytes = line_bytes(text)?;
    let (elements, used) = structured_data(&bytes);
    let chars = part(&bytes, 0, used)
        .iter()
        .filter(|b| **b & 0xC0 != 0x80)
        .count();
    let elements = match elements {
        Some(elements) => py_structured(py, &elements)?.into_any(),
        None => py.None().into_bound(py),
    };
    PyTuple::new(py, [elements, chars.into_pyobject(py)?.into_any()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> (Header<'_>, Vec<Time<'_>>) {
        set_zone_names(vec!["UTC".into(), "EST".into(), "IST".into(), "Z".into()]);
        let mut times = Vec::new();
        let header = parse(line.as_bytes(), &mut times);
        (header, times)
    }

    #[test]
    fn bsd_host_and_tag() {
        let (h, times) = header("<134>Jul  3 19:10:30 fw01 filterlog[72237]: 146,,,x");
        assert_eq!(h.priority, Some(&b"134"[..]));
        assert_eq!(h.hostname, Some(&b"fw01"[..]));
        assert_eq!(h.app, Some(&b"filterlog"[..]));
        assert_eq!(h.procid, Some(&b"72237"[..]));
        assert_eq!(h.message, b"146,,,x");
        assert_eq!(
            times,
            vec![Time::Bsd {
                stamp: b"Jul  3 19:10:30",
                minute: b"Jul  3 19:10",
                second: b"30",
                fraction: None,
                zone: None
            }]
        );
    }

    #[test]
    fn zone_name_and_cisco_prefix() {
        let (h, times) = header("<189>52: 000051: *Mar 14 2026 08:15:00.123 EST: %ASA-6-302013: x");
        assert_eq!(h.sequence, Some(&b"000051"[..]));
        assert_eq!(h.priority, Some(&b"189"[..]));
        assert!(matches!(
            times[0],
            Time::Bsd {
                zone: Some(b"EST"),
                fraction: Some(b"123"),
                ..
            }
        ));
        assert_eq!(h.app, Some(&b"%ASA-6-302013"[..]));
        let (h, _) = header("Mar 14 08:15:00 ESTX: y");
        assert_eq!(h.app, Some(&b"ESTX"[..]));
        assert_eq!(h.hostname, None);
    }

    #[test]
    fn rfc5424_with_structured_data() {
        let (h, times) =
            header("<14>1 2019-11-14T09:37:51.184+01:00 SRX RT_FLOW - M [junos@2636 a=\"1\" b=\"x\\\"y\"] msg");
        assert_eq!(h.app, Some(&b"RT_FLOW"[..]));
        assert_eq!(h.procid, None);
        assert_eq!(h.message, b"msg");
        let elements = h.structured.expect("structured data");
        assert_eq!(elements[0].0, b"junos@2636");
        assert_eq!(elements[0].1[1].1.as_ref(), b"x\"y");
        assert!(matches!(
            times[0],
            Time::Iso {
                offset: Some(b"+01:00"),
                ..
            }
        ));
    }

    #[test]
    fn relayed_header_and_ipv6_host() {
        let (h, times) = header("Nov 27 10:00:05 fe80::1 <134>Nov 27 10:00:00 app: m");
        assert_eq!(times.len(), 2);
        assert_eq!(h.hostname, Some(&b"fe80::1"[..]));
        assert_eq!(h.priority, Some(&b"134"[..]));
        assert_eq!(h.message, b"m");
    }

    #[test]
    fn python_whitespace_and_digits() {
        assert!(is_space(0x1c) && is_space(0x3000) && !is_space(0xfeff));
        assert!(is_digit(0x661) && !is_digit(0xb2));
        assert_eq!(strip(" \u{1c}a b\u{2003}".as_bytes()), b"a b");
    }
}
