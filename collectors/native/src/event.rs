//! An ECS event as the parsers build it, then handed to Python as nested dicts in one pass.
//!
//! Parsers fill a small tree (`Map`) with dotted names, as `secops.ecs.put`
//! does in Python; values borrow from the record where they can. Building the
//! tree in Rust and converting it once costs less than touching Python objects
//! field by field, and keeps the parsers free of the GIL's types.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::pydict;

/// A field's value: the JSON types an ECS event holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Val<'a>>),
    Map(Map<'a>),
    /// Python's None, where a parser writes it (a transport the record names as empty).
    Null,
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(value: &'a str) -> Self {
        Val::Str(Cow::Borrowed(value))
    }
}

impl From<String> for Val<'_> {
    fn from(value: String) -> Self {
        Val::Str(Cow::Owned(value))
    }
}

impl<'a> From<Cow<'a, str>> for Val<'a> {
    fn from(value: Cow<'a, str>) -> Self {
        Val::Str(value)
    }
}

impl From<i64> for Val<'_> {
    fn from(value: i64) -> Self {
        Val::Int(value)
    }
}

impl From<u16> for Val<'_> {
    fn from(value: u16) -> Self {
        Val::Int(i64::from(value))
    }
}

impl From<f64> for Val<'_> {
    fn from(value: f64) -> Self {
        Val::Float(value)
    }
}

impl From<bool> for Val<'_> {
    fn from(value: bool) -> Self {
        Val::Bool(value)
    }
}

impl<'a> From<Map<'a>> for Val<'a> {
    fn from(value: Map<'a>) -> Self {
        Val::Map(value)
    }
}

impl<'a, T: Into<Val<'a>>> From<Vec<T>> for Val<'a> {
    fn from(values: Vec<T>) -> Self {
        Val::List(values.into_iter().map(Into::into).collect())
    }
}

/// A key: a name written in the parser (most of them), or one taken from the record (CEF's custom names).
#[derive(Debug, Clone, PartialEq)]
pub enum Key<'a> {
    Static(&'static str),
    Data(Cow<'a, str>),
}

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Key::Static(name) => name,
            Key::Data(name) => name,
        }
    }
}

/// An object: keys in insertion order, as Python's dicts keep them.
#[derive(Debug, Clone, PartialEq)]
pub struct Map<'a> {
    entries: Vec<(Key<'a>, Val<'a>)>,
}

/// Room an object starts with: most of an event's objects hold five to eight keys, and a vector grown
/// from empty is moved at its fifth.
const MAP_ROOM: usize = 8;

impl Default for Map<'_> {
    fn default() -> Self {
        Map::with_capacity(MAP_ROOM)
    }
}

impl<'a> Map<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty object with room for `entries` keys (a record's field count, known up front).
    pub fn with_capacity(entries: usize) -> Self {
        Map {
            entries: Vec::with_capacity(entries),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&Val<'a>> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v)
    }

    /// The entries in order, keys as text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Val<'a>)> {
        self.entries
            .iter()
            .map(|(key, value)| (key.as_str(), value))
    }

    fn position(&self, key: &str) -> Option<usize> {
        // Names are short and many share a length: the first byte settles most before a call to compare.
        let key = key.as_bytes();
        self.entries.iter().position(|(k, _)| {
            let name = k.as_str().as_bytes();
            name.len() == key.len() && name.first() == key.first() && name == key
        })
    }

    fn insert(&mut self, key: Key<'a>, value: Val<'a>) {
        match self.position(key.as_str()) {
            Some(at) => self.entries[at].1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The string at a dotted name, if one is there.
    pub fn get_str(&self, dotted: &str) -> Option<&str> {
        match self.lookup(dotted)? {
            Val::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The value at a dotted name (`source.ip`).
    pub fn lookup(&self, dotted: &str) -> Option<&Val<'a>> {
        let mut map = self;
        let mut rest = dotted;
        while let Some(at) = dot(rest) {
            match map.get(&rest[..at])? {
                Val::Map(inner) => map = inner,
                _ => return None,
            }
            rest = &rest[at + 1..];
        }
        map.get(rest)
    }

    pub fn contains(&self, dotted: &str) -> bool {
        self.lookup(dotted).is_some()
    }

    /// Set a key named in the parser, replacing its value if present.
    pub fn set(&mut self, key: &'static str, value: impl Into<Val<'a>>) {
        self.insert(Key::Static(key), value.into());
    }

    /// Set a key whose name comes from the record (a vendor's own field names).
    pub fn set_data(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Val<'a>>) {
        self.insert(Key::Data(key.into()), value.into());
    }

    /// Add a key from the record that the caller knows is not there yet (no search for it).
    pub fn push_new(&mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Val<'a>>) {
        let key = key.into();
        debug_assert!(self.position(&key).is_none());
        self.entries.push((Key::Data(key), value.into()));
    }

    /// The object under ``key``, created empty if missing; a non-object there is replaced.
    pub fn child(&mut self, key: &'static str) -> &mut Map<'a> {
        let at = match self.position(key) {
            Some(at) => {
                if !matches!(self.entries[at].1, Val::Map(_)) {
                    self.entries[at].1 = Val::Map(Map::new());
                }
                at
            }
            None => {
                self.entries.push((Key::Static(key), Val::Map(Map::new())));
                self.entries.len() - 1
            }
        };
        match &mut self.entries[at].1 {
            Val::Map(map) => map,
            _ => unreachable!("just made an object"),
        }
    }

    /// Set a dotted name (``source.nat.ip``), creating the objects on the way (``secops.ecs.put``).
    pub fn put(&mut self, dotted: &'static str, value: impl Into<Val<'a>>) {
        let mut map = self;
        let mut rest = dotted;
        while let Some(at) = dot(rest) {
            map = map.child(&rest[..at]);
            rest = &rest[at + 1..];
        }
        map.set(rest, value);
    }

    /// Set a dotted name when the value is there; ``None`` leaves the event as it was.
    pub fn put_opt(&mut self, dotted: &'static str, value: Option<impl Into<Val<'a>>>) {
        if let Some(value) = value {
            self.put(dotted, value);
        }
    }

    /// Set a key to an object unless that object is empty (``net.attach`` in Python).
    pub fn attach(&mut self, key: &'static str, part: Map<'a>) {
        if !part.is_empty() {
            self.set(key, part);
        }
    }

    /// Nested dicts for Python, with room for what is added to an event after (`ENVELOPE_ROOM`).
    pub fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        Converter::with(py, |converter| converter.event(self))
    }
}

/// Where a dotted name's first dot is. Names are short: a plain loop beats `str::split`'s searcher, which
/// took 2% of a firewall line in `put` and `lookup`.
fn dot(name: &str) -> Option<usize> {
    name.bytes().position(|byte| byte == b'.')
}

/// Keys added to an event's dicts after conversion, room kept for them in (the top, `event`, `log`): the
/// envelope's `@timestamp`, `ecs` and `log` and a vendor's header object at the top, `event.original`,
/// `ingested` and `id`, `log.file` and `log.offset`. A dict that outgrows its table is rebuilt, and
/// before this room was kept that happened 3.2 times a line on the firewall mix.
const ENVELOPE_ROOM: [usize; 3] = [4, 3, 2];

/// One event's conversion: the key caches are taken once for the whole tree, not once a key.
pub(crate) struct Converter<'c, 'py> {
    py: Python<'py>,
    keys: &'c mut KeyCache,
    data: &'c mut ValueCache,
    values: &'c mut ValueCache,
}

impl<'py> Converter<'_, 'py> {
    /// Run `work` with this thread's caches (not re-entrant: `work` must not convert through another).
    pub(crate) fn with<R>(py: Python<'py>, work: impl FnOnce(&mut Converter<'_, 'py>) -> R) -> R {
        KEYS.with(|keys| {
            DATA_KEYS.with(|data| {
                VALUES.with(|values| {
                    work(&mut Converter {
                        py,
                        keys: &mut keys.borrow_mut(),
                        data: &mut data.borrow_mut(),
                        values: &mut values.borrow_mut(),
                    })
                })
            })
        })
    }

    /// A value's Python string, shared with earlier events' when it is short and seen recently.
    pub(crate) fn text(&mut self, text: &str) -> Bound<'py, PyString> {
        self.values.string(self.py, text)
    }

    /// An event's dicts, the top one and its `event` and `log` with room for the keys added later.
    fn event(&mut self, map: &Map<'_>) -> PyResult<Bound<'py, PyDict>> {
        self.dict(map, ENVELOPE_ROOM[0], true)
    }

    fn map(&mut self, map: &Map<'_>) -> PyResult<Bound<'py, PyDict>> {
        self.dict(map, 0, false)
    }

    /// A dict of `map`'s entries and `room` more; at the `top` of an event, `event` and `log` get theirs.
    fn dict(&mut self, map: &Map<'_>, room: usize, top: bool) -> PyResult<Bound<'py, PyDict>> {
        let dict = presized(self.py, map.entries.len() + room)?;
        for (key, value) in &map.entries {
            let value = match (top, key, value) {
                (true, Key::Static("event"), Val::Map(inner)) => {
                    self.dict(inner, ENVELOPE_ROOM[1], false)?.into_any()
                }
                (true, Key::Static("log"), Val::Map(inner)) => {
                    self.dict(inner, ENVELOPE_ROOM[2], false)?.into_any()
                }
                _ => self.value(value)?,
            };
            // The name after the value: a name is lent by its cache, which converting the value may change.
            match key {
                Key::Static(name) => pydict::set_item(&dict, self.static_key(name), &value)?,
                Key::Data(name) => pydict::set_item(&dict, &self.data_key(name), &value)?,
            }
        }
        untrack(&dict);
        Ok(dict)
    }

    fn value(&mut self, value: &Val<'_>) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match value {
            Val::Str(text) => self.values.string(py, text).into_any(),
            Val::Int(number) => number.into_pyobject(py)?.into_any(),
            Val::Float(number) => number.into_pyobject(py)?.into_any(),
            Val::Bool(flag) => flag.into_pyobject(py)?.to_owned().into_any(),
            Val::List(items) => {
                // Filled in place: through a vector and `PyList::new` a list cost 290 instructions.
                // SAFETY: the GIL is held (`py`); a null result is the MemoryError Python has set; each
                // slot is set once, with a reference the list takes, and a list dropped half filled
                // skips the empty slots.
                let list = unsafe {
                    Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(items.len() as isize))?
                        .cast_into_unchecked::<PyList>()
                };
                for (at, item) in items.iter().enumerate() {
                    let item = self.value(item)?;
                    // SAFETY: as above; `at` is below the length the list was made with.
                    unsafe {
                        pyo3::ffi::PyList_SET_ITEM(list.as_ptr(), at as isize, item.into_ptr())
                    };
                }
                untrack(&list);
                list.into_any()
            }
            Val::Map(map) => self.map(map)?.into_any(),
            Val::Null => py.None().into_bound(py),
        })
    }

    /// The interned Python string of a key name written in the parser, made once per thread.
    fn static_key(&mut self, name: &'static str) -> &Bound<'py, PyString> {
        self.keys.get(self.py, name)
    }

    /// The interned Python string of a key name taken from a record (a vendor's own field names).
    pub(crate) fn data_key(&mut self, name: &str) -> Bound<'py, PyString> {
        self.data.find_or_make(self.py, name, PyString::intern)
    }
}

/// An empty dict with room for `entries` keys: a dict grown one key at a time is rebuilt twice on the way
/// to ten.
pub(crate) fn presized(py: Python<'_>, entries: usize) -> PyResult<Bound<'_, PyDict>> {
    // SAFETY: the GIL is held (`py`); a null result is the MemoryError Python has set.
    unsafe {
        Ok(
            Bound::from_owned_ptr_or_err(py, pyo3::ffi::_PyDict_NewPresized(entries as isize))?
                .cast_into_unchecked::<PyDict>(),
        )
    }
}

/// Take a finished container out of the cycle collector's sight: an event is a tree, it can hold no
/// cycle, yet each young-generation collection walked every dict of the batches in memory (15% of
/// `secops collect`'s CPU, collecting nothing). Python tracks the container again when a container is
/// put in it later (`log.file`, the envelope's `ecs`), as it does for dicts it untracks itself.
fn untrack<T>(container: &Bound<'_, T>) {
    // SAFETY: the GIL is held (the `Bound`); untracking a live container only hides it from the collector.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(container.as_ptr().cast()) }
}

/// A small fast hash for the key and value caches: a `&'static str` by its address and length, other text by its bytes.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn mix(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Eight bytes a step, and a text's last few in one step (the last eight, overlapping the words
    /// before, or the first and last four, or three of the bytes): most names and values are short, and
    /// a step a byte for the tail was half of a short value's hash. The length sets the start, so texts
    /// whose steps read the same bytes still differ. Inlined: a call for each short text cost more than
    /// hashing it.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let length = bytes.len();
        self.0 ^= length as u64;
        match length {
            0 => {}
            1..=3 => self.mix(
                u64::from(bytes[0])
                    | u64::from(bytes[length / 2]) << 8
                    | u64::from(bytes[length - 1]) << 16,
            ),
            4..=7 => self.mix(u64::from(half(bytes, 0)) | u64::from(half(bytes, length - 4)) << 32),
            _ => {
                let whole = length / 8 * 8;
                for at in (0..whole).step_by(8) {
                    self.mix(word(bytes, at));
                }
                if whole < length {
                    self.mix(word(bytes, length - 8));
                }
            }
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }
}

/// The interned Python strings of the key names written in the parsers, by a literal's address and
/// length (a literal may start inside another). Every key of every event asks: a slot for each of the
/// latest names answers most with one comparison, and the map behind it keeps them all.
struct KeyCache {
    recent: Vec<Option<(usize, usize, Py<PyString>)>>,
    all: HashMap<(usize, usize), Py<PyString>, BuildHasherDefault<KeyHasher>>,
}

const KEY_SLOT_BITS: u32 = 10;

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            recent: (0..1 << KEY_SLOT_BITS).map(|_| None).collect(),
            all: HashMap::default(),
        }
    }
}

impl KeyCache {
    fn get<'py>(&mut self, py: Python<'py>, name: &'static str) -> &Bound<'py, PyString> {
        let (address, length) = (name.as_ptr() as usize, name.len());
        let mixed =
            (address as u64 ^ (length as u64).rotate_right(16)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let at = (mixed >> (u64::BITS - KEY_SLOT_BITS)) as usize;
        if !matches!(&self.recent[at], Some((a, l, _)) if (*a, *l) == (address, length)) {
            let string = self
                .all
                .entry((address, length))
                .or_insert_with(|| PyString::intern(py, name).unbind());
            self.recent[at] = Some((address, length, string.clone_ref(py)));
        }
        match &self.recent[at] {
            Some((_, _, string)) => string.bind(py),
            None => unreachable!("just filled"),
        }
    }
}

/// Short values repeat from event to event (a vendor's name, zones, actions, the addresses of one
/// session): in a cache of this many slots, 9 in 10 of an event's strings were found, on the generated
/// firewall mix and on the shared EVTX samples alike. Sharing one Python string saves making and
/// freeing it (7% of the mapping's time, measured); strings are immutable.
const VALUE_SLOTS: usize = 1 << VALUE_SLOT_BITS;
const VALUE_SLOT_BITS: u32 = 12;
/// Longer values (messages, paths, the original record) rarely repeat and are made each time.
const VALUE_MAX_BYTES: usize = 48;

/// Recently converted short strings, one per slot by hash: bounded whatever a source sends, and a
/// new value simply takes its slot's place. Key names taken from records are kept in another, where
/// a hostile source's endless new names only replace one another (the map they were kept in before had
/// to stop at a count, and cost more a name).
struct ValueCache {
    slots: Vec<Option<(Box<str>, Py<PyString>)>>,
}

impl Default for ValueCache {
    fn default() -> Self {
        ValueCache {
            slots: (0..VALUE_SLOTS).map(|_| None).collect(),
        }
    }
}

impl ValueCache {
    fn string<'py>(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        self.find_or_make(py, text, PyString::new)
    }

    /// The kept string of `text`, or one `make` makes (and keeps, when it is short).
    fn find_or_make<'py>(
        &mut self,
        py: Python<'py>,
        text: &str,
        make: fn(Python<'py>, &str) -> Bound<'py, PyString>,
    ) -> Bound<'py, PyString> {
        if text.len() > VALUE_MAX_BYTES {
            return make(py, text);
        }
        let mut hasher = KeyHasher::default();
        hasher.write(text.as_bytes());
        // The hash's high bits: its last step is a multiplication, which mixes upwards.
        let slot = &mut self.slots[(hasher.finish() >> (u64::BITS - VALUE_SLOT_BITS)) as usize];
        if let Some((kept, string)) = slot {
            if same(kept.as_bytes(), text.as_bytes()) {
                return string.bind(py).clone();
            }
        }
        let made = make(py, text);
        *slot = Some((text.into(), made.clone().unbind()));
        made
    }
}

/// The eight bytes of `text` from `at`, as one number.
fn word(text: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(text[at..at + 8].try_into().expect("eight bytes"))
}

/// The four bytes of `text` from `at`, as one number.
fn half(text: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(text[at..at + 4].try_into().expect("four bytes"))
}

/// Whether two short texts are equal, compared a word at a time as `KeyHasher` reads them: a value found
/// in the cache is compared with it, and a call to `memcmp` took longer than the comparison.
fn same(a: &[u8], b: &[u8]) -> bool {
    let length = a.len();
    if length != b.len() {
        return false;
    }
    match length {
        0..=3 => a == b,
        4..=7 => half(a, 0) == half(b, 0) && half(a, length - 4) == half(b, length - 4),
        _ => {
            (0..length / 8).all(|step| word(a, step * 8) == word(b, step * 8))
                && word(a, length - 8) == word(b, length - 8)
        }
    }
}

thread_local! {
    static KEYS: RefCell<KeyCache> = RefCell::default();
    static DATA_KEYS: RefCell<ValueCache> = RefCell::default();
    static VALUES: RefCell<ValueCache> = RefCell::default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_creates_the_objects_on_the_way() {
        let mut event = Map::new();
        event.put("source.nat.ip", "10.0.0.1");
        event.put("source.port", 80i64);
        assert_eq!(event.get_str("source.nat.ip"), Some("10.0.0.1"));
        assert_eq!(event.lookup("source.port"), Some(&Val::Int(80)));
        assert!(event.lookup("source.nat.port").is_none());
    }

    #[test]
    fn short_texts_are_compared_whole() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abce",
            "abcdefg",
            "abcdefgh",
            "abcdefgi",
            "bbcdefgh",
            "abcdefghijklm",
            "abcdefghijklx",
            "abcdefgXijklm",
            "10.0.0.1",
            "10.0.0.2",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn set_replaces() {
        let mut map = Map::new();
        map.set("a", "1");
        map.set("a", "2");
        assert_eq!(map.get_str("a"), Some("2"));
        assert_eq!(map.entries.len(), 1);
    }
}
