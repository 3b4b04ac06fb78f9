//! Converters from Windows EventData values to ECS fields: the kinds `winlog_tables` names, and
//! the splitting of Windows command lines into arguments.
//!
//! Each converter kind of `winlog_tables` becomes an `Op` bound to its target once, when the
//! tables are compiled: paths are split then, so that writing a value (done for every field of
//! every event) walks the tree without parsing anything. Values are written as Python writes
//! them; a value kept whole or in part borrows from the record, only derived text is new.

// Values are `&Cow<'a, str>` so that slices of a borrowed record stay borrowed for `'a` (`sub`);
// clippy's `ptr_arg` flags any `&Cow<'a, _>` whose `'a` is not in the return type, writes into a
// `Map<'a>` included (the fixed `Op::apply` among them).
#![allow(clippy::ptr_arg)]

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use crate::event::{KeyHasher, Map, Val};
use crate::pytext;

/// A lookup table of the converters: its values live as long as the process, so events borrow them.
pub type Table = HashMap<Box<str>, &'static str, BuildHasherDefault<KeyHasher>>;

/// The tables as Python gives them: logon types, NTSTATUS, failure reasons, WFP directions, IANA
/// protocols, and PowerShell detail fields (name → (target, kind)).
pub type GivenTables = (
    HashMap<String, String>,
    HashMap<String, String>,
    HashMap<String, String>,
    HashMap<String, String>,
    HashMap<String, String>,
    HashMap<String, (String, String)>,
);

/// The tables the converters consult, each shared by the ops that use it.
pub struct Tables {
    logon_types: Arc<Table>,
    ntstatus: Arc<Table>,
    failure_reasons: Arc<Table>,
    wfp_directions: Arc<Table>,
    iana_protocols: Arc<Table>,
    /// `POWERSHELL_FIELDS` by lower-case detail name, each already an op.
    powershell: HashMap<Box<str>, Op, BuildHasherDefault<KeyHasher>>,
}

impl Tables {
    /// `powershell_fields` is `POWERSHELL_FIELDS` as given: detail name → (target, kind).
    pub fn new(given: GivenTables) -> Result<Arc<Tables>, String> {
        let (
            logon_types,
            ntstatus,
            failure_reasons,
            wfp_directions,
            iana_protocols,
            powershell_fields,
        ) = given;
        let mut powershell = HashMap::default();
        for (name, (target, kind)) in powershell_fields {
            // Their kinds need no tables, which breaks the cycle of building them inside the tables.
            let op = Op::build(&kind, intern(&target), None)?;
            powershell.insert(pytext::lower(&name).into_boxed_str(), op);
        }
        Ok(Arc::new(Tables {
            logon_types: table(logon_types),
            ntstatus: table(ntstatus),
            failure_reasons: table(failure_reasons),
            wfp_directions: table(wfp_directions),
            iana_protocols: table(iana_protocols),
            powershell,
        }))
    }
}

fn table(entries: HashMap<String, String>) -> Arc<Table> {
    let interned = entries
        .into_iter()
        .map(|(key, value)| (key.into_boxed_str(), intern(&value)));
    Arc::new(interned.collect())
}

/// A string made `'static` once and shared after (targets come from Python tables; bounded by their size).
pub fn intern(text: &str) -> &'static str {
    static SEEN: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);
    let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = seen.get(text) {
        return found;
    }
    let made: &'static str = Box::leak(text.into());
    seen.insert(made);
    made
}

/// A dotted target split once: a field to set, or the object a multi-field converter fills.
pub struct Path(Box<[&'static str]>);

impl Path {
    fn new(dotted: &'static str) -> Self {
        Path(dotted.split('.').collect())
    }

    fn parts(&self) -> (&[&'static str], &'static str) {
        let (leaf, parents) = self.0.split_last().expect("split gives one part at least");
        (parents, *leaf)
    }

    /// The object this path names, created on the way as Python's setters create it.
    fn object<'m, 'a>(&self, event: &'m mut Map<'a>) -> &'m mut Map<'a> {
        walk(event, &self.0)
    }

    fn put<'a>(&self, event: &mut Map<'a>, value: impl Into<Val<'a>>) {
        let (parents, leaf) = self.parts();
        walk(event, parents).set(leaf, value);
    }

    /// Whether `fallback` writes: nothing is at the field (`None` counts as something) and
    /// objects or nothing lead to it. Where a non-object is on the way Python does not write
    /// (it tests `leaf in text` and finds it, or it raises), so neither does this.
    fn vacant(&self, event: &Map<'_>) -> bool {
        let (parents, leaf) = self.parts();
        let mut node = event;
        for part in parents {
            match node.get(part) {
                Some(Val::Map(inner)) => node = inner,
                None | Some(Val::Null) => return true,
                Some(_) => return false,
            }
        }
        node.get(leaf).is_none()
    }
}

fn walk<'m, 'a>(event: &'m mut Map<'a>, parts: &[&'static str]) -> &'m mut Map<'a> {
    parts.iter().fold(event, |node, part| node.child(part))
}

/// One converter bound to its target: what `CONVERTERS[kind](target)` makes in Python.
pub enum Op {
    /// `text`, `sid`: the value as written.
    Text(Path),
    /// `fallback`: the value unless the field is already set.
    Fallback(Path),
    /// `int`, `hex` (`hex` reads base 16 when the value starts with `0x`).
    Number {
        path: Path,
        hex: bool,
    },
    Port(Path),
    Ip(Path),
    Exe(Path),
    FilePath(Path),
    Account(Path),
    DnName(Path),
    IanaProtocol(Arc<Table>),
    /// A table lookup as written, then lower-cased; the raw value when `default_raw` and none is found.
    Choice {
        path: Path,
        table: Arc<Table>,
        default_raw: bool,
    },
    CommandLine(Path),
    /// The target is one key here, not a dotted path (`ev.setdefault(prefix, {})`).
    Hashes(&'static str),
    Registry {
        with_value: bool,
    },
    RegistryData,
    Lower(Path),
    Bool(Path),
    SignatureStatus(Path),
    DnsAnswers,
    PowershellContext(Arc<Tables>),
}

impl Op {
    pub fn new(kind: &str, target: &'static str, tables: &Arc<Tables>) -> Result<Op, String> {
        Op::build(kind, target, Some(tables))
    }

    /// `tables` is None while the tables themselves are built: the kinds that need them fail then.
    fn build(kind: &str, target: &'static str, tables: Option<&Arc<Tables>>) -> Result<Op, String> {
        let tables = || tables.ok_or_else(|| format!("converter kind {kind:?} needs the tables"));
        let path = || Path::new(target);
        let choice = |table: &Arc<Table>, default_raw| Op::Choice {
            path: path(),
            table: Arc::clone(table),
            default_raw,
        };
        Ok(match kind {
            "text" | "sid" => Op::Text(path()),
            "fallback" => Op::Fallback(path()),
            "int" => Op::Number {
                path: path(),
                hex: false,
            },
            "hex" => Op::Number {
                path: path(),
                hex: true,
            },
            "port" => Op::Port(path()),
            "ip" => Op::Ip(path()),
            "exe" => Op::Exe(path()),
            "path" => Op::FilePath(path()),
            "account" => Op::Account(path()),
            "dn_name" => Op::DnName(path()),
            "iana_protocol" => Op::IanaProtocol(Arc::clone(&tables()?.iana_protocols)),
            "wfp_direction" => choice(&tables()?.wfp_directions, false),
            "command_line" => Op::CommandLine(path()),
            "hashes" => Op::Hashes(target),
            "registry" => Op::Registry { with_value: false },
            "registry_value" => Op::Registry { with_value: true },
            "registry_data" => Op::RegistryData,
            "lower" => Op::Lower(path()),
            "direction" => choice(&fixed(&[("true", "egress"), ("false", "ingress")]), false),
            "ip_version" => choice(&fixed(&[("true", "ipv6"), ("false", "ipv4")]), false),
            "bool" => Op::Bool(path()),
            "signature_status" => Op::SignatureStatus(path()),
            "dns_answers" => Op::DnsAnswers,
            "logon_type" => choice(&tables()?.logon_types, false),
            "ntstatus" => choice(&tables()?.ntstatus, true),
            "failure_reason" => choice(&tables()?.failure_reasons, true),
            "powershell_context" => Op::PowershellContext(Arc::clone(tables()?)),
            _ => return Err(format!("unknown converter kind {kind:?}")),
        })
    }

    pub fn apply<'a>(&self, event: &mut Map<'a>, value: &Cow<'a, str>) {
        let text: &str = value;
        match self {
            Op::Text(path) => {
                if present(text) {
                    path.put(event, value.clone());
                }
            }
            Op::Fallback(path) => {
                if present(text) && path.vacant(event) {
                    path.put(event, value.clone());
                }
            }
            Op::Number { path, hex } => {
                let hex = *hex && (text.starts_with("0x") || text.starts_with("0X"));
                if let Some(number) = python_int(text, hex) {
                    path.put(event, number);
                }
            }
            Op::Port(path) => {
                if let Some(number) = pytext::integer(text) {
                    path.put(event, number);
                }
            }
            Op::Ip(path) => {
                if let Some(ip) = clean_ip(value, text) {
                    path.put(event, ip);
                }
            }
            Op::Exe(path) => exe(path, event, value),
            Op::FilePath(path) => file_path(path, event, value),
            Op::Account(path) => account(path, event, value),
            Op::DnName(path) => {
                if let Some(name) = dn_name(value) {
                    path.put(event, name);
                }
            }
            Op::IanaProtocol(table) => iana_protocol(table, event, value),
            Op::Choice {
                path,
                table,
                default_raw,
            } => choose(path, table, *default_raw, event, value),
            Op::CommandLine(path) => command_line(path, event, value),
            Op::Hashes(prefix) => hashes(prefix, event, value),
            Op::Registry { with_value } => registry(*with_value, event, value),
            Op::RegistryData => registry_data(event, value),
            Op::Lower(path) => {
                if present(text) {
                    path.put(event, lower(value, text));
                }
            }
            Op::Bool(path) => {
                if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
                    path.put(event, text.eq_ignore_ascii_case("true"));
                }
            }
            Op::SignatureStatus(path) => signature_status(path, event, value),
            Op::DnsAnswers => dns_answers(event, value),
            Op::PowershellContext(tables) => apply_powershell_text(event, value, true, tables),
        }
    }
}

/// A table written in the code (`direction`, `ip_version`).
fn fixed(entries: &[(&str, &'static str)]) -> Arc<Table> {
    let entries = entries.iter().map(|(key, value)| ((*key).into(), *value));
    Arc::new(entries.collect())
}

/// Windows writes `-` for "none".
fn present(value: &str) -> bool {
    value != "-" && !value.is_empty()
}

/// `part`, a slice of `whole`, as a value: borrowed as long as `whole` is, copied when it is owned.
fn sub<'a>(whole: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    match whole {
        _ if part.is_empty() => Cow::Borrowed(""), // a missing part may be a literal `""`
        Cow::Borrowed(text) => {
            let start = part.as_ptr() as usize - text.as_ptr() as usize;
            Cow::Borrowed(&text[start..start + part.len()])
        }
        Cow::Owned(_) => Cow::Owned(part.to_owned()),
    }
}

/// `part.lower()`, borrowed when it is already lower case.
fn lower<'a>(whole: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    if part
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Cow::Owned(pytext::lower(part))
    } else {
        sub(whole, part)
    }
}

/// `f(text.lower())` without allocating for the short ASCII text the tables hold.
fn with_lower<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    if !text.is_ascii() || text.len() > buf.len() {
        return f(&pytext::lower(text));
    }
    let buf = &mut buf[..text.len()];
    buf.copy_from_slice(text.as_bytes());
    buf.make_ascii_lowercase();
    f(std::str::from_utf8(buf).expect("ASCII stays UTF-8"))
}

/// The last component of a Windows or POSIX path.
fn basename(path: &str) -> &str {
    path.rfind(['\\', '/']).map_or(path, |at| &path[at + 1..])
}

fn exe<'a>(path: &Path, event: &mut Map<'a>, value: &Cow<'a, str>) {
    if !present(value) {
        return;
    }
    let node = path.object(event);
    node.set("executable", value.clone());
    node.set("name", sub(value, basename(value)));
}

fn file_path<'a>(path: &Path, event: &mut Map<'a>, value: &Cow<'a, str>) {
    let text: &str = value;
    if !present(text) {
        return;
    }
    let node = path.object(event);
    node.set("path", value.clone());
    let name = basename(text);
    node.set("name", sub(value, name));
    if name.len() < text.len() {
        node.set(
            "directory",
            sub(value, &text[..text.len() - name.len() - 1]),
        );
    }
    if let Some(dot) = name
        .rfind('.')
        .filter(|dot| *dot > 0 && *dot + 1 < name.len())
    {
        node.set("extension", sub(value, &name[dot + 1..]));
    }
}

/// `DOMAIN\name` → `<target>.domain` and `<target>.name`; a value with no backslash is the name.
fn account<'a>(path: &Path, event: &mut Map<'a>, value: &Cow<'a, str>) {
    let text: &str = value;
    if !present(text) {
        return;
    }
    let Some((domain, name)) = text.split_once('\\') else {
        path.object(event).set("name", value.clone());
        return;
    };
    if domain.is_empty() && name.is_empty() {
        return; // Python's setters never ran: not even the object is made
    }
    let node = path.object(event);
    if !domain.is_empty() {
        node.set("domain", sub(value, domain));
    }
    if !name.is_empty() {
        node.set("name", sub(value, name));
    }
}

/// `CN=Smith\, John,OU=Staff` → `Smith, John`: the first RDN's value when it is a CN, unescaped and stripped.
fn dn_name<'a>(value: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    let text: &str = value;
    // Only ASCII upper-cases to `CN=`, so the first three bytes decide as the first three characters do.
    if !text.as_bytes().get(..3)?.eq_ignore_ascii_case(b"cn=") {
        return None;
    }
    let rest = &text[3..];
    let bytes = rest.as_bytes();
    let mut end = 0;
    while end < bytes.len() && bytes[end] != b',' {
        // An escape takes the next character whole; a UTF-8 continuation byte is never `,` or `\`.
        end += if bytes[end] == b'\\' && end + 1 < bytes.len() {
            2
        } else {
            1
        };
    }
    let first = &rest[..end];
    let name = if first.contains('\\') {
        Cow::Owned(pytext::strip(&unescape(first)).to_owned())
    } else {
        sub(value, pytext::strip(first))
    };
    (!name.is_empty()).then_some(name)
}

/// A DN value with each `\x` made `x` (a backslash at the end stays).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\\' => chars.next().unwrap_or('\\'),
            other => other,
        });
    }
    out
}

/// An IANA protocol number (`6`) → `network.iana_number` (as text) and `network.transport` (`tcp`).
fn iana_protocol<'a>(table: &Table, event: &mut Map<'a>, value: &Cow<'a, str>) {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    let network = event.child("network");
    network.set("iana_number", value.clone());
    if let Some(name) = table.get(&**value) {
        network.set("transport", *name);
    }
}

fn choose<'a>(
    path: &Path,
    table: &Table,
    default_raw: bool,
    event: &mut Map<'a>,
    value: &Cow<'a, str>,
) {
    let text: &str = value;
    // `table.get(v) or table.get(v.lower())`: an empty entry counts as missing for the first look.
    let found = match table.get(text) {
        Some(found) if !found.is_empty() => Some(*found),
        _ => with_lower(text, |low| table.get(low).copied()),
    };
    if let Some(found) = found {
        path.put(event, found);
    } else if default_raw && present(text) {
        path.put(event, value.clone());
    }
}

fn command_line<'a>(path: &Path, event: &mut Map<'a>, value: &Cow<'a, str>) {
    if !present(value) {
        return;
    }
    let node = path.object(event);
    node.set("command_line", value.clone());
    let mut args = Vec::new();
    split_args(value, |arg| args.push(Val::Str(arg.into_value(value))));
    if !args.is_empty() {
        let count = args.len() as i64;
        node.set("args", Val::List(args));
        node.set("args_count", count);
    }
}

/// Where ECS keeps a digest, by algorithm name as Sysmon writes it (any case); other names make no field.
fn hash_field(algorithm: &str) -> Option<(&'static str, &'static str)> {
    // No non-ASCII character lower-cases into these names, so comparing ASCII case-blind is exact.
    const NAMES: [&str; 7] = [
        "md5", "sha1", "sha256", "sha384", "sha512", "ssdeep", "tlsh",
    ];
    if algorithm.eq_ignore_ascii_case("imphash") {
        return Some(("pe", "imphash"));
    }
    let found = NAMES
        .iter()
        .find(|name| algorithm.eq_ignore_ascii_case(name));
    found.map(|name| ("hash", *name))
}

/// `SHA1=…,MD5=…,IMPHASH=…` (Sysmon) → `<prefix>.hash.*` and `<prefix>.pe.imphash`, in lower case.
fn hashes<'a>(prefix: &'static str, event: &mut Map<'a>, value: &Cow<'a, str>) {
    for item in value.split(',') {
        let Some((algorithm, digest)) = item.split_once('=') else {
            continue;
        };
        let digest = pytext::strip(digest);
        let Some((group, leaf)) = hash_field(pytext::strip(algorithm)) else {
            continue;
        };
        if !digest.is_empty() {
            let digest = lower(value, digest);
            event.child(prefix).child(group).set(leaf, digest);
        }
    }
}

/// The short name of a registry hive as written in a path (`HKEY_LOCAL_MACHINE` → `HKLM`), any case.
fn hive(name: &str) -> Option<&'static str> {
    const HIVES: [(&str, &str); 10] = [
        ("HKLM", "HKLM"),
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKU", "HKU"),
        ("HKEY_USERS", "HKU"),
        ("HKCR", "HKCR"),
        ("HKEY_CLASSES_ROOT", "HKCR"),
        ("HKCU", "HKCU"),
        ("HKEY_CURRENT_USER", "HKCU"),
        ("HKCC", "HKCC"),
        ("HKEY_CURRENT_CONFIG", "HKCC"),
    ];
    let find = |upper: &str| {
        let found = HIVES
            .iter()
            .find(|(long, _)| long.eq_ignore_ascii_case(upper));
        found.map(|(_, short)| *short)
    };
    if name.is_ascii() {
        find(name)
    } else {
        // `str.upper()` makes ASCII of some letters (`ı` → `I`, `ß` → `SS`): compare what it gives.
        find(&pytext::upper(name))
    }
}

fn registry<'a>(with_value: bool, event: &mut Map<'a>, value: &Cow<'a, str>) {
    let text: &str = value;
    if !present(text) {
        return;
    }
    let node = event.child("registry");
    node.set("path", value.clone());
    let (first, after) = text.split_once('\\').unwrap_or((text, ""));
    let rest = match hive(first) {
        Some(short) => {
            node.set("hive", short);
            after
        }
        None => text,
    };
    if with_value {
        let (key, name) = rest.rsplit_once('\\').unwrap_or(("", rest));
        node.set("value", sub(value, name));
        if !key.is_empty() {
            node.set("key", sub(value, key));
        }
    } else if !rest.is_empty() {
        node.set("key", sub(value, rest));
    }
}

/// Sysmon's `Details`: `DWORD (0x00000001)`, `QWORD (0x…-0x…)`, `Binary Data` or a string.
fn registry_data<'a>(event: &mut Map<'a>, value: &Cow<'a, str>) {
    let text: &str = value;
    if !present(text) {
        return;
    }
    let data = event.child("registry").child("data");
    let inside = |head: &str| text.strip_prefix(head)?.strip_suffix(')');
    let strings = if let Some(digits) = inside("DWORD (0x") {
        data.set("type", "SZ_DWORD");
        number_text(value, is_hex(digits).then(|| digits.bytes()))
    } else if let Some(words) = inside("QWORD (0x") {
        data.set("type", "SZ_QWORD");
        let (high, low) = words.split_once("-0x").unwrap_or((words, ""));
        let padding = std::iter::repeat_n(b'0', 8usize.saturating_sub(low.len()));
        let joined = high.bytes().chain(padding).chain(low.bytes());
        number_text(
            value,
            (high
                .bytes()
                .chain(low.bytes())
                .all(|b| b.is_ascii_hexdigit()))
            .then_some(joined),
        )
    } else if text == "Binary Data" {
        data.set("type", "REG_BINARY");
        None
    } else {
        data.set("type", "SZ");
        Some(value.clone())
    };
    if let Some(strings) = strings {
        data.set("strings", Val::List(vec![Val::Str(strings)]));
    }
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The decimal text of hex digits, or the value itself when they are not hex. None where Python
/// raises (`str()` of an int over 4300 digits): it has set the type and not the strings by then.
fn number_text<'a>(
    value: &Cow<'a, str>,
    digits: Option<impl Iterator<Item = u8> + Clone>,
) -> Option<Cow<'a, str>> {
    match digits {
        Some(digits) => hex_to_decimal(digits).map(Cow::Owned),
        None => Some(value.clone()),
    }
}

/// Python's `str(int(digits, 16))` for hex digits of any length, None past Python's 4300 digits.
fn hex_to_decimal(digits: impl Iterator<Item = u8> + Clone) -> Option<String> {
    const LIMB: u64 = 1_000_000_000; // nine decimal digits a limb, least significant first
    let significant = digits.clone().skip_while(|d| *d == b'0');
    let count = significant.clone().count();
    if count <= 32 {
        let value = significant.fold(0u128, |total, d| total << 4 | u128::from(hex_digit(d)));
        return Some(value.to_string());
    }
    if count > 3600 {
        return None; // 16^3600 has more than 4300 decimal digits
    }
    let mut limbs: Vec<u64> = Vec::with_capacity(count * 4 / 29 + 1);
    for d in significant {
        let mut carry = u64::from(hex_digit(d));
        for limb in &mut limbs {
            let next = *limb * 16 + carry;
            *limb = next % LIMB;
            carry = next / LIMB;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    let (top, rest) = limbs.split_last().expect("more than 32 significant digits");
    let mut out = top.to_string();
    for limb in rest.iter().rev() {
        write!(out, "{limb:09}").expect("a String takes any text");
    }
    (out.len() <= 4300).then_some(out)
}

fn hex_digit(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        _ => (d | 0x20) - b'a' + 10,
    }
}

fn signature_status<'a>(path: &Path, event: &mut Map<'a>, value: &Cow<'a, str>) {
    let text: &str = value;
    if !present(text) {
        return;
    }
    let node = path.object(event);
    node.set("status", value.clone());
    if text == "Valid" {
        node.set("valid", true);
        node.set("trusted", true);
    } else if text != "Unavailable" {
        node.set("valid", false);
    }
}

fn dns_type(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "A",
        "2" => "NS",
        "5" => "CNAME",
        "6" => "SOA",
        "12" => "PTR",
        "15" => "MX",
        "16" => "TXT",
        "28" => "AAAA",
        _ => return None,
    })
}

fn answer<'a>(kind: Cow<'a, str>, data: Cow<'a, str>) -> Val<'a> {
    let mut item = Map::new();
    item.set("type", kind);
    item.set("data", data);
    Val::Map(item)
}

/// `type:  5 name;::ffff:10.0.0.1;` (Sysmon 22) → `dns.answers` and `dns.resolved_ip`; `dns` is made even empty.
fn dns_answers<'a>(event: &mut Map<'a>, value: &Cow<'a, str>) {
    let mut answers = Vec::new();
    let mut ips = Vec::new();
    for item in value.split(';').map(pytext::strip) {
        if item.is_empty() || item == "-" {
            continue;
        }
        if let Some(record) = item.strip_prefix("type:") {
            let record = pytext::strip(record);
            let (code, name) = record.split_once(' ').unwrap_or((record, ""));
            let kind = dns_type(code).map_or_else(|| sub(value, code), Cow::Borrowed);
            answers.push(answer(kind, sub(value, pytext::strip(name))));
        } else if let Some(ip) = clean_ip(value, item) {
            let kind = if ip.contains(':') { "AAAA" } else { "A" };
            answers.push(answer(Cow::Borrowed(kind), ip.clone()));
            ips.push(Val::Str(ip));
        }
    }
    let dns = event.child("dns");
    if !answers.is_empty() {
        dns.set("answers", Val::List(answers));
    }
    if !ips.is_empty() {
        dns.set("resolved_ip", Val::List(ips));
    }
}

/// `Key=Value` lines of PowerShell events onto `powershell.*`/`process.*`: classic events' details
/// (`spaced` false) and 4103's `ContextInfo` (`Host Application = …`: the classic keys with spaces).
pub fn apply_powershell_text<'a>(
    event: &mut Map<'a>,
    text: &Cow<'a, str>,
    spaced: bool,
    tables: &Tables,
) {
    // `str.splitlines()`'s breaks; `\r\n` gives an extra empty line here, skipped as it has no `=`.
    let line_break = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    for line in text.split(line_break) {
        if let Some((key, detail)) = line.split_once('=') {
            if let Some(op) = powershell_op(tables, key, spaced) {
                op.apply(event, &sub(text, pytext::strip(detail)));
            }
        }
    }
}

/// The op of a detail name, looked up without regard to case (and to spaces when `spaced`: 4103 writes `Host ID`).
fn powershell_op<'t>(tables: &'t Tables, key: &str, spaced: bool) -> Option<&'t Op> {
    let mut buf = [0u8; 64];
    if !key.is_ascii() || key.len() > buf.len() {
        let joined = if spaced {
            key.replace(' ', "")
        } else {
            key.to_owned()
        };
        return tables
            .powershell
            .get(pytext::lower(pytext::strip(&joined)).as_str());
    }
    let mut len = 0;
    for b in key.bytes().filter(|b| !(spaced && *b == b' ')) {
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let name = std::str::from_utf8(&buf[..len]).expect("ASCII stays UTF-8");
    tables.powershell.get(pytext::strip(name))
}

/// Python's `int(text)`, or `int(text, 16)` of a text starting `0x` when `hex`: None when Python
/// raises and when the number does not fit 64 bits.
fn python_int(text: &str, hex: bool) -> Option<i64> {
    if text.is_ascii() {
        int_of(text.bytes(), hex)
    } else {
        int_of(text.chars().map(int_ascii), hex)
    }
}

/// What Python's `int()` reads a character as: other spaces as ` `, other decimal digits as theirs.
fn int_ascii(c: char) -> u8 {
    if c.is_ascii() {
        c as u8
    } else if pytext::is_space(c) {
        b' '
    } else {
        pytext::digit_value(c).map_or(b'?', |d| b'0' + d as u8)
    }
}

/// The C-locale spaces `int()` skips around the number.
fn int_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn int_of(bytes: impl Iterator<Item = u8>, hex: bool) -> Option<i64> {
    let mut bytes = bytes.peekable();
    let negative = if hex {
        bytes.nth(1); // the `0x` the caller saw; one underscore may follow it
        bytes.next_if_eq(&b'_');
        false
    } else {
        while bytes.next_if(int_space).is_some() {}
        let negative = bytes.next_if_eq(&b'-').is_some();
        if !negative {
            bytes.next_if_eq(&b'+');
        }
        negative
    };
    let base: u32 = if hex { 16 } else { 10 };
    let (mut magnitude, mut digits, mut after_underscore) = (0u64, 0usize, false);
    while let Some(b) = bytes.next_if(|b| *b == b'_' || (*b as char).is_digit(base)) {
        if b == b'_' {
            if digits == 0 || after_underscore {
                return None; // one underscore between digits only
            }
            after_underscore = true;
            continue;
        }
        let digit = (b as char).to_digit(base).expect("checked above");
        magnitude = magnitude
            .checked_mul(u64::from(base))?
            .checked_add(u64::from(digit))?;
        digits += 1;
        after_underscore = false;
    }
    while bytes.next_if(int_space).is_some() {}
    // Python refuses decimal texts over 4300 digits, leading zeros counted.
    if digits == 0 || after_underscore || bytes.next().is_some() || (!hex && digits > 4300) {
        return None;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Python's `clean_ip`: `ipaddress.ip_address(value.strip("[]"))` as text, an IPv4-mapped IPv6
/// address as its IPv4; `part` is `value` or a slice of it.
fn clean_ip<'a>(value: &Cow<'a, str>, part: &str) -> Option<Cow<'a, str>> {
    Some(match canonical_ip(part.trim_matches(['[', ']']))? {
        Cow::Borrowed(same) => sub(value, same),
        Cow::Owned(made) => Cow::Owned(made),
    })
}

/// `str(ip_address(text))` (unwrapped when IPv4-mapped), borrowed from `text` when it is written there.
fn canonical_ip(text: &str) -> Option<Cow<'_, str>> {
    if parse_ipv4(text).is_some() {
        return Some(Cow::Borrowed(text)); // leading zeros are refused, so it is written canonically
    }
    if text.contains('/') {
        return None;
    }
    let (address, scope) = match text.split_once('%') {
        None => (text, None),
        Some((_, scope)) if scope.is_empty() || scope.contains('%') => return None,
        Some((address, scope)) => (address, Some(scope)),
    };
    let groups = parse_ipv6(address)?;
    let mut out = Scratch::new();
    if groups[..6] == [0, 0, 0, 0, 0, 0xffff] {
        for (at, octet) in [
            groups[6] >> 8,
            groups[6] & 0xff,
            groups[7] >> 8,
            groups[7] & 0xff,
        ]
        .into_iter()
        .enumerate()
        {
            if at > 0 {
                out.push(b'.');
            }
            out.push_decimal(octet);
        }
        let ipv4 = out.as_str();
        return Some(match address.strip_suffix(ipv4) {
            Some(head) if head.ends_with(':') => Cow::Borrowed(&address[head.len()..]),
            _ => Cow::Owned(ipv4.to_owned()),
        });
    }
    write_ipv6(&groups, &mut out);
    let canonical = out.as_str();
    Some(match scope {
        _ if canonical == address => Cow::Borrowed(text),
        None => Cow::Owned(canonical.to_owned()),
        Some(scope) => Cow::Owned(format!("{canonical}%{scope}")),
    })
}

/// A dotted quad as `ipaddress` reads one: four decimal octets of at most three digits, no leading zero.
fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for octet in &mut octets {
        let part = parts.next()?.as_bytes();
        let digits = (1..=3).contains(&part.len()) && part.iter().all(u8::is_ascii_digit);
        if !digits || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let value = part
            .iter()
            .fold(0u16, |total, d| total * 10 + u16::from(d - b'0'));
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// One `:`-separated part of an IPv6 address: empty (part of a `::`) or one to four hex digits.
fn hextet(part: &str) -> Option<Option<u16>> {
    if part.is_empty() {
        return Some(None);
    }
    if part.len() > 4 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(part, 16).ok().map(Some)
}

/// An IPv6 address without its scope, as `ipaddress.IPv6Address` reads one (an IPv4 tail allowed).
fn parse_ipv6(address: &str) -> Option<[u16; 8]> {
    let mut parts = [None; 9]; // at most nine parts, a `::` at one end taking two
    let (mut count, mut raw) = (0, 0);
    let mut push = |part: Option<u16>| {
        *parts.get_mut(count)? = part;
        count += 1;
        Some(())
    };
    let mut pieces = address.split(':').peekable();
    while let Some(piece) = pieces.next() {
        raw += 1;
        if pieces.peek().is_none() && piece.contains('.') {
            let [a, b, c, d] = parse_ipv4(piece)?;
            push(Some(u16::from_be_bytes([a, b])))?;
            push(Some(u16::from_be_bytes([c, d])))?;
        } else {
            push(hextet(piece)?)?;
        }
    }
    if raw < 3 {
        return None;
    }
    place_hextets(&parts[..count])
}

/// The eight groups from the parts, the one `::` standing for the zeros it skips.
fn place_hextets(parts: &[Option<u16>]) -> Option<[u16; 8]> {
    let last = parts.len() - 1;
    let mut skip = None;
    for (at, part) in parts.iter().enumerate().take(last).skip(1) {
        if part.is_none() {
            if skip.is_some() {
                return None;
            }
            skip = Some(at);
        }
    }
    let (mut high, mut low) = match skip {
        Some(at) => (at, last - at),
        None if parts.len() == 8 => (8, 0),
        None => return None,
    };
    if skip.is_some() {
        // A `::` at an end leaves an empty part there, and nothing else may be empty beside it.
        if parts[0].is_none() {
            high = if high == 1 { 0 } else { return None };
        }
        if parts[last].is_none() {
            low = if low == 1 { 0 } else { return None };
        }
        if high + low > 7 {
            return None;
        }
    }
    let mut groups = [0u16; 8];
    for (group, part) in groups.iter_mut().zip(&parts[..high]) {
        *group = (*part)?;
    }
    for (group, part) in groups[8 - low..]
        .iter_mut()
        .zip(&parts[parts.len() - low..])
    {
        *group = (*part)?;
    }
    Some(groups)
}

/// IPv6 text as Python writes it: lower-case hex, the first longest run of two or more zero groups as `::`.
fn write_ipv6(groups: &[u16; 8], out: &mut Scratch) {
    let (mut best, mut run) = ((0, 0), (0, 0));
    for (at, group) in groups.iter().enumerate() {
        run = if *group == 0 {
            (run.0, run.1 + 1)
        } else {
            (at + 1, 0)
        };
        if run.1 > best.1 {
            best = run;
        }
    }
    let (start, end) = if best.1 > 1 {
        (best.0, best.0 + best.1)
    } else {
        (8, 8)
    };
    let write = |out: &mut Scratch, range: &[u16]| {
        for (at, group) in range.iter().enumerate() {
            if at > 0 {
                out.push(b':');
            }
            out.push_hex(*group);
        }
    };
    write(out, &groups[..start]);
    if start < 8 {
        out.push(b':');
        out.push(b':');
        write(out, &groups[end..]);
    }
}

/// Address text made on the stack, so that an address written canonically costs no allocation.
struct Scratch {
    bytes: [u8; 40],
    len: usize,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            bytes: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    fn push_hex(&mut self, value: u16) {
        let nibbles = (value.max(1).ilog2() / 4) as i32;
        for shift in (0..=nibbles).rev() {
            self.push(b"0123456789abcdef"[usize::from(value >> (shift * 4) & 0xf)]);
        }
    }

    fn push_decimal(&mut self, value: u16) {
        if value >= 100 {
            self.push(b'0' + (value / 100) as u8);
        }
        if value >= 10 {
            self.push(b'0' + (value / 10 % 10) as u8);
        }
        self.push(b'0' + (value % 10) as u8);
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("ASCII stays UTF-8")
    }
}

/// One argument of a command line: a slice of it when nothing in it was quoted or escaped.
enum Arg<'s> {
    Slice(&'s str),
    Built(String),
}

impl Arg<'_> {
    fn into_value<'a>(self, line: &Cow<'a, str>) -> Cow<'a, str> {
        match self {
            Arg::Slice(text) => sub(line, text),
            Arg::Built(text) => Cow::Owned(text),
        }
    }
}

/// A Windows command line split as programs see it.
///
/// The C runtime's rules: the program name runs to the closing quote or the first blank, with no
/// escapes; after it, blanks separate arguments outside quotes, `2n` backslashes before a quote
/// give `n` and toggle quoting, `2n+1` give `n` and a literal quote, other backslashes are
/// literal, and `""` inside quotes is a literal quote. (The converter takes the arguments from
/// `split_args` as slices where it can; this whole-list form is what the tests compare.)
#[cfg(test)]
fn split_command_line(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    split_args(line, |arg| {
        args.push(match arg {
            Arg::Slice(text) => text.to_owned(),
            Arg::Built(text) => text,
        })
    });
    args
}

fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

fn skip_blanks(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_blank(bytes[at]) {
        at += 1;
    }
    at
}

fn split_args<'s>(line: &'s str, mut emit: impl FnMut(Arg<'s>)) {
    let bytes = line.as_bytes();
    let mut at = skip_blanks(bytes, 0);
    if at >= bytes.len() {
        return;
    }
    let find = |from: usize, stop: fn(u8) -> bool| {
        bytes[from..]
            .iter()
            .position(|b| stop(*b))
            .map_or(bytes.len(), |p| from + p)
    };
    if bytes[at] == b'"' {
        let end = find(at + 1, |b| b == b'"');
        emit(Arg::Slice(&line[at + 1..end]));
        at = end + 1;
    } else {
        let end = find(at, is_blank);
        emit(Arg::Slice(&line[at..end]));
        at = end;
    }
    loop {
        at = skip_blanks(bytes, at);
        if at >= bytes.len() {
            return;
        }
        let end = find(at, |b| is_blank(b) || b == b'"');
        if end == bytes.len() || bytes[end] != b'"' {
            emit(Arg::Slice(&line[at..end])); // no quote in it: backslashes are literal
            at = end;
        } else {
            let (arg, next) = quoted_argument(line, at);
            emit(Arg::Built(arg));
            at = next;
        }
    }
}

/// An argument with quotes in it, read from `at`; returns it and where it ended.
fn quoted_argument(line: &str, mut at: usize) -> (String, usize) {
    let bytes = line.as_bytes();
    let mut out = String::new();
    let mut quoted = false;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => {
                let run = at;
                while at < bytes.len() && bytes[at] == b'\\' {
                    at += 1;
                }
                let count = at - run;
                if at < bytes.len() && bytes[at] == b'"' {
                    out.push_str(&line[run..run + count / 2]);
                    if count % 2 == 1 {
                        out.push('"');
                        at += 1;
                    }
                } else {
                    out.push_str(&line[run..at]);
                }
            }
            b'"' if quoted && bytes.get(at + 1) == Some(&b'"') => {
                out.push('"');
                at += 2;
            }
            b'"' => {
                quoted = !quoted;
                at += 1;
            }
            b if is_blank(b) && !quoted => break,
            _ => {
                // Plain text up to the next byte that means something (all of them ASCII).
                let start = at;
                while at < bytes.len()
                    && !matches!(bytes[at], b'\\' | b'"')
                    && (quoted || !is_blank(bytes[at]))
                {
                    at += 1;
                }
                out.push_str(&line[start..at]);
            }
        }
    }
    (out, at)
}

#[cfg(test)]
mod tests {
    //! Expected values are what the Python converters give for the same input (Python 3.11).

    use super::*;

    fn s(text: &'static str) -> Val<'static> {
        Val::Str(Cow::Borrowed(text))
    }

    fn obj(entries: &[(&'static str, Val<'static>)]) -> Val<'static> {
        let mut map = Map::new();
        for (key, value) in entries {
            map.set(key, value.clone());
        }
        Val::Map(map)
    }

    fn table(entries: &[(&str, &str)]) -> HashMap<String, String> {
        let entries = entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()));
        entries.collect()
    }

    /// A few entries of each table (those the cases use) and all of `POWERSHELL_FIELDS`.
    fn tables() -> Arc<Tables> {
        let logon = table(&[("3", "Network")]);
        let ntstatus = table(&[("0xc000006a", "wrong password")]);
        let failures = table(&[("%%2313", "Unknown user name or bad password.")]);
        let wfp = table(&[("%%14592", "ingress"), ("%%14593", "egress")]);
        let iana = table(&[("6", "tcp"), ("17", "udp")]);
        let powershell = [
            ("HostApplication", "process", "command_line"),
            ("HostName", "process.title", "text"),
            (
                "HostVersion",
                "powershell.process.executable_version",
                "text",
            ),
            ("HostId", "process.entity_id", "text"),
            ("EngineVersion", "powershell.engine.version", "text"),
            ("NewEngineState", "powershell.engine.new_state", "text"),
            (
                "PreviousEngineState",
                "powershell.engine.previous_state",
                "text",
            ),
            ("NewProviderState", "powershell.provider.new_state", "text"),
            ("ProviderName", "powershell.provider.name", "text"),
            ("RunspaceId", "powershell.runspace_id", "text"),
            ("PipelineId", "powershell.pipeline_id", "text"),
            ("CommandName", "powershell.command.name", "text"),
            ("CommandType", "powershell.command.type", "text"),
            ("CommandPath", "powershell.command.path", "text"),
            ("CommandLine", "powershell.command.value", "text"),
            ("ScriptName", "file", "path"),
            ("SequenceNumber", "event.sequence", "int"),
            ("User", "user", "account"),
            ("ConnectedUser", "powershell.connected_user", "account"),
            ("ShellId", "powershell.id", "text"),
        ];
        let powershell = powershell.iter().map(|(name, target, kind)| {
            (
                (*name).to_owned(),
                ((*target).to_owned(), (*kind).to_owned()),
            )
        });
        Tables::new((logon, ntstatus, failures, wfp, iana, powershell.collect())).unwrap()
    }

    /// `kind` on `value`, borrowed and owned, makes exactly the fields Python makes, in its order.
    fn check(
        kind: &str,
        target: &'static str,
        value: &'static str,
        fields: Vec<(&'static str, Val<'static>)>,
    ) {
        let mut expected = Map::new();
        for (path, field) in fields {
            expected.put(path, field);
        }
        let op = Op::new(kind, target, &tables()).unwrap();
        for value in [Cow::Borrowed(value), Cow::Owned(value.to_owned())] {
            let mut event = Map::new();
            op.apply(&mut event, &value);
            assert_eq!(event, expected, "{kind} {value:?}");
        }
    }

    #[test]
    fn clean_ip_as_python() {
        let cases: &[(&str, Option<&str>)] = &[
            ("1.2.3.4", Some("1.2.3.4")),
            ("0.0.0.0", Some("0.0.0.0")),
            ("255.255.255.255", Some("255.255.255.255")),
            ("256.1.1.1", None),
            ("01.2.3.4", None),
            ("1.2.3", None),
            ("1.2.3.4.5", None),
            ("1.2.3.04", None),
            ("1..3.4", None),
            (" 1.2.3.4", None),
            ("\u{661}.2.3.4", None),
            ("::", Some("::")),
            ("::1", Some("::1")),
            ("1::", Some("1::")),
            ("::1.2.3.4", Some("::102:304")),
            ("::ffff:1.2.3.4", Some("1.2.3.4")),
            ("::ffff:0.0.0.0", Some("0.0.0.0")),
            ("0:0:0:0:0:ffff:102:304", Some("1.2.3.4")),
            ("::FFFF:a:b", Some("0.10.0.11")),
            ("::ffff:1.2.3.4%eth0", Some("1.2.3.4")),
            ("2001:DB8:0:0:1:0:0:1", Some("2001:db8::1:0:0:1")),
            ("2001:db8::1:0:0:1", Some("2001:db8::1:0:0:1")),
            ("2001:db8:0:1:1:1:1:1", Some("2001:db8:0:1:1:1:1:1")),
            ("1:0:0:2:0:0:0:3", Some("1:0:0:2::3")),
            ("0:0:1:0:0:0:0:0", Some("0:0:1::")),
            ("1:2:3:4:5:6:7:8", Some("1:2:3:4:5:6:7:8")),
            ("1:2:3:4:5:6:7::", Some("1:2:3:4:5:6:7:0")),
            ("::2:3:4:5:6:7:8", Some("0:2:3:4:5:6:7:8")),
            ("1:2:3:4:5:6:7:8:9", None),
            ("1::2::3", None),
            (":1::2", None),
            ("1::2:", None),
            ("1:2:3:4:5:6:7", None),
            ("1:2:3:4:5:6::1.2.3.4", None),
            ("1:2:3:4:5:6:7:1.2.3.4", None),
            ("::1.2.3", None),
            ("::01.2.3.4", None),
            ("12345::", None),
            ("0000:0000::00001", None),
            ("fe80::1%eth0", Some("fe80::1%eth0")),
            ("fe80::1%", None),
            ("fe80::1%a%b", None),
            ("fe80::1%\u{e9}", Some("fe80::1%\u{e9}")),
            ("FE80::0001%Eth 0", Some("fe80::1%Eth 0")),
            ("fe80::1/64", None),
            ("fe80::1%a/b", None),
            ("[::1]", Some("::1")),
            ("[[1.2.3.4]]", Some("1.2.3.4")),
            ("[::1", Some("::1")),
            ("", None),
            ("-", None),
            ("g::1", None),
            ("::ffff:1.2.3.4/32", None),
            ("0:0:0:0:0:0:0:0", Some("::")),
            ("1:0:0:0:1:0:0:0", Some("1::1:0:0:0")),
            ("1:0:1:0:1:0:1:0", Some("1:0:1:0:1:0:1:0")),
            ("::ffff:ffff:ffff", Some("255.255.255.255")),
        ];
        for (input, expected) in cases {
            let value = Cow::Borrowed(*input);
            assert_eq!(clean_ip(&value, input).as_deref(), *expected, "{input:?}");
        }
    }

    #[test]
    fn ints_as_python() {
        let cases: &[(&str, bool, Option<i64>)] = &[
            ("42", false, Some(42)),
            ("-42", false, Some(-42)),
            ("+42", false, Some(42)),
            (" \t42\n", false, Some(42)),
            ("\u{3000}42\u{3000}", false, Some(42)),
            ("\u{1c}42", false, None),
            ("4_2", false, Some(42)),
            ("4__2", false, None),
            ("_42", false, None),
            ("42_", false, None),
            ("-_42", false, None),
            ("- 42", false, None),
            ("\u{664}\u{662}", false, Some(42)),
            ("\u{ff14}\u{ff12}", false, Some(42)),
            ("42x", false, None),
            ("", false, None),
            ("-", false, None),
            ("00042", false, Some(42)),
            ("0x2a", false, None),
            ("9223372036854775807", false, Some(9223372036854775807)),
            ("-9223372036854775808", false, Some(-9223372036854775808)),
            ("9223372036854775808", false, None),
            ("00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", false, None),
            ("000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001", false, None),
            ("0x2A", true, Some(42)),
            ("0X2a", true, Some(42)),
            ("0x_2a", true, Some(42)),
            ("0x__2a", true, None),
            ("0x2a_", true, None),
            ("0x", true, None),
            ("0x 2a", true, None),
            ("0x2a ", true, Some(42)),
            ("0x-2a", true, None),
            ("0x\u{662}", true, Some(2)),
            ("0x7fffffffffffffff", true, Some(9223372036854775807)),
            ("0x8000000000000000", true, None),
            ("0x2g", true, None),
        ];
        for (text, hex, expected) in cases {
            assert_eq!(python_int(text, *hex), *expected, "{text:?}");
        }
    }

    #[test]
    fn command_lines_as_python() {
        let cases: &[(&str, &[&str])] = &[
            (
                "\"C:\\a b\\x.exe\" -k \"q \\\"r\\\"\"",
                &["C:\\a b\\x.exe", "-k", "q \"r\""],
            ),
            ("cmd.exe /c dir", &["cmd.exe", "/c", "dir"]),
            ("  \t ", &[]),
            ("", &[]),
            ("\"unclosed program", &["unclosed program"]),
            ("\"a\"b c", &["a", "b", "c"]),
            ("a \"b c\" d", &["a", "b c", "d"]),
            ("a \"b c", &["a", "b c"]),
            ("a b\"\"c", &["a", "bc"]),
            ("a \"b\"\"c\" d", &["a", "b\"c", "d"]),
            ("a \\\\\"b c\\\\\" d", &["a", "\\b c\\", "d"]),
            ("a \\\\\\\"b", &["a", "\\\"b"]),
            ("a \\\\\\\\\"b c\"", &["a", "\\\\b c"]),
            ("a b\\ c\\\\", &["a", "b\\", "c\\\\"]),
            ("a \\\"", &["a", "\""]),
            ("a \"\\\"\"", &["a", "\""]),
            ("a \"\"\"\"", &["a", "\""]),
            ("a \"\"", &["a", ""]),
            ("a \"\" b", &["a", "", "b"]),
            ("\"\"", &[""]),
            ("\"\" x", &["", "x"]),
            ("a\t\tb\t", &["a", "b"]),
            ("a \"b\t c\"\td", &["a", "b\t c", "d"]),
            ("p \"x\"y\"z w\"", &["p", "xyz w"]),
            ("p x\"y z\"w", &["p", "xy zw"]),
            (
                "C:\\a\\b.exe \"C:\\dir\\\\\" next",
                &["C:\\a\\b.exe", "C:\\dir\\", "next"],
            ),
            (
                "\u{e9} \"\u{fc} \u{df}\" \\\u{e9}",
                &["\u{e9}", "\u{fc} \u{df}", "\\\u{e9}"],
            ),
            ("p \\\\\\\\\\\"x", &["p", "\\\\\"x"]),
            ("p \"a\\\"b\"", &["p", "a\"b"]),
            ("p \"a\"\"b", &["p", "a\"b"]),
            ("p \"a\"\"\"", &["p", "a\""]),
            ("p \"\"a\"\"", &["p", "a"]),
        ];
        for (line, expected) in cases {
            assert_eq!(split_command_line(line), *expected, "{line:?}");
        }
    }

    #[test]
    fn fields_as_python() {
        check(
            "text",
            "process.entity_id",
            "{A-B}",
            vec![("process.entity_id", s("{A-B}"))],
        );
        check("text", "rule.name", "-", vec![]);
        check("text", "message", "", vec![]);
        check(
            "sid",
            "user.id",
            "S-1-5-18",
            vec![("user.id", s("S-1-5-18"))],
        );
        check(
            "int",
            "process.pid",
            "4242",
            vec![("process.pid", Val::Int(4242))],
        );
        check(
            "int",
            "process.pid",
            " -12 ",
            vec![("process.pid", Val::Int(-12))],
        );
        check(
            "int",
            "process.pid",
            "1_000",
            vec![("process.pid", Val::Int(1000))],
        );
        check("int", "process.pid", "0x10", vec![]);
        check(
            "int",
            "process.pid",
            "\u{663}\u{664}",
            vec![("process.pid", Val::Int(34))],
        );
        check("int", "process.pid", "12a", vec![]);
        check(
            "int",
            "process.pid",
            "9223372036854775807",
            vec![("process.pid", Val::Int(9223372036854775807))],
        );
        check(
            "hex",
            "process.pid",
            "0x1F4",
            vec![("process.pid", Val::Int(500))],
        );
        check(
            "hex",
            "process.pid",
            "0X_ff ",
            vec![("process.pid", Val::Int(255))],
        );
        check(
            "hex",
            "process.pid",
            "500",
            vec![("process.pid", Val::Int(500))],
        );
        check("hex", "process.pid", "ff", vec![]);
        check("hex", "process.pid", "0x", vec![]);
        check(
            "port",
            "source.port",
            "443",
            vec![("source.port", Val::Int(443))],
        );
        check(
            "port",
            "source.port",
            "\u{664}\u{664}\u{663}",
            vec![("source.port", Val::Int(443))],
        );
        check("port", "source.port", "+443", vec![]);
        check(
            "port",
            "source.port",
            "70000",
            vec![("source.port", Val::Int(70000))],
        );
        check("port", "source.port", "-", vec![]);
        check(
            "ip",
            "source.ip",
            "10.0.0.1",
            vec![("source.ip", s("10.0.0.1"))],
        );
        check(
            "ip",
            "source.ip",
            "::ffff:10.0.0.1",
            vec![("source.ip", s("10.0.0.1"))],
        );
        check(
            "ip",
            "source.ip",
            "[FE80::1%eth0]",
            vec![("source.ip", s("fe80::1%eth0"))],
        );
        check("ip", "source.ip", "010.0.0.1", vec![]);
        check("ip", "source.ip", "-", vec![]);
        check(
            "lower",
            "network.transport",
            "TCP",
            vec![("network.transport", s("tcp"))],
        );
        check(
            "lower",
            "network.transport",
            "udp",
            vec![("network.transport", s("udp"))],
        );
        check("lower", "network.transport", "-", vec![]);
        check(
            "bool",
            "file.code_signature.exists",
            "True",
            vec![("file.code_signature.exists", Val::Bool(true))],
        );
        check(
            "bool",
            "file.code_signature.exists",
            "false",
            vec![("file.code_signature.exists", Val::Bool(false))],
        );
        check("bool", "file.code_signature.exists", "yes", vec![]);
        check(
            "direction",
            "network.direction",
            "TRUE",
            vec![("network.direction", s("egress"))],
        );
        check(
            "direction",
            "network.direction",
            "false",
            vec![("network.direction", s("ingress"))],
        );
        check("direction", "network.direction", "-", vec![]);
        check(
            "ip_version",
            "network.type",
            "true",
            vec![("network.type", s("ipv6"))],
        );
        check("ip_version", "network.type", "0", vec![]);
        check(
            "logon_type",
            "winlog.logon.type",
            "3",
            vec![("winlog.logon.type", s("Network"))],
        );
        check("logon_type", "winlog.logon.type", "99", vec![]);
        check(
            "ntstatus",
            "winlog.event_data.Status",
            "0xC000006A",
            vec![("winlog.event_data.Status", s("wrong password"))],
        );
        check(
            "ntstatus",
            "winlog.event_data.Status",
            "0x1",
            vec![("winlog.event_data.Status", s("0x1"))],
        );
        check("ntstatus", "winlog.event_data.Status", "-", vec![]);
        check(
            "failure_reason",
            "winlog.logon.failure.reason",
            "%%2313",
            vec![(
                "winlog.logon.failure.reason",
                s("Unknown user name or bad password."),
            )],
        );
        check(
            "failure_reason",
            "winlog.logon.failure.reason",
            "Other",
            vec![("winlog.logon.failure.reason", s("Other"))],
        );
        check(
            "wfp_direction",
            "network.direction",
            "%%14592",
            vec![("network.direction", s("ingress"))],
        );
        check("wfp_direction", "network.direction", "%%1", vec![]);
        check(
            "iana_protocol",
            "network",
            "6",
            vec![
                ("network.iana_number", s("6")),
                ("network.transport", s("tcp")),
            ],
        );
        check(
            "iana_protocol",
            "network",
            "253",
            vec![("network.iana_number", s("253"))],
        );
        check("iana_protocol", "network", "\u{666}", vec![]);
        check("iana_protocol", "network", "", vec![]);
        check(
            "signature_status",
            "file.code_signature",
            "Valid",
            vec![
                ("file.code_signature.status", s("Valid")),
                ("file.code_signature.valid", Val::Bool(true)),
                ("file.code_signature.trusted", Val::Bool(true)),
            ],
        );
        check(
            "signature_status",
            "file.code_signature",
            "Unavailable",
            vec![("file.code_signature.status", s("Unavailable"))],
        );
        check(
            "signature_status",
            "file.code_signature",
            "Expired",
            vec![
                ("file.code_signature.status", s("Expired")),
                ("file.code_signature.valid", Val::Bool(false)),
            ],
        );
        check("signature_status", "file.code_signature", "-", vec![]);
    }

    #[test]
    fn objects_as_python() {
        check(
            "exe",
            "process",
            "C:\\Windows\\System32\\svchost.exe",
            vec![
                (
                    "process.executable",
                    s("C:\\Windows\\System32\\svchost.exe"),
                ),
                ("process.name", s("svchost.exe")),
            ],
        );
        check(
            "exe",
            "process.parent",
            "/usr/bin/bash",
            vec![
                ("process.parent.executable", s("/usr/bin/bash")),
                ("process.parent.name", s("bash")),
            ],
        );
        check(
            "exe",
            "process",
            "cmd",
            vec![("process.executable", s("cmd")), ("process.name", s("cmd"))],
        );
        check("exe", "process", "-", vec![]);
        check(
            "path",
            "file",
            "C:\\Users\\a\\doc.tar.gz",
            vec![
                ("file.path", s("C:\\Users\\a\\doc.tar.gz")),
                ("file.name", s("doc.tar.gz")),
                ("file.directory", s("C:\\Users\\a")),
                ("file.extension", s("gz")),
            ],
        );
        check(
            "path",
            "file",
            "C:\\dir\\",
            vec![
                ("file.path", s("C:\\dir\\")),
                ("file.name", s("")),
                ("file.directory", s("C:\\dir")),
            ],
        );
        check(
            "path",
            "file",
            ".bashrc",
            vec![("file.path", s(".bashrc")), ("file.name", s(".bashrc"))],
        );
        check(
            "path",
            "file",
            "a/b.",
            vec![
                ("file.path", s("a/b.")),
                ("file.name", s("b.")),
                ("file.directory", s("a")),
            ],
        );
        check(
            "path",
            "file",
            "x",
            vec![("file.path", s("x")), ("file.name", s("x"))],
        );
        check(
            "account",
            "user",
            "CORP\\alice",
            vec![("user.domain", s("CORP")), ("user.name", s("alice"))],
        );
        check("account", "user", "alice", vec![("user.name", s("alice"))]);
        check("account", "user", "\\bob", vec![("user.name", s("bob"))]);
        check(
            "account",
            "user",
            "CORP\\",
            vec![("user.domain", s("CORP"))],
        );
        check("account", "user", "\\", vec![]);
        check("account", "user", "-", vec![]);
        check(
            "dn_name",
            "user.name",
            "CN=Smith\\, John,OU=Staff,DC=corp",
            vec![("user.name", s("Smith, John"))],
        );
        check(
            "dn_name",
            "user.name",
            "cn= Jane ,DC=x",
            vec![("user.name", s("Jane"))],
        );
        check("dn_name", "user.name", "OU=Staff", vec![]);
        check(
            "dn_name",
            "user.name",
            "CN=\\",
            vec![("user.name", s("\\"))],
        );
        check("dn_name", "user.name", "CN=,x", vec![]);
        check(
            "command_line",
            "process",
            "\"C:\\a b\\x.exe\" -k \"q \\\"r\\\"\"",
            vec![
                (
                    "process.command_line",
                    s("\"C:\\a b\\x.exe\" -k \"q \\\"r\\\"\""),
                ),
                (
                    "process.args",
                    Val::List(vec![s("C:\\a b\\x.exe"), s("-k"), s("q \"r\"")]),
                ),
                ("process.args_count", Val::Int(3)),
            ],
        );
        check(
            "command_line",
            "process.parent",
            "cmd.exe /c dir",
            vec![
                ("process.parent.command_line", s("cmd.exe /c dir")),
                (
                    "process.parent.args",
                    Val::List(vec![s("cmd.exe"), s("/c"), s("dir")]),
                ),
                ("process.parent.args_count", Val::Int(3)),
            ],
        );
        check(
            "command_line",
            "process",
            "   ",
            vec![("process.command_line", s("   "))],
        );
        check("command_line", "process", "-", vec![]);
        check(
            "hashes",
            "process",
            "SHA1=AB12,MD5=CD34,SHA256=EF56,IMPHASH=0A0B",
            vec![
                ("process.hash.sha1", s("ab12")),
                ("process.hash.md5", s("cd34")),
                ("process.hash.sha256", s("ef56")),
                ("process.pe.imphash", s("0a0b")),
            ],
        );
        check(
            "hashes",
            "file",
            "sha256= ff ,CRC=1,tlsh=,noequals",
            vec![("file.hash.sha256", s("ff"))],
        );
        check(
            "fallback",
            "user.name",
            "alice",
            vec![("user.name", s("alice"))],
        );
        check("fallback", "user.name", "-", vec![]);
    }

    #[test]
    fn registry_dns_powershell_as_python() {
        check(
            "registry",
            "registry",
            "HKLM\\SOFTWARE\\Microsoft\\Run",
            vec![
                ("registry.path", s("HKLM\\SOFTWARE\\Microsoft\\Run")),
                ("registry.hive", s("HKLM")),
                ("registry.key", s("SOFTWARE\\Microsoft\\Run")),
            ],
        );
        check(
            "registry",
            "registry",
            "HKEY_CURRENT_USER\\Env",
            vec![
                ("registry.path", s("HKEY_CURRENT_USER\\Env")),
                ("registry.hive", s("HKCU")),
                ("registry.key", s("Env")),
            ],
        );
        check(
            "registry",
            "registry",
            "\\REGISTRY\\MACHINE\\x",
            vec![
                ("registry.path", s("\\REGISTRY\\MACHINE\\x")),
                ("registry.key", s("\\REGISTRY\\MACHINE\\x")),
            ],
        );
        check(
            "registry",
            "registry",
            "HKU",
            vec![("registry.path", s("HKU")), ("registry.hive", s("HKU"))],
        );
        check(
            "registry",
            "registry",
            "HKEY_CLA\u{df}ES_ROOT\\x",
            vec![
                ("registry.path", s("HKEY_CLA\u{df}ES_ROOT\\x")),
                ("registry.hive", s("HKCR")),
                ("registry.key", s("x")),
            ],
        );
        check(
            "registry_value",
            "registry",
            "HKLM\\SOFTWARE\\Run\\Updater",
            vec![
                ("registry.path", s("HKLM\\SOFTWARE\\Run\\Updater")),
                ("registry.hive", s("HKLM")),
                ("registry.value", s("Updater")),
                ("registry.key", s("SOFTWARE\\Run")),
            ],
        );
        check(
            "registry_value",
            "registry",
            "hkcu\\Value",
            vec![
                ("registry.path", s("hkcu\\Value")),
                ("registry.hive", s("HKCU")),
                ("registry.value", s("Value")),
            ],
        );
        check(
            "registry_value",
            "registry",
            "HKLM",
            vec![
                ("registry.path", s("HKLM")),
                ("registry.hive", s("HKLM")),
                ("registry.value", s("")),
            ],
        );
        check(
            "registry_value",
            "registry",
            "Plain",
            vec![
                ("registry.path", s("Plain")),
                ("registry.value", s("Plain")),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "DWORD (0x00000001)",
            vec![
                ("registry.data.type", s("SZ_DWORD")),
                ("registry.data.strings", Val::List(vec![s("1")])),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "DWORD (0xzz)",
            vec![
                ("registry.data.type", s("SZ_DWORD")),
                ("registry.data.strings", Val::List(vec![s("DWORD (0xzz)")])),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "QWORD (0x00000001-0x00000002)",
            vec![
                ("registry.data.type", s("SZ_QWORD")),
                ("registry.data.strings", Val::List(vec![s("4294967298")])),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "QWORD (0x1)",
            vec![
                ("registry.data.type", s("SZ_QWORD")),
                ("registry.data.strings", Val::List(vec![s("4294967296")])),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "QWORD (0xffffffffffffffffffffffffffffffffffffffff)",
            vec![
                ("registry.data.type", s("SZ_QWORD")),
                (
                    "registry.data.strings",
                    Val::List(vec![s(
                        "6277101735386680763835789423207666416102355444459739545600",
                    )]),
                ),
            ],
        );
        check(
            "registry_data",
            "registry.data",
            "Binary Data",
            vec![("registry.data.type", s("REG_BINARY"))],
        );
        check(
            "registry_data",
            "registry.data",
            "C:\\x.exe",
            vec![
                ("registry.data.type", s("SZ")),
                ("registry.data.strings", Val::List(vec![s("C:\\x.exe")])),
            ],
        );
        check("registry_data", "registry.data", "-", vec![]);
        check(
            "dns_answers",
            "dns",
            "type:  5 edge.example.net;::ffff:93.184.216.34;2606:2800:0220:0001::;bad;-;",
            vec![
                (
                    "dns.answers",
                    Val::List(vec![
                        obj(&[("type", s("CNAME")), ("data", s("edge.example.net"))]),
                        obj(&[("type", s("A")), ("data", s("93.184.216.34"))]),
                        obj(&[("type", s("AAAA")), ("data", s("2606:2800:220:1::"))]),
                    ]),
                ),
                (
                    "dns.resolved_ip",
                    Val::List(vec![s("93.184.216.34"), s("2606:2800:220:1::")]),
                ),
            ],
        );
        check("dns_answers", "dns", "-", vec![("dns", obj(&[]))]);
        check(
            "dns_answers",
            "dns",
            "type: 99 x",
            vec![(
                "dns.answers",
                Val::List(vec![obj(&[("type", s("99")), ("data", s("x"))])]),
            )],
        );
        check("powershell_context", "process", "        Host Name = ConsoleHost\r\n        Host Version = 5.1\n        Host ID = abc\n        Host Application = powershell.exe -nop\n        Sequence Number = 17\n        User = CORP\\bob\n        Connected User = \n        Script Name = C:\\s\\a.ps1\n        Unknown = x\n        no separator", vec![("process.title", s("ConsoleHost")), ("process.entity_id", s("abc")), ("process.command_line", s("powershell.exe -nop")), ("process.args", Val::List(vec![s("powershell.exe"), s("-nop")])), ("process.args_count", Val::Int(2)), ("powershell.process.executable_version", s("5.1")), ("event.sequence", Val::Int(17)), ("user.domain", s("CORP")), ("user.name", s("bob")), ("file.path", s("C:\\s\\a.ps1")), ("file.name", s("a.ps1")), ("file.directory", s("C:\\s")), ("file.extension", s("ps1"))]);
        check(
            "powershell_context",
            "process",
            "HostName=a\u{b}EngineVersion=5\u{2028}PipelineId=3\u{1c}ShellId=Microsoft.PowerShell",
            vec![
                ("process.title", s("a")),
                ("powershell.engine.version", s("5")),
                ("powershell.pipeline_id", s("3")),
                ("powershell.id", s("Microsoft.PowerShell")),
            ],
        );
    }

    #[test]
    fn fallback_keeps_what_is_there() {
        let op = Op::new("fallback", "user.name", &tables()).unwrap();
        let mut event = Map::new();
        event.put("user.name", "first");
        op.apply(&mut event, &Cow::Borrowed("second"));
        assert_eq!(event.get_str("user.name"), Some("first"));
        // Python finds `name` in the text `"a name"` (`leaf in node`) and writes nothing.
        let mut event = Map::new();
        event.put("user", "a name");
        op.apply(&mut event, &Cow::Borrowed("x"));
        assert_eq!(event.get_str("user"), Some("a name"));
    }

    #[test]
    fn a_number_python_cannot_print_leaves_the_strings_unset() {
        let op = Op::new("registry_data", "registry.data", &tables()).unwrap();
        let huge = format!("QWORD (0x{})", "f".repeat(3600));
        let mut event = Map::new();
        op.apply(&mut event, &Cow::Owned(huge));
        assert_eq!(event.get_str("registry.data.type"), Some("SZ_QWORD"));
        assert!(event.lookup("registry.data.strings").is_none());
        assert_eq!(
            hex_to_decimal(b"ffffffffffffffffffffffffffffffffff".iter().copied()).as_deref(),
            Some("87112285931760246646623899502532662132735")
        );
    }

    #[test]
    fn classic_powershell_details() {
        let text = Cow::Borrowed("\r\n\tHostId= abc \r\n\tSequenceNumber=7\r\n\tHost Name=x\nSHELLID=Microsoft.PowerShell\nno pair");
        let mut event = Map::new();
        apply_powershell_text(&mut event, &text, false, &tables());
        let mut expected = Map::new();
        expected.put("process.entity_id", "abc");
        expected.put("event.sequence", 7i64);
        expected.put("powershell.id", "Microsoft.PowerShell");
        assert_eq!(
            event, expected,
            "`Host Name` has a space, which only 4103's spaced keys drop"
        );
    }

    #[test]
    fn unknown_kinds_and_table_kinds_in_the_tables_are_errors() {
        assert!(matches!(Op::new("nope", "x", &tables()), Err(reason) if reason.contains("nope")));
        let fields = HashMap::from([("X".to_owned(), ("x".to_owned(), "logon_type".to_owned()))]);
        let empty = HashMap::new;
        assert!(Tables::new((empty(), empty(), empty(), empty(), empty(), fields)).is_err());
    }

    #[test]
    fn interned_once() {
        let first = intern(&String::from("winlog.test.target"));
        assert!(std::ptr::eq(first, intern("winlog.test.target")));
    }
}
