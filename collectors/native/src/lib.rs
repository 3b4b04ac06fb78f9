//! `secops_native`: the per-record work of the hottest parsers, in Rust — the firewall formats and
//! the Windows event mapping — and the pipeline's helpers that run for every record or file: the
//! event id every record gets (`event_id`), the digest a source is known by (`blake2b_hex`), the
//! splitting of a text file into lines (`lines`), the choice of each line's parser (`prefilter`,
//! `picker`) and the walk over an EVTX chunk's intact records before the library reads it
//! (`evtx_chain`).
//!
//! Each vendor module reads one whole line (its syslog header with
//! `syslog_header`, then the record) into an ECS event tree; this module hands
//! the tree to Python as nested dicts, with the header's time as written and
//! the reason a record cannot be read, if any: the Python side converts the
//! time in the configured zone (`clock` gives the time itself when the clock's
//! minute cache, passed in with the context, holds its minute) and raises `ParseError`. The Python parser
//! modules under `collectors/firewall/` stay the registered plugins and say
//! what each format is; the work they call lives here because the per-record
//! cost in Python was twice the budget (issue 3's 50,000 lines a second per core).
//! A file's lines of one format are read a window at a time (`window`), which
//! does the Python side's work itself for the lines whose times need no
//! conversion there.
//!
//! `winlog_ecs::WinlogMapper` maps Windows events the way Winlogbeat does, from the tables
//! `collectors/endpoint/winlog_tables.py` gives it: EVTX records straight from the `evtx`
//! library's JSON text (`winlog_record`, `json`), Winlogbeat documents from theirs (`winlog_beat`),
//! and the `winlog` dicts the XML and NXLog readers build (issue 4's EVTX rate).

mod cef;
mod checkpoint;
mod cisco_asa;
mod cisco_asa_messages;
mod cisco_asa_program;
mod civil;
mod clock;
mod envelope;
mod event;
mod event_id;
mod evtx_chain;
mod fortigate;
mod json;
mod juniper_srx;
mod kv;
mod leef;
mod lines;
mod net;
mod netfilter;
mod panos;
mod pfsense;
mod picker;
mod prefilter;
mod pydict;
mod pytext;
mod sniff;
mod sonicwall;
mod syslog_header;
mod window;
mod winlog_beat;
mod winlog_convert;
mod winlog_ecs;
mod winlog_record;

/// Every record builds and frees many small trees (a JSON document, an event), and in a mixed log the
/// C library's allocator took a sixth of the native time: mimalloc does the same work in less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

use crate::clock::{Clock, Minutes};
use crate::event::Map;
use crate::syslog_header::Syslog;

/// `repr()` of a string as Python writes it, for reasons that quote a value.
pub(crate) fn python_repr(value: &str) -> String {
    let quote = if value.contains('\'') && !value.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(value.len() + 2);
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// What a parser that reads the whole line returns: `(event or None, header time, reason or None)`.
///
/// The header time is converted first on the Python side, so that a bad one is the error a line reports
/// when it has two, as when Python read the header before the record.
fn line_result<'py>(
    clock: Clock<'_, 'py>,
    syslog: &Syslog<'_>,
    parsed: Result<Map<'_>, String>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = clock.py;
    let time = syslog.time_to_py(clock)?;
    match parsed {
        Ok(event) => (event.to_py(py)?, time, py.None()).into_pyobject(py),
        Err(reason) => (py.None(), time, reason).into_pyobject(py),
    }
}

/// `line_result` of a parser that reads a whole line into its header and event (`parse_line`).
fn whole_line<'py, 'a>(
    line: &'a str,
    clock: Clock<'_, 'py>,
    parse: fn(&'a str) -> (Syslog<'a>, Result<Map<'a>, String>),
) -> PyResult<Bound<'py, PyTuple>> {
    let (syslog, parsed) = parse(line);
    line_result(clock, &syslog, parsed)
}

/// A `#[pyfunction]` for one firewall format, `name(line, ctx, minutes)`: the line is read by `read` with
/// the context and the minute cache of the caller's `SyslogClock` (`clock::Clock`).
macro_rules! line_function {
    ($(#[doc = $doc:literal])* $rust:ident, $name:literal, $read:expr) => {
        $(#[doc = $doc])*
        #[pyfunction]
        #[pyo3(name = $name)]
        fn $rust<'py>(
            line: &str,
            ctx: &Bound<'py, PyAny>,
            minutes: &Bound<'py, Minutes>,
        ) -> PyResult<Bound<'py, PyTuple>> {
            ($read)(line, Clock::kept(ctx, minutes))
        }
    };
}

/// A pfSense/OPNsense `filterlog` line → `line_result`.
fn pfsense_line<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    whole_line(line, clock, pfsense::parse_line)
}

/// A Cisco ASA/FTD line → `line_result` (no header time when the line cannot be read).
fn cisco_asa_line<'py>(line: &str, clock: Clock<'_, 'py>) -> PyResult<Bound<'py, PyTuple>> {
    whole_line(line, clock, cisco_asa::parse_line)
}

line_function!(
    /// A pfSense/OPNsense `filterlog` line → `line_result`.
    pfsense_record,
    "pfsense",
    pfsense_line
);
line_function!(
    /// A PAN-OS line → `line_result`'s three, then the record's time and a TRAFFIC start as zone-less text.
    panos_record,
    "panos",
    panos::line
);
line_function!(
    /// A netfilter `LOG` line → `line_result`'s three, then the `dmesg -T` and Proxmox times of a timeless header.
    netfilter_record,
    "netfilter",
    netfilter::line_to_py
);
line_function!(
    /// A Juniper SRX line → `line_result`.
    juniper_srx_record,
    "juniper_srx",
    juniper_srx::line_to_py
);
line_function!(
    /// A CEF line → (event or None, header time, reason or None, raw `rt`, raw `start`, raw `end`).
    cef_record,
    "cef",
    cef::line_to_py
);
line_function!(
    /// A LEEF line → (event or None, header time, reason or None, raw `devTime`, raw `devTimeFormat`).
    leef_record,
    "leef",
    leef::line_to_py
);
line_function!(
    /// A Check Point line → `(event or None, header time, reason or None, epoch or None)` (`checkpoint::line_to_py`).
    checkpoint_record,
    "checkpoint",
    checkpoint::line_to_py
);
line_function!(
    /// A Cisco ASA/FTD line → `line_result` (no header time when the line cannot be read).
    cisco_asa_record,
    "cisco_asa",
    cisco_asa_line
);
line_function!(
    /// A FortiGate line → `(event or None, the device's time as written, reason or None)`.
    fortigate_record,
    "fortigate",
    fortigate::line_to_py
);
line_function!(
    /// A SonicWall line → `(event or None, header time, record time, reason or None)`, the times as written.
    sonicwall_record,
    "sonicwall",
    sonicwall::line_to_py
);

/// A syslog line's header parts, the times as written (`collectors/syslog_header.py` converts them).
#[pyfunction]
#[pyo3(name = "syslog_header")]
fn syslog_header_parts<'py>(line: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyTuple>> {
    syslog_header::to_py(line)
}

/// RFC 5424 SD-ELEMENTs at the start of a text, and how many characters they took.
#[pyfunction]
fn structured_data<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyTuple>> {
    syslog_header::structured_to_py(text)
}

/// The zone names a syslog header may write after a BSD time.
#[pyfunction]
fn set_header_zones(names: Vec<String>) {
    syslog_header::set_zone_names(names)
}

#[pymodule]
fn secops_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // A panic becomes this exception, which derives from BaseException: named here so that the pipeline
    // can keep the record as a parse failure instead of stopping the run.
    module.add(
        "PanicException",
        module.py().get_type::<pyo3::panic::PanicException>(),
    )?;
    module.add_function(wrap_pyfunction!(pfsense_record, module)?)?;
    module.add_function(wrap_pyfunction!(panos_record, module)?)?;
    module.add_function(wrap_pyfunction!(netfilter_record, module)?)?;
    module.add_function(wrap_pyfunction!(juniper_srx_record, module)?)?;
    module.add_function(wrap_pyfunction!(cef_record, module)?)?;
    module.add_function(wrap_pyfunction!(leef_record, module)?)?;
    module.add_function(wrap_pyfunction!(checkpoint_record, module)?)?;
    module.add_function(wrap_pyfunction!(fortigate_record, module)?)?;
    module.add_function(wrap_pyfunction!(sonicwall_record, module)?)?;
    module.add_function(wrap_pyfunction!(cisco_asa_record, module)?)?;
    module.add_function(wrap_pyfunction!(window::read_window, module)?)?;
    module.add_function(wrap_pyfunction!(syslog_header_parts, module)?)?;
    module.add_function(wrap_pyfunction!(structured_data, module)?)?;
    module.add_function(wrap_pyfunction!(set_header_zones, module)?)?;
    module.add_function(wrap_pyfunction!(event_id::event_id, module)?)?;
    module.add_function(wrap_pyfunction!(envelope::envelope, module)?)?;
    module.add_function(wrap_pyfunction!(envelope::envelope_lines, module)?)?;
    module.add("ECS_VERSION", envelope::ECS_VERSION)?;
    module.add_function(wrap_pyfunction!(event_id::blake2b_hex, module)?)?;
    module.add_function(wrap_pyfunction!(evtx_chain::evtx_record_size, module)?)?;
    module.add_function(wrap_pyfunction!(evtx_chain::evtx_intact_run, module)?)?;
    module.add_class::<lines::Line>()?;
    module.add_class::<lines::LineSplitter>()?;
    module.add_class::<prefilter::Prefilter>()?;
    module.add_class::<picker::Picker>()?;
    module.add_class::<sniff::Sniff>()?;
    module.add_class::<Minutes>()?;
    module.add_class::<winlog_ecs::WinlogMapper>()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::python_repr;

    #[test]
    fn repr_quotes_as_python_does() {
        assert_eq!(python_repr("x"), "'x'");
        assert_eq!(python_repr("it's"), "\"it's\"");
        assert_eq!(python_repr("a\tb\\"), "'a\\tb\\\\'");
    }
}
