//! Header times as Python's `SyslogClock.parts` takes them: its cache key and the seconds first.
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
    use super::seconds;

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
