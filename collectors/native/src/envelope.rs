//! `secops.ecs.envelope`: the fields DESIGN.md says every stored event has, filled where the parser left
//! them out. It runs once for every record of every input: on the firewall path it cost 8,000
//! instructions a line in Python and 7,000 here, most of it the id's hash and the dicts taking the keys.
//! A file's lines are enveloped a window at a time (`envelope_lines`), with where each came from.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::event_id::{event_id, id_of};
use crate::lines::Line;
use crate::pydict::{contains, set_item};

/// The ECS version stamped on every event (`ecs.version`), the reference `secops/data/ecs_fields.csv` is.
pub(crate) const ECS_VERSION: &str = "9.4.0";

/// Fill `event.kind/category/type/dataset/module` where missing, always set `event.original`,
/// `event.ingested`, `event.id` (from `identity` and `raw`) and `ecs.version`, and `@timestamp` to
/// `ingested` where the parser found no time. Parser values stay; the event is changed in place and
/// returned. A record read from a file gets `log.file.path` (`path`) and, for a line, `log.offset`.
#[pyfunction]
#[pyo3(signature = (event, *, raw, identity, dataset, ingested, path=None, offset=None))]
pub(crate) fn envelope<'py>(
    event: &Bound<'py, PyDict>,
    raw: &Bound<'py, PyString>,
    identity: &Bound<'py, PyString>,
    dataset: &Bound<'py, PyString>,
    ingested: &Bound<'py, PyString>,
    path: Option<&Bound<'py, PyString>>,
    offset: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    fill(event, raw, event_id(identity, raw)?, dataset, ingested)?;
    if let Some(path) = path {
        origin(event, path, offset)?;
    }
    Ok(event.clone())
}

/// `envelope` of each event of a window of a file's lines (`lines::Line`), in place: the
/// identity is `key:offset`, and `log.file.path` and `log.offset` say where the line is (other `log`
/// fields the parser set stay). One call for the window, not one for each line and its log fields:
/// 2,000 fewer instructions a line on the firewall mix.
#[pyfunction]
pub(crate) fn envelope_lines<'py>(
    events: &Bound<'py, PyList>,
    lines: &Bound<'py, PyList>,
    datasets: &Bound<'py, PyList>,
    key: &str,
    ingested: &Bound<'py, PyString>,
    path: &Bound<'py, PyString>,
) -> PyResult<()> {
    let py = events.py();
    if lines.len() != events.len() || datasets.len() != events.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "events, lines and datasets differ in length",
        ));
    }
    let mut identity = Vec::with_capacity(key.len() + 21);
    identity.extend_from_slice(key.as_bytes());
    identity.push(b':');
    for ((event, line), dataset) in events.iter().zip(lines.iter()).zip(datasets.iter()) {
        let event = event.cast_into::<PyDict>()?;
        let line = line.cast_into::<Line>()?;
        let (raw, offset) = (line.get().text(py), line.get().offset(py));
        identity.truncate(key.len() + 1); // `key:`, then the offset's digits
        push_decimal(&mut identity, offset.extract::<u64>()?);
        let dataset = dataset.cast_into::<PyString>()?;
        fill(&event, raw, id_of(&identity, raw)?, &dataset, ingested)?;
        origin(&event, path, Some(offset.as_any()))?;
    }
    Ok(())
}

/// Append `number` in decimal: `write!` went through the formatting machinery, 300 instructions a line.
fn push_decimal(out: &mut Vec<u8>, mut number: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Where a file's record came from: `log.file.path`, and `log.offset` for a line (other `log` fields the
/// parser set stay).
fn origin<'py>(
    event: &Bound<'py, PyDict>,
    path: &Bound<'py, PyString>,
    offset: Option<&Bound<'py, PyAny>>,
) -> PyResult<()> {
    let py = event.py();
    let log = object_at(event, intern!(py, "log"))?;
    let file = PyDict::new(py);
    set_item(&file, intern!(py, "path"), path)?;
    set_item(&log, intern!(py, "file"), &file)?;
    if let Some(offset) = offset {
        set_item(&log, intern!(py, "offset"), offset)?;
    }
    Ok(())
}

/// `envelope`'s work, the id given.
fn fill<'py>(
    event: &Bound<'py, PyDict>,
    raw: &Bound<'py, PyString>,
    id: Bound<'py, PyString>,
    dataset: &Bound<'py, PyString>,
    ingested: &Bound<'py, PyString>,
) -> PyResult<()> {
    let py = event.py();
    let ev = match event.get_item(intern!(py, "event"))? {
        Some(found) if !found.is_none() => found.cast_into::<PyDict>()?,
        _ => {
            let made = PyDict::new(py);
            set_item(event, intern!(py, "event"), &made)?;
            made
        }
    };
    let kind = intern!(py, "kind");
    if !contains(&ev, kind)? {
        set_item(&ev, kind, intern!(py, "event"))?;
    }
    for key in [intern!(py, "category"), intern!(py, "type")] {
        if !contains(&ev, key)? {
            set_item(&ev, key, &PyList::empty(py))?;
        }
    }
    if !contains(&ev, intern!(py, "dataset"))? {
        set_item(&ev, intern!(py, "dataset"), dataset)?;
    }
    let module = intern!(py, "module");
    if !contains(&ev, module)? {
        let name = dataset.to_str()?;
        let first = name.split_once('.').map_or(name, |(first, _)| first);
        set_item(&ev, module, &PyString::new(py, first))?;
    }
    set_item(&ev, intern!(py, "original"), raw)?;
    set_item(&ev, intern!(py, "ingested"), ingested)?;
    set_item(&ev, intern!(py, "id"), &id)?;
    let ecs = object_at(event, intern!(py, "ecs"))?;
    set_item(&ecs, intern!(py, "version"), intern!(py, ECS_VERSION))?;
    let timestamp = intern!(py, "@timestamp");
    if !contains(event, timestamp)? {
        set_item(event, timestamp, ingested)?;
    }
    Ok(())
}

/// The object under `key`, added empty where the event has none (`dict.setdefault(key, {})`).
fn object_at<'py>(
    event: &Bound<'py, PyDict>,
    key: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(found) = event.get_item(key)? {
        return Ok(found.cast_into::<PyDict>()?);
    }
    let made = PyDict::new(event.py());
    set_item(event, key, &made)?;
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn decimals_are_written_as_format_writes_them() {
        for number in [0, 7, 10, 99, 100, 4_096, 1_234_567_890, u64::MAX] {
            let mut out = b"k:".to_vec();
            push_decimal(&mut out, number);
            assert_eq!(out, format!("k:{number}").into_bytes());
        }
    }
}
