//! A window of a file's lines of one firewall format, read in one call (`read_window`).
//!
//! Each format's Python parser turns its reader's tuple into the event (`finish` in
//! `collectors/firewall/native.py`): it raises the record's error, converts the times the clock's
//! minute cache did not hold, and puts the time in the event. For most lines there is nothing to
//! convert, as the cache gave the time whole, and the Python side only copied it in: a Python call a
//! line for that. Here each format's rule (`Finish`) does that copy for such lines, as its `finish`
//! would, and reads the device times that need no Python (epoch values, ISO times of a cached minute);
//! every other line's tuple goes to its `finish`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::civil;
use crate::clock::{self, Clock, Minutes};
use crate::lines::Line;
use crate::net;

/// A format's reader: one line → the tuple its Python `finish` takes.
type Reader = for<'a, 'py> fn(&str, Clock<'a, 'py>) -> PyResult<Bound<'py, PyTuple>>;

/// A format's `finish` for the tuples it needs no Python for: the event, or None for Python's `finish`.
type Finish =
    for<'a, 'py> fn(&Bound<'py, PyTuple>, Clock<'a, 'py>) -> PyResult<Option<Bound<'py, PyDict>>>;

/// `secops_native.read_window(format, lines, indices, events, ctx, minutes, finish)`: read `lines[i]`
/// for each `i` of `indices` as `format` (a firewall reader's name, as `secops_native.cisco_asa`) and put
/// its event at `events[i]`, finished here or by the Python `finish(tuple, ctx)`. Returns `(i, exception)`
/// for each line that failed, as `LineParser.parse_window` does.
///
/// A line's tuple goes to `finish` before the next line is read, as when each line was a call: the
/// time it converts fills the minute cache that the next lines of that minute find.
#[pyfunction]
pub(crate) fn read_window<'py>(
    format: &str,
    lines: &Bound<'py, PyList>,
    indices: Vec<usize>,
    events: &Bound<'py, PyList>,
    ctx: &Bound<'py, PyAny>,
    minutes: &Bound<'py, Minutes>,
    finish: &Bound<'py, PyAny>,
) -> PyResult<Vec<(usize, Bound<'py, PyAny>)>> {
    let Some(&(_, read, finish_here)) = FORMATS.iter().find(|(name, _, _)| *name == format) else {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "no native reader for {format:?}"
        )));
    };
    let py = ctx.py();
    let clock = Clock::kept(ctx, minutes);
    let mut failed = Vec::new();
    for index in indices {
        let line = lines.get_item(index)?.cast_into::<Line>()?;
        // A line's error is its own (a lone surrogate in its text, as the one-line reader raises too).
        let event = line.get().text(py).to_str().and_then(|text| {
            let result = read(text, clock)?;
            match finish_here(&result, clock)? {
                Some(event) => Ok(event.into_any()),
                None => finish.call1((result, ctx)),
            }
        });
        match event {
            Ok(event) => events.set_item(index, event)?,
            Err(err) if kept(py, &err) => {
                failed.push((index, err.into_value(py).into_bound(py).into_any()))
            }
            Err(err) => return Err(err),
        }
    }
    Ok(failed)
}

/// Whether a line's error is kept as its failure (`Exception`, or a panic in a native reader), not raised
/// (`KeyboardInterrupt`, `SystemExit`).
fn kept(py: Python<'_>, err: &PyErr) -> bool {
    err.is_instance_of::<pyo3::exceptions::PyException>(py)
        || err.is_instance_of::<pyo3::panic::PanicException>(py)
}

/// The formats `read_window` reads: name, reader, and the rule its Python `finish` follows.
const FORMATS: &[(&str, Reader, Finish)] = &[
    ("cisco_asa", crate::cisco_asa_line, header_time::<2>),
    (
        "juniper_srx",
        crate::juniper_srx::line_to_py,
        header_time::<2>,
    ),
    ("pfsense", crate::pfsense_line, header_time::<2>),
    ("fortigate", crate::fortigate::line_to_py, fortigate),
    ("checkpoint", crate::checkpoint::line_to_py, checkpoint),
    ("netfilter", crate::netfilter::line_to_py, netfilter),
    ("panos", crate::panos::line, panos),
    ("sonicwall", crate::sonicwall::line_to_py, sonicwall),
    ("cef", crate::cef::line_to_py, cef),
    ("leef", crate::leef::line_to_py, leef),
];

/// What a time in a tuple asks of `finish`: `Some(None)` none (None or empty), `Some(Some(text))` a time
/// to copy as it is, `None` parts for Python to convert.
fn copied(item: Bound<'_, PyAny>) -> PyResult<Option<Option<Bound<'_, PyAny>>>> {
    if item.is_none() {
        return Ok(Some(None));
    }
    if !item.is_instance_of::<PyString>() {
        return Ok(None);
    }
    Ok(Some(item.is_truthy()?.then_some(item)))
}

/// The event of a tuple whose error (at `error`) is None, with `@timestamp` set to `time` when there is one.
fn with_time<'py>(
    result: &Bound<'py, PyTuple>,
    error: usize,
    time: Option<Bound<'py, PyAny>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    if !result.get_item(error)?.is_none() {
        return Ok(None);
    }
    let event = result.get_item(0)?.cast_into::<PyDict>()?;
    if let Some(time) = time {
        event.set_item(intern!(result.py(), "@timestamp"), time)?;
    }
    Ok(Some(event))
}

/// `(event, header time, error)`: the header's time is the event's (Cisco, Juniper, pfSense).
fn header_time<'py, const ERROR: usize>(
    result: &Bound<'py, PyTuple>,
    _: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    match copied(result.get_item(1)?)? {
        Some(time) => with_time(result, ERROR, time),
        None => Ok(None),
    }
}

/// `(event, device time, error)`: FortiGate sets `@timestamp` to its time as converted, even none.
fn fortigate<'py>(
    result: &Bound<'py, PyTuple>,
    _: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let time = result.get_item(1)?;
    if !(time.is_none() || time.is_instance_of::<PyString>()) || !result.get_item(2)?.is_none() {
        return Ok(None);
    }
    let event = result.get_item(0)?.cast_into::<PyDict>()?;
    event.set_item(intern!(result.py(), "@timestamp"), time)?;
    Ok(Some(event))
}

/// `(event, header time, error, epoch)`: the gateway's epoch (UTC) dates the event before a BSD header's
/// time, which is read all the same (a bad one is the line's error).
fn checkpoint<'py>(
    result: &Bound<'py, PyTuple>,
    clock: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let epoch = result.get_item(3)?;
    if epoch.is_none() {
        return header_time::<2>(result, clock);
    }
    let (Some(_), Ok(seconds)) = (copied(result.get_item(1)?)?, epoch.extract::<u64>()) else {
        return Ok(None);
    };
    let stamp = PyString::new(result.py(), &civil::epoch_timestamp(seconds, 0));
    with_time(result, 2, Some(stamp.into_any()))
}

/// `(event, header time, error, dmesg, apache)`: a line without a header time takes one from its
/// message, in Python.
fn netfilter<'py>(
    result: &Bound<'py, PyTuple>,
    clock: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    if result.get_item(1)?.is_none() {
        return Ok(None);
    }
    header_time::<2>(result, clock)
}

/// `(event, header time, error, record time, start)`: the record's time before the header's, and a
/// TRAFFIC session's start as `event.start`.
fn panos<'py>(
    result: &Bound<'py, PyTuple>,
    _: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let (Some(header), Some(record), Some(start)) = (
        copied(result.get_item(1)?)?,
        copied(result.get_item(3)?)?,
        copied(result.get_item(4)?)?,
    ) else {
        return Ok(None);
    };
    let Some(event) = with_time(result, 2, record.or(header))? else {
        return Ok(None);
    };
    if let Some(start) = start {
        let py = result.py();
        let fields = event.get_item(intern!(py, "event"))?;
        let Some(fields) = fields else {
            return Ok(None); // cannot be: the record's mapping always sets event.*; Python says so if not
        };
        fields.set_item(intern!(py, "start"), start)?;
    }
    Ok(Some(event))
}

/// `(event, header time, record time, error)`: the record's `time=` before the header's.
fn sonicwall<'py>(
    result: &Bound<'py, PyTuple>,
    _: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    match (copied(result.get_item(1)?)?, copied(result.get_item(2)?)?) {
        (Some(header), Some(record)) => with_time(result, 3, record.or(header)),
        _ => Ok(None),
    }
}

/// `(event, header time, error, rt, start, end)`: CEF's device times are `@timestamp`, `event.start` and
/// `event.end`; the header's time dates the event when `rt` does not.
fn cef<'py>(
    result: &Bound<'py, PyTuple>,
    clock: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let mut times = [None, None, None];
    for (time, at) in times.iter_mut().zip(3..) {
        let raw = result.get_item(at)?;
        if !raw.is_none() {
            match device_time(&raw, clock)? {
                Some(stamp) => *time = Some(stamp),
                None => return Ok(None),
            }
        }
    }
    let Some(header) = copied(result.get_item(1)?)? else {
        return Ok(None);
    };
    let Some(event) = with_time(result, 2, None)? else {
        return Ok(None);
    };
    let py = result.py();
    let [received, start, end] = times;
    let fields = if start.is_some() || end.is_some() {
        match event
            .get_item(intern!(py, "event"))?
            .map(|found| found.cast_into::<PyDict>())
        {
            Some(Ok(fields)) => Some(fields),
            _ => return Ok(None), // none, or not an object: `ecs.put` makes one, in Python
        }
    } else {
        None
    };
    let timestamp = intern!(py, "@timestamp");
    if let Some(received) = received {
        event.set_item(timestamp, received)?;
    }
    if let Some(fields) = fields {
        for (key, stamp) in [(intern!(py, "start"), start), (intern!(py, "end"), end)] {
            if let Some(stamp) = stamp {
                fields.set_item(key, stamp)?;
            }
        }
    }
    dated_by_header(&event, header)?;
    Ok(Some(event))
}

/// `(event, header time, error, devTime, devTimeFormat)`: LEEF's device time is `@timestamp`; the header's
/// dates the event when there is none. A `devTime` only its format reads is read in Python.
fn leef<'py>(
    result: &Bound<'py, PyTuple>,
    clock: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let raw = result.get_item(3)?;
    let device = if raw.is_none() {
        None
    } else {
        match device_time(&raw, clock)? {
            Some(stamp) => Some(stamp),
            None => return Ok(None),
        }
    };
    let Some(header) = copied(result.get_item(1)?)? else {
        return Ok(None);
    };
    let Some(event) = with_time(result, 2, device)? else {
        return Ok(None);
    };
    dated_by_header(&event, header)?;
    Ok(Some(event))
}

/// The header's time as `@timestamp` when the record gave none.
fn dated_by_header(event: &Bound<'_, PyDict>, header: Option<Bound<'_, PyAny>>) -> PyResult<()> {
    let timestamp = intern!(event.py(), "@timestamp");
    match header {
        Some(header) if !event.contains(timestamp)? => event.set_item(timestamp, header),
        _ => Ok(()),
    }
}

/// `syslog_time.device_timestamp` of the shapes devices mostly send, when it needs no Python: epoch
/// milliseconds or seconds (at most 14 digits), or a zone-less ISO time whose minute the clock holds.
/// None for any other value, which Python reads.
fn device_time<'py>(
    raw: &Bound<'py, PyAny>,
    clock: Clock<'_, 'py>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Ok(text) = raw.cast::<PyString>() else {
        return Ok(None);
    };
    let Ok(text) = text.to_str() else {
        return Ok(None); // a lone surrogate
    };
    // Only spaces around it (what `str.strip` takes of it then is plain) and printable ASCII inside.
    let value = text.trim_matches(' ');
    if value.is_empty() || !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Ok(None);
    }
    if value.len() <= EPOCH_DIGITS && net::is_decimal(value) {
        let whole: u64 = value.parse().expect("at most 14 digits");
        let (seconds, millis) = if whole > MILLIS_ABOVE {
            (whole / 1000, whole % 1000)
        } else {
            (whole, 0)
        };
        let stamp = civil::epoch_timestamp(seconds, millis);
        return Ok(Some(PyString::new(raw.py(), &stamp).into_any()));
    }
    let b = value.as_bytes();
    if b.len() >= 19 && b[0].is_ascii_digit() && b[4] == b'-' && b[7] == b'-' {
        let time = clock::iso_text_to_py(clock, value)?;
        return Ok(time.is_instance_of::<PyString>().then_some(time));
    }
    Ok(None)
}

/// `syslog_time._EPOCH_DIGITS` and `_MILLIS_ABOVE`: a decimal value of up to this many digits is epoch
/// time, in milliseconds when above that (as seconds it would be past the year 5138).
const EPOCH_DIGITS: usize = 14;
const MILLIS_ABOVE: u64 = 100_000_000_000;
