//! `key=value` records (FortiGate, SonicWall): the native twin of `collectors/firewall/kv.py`'s `pairs`.
//!
//! Values are bare words, `"double quoted"` (backslash escapes; only `\"`
//! is unescaped) or `'single quoted'`. A key seen twice keeps its first
//! value, and the keys come in the order Python's dict gives them there (the
//! pairs are read in reverse, so each key stands where its last occurrence
//! is, counted from the end). Keys are `[A-Za-z_][\w.\-]*` with Python's
//! `\w`; a key may start inside a longer word (`9ab=1` has key `ab`), as a
//! regex search finds it.

use std::borrow::Cow;
use std::hash::Hasher;

use crate::event::{KeyHasher, Map};
use crate::pytext;

fn is_key_char(c: char) -> bool {
    c == '_' || c == '.' || c == '-' || pytext::is_alnum(c)
}

/// The ASCII bytes of a key: letters, digits, `_`, `.` and `-`. A table: four tests a byte cost
/// 3,300 instructions a FortiGate line more.
const KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
        byte += 1;
    }
    table
};

/// The end of the run of key characters that starts at `from` (a character boundary).
fn key_end(text: &str, from: usize) -> usize {
    let rest = text.get(from..).unwrap_or_default();
    let ascii = rest
        .bytes()
        .position(|b| !KEY_BYTES[usize::from(b)])
        .unwrap_or(rest.len());
    if rest.as_bytes().get(ascii).is_none_or(|b| b.is_ascii()) {
        return from + ascii;
    }
    let tail = rest.get(ascii..).unwrap_or_default();
    from + ascii
        + tail
            .char_indices()
            .find(|(_, c)| !is_key_char(*c))
            .map_or(tail.len(), |(at, _)| at)
}

/// The next `key=` at or after `from`: (start of the key, position of its `=`).
pub fn next_key(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut pos = from;
    while let Some(&b) = bytes.get(pos) {
        if b.is_ascii_alphabetic() || b == b'_' {
            let end = key_end(text, pos);
            if bytes.get(end) == Some(&b'=') {
                return Some((pos, end));
            }
            // every key starting inside this run ends where it ends, without a `=`
            pos = end.max(pos + 1);
        } else {
            pos += 1; // a byte inside a multi-byte character is never an ASCII letter
        }
    }
    None
}

/// The position of the `"` closing a double-quoted value whose text starts at `from`
/// (`"([^"\\]*(?:\\.[^"\\]*)*)"`: a backslash takes the next character, a newline excepted), and
/// whether the value holds a backslash (without one there is nothing to unescape).
pub fn closing_quote(text: &str, from: usize) -> Option<(usize, bool)> {
    let bytes = text.as_bytes();
    let mut at = from;
    let mut escaped = false;
    loop {
        match *bytes.get(at)? {
            b'"' => return Some((at, escaped)),
            b'\\' => match *bytes.get(at + 1)? {
                b'\n' => return None,
                _ => {
                    escaped = true;
                    at += 2; // the escaped character's first byte; the rest are never `"` or `\`
                }
            },
            _ => at += 1,
        }
    }
}

/// A double-quoted value with its `\"` unescaped (the only escape the readers undo).
pub fn unescape(value: &str) -> Cow<'_, str> {
    // Most values hold no backslash: one byte search settles them, cheaper than a substring search.
    if memchr::memchr(b'\\', value.as_bytes()).is_some() && value.contains("\\\"") {
        Cow::Owned(value.replace("\\\"", "\""))
    } else {
        Cow::Borrowed(value)
    }
}

/// The slot a key starts looking at in a record's index: its hash's top bits.
fn slot(key: &str) -> usize {
    let mut hasher = KeyHasher::default();
    hasher.write(key.as_bytes());
    (hasher.finish() >> (u64::BITS - SLOTS.trailing_zeros())) as usize
}

const SLOTS: usize = 256;
/// Records with more keys than this are searched from end to end (none that a device writes).
const INDEXED: usize = 192;

/// The pairs of one record, as the Python dict has them: one value a key, in the dict's order.
pub struct Record<'a> {
    entries: Vec<(&'a str, Cow<'a, str>)>,
    /// Open addressing over `entries`: 0 is an empty slot, n is entry n - 1.
    index: [u8; SLOTS],
}

impl<'a> Record<'a> {
    fn with_capacity(capacity: usize) -> Self {
        Record {
            entries: Vec::with_capacity(capacity),
            index: [0; SLOTS],
        }
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        if self.entries.len() > INDEXED {
            return self
                .entries
                .iter()
                .position(|(k, _)| *k == key)
                .ok_or(usize::MAX);
        }
        let mut at = slot(key) % SLOTS;
        loop {
            match self.index[at] {
                0 => return Err(at),
                n if self.entries[usize::from(n) - 1].0 == key => return Ok(usize::from(n) - 1),
                _ => at = (at + 1) % SLOTS,
            }
        }
    }

    /// Add a key that is not there yet; a key already there gets `value` only when `replace`.
    pub fn add(&mut self, key: &'a str, value: Cow<'a, str>, replace: bool) {
        match self.position(key) {
            Ok(at) => {
                if replace {
                    self.entries[at].1 = value;
                }
            }
            Err(free) => {
                self.entries.push((key, value));
                let count = self.entries.len();
                if count <= INDEXED {
                    self.index[free] = count as u8;
                }
            }
        }
    }

    /// Pairs in text order, the first of a key kept: the order and values of FortiGate's CSV reader.
    pub fn first_wins(found: Vec<(&'a str, Cow<'a, str>)>) -> Self {
        let mut record = Record::with_capacity(found.len());
        for (key, value) in found {
            record.add(key, value, false);
        }
        record
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).ok().map(|at| &*self.entries[at].1)
    }

    /// The value, or "" for a missing key (Python's `rec.get(key, "")`).
    pub fn text(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &str)> {
        self.entries.iter().map(|(key, value)| (*key, &**value))
    }

    /// The pairs no ECS field took (`taken` says which did), kept as the vendor's own fields.
    pub fn rest(&self, taken: impl Fn(&str) -> bool) -> Map<'_> {
        let mut rest = Map::with_capacity(self.entries.len());
        for (key, value) in self.iter() {
            if !taken(key) {
                rest.push_new(key, value); // a record's keys are unique (its index)
            }
        }
        rest
    }
}

/// Every `key=value` in `text` in text order, quotes removed (what `re.findall` yields).
pub fn scan(text: &str) -> Vec<(&str, Cow<'_, str>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::with_capacity(48);
    let mut pos = 0;
    while let Some((start, equals)) = next_key(text, pos) {
        let key = &text[start..equals];
        let at = equals + 1;
        let quoted = match bytes.get(at) {
            Some(b'"') => closing_quote(text, at + 1).map(|(close, escaped)| {
                let value = text.get(at + 1..close).unwrap_or_default();
                let value = if escaped {
                    unescape(value)
                } else {
                    Cow::Borrowed(value)
                };
                (value, close + 1)
            }),
            Some(b'\'') => text
                .get(at + 1..)
                .and_then(|rest| rest.find('\''))
                .map(|len| {
                    let value = text.get(at + 1..at + 1 + len).unwrap_or_default();
                    (Cow::Borrowed(value), at + 2 + len)
                }),
            _ => None,
        };
        let (value, end) = quoted.unwrap_or_else(|| {
            let rest = text.get(at..).unwrap_or_default();
            let len = pytext::find_space(rest).unwrap_or(rest.len());
            (Cow::Borrowed(&rest[..len]), at + len)
        });
        found.push((key, value));
        pos = end;
    }
    found
}

/// Every `key=value` in `text` (`kv.pairs` without `spaced`): quotes removed, the first occurrence wins.
pub fn pairs(text: &str) -> Record<'_> {
    let found = scan(text);
    let mut record = Record::with_capacity(found.len());
    for (key, value) in found.into_iter().rev() {
        record.add(key, value, true); // read backwards, so the first occurrence is the last written
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items<'a>(record: &'a Record<'_>) -> Vec<(&'a str, &'a str)> {
        record.iter().collect()
    }

    #[test]
    fn bare_flags_are_not_pairs() {
        let record = pairs("ID=0 DF PROTO=TCP SYN URGP=0");
        assert_eq!(record.get("ID"), Some("0"));
        assert_eq!(record.get("PROTO"), Some("TCP"));
        assert_eq!(record.get("URGP"), Some("0"));
        assert_eq!(record.iter().count(), 3);
    }

    #[test]
    fn first_occurrence_wins_in_python_dict_order() {
        let record = pairs("a=1 b=2 a=3 c=4");
        assert_eq!(items(&record), vec![("c", "4"), ("a", "1"), ("b", "2")]);
    }

    #[test]
    fn quotes_and_escapes() {
        let record = pairs(r#"m="say \"hi\" \n" s='x y' q="in b=2" u="open b=2 e= w=a"b"#);
        assert_eq!(record.get("m"), Some(r#"say "hi" \n"#));
        assert_eq!(record.get("s"), Some("x y"));
        assert_eq!(record.get("q"), Some("in b=2"));
        let record = pairs(r#"u="open b=2 e= w=a"#);
        assert_eq!(record.get("u"), Some("\"open"));
        assert_eq!(record.get("b"), Some("2"));
        assert_eq!(record.get("e"), Some(""));
        assert_eq!(record.get("w"), Some("a"));
    }

    #[test]
    fn keys_start_where_a_search_finds_them() {
        let record = pairs("9ab=1 x.y-z=2 é_k=3 a b=4 \u{1c}c=5\u{1d}d=6");
        assert_eq!(record.get("ab"), Some("1"));
        assert_eq!(record.get("x.y-z"), Some("2"));
        assert_eq!(record.get("_k"), Some("3"));
        assert_eq!(record.get("b"), Some("4"));
        assert_eq!(record.get("c"), Some("5"));
        assert_eq!(record.get("d"), Some("6"));
        assert!(!record.contains("a"));
    }

    #[test]
    fn unclosed_quotes_fall_back_to_a_bare_value() {
        let record = pairs("a=\"x y b='z");
        assert_eq!(record.get("a"), Some("\"x"));
        assert_eq!(record.get("y"), None);
        assert_eq!(record.get("b"), Some("'z"));
        assert_eq!(pairs("k=\"a\\").get("k"), Some("\"a\\"));
    }
}
