//! Header and record times as Python's `SyslogClock` takes them, or as the time itself when its minute is known.
//!
//! `SyslogClock` keeps the UTC form of each minute (`YYYY-MM-DDThh:mm:`) under
//! a key made from the minute as written (`Minutes`); a line's time is that
//! prefix plus its seconds. When the minute is there, the time is made here and
//! given as text; otherwise the cache key, the seconds and the parts as written
//! go to Python, which converts the minute in the context's zone and keeps it.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyTuple, PyType};

use crate::civil;
use crate::event::KeyHasher;
use crate::net;
use crate::syslog_header::{py_opt, py_text};

/// Minutes kept before the cache starts afresh: bounded whatever a source sends.
const MINUTES_KEPT: usize = 65_536;
/// Age at which the cache starts afresh, so that an inferred year follows the calendar in a long-running listener.
const MINUTES_FOR: Duration = Duration::from_secs(600);

/// The minutes a `SyslogClock` has converted, for the zone and year setting they were converted in.
#[pyclass(frozen)]
pub(crate) struct Minutes {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The context the prefixes were made in; another one with the same zone and year shares them.
    owner: Option<Py<PyAny>>,
    since: Option<Instant>,
    prefixes: HashMap<Box<[u8]>, Py<PyString>, BuildHasherDefault<KeyHasher>>,
}

impl State {
    /// Whether the prefixes were made for `ctx`'s zone and year (`ParseContext` is frozen: an owner's stay put).
    fn serves(&mut self, ctx: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Some(owner) = &self.owner else {
            return Ok(false);
        };
        if owner.is(ctx) {
            return Ok(true);
        }
        let py = ctx.py();
        let owner = owner.bind(py);
        let (zone, year) = (intern!(py, "timezone"), intern!(py, "year"));
        let same = owner.getattr(zone)?.is(&ctx.getattr(zone)?)
            && owner.getattr(year)?.eq(ctx.getattr(year)?)?;
        if same {
            self.owner = Some(ctx.clone().unbind());
        }
        Ok(same)
    }
}

#[pymethods]
impl Minutes {
    #[new]
    fn new() -> Self {
        Minutes {
            state: Mutex::new(State::default()),
        }
    }

    /// The prefix kept under `key` for `ctx`'s zone and year, if any. A key with lone surrogates is never
    /// kept (no such stamp converts): the conversion then says what is wrong with it.
    fn get(
        &self,
        ctx: &Bound<'_, PyAny>,
        key: &Bound<'_, PyString>,
    ) -> PyResult<Option<Py<PyString>>> {
        let Ok(key) = key.to_str() else {
            return Ok(None);
        };
        self.prefix(ctx, key.as_bytes())
    }

    /// Keep `prefix` under `key` for `ctx`'s zone and year; the cache starts afresh for another setting, when
    /// it is full, or when it is older than ten minutes.
    fn put(&self, ctx: &Bound<'_, PyAny>, key: &str, prefix: Bound<'_, PyString>) -> PyResult<()> {
        self.keep(ctx, key.as_bytes(), prefix)
    }
}

impl Minutes {
    /// `put` of a key as bytes.
    fn keep(
        &self,
        ctx: &Bound<'_, PyAny>,
        key: &[u8],
        prefix: Bound<'_, PyString>,
    ) -> PyResult<()> {
        let mut state = self.lock();
        let stale = state
            .since
            .is_none_or(|since| since.elapsed() > MINUTES_FOR);
        if stale || state.prefixes.len() >= MINUTES_KEPT || !state.serves(ctx)? {
            state.prefixes.clear();
            state.owner = Some(ctx.clone().unbind());
            state.since = Some(Instant::now());
        }
        state.prefixes.insert(key.into(), prefix.unbind());
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The prefix kept under `key` for `ctx`'s zone and year, if any.
    fn prefix(&self, ctx: &Bound<'_, PyAny>, key: &[u8]) -> PyResult<Option<Py<PyString>>> {
        let mut state = self.lock();
        if !state.serves(ctx)? {
            return Ok(None);
        }
        Ok(state
            .prefixes
            .get(key)
            .map(|found| found.clone_ref(ctx.py())))
    }

    /// The whole time when `key`'s minute is kept for `ctx`: the prefix then `seconds`.
    fn time<'py>(
        &self,
        ctx: &Bound<'py, PyAny>,
        key: &[u8],
        seconds: &[u8],
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(prefix) = self.prefix(ctx, key)? else {
            return Ok(None);
        };
        let py = ctx.py();
        Ok(Some(
            joined(py, prefix.bind(py).to_str()?.as_bytes(), seconds)?.into_any(),
        ))
    }
}

/// A time: a minute's prefix, then its seconds (digits of any script, in UTF-8).
fn joined<'py>(py: Python<'py>, prefix: &[u8], seconds: &[u8]) -> PyResult<Bound<'py, PyString>> {
    if prefix.is_ascii() && seconds.is_ascii() {
        return ascii_joined(py, prefix, seconds);
    }
    Ok(PyString::new(
        py,
        std::str::from_utf8(&[prefix, seconds].concat())?,
    ))
}

/// The Python string of two runs of ASCII bytes, one after the other, written straight into it: a
/// time is made this way for most lines, and through a `String` it took two more copies and a check.
fn ascii_joined<'py>(
    py: Python<'py>,
    first: &[u8],
    second: &[u8],
) -> PyResult<Bound<'py, PyString>> {
    let length = first.len() + second.len();
    // SAFETY: the GIL is held (`py`); a new compact ASCII string has `length` bytes of room, all
    // written here before Python sees it; a null result is the MemoryError Python has set.
    unsafe {
        let made =
            Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyUnicode_New(length as isize, 127))?;
        let data = pyo3::ffi::PyUnicode_1BYTE_DATA(made.as_ptr());
        std::ptr::copy_nonoverlapping(first.as_ptr(), data, first.len());
        std::ptr::copy_nonoverlapping(second.as_ptr(), data.add(first.len()), second.len());
        Ok(made.cast_into_unchecked::<PyString>())
    }
}

/// How a parse hands its times to Python: with the context it reads in and its clock's minutes, when
/// the caller gave them, a time whose minute is kept is given whole.
#[derive(Clone, Copy)]
pub(crate) struct Clock<'a, 'py> {
    pub(crate) py: Python<'py>,
    pub(crate) kept: Option<(&'a Bound<'py, PyAny>, &'a Minutes)>,
}

impl<'a, 'py> Clock<'a, 'py> {
    /// The clock of a parse called with its context and its clock's minutes.
    pub(crate) fn kept(ctx: &'a Bound<'py, PyAny>, minutes: &'a Bound<'py, Minutes>) -> Self {
        Clock {
            py: ctx.py(),
            kept: Some((ctx, minutes.get())),
        }
    }
}

/// `(key, seconds, stamp, minute, second, fraction, zone)` for a BSD time (`Mmm dd [yyyy] hh:mm:ss`);
/// the key is the minute then the zone name; both are None when the second is not a clock second.
pub(crate) fn bsd_to_py<'py>(
    clock: Clock<'_, 'py>,
    stamp: &[u8],
    minute: &[u8],
    second: &[u8],
    fraction: Option<&[u8]>,
    zone: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let cached = seconds(second, fraction)
        .map(|seconds| ([minute, zone.unwrap_or_default()].concat(), seconds));
    if let Some(found) = known(clock, cached.as_ref())? {
        return Ok(found);
    }
    if zone.is_none() {
        if let Some(found) = made(clock, cached.as_ref(), bsd_wall(minute), None)? {
            return Ok(found);
        }
    }
    tuple(
        clock.py,
        cached,
        &[Some(stamp), Some(minute), Some(second), fraction, zone],
    )
}

/// `(key, seconds, stamp, date, minute, second, fraction, offset)` for an ISO time; the key is
/// `dateTminute` then the offset as written.
pub(crate) fn iso_to_py<'py>(
    clock: Clock<'_, 'py>,
    stamp: &[u8],
    date: &[u8],
    minute: &[u8],
    second: &[u8],
    fraction: Option<&[u8]>,
    offset: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let cached = seconds(second, fraction).map(|seconds| {
        (
            [date, b"T", minute, offset.unwrap_or_default()].concat(),
            seconds,
        )
    });
    if let Some(found) = known(clock, cached.as_ref())? {
        return Ok(found);
    }
    let explicit = match offset {
        None => Some(None),
        Some(written) => offset_minutes(written).map(Some),
    };
    if let Some(explicit) = explicit {
        if let Some(found) = made(clock, cached.as_ref(), iso_wall(date, minute), explicit)? {
            return Ok(found);
        }
    }
    tuple(
        clock.py,
        cached,
        &[
            Some(stamp),
            Some(date),
            Some(minute),
            Some(second),
            fraction,
            offset,
        ],
    )
}

/// An ISO time for `collectors.syslog_header.header_timestamp`: the time or `iso_to_py`'s tuple when it
/// has `SyslogClock.iso`'s usual shape, else the text alone in a tuple (`unusual`).
pub(crate) fn iso_text_to_py<'py>(
    clock: Clock<'_, 'py>,
    stamp: &str,
) -> PyResult<Bound<'py, PyAny>> {
    match iso_parts(stamp) {
        Some((date, minute, second, fraction, offset)) => iso_to_py(
            clock,
            stamp.as_bytes(),
            date.as_bytes(),
            minute.as_bytes(),
            second.as_bytes(),
            fraction.map(str::as_bytes),
            offset.map(str::as_bytes),
        ),
        None => unusual(clock.py, stamp.as_bytes()),
    }
}

/// A time of no usual shape, for `SyslogClock.iso` to read whole: `(stamp,)`.
pub(crate) fn unusual<'py>(py: Python<'py>, stamp: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyTuple::new(py, [py_text(py, stamp)?])?.into_any())
}

/// `date`, `minute`, `second`, `fraction`, `offset`.
type IsoParts<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

/// The groups of `syslog_time._ISO_PARTS` (`(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d):([0-5]\d)(?:\.(\d{1,9}))?
/// (Z|z|[+-]\d\d:?\d\d)?$`, matched at the start) for ASCII text; None when it does not match or is not
/// ASCII (then Python matches the text itself, with the same result).
fn iso_parts(stamp: &str) -> Option<IsoParts<'_>> {
    let b = stamp.as_bytes();
    if !stamp.is_ascii() || b.len() < 19 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && (b'0'..=b'5').contains(&b[17])
        && b[18].is_ascii_digit();
    if !shape {
        return None;
    }
    let mut at = 19;
    let mut fraction = None;
    if b.get(at) == Some(&b'.') {
        let count = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=9).contains(&count) {
            return None; // none, or more than `\d{1,9}` and the rest cannot match a digit
        }
        fraction = Some(&stamp[at + 1..at + 1 + count]);
        at += 1 + count;
    }
    let mut offset = None;
    match b.get(at) {
        Some(b'Z' | b'z') => {
            offset = Some(&stamp[at..at + 1]);
            at += 1;
        }
        Some(b'+' | b'-') => {
            let colon = usize::from(b.get(at + 3) == Some(&b':'));
            let end = at + 5 + colon;
            let fits = b.len() >= end && digits(at + 1..at + 3) && digits(at + 3 + colon..end);
            if fits {
                offset = Some(&stamp[at..end]);
                at = end;
            }
        }
        _ => {}
    }
    // `$`: the end, or a last newline
    if !(at == b.len() || (at + 1 == b.len() && b[at] == b'\n')) {
        return None;
    }
    Some((
        &stamp[..10],
        &stamp[11..16],
        &stamp[17..19],
        fraction,
        offset,
    ))
}

/// The time itself when the clock keeps its minute.
fn known<'py>(
    clock: Clock<'_, 'py>,
    cached: Option<&(Vec<u8>, Vec<u8>)>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    match (clock.kept, cached) {
        (Some((ctx, minutes)), Some((key, seconds))) => minutes.time(ctx, key, seconds),
        _ => Ok(None),
    }
}

/// A minute as written, without its zone; `year` is None when the stamp has none (BSD).
struct Wall {
    year: Option<i64>,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
}

impl Wall {
    /// Whether the minute exists in `year` (`datetime` would take it).
    fn exists_in(&self, year: i64) -> bool {
        civil::valid(year, self.month, self.day, self.hour, self.minute)
    }

    /// Minutes from the epoch to this minute of `year`, on the wall clock.
    fn minutes_in(&self, year: i64) -> i64 {
        civil::days_from_civil(year, self.month, self.day) * 1440
            + i64::from(self.hour * 60 + self.minute)
    }
}

/// The minute of a BSD stamp as `bsd_to_py` cuts it (`Mmm dd [yyyy] hh:mm`), in ASCII; None for any other
/// shape, which Python reads (and refuses, if it must).
fn bsd_wall(minute: &[u8]) -> Option<Wall> {
    let text = std::str::from_utf8(minute).ok()?;
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let (name, day, year, clock) = match parts[..] {
        [name, day, clock] => (name, day, None, clock),
        [name, day, year, clock] => (name, day, Some(year), clock),
        _ => return None,
    };
    let month = MONTH_NAMES.iter().position(|known| *known == name)? as u32 + 1;
    let (hour, minute) = clock.split_once(':')?;
    let year = match year {
        Some(year) => Some(i64::from(number(year)?)),
        None => None,
    };
    Some(Wall {
        year,
        month,
        day: number(day)?,
        hour: number(hour)?,
        minute: number(minute)?,
    })
}

const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The minute of an ISO stamp as `iso_parts` cuts it (`YYYY-MM-DD`, `hh:mm`).
fn iso_wall(date: &[u8], minute: &[u8]) -> Option<Wall> {
    let date = std::str::from_utf8(date).ok()?;
    let (year, rest) = date.split_once('-')?;
    let (month, day) = rest.split_once('-')?;
    let (hour, minute) = std::str::from_utf8(minute).ok()?.split_once(':')?;
    Some(Wall {
        year: Some(i64::from(number(year)?)),
        month: number(month)?,
        day: number(day)?,
        hour: number(hour)?,
        minute: number(minute)?,
    })
}

/// A run of ASCII digits as a number (`net::integer`), within `u32`.
fn number(text: &str) -> Option<u32> {
    net::integer(text).and_then(|value| u32::try_from(value).ok())
}

/// Minutes east of UTC of an ISO offset as `iso_parts` takes it (`Z`, `z`, `±hh:mm`, `±hhmm`); None past
/// what `datetime.fromisoformat` accepts.
fn offset_minutes(written: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(written).ok()?;
    if text.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let (sign, rest) = text.split_at_checked(1)?;
    let digits = rest.replace(':', "");
    let (hours, minutes) = digits.split_at_checked(2)?;
    let (hours, minutes) = (i64::from(number(hours)?), i64::from(number(minutes)?));
    if hours >= 24 || minutes >= 60 {
        return None;
    }
    let total = hours * 60 + minutes;
    Some(if sign == "-" { -total } else { total })
}

/// The time of a minute the cache does not hold, made here and kept as `SyslogClock` would have made and
/// kept it, when no Python is needed for it: a context whose zone is a fixed offset (UTC among them), or
/// an ISO offset written in the stamp. Python made each such minute in about 56,000 instructions. None
/// leaves the minute to Python: a named zone (its rules are `zoneinfo`'s), a date `datetime` refuses (the
/// error is Python's to give), a year it cannot infer.
fn made<'py>(
    clock: Clock<'_, 'py>,
    cached: Option<&(Vec<u8>, Vec<u8>)>,
    wall: Option<Wall>,
    explicit: Option<i64>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let (Some((ctx, minutes)), Some((key, seconds)), Some(wall)) = (clock.kept, cached, wall)
    else {
        return Ok(None);
    };
    // The zone: the stamp's own offset, else the context's; the year: the stamp's, the context's, or inferred.
    let (offset, set_year) = match (explicit, wall.year) {
        (Some(offset), Some(_)) => (offset, None), // an ISO time with its offset: the context plays no part
        _ => match fixed_setting(ctx)? {
            Some((offset, set_year)) => (explicit.unwrap_or(offset), set_year),
            None => return Ok(None),
        },
    };
    let Some(year) = wall.year.or(set_year).or_else(|| infer_year(&wall, offset)) else {
        return Ok(None);
    };
    if !wall.exists_in(year) {
        return Ok(None);
    }
    let Some(prefix) = civil::minute_prefix(wall.minutes_in(year) - offset) else {
        return Ok(None);
    };
    let py = ctx.py();
    minutes.keep(ctx, key, PyString::new(py, &prefix))?;
    Ok(Some(joined(py, prefix.as_bytes(), seconds)?.into_any()))
}

/// `syslog_time.infer_year` in a fixed zone: the latest of this year and the seven before in which the
/// minute exists and is at most a day ahead of now.
fn infer_year(wall: &Wall, offset: i64) -> Option<i64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let now_local = i128::try_from(now.as_micros()).ok()? + i128::from(offset) * 60_000_000;
    let limit = now_local + 86_400 * 1_000_000;
    let (this_year, _, _) =
        civil::civil_from_days(i64::try_from(now_local.div_euclid(86_400_000_000)).ok()?);
    (this_year - 7..=this_year).rev().find(|&year| {
        wall.exists_in(year) && i128::from(wall.minutes_in(year)) * 60_000_000 <= limit
    })
}

/// `ctx.timezone`'s offset in minutes when it is a fixed `datetime.timezone` of whole minutes, with
/// `ctx.year`; None for any other zone.
fn fixed_setting(ctx: &Bound<'_, PyAny>) -> PyResult<Option<(i64, Option<i64>)>> {
    static FIXED: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let py = ctx.py();
    let zone = ctx.getattr(intern!(py, "timezone"))?;
    if !zone
        .get_type()
        .is(FIXED.import(py, "datetime", "timezone")?)
    {
        return Ok(None);
    }
    let delta = zone.call_method1(intern!(py, "utcoffset"), (py.None(),))?;
    let part = |name| -> PyResult<i64> { delta.getattr(name)?.extract() };
    let seconds = part(intern!(py, "days"))? * 86_400 + part(intern!(py, "seconds"))?;
    if part(intern!(py, "microseconds"))? != 0 || seconds % 60 != 0 {
        return Ok(None);
    }
    let year: Option<i64> = ctx.getattr(intern!(py, "year"))?.extract()?;
    Ok(Some((seconds / 60, year)))
}

fn tuple<'py>(
    py: Python<'py>,
    cached: Option<(Vec<u8>, Vec<u8>)>,
    parts: &[Option<&[u8]>],
) -> PyResult<Bound<'py, PyAny>> {
    let (key, seconds) = match cached {
        Some((key, seconds)) => (py_text(py, &key)?, py_text(py, &seconds)?),
        None => (py.None().into_bound(py), py.None().into_bound(py)),
    };
    let mut items = Vec::with_capacity(parts.len() + 2);
    items.push(key);
    items.push(seconds);
    for part in parts {
        items.push(py_opt(py, *part)?);
    }
    Ok(PyTuple::new(py, items)?.into_any())
}

/// The seconds as `ecs.format_ts` ends a time (`05.000Z`, `05.123Z`, `05.123456Z`), as
/// `SyslogClock` appends them to a cached minute; None when `second` does not start with 0–5.
fn seconds(second: &[u8], fraction: Option<&[u8]>) -> Option<Vec<u8>> {
    if !matches!(second.first(), Some(b'0'..=b'5')) {
        return None;
    }
    let mut out = second.to_vec();
    out.push(b'.');
    match fraction {
        None | Some([]) => out.extend_from_slice(b"000"),
        Some(digits) => {
            // `(digits + "00000")[:6]`, in characters: digits of any script are kept as written.
            let text = std::str::from_utf8(digits).ok()?;
            let micro: String = text.chars().chain("00000".chars()).take(6).collect();
            let kept = if micro.ends_with("000") {
                micro.chars().take(3).collect()
            } else {
                micro
            };
            out.extend_from_slice(kept.as_bytes());
        }
    }
    out.push(b'Z');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{iso_parts, seconds};

    #[test]
    fn iso_shapes() {
        assert_eq!(
            iso_parts("2020-04-23T12:11:51-05:00"),
            Some(("2020-04-23", "12:11", "51", None, Some("-05:00")))
        );
        assert_eq!(
            iso_parts("2020-04-23 12:11:51.123456789Z\n"),
            Some(("2020-04-23", "12:11", "51", Some("123456789"), Some("Z")))
        );
        assert_eq!(
            iso_parts("2020-04-23T12:11:51+0500"),
            Some(("2020-04-23", "12:11", "51", None, Some("+0500")))
        );
        for other in [
            "2020-04-23T12:11:61",
            "2020-04-23T12:11:51.",
            "2020-04-23T12:11:51.1234567890",
            "2020-04-23T12:11:51+05:0",
            "2020-04-23T12:11:51+05:000",
            "2020-04-23T12:11:51Z\n\n",
            "2020-04-23T12:11:51 ",
            "2020-04-23T12:11:5",
            "２020-04-23T12:11:51",
        ] {
            assert_eq!(iso_parts(other), None, "{other}");
        }
    }

    fn text(second: &str, fraction: Option<&str>) -> Option<String> {
        seconds(second.as_bytes(), fraction.map(str::as_bytes))
            .map(|out| String::from_utf8(out).unwrap())
    }

    #[test]
    fn milliseconds_unless_finer() {
        assert_eq!(text("05", None).as_deref(), Some("05.000Z"));
        assert_eq!(text("05", Some("1")).as_deref(), Some("05.100Z"));
        assert_eq!(text("05", Some("123000")).as_deref(), Some("05.123Z"));
        assert_eq!(text("05", Some("1234")).as_deref(), Some("05.123400Z"));
        assert_eq!(text("59", Some("123456789")).as_deref(), Some("59.123456Z"));
    }

    #[test]
    fn not_a_clock_second_has_no_cached_form() {
        assert_eq!(text("60", None), None);
        assert_eq!(text("٣٣", None), None);
    }

    #[test]
    fn digits_of_other_scripts_are_counted_as_characters() {
        assert_eq!(text("05", Some("١٢")).as_deref(), Some("05.١٢0Z"));
    }
}
