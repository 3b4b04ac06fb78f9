//! A window of a file's lines of one firewall format, read in one call (`read_window`).
//!
//! Each format's Python parser turns its reader's tuple into the event (`finish` in
//! `collectors/firewall/native.py`): it raises the record's error, converts the times the clock's
//! minute cache did not hold, and puts the time in the event. For most lines there is nothing to
//! convert, as the cache gave the time whole, and the Python side only copied it in: a Python call a
//! line for that. Here each format's rule (`Finish`) does that copy for such lines, as its `finish`
//! would; every other line's tuple goes to its `finish`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::clock::{Clock, Minutes};
use crate::lines::Line;

/// A format's reader: one line → the tuple its Python `finish` takes.
pub(crate) type Reader = for<'a, 'py> fn(&str, Clock<'a, 'py>) -> PyResult<Bound<'py, PyTuple>>;

/// A format's `finish` for the tuples it only copies times from: the event, or None for Python's `finish`.
type Finish = for<'py> fn(&Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>>;

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
            match finish_here(&result)? {
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
pub(crate) const FORMATS: &[(&str, Reader, Finish)] = &[
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
    ("cef", crate::cef::line_to_py, device_times::<3, 6>),
    ("leef", crate::leef::line_to_py, device_times::<3, 4>),
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
) -> PyResult<Option<Bound<'py, PyDict>>> {
    match copied(result.get_item(1)?)? {
        Some(time) => with_time(result, ERROR, time),
        None => Ok(None),
    }
}

/// `(event, device time, error)`: FortiGate sets `@timestamp` to its time as converted, even none.
fn fortigate<'py>(result: &Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let time = result.get_item(1)?;
    if !(time.is_none() || time.is_instance_of::<PyString>()) || !result.get_item(2)?.is_none() {
        return Ok(None);
    }
    let event = result.get_item(0)?.cast_into::<PyDict>()?;
    event.set_item(intern!(result.py(), "@timestamp"), time)?;
    Ok(Some(event))
}

/// `(event, header time, error, epoch)`: an epoch is converted in Python.
fn checkpoint<'py>(result: &Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>> {
    if !result.get_item(3)?.is_none() {
        return Ok(None);
    }
    header_time::<2>(result)
}

/// `(event, header time, error, dmesg, apache)`: a line without a header time takes one from its
/// message, in Python.
fn netfilter<'py>(result: &Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>> {
    if result.get_item(1)?.is_none() {
        return Ok(None);
    }
    header_time::<2>(result)
}

/// `(event, header time, error, record time, start)`: the record's time before the header's, and a
/// TRAFFIC session's start as `event.start`.
fn panos<'py>(result: &Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>> {
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
fn sonicwall<'py>(result: &Bound<'py, PyTuple>) -> PyResult<Option<Bound<'py, PyDict>>> {
    match (copied(result.get_item(1)?)?, copied(result.get_item(2)?)?) {
        (Some(header), Some(record)) => with_time(result, 3, record.or(header)),
        _ => Ok(None),
    }
}

/// `(event, header time, error, …)` of CEF and LEEF, their device times at `FIRST..END`: those are read in
/// Python; without them the header's time dates the event unless the record set one.
fn device_times<'py, const FIRST: usize, const END: usize>(
    result: &Bound<'py, PyTuple>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    if (FIRST..END).any(|at| result.get_item(at).is_ok_and(|item| !item.is_none())) {
        return Ok(None);
    }
    let Some(time) = copied(result.get_item(1)?)? else {
        return Ok(None);
    };
    let event = match with_time(result, 2, None)? {
        Some(event) => event,
        None => return Ok(None),
    };
    let key = intern!(result.py(), "@timestamp");
    if let Some(time) = time {
        if !event.contains(key)? {
            event.set_item(key, time)?;
        }
    }
    Ok(Some(event))
}
