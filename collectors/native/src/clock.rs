//! Header and record times as Python's `SyslogClock.parts` takes them: its cache key and the seconds first.
//!
//! `SyslogClock` keeps the UTC form of each minute (`YYYY-MM-DDThh:mm:`) under
//! a key made from the minute as written; a line's time is that prefix plus its
//! seconds. Building the key and the seconds here leaves Python one dict
//! lookup and one concatenation a line, instead of formatting both itself. The
//! parts as written follow, for the minute the cache does not hold yet.

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::syslog_header::{py_opt, py_text};

/// `(key, seconds, stamp, minute, second, fraction, zone)` for a BSD time (`Mmm dd [yyyy] hh:mm:ss`);
/// the key is the minute then the zone name; both are None when the second is not a clock second.
pub(crate) fn bsd_to_py<'py>(
    py: Python<'py>,
    stamp: &[u8],
    minute: &[u8],
    second: &[u8],
    fraction: Option<&[u8]>,
    zone: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let cached = seconds(second, fraction)
        .map(|seconds| ([minute, zone.unwrap_or_default()].concat(), seconds));
    tuple(
        py,
        cached,
        &[Some(stamp), Some(minute), Some(second), fraction, zone],
    )
}

/// `(key, seconds, stamp, date, minute, second, fraction, offset)` for an ISO time; the key is
/// `dateTminute` then the offset as written.
pub(crate) fn iso_to_py<'py>(
    py: Python<'py>,
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
    tuple(
        py,
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

/// An ISO time for `collectors.syslog_header.header_timestamp`: `iso_to_py`'s tuple when it has
/// `SyslogClock.iso`'s usual shape, else the text.
pub(crate) fn iso_text_to_py<'py>(py: Python<'py>, stamp: &str) -> PyResult<Bound<'py, PyAny>> {
    match iso_parts(stamp) {
        Some((date, minute, second, fraction, offset)) => iso_to_py(
            py,
            stamp.as_bytes(),
            date.as_bytes(),
            minute.as_bytes(),
            second.as_bytes(),
            fraction.map(str::as_bytes),
            offset.map(str::as_bytes),
        ),
        None => Ok(stamp.into_pyobject(py)?.into_any()),
    }
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
