//! Each native format's line test (`sniff_line`): whether per-line `auto` hands a line to that parser.
//!
//! In Python each test was a method call and a regular expression or a few substring searches; here the
//! token scan (`prefilter.rs`) runs the tests of the parsers it leaves in the same call, so a mixed
//! stream's line costs one call to recognise. The tests are Python's as they were: the patterns use
//! `pytext`'s classes where Python's `\s` and `\w` differ from the regex crate's.

use std::sync::LazyLock;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use regex::Regex;

use crate::cisco_asa;
use crate::pytext::{SPACE, WORD};

/// A line test: true when the line is the format's.
pub(crate) type Test = fn(&str) -> bool;

/// One format's line test, callable from Python (`LineParser.native_sniff`).
#[pyclass(frozen)]
pub(crate) struct Sniff {
    pub(crate) test: Test,
}

#[pymethods]
impl Sniff {
    /// The test of the parser registered as `name` (`cisco-asa`, `panos`, …).
    #[new]
    fn new(name: &str) -> PyResult<Self> {
        test(name)
            .map(|test| Sniff { test })
            .ok_or_else(|| PyValueError::new_err(format!("no native line test for {name:?}")))
    }

    fn __call__(&self, line: &Bound<'_, PyString>) -> bool {
        (self.test)(&line.to_string_lossy())
    }
}

fn test(name: &str) -> Option<Test> {
    Some(match name {
        "cisco-asa" => cisco_asa,
        "panos" => panos,
        "fortigate" => fortigate,
        "pfsense" => |line| line.contains("filterlog"),
        "netfilter" => netfilter,
        "checkpoint" => checkpoint,
        "juniper-srx" => juniper_srx,
        "sonicwall" => sonicwall,
        "cef" => |line| line.contains("CEF:") && pipes(line) >= 6,
        "leef" => |line| line.contains("LEEF:") && pipes(line) >= 5,
        _ => return None,
    })
}

/// `%ASA-n-nnnnnn` and its kin: the marker the parser itself reads the message id from.
fn cisco_asa(line: &str) -> bool {
    cisco_asa::MARKER.is_match(line)
}

/// `1,` then the receive time and a log type: any PAN-OS log type, at the start or after a space.
static PANOS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[{SPACE}])1,\d{{4}}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,[A-Z][A-Z-]+,"
    ))
    .unwrap()
});

fn panos(line: &str) -> bool {
    line.contains("1,20") && PANOS.is_match(line)
}

/// `date=` and `time=` as FortiOS writes them, the date at the start, after a space or a `>`.
static FORTIGATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:^|[{SPACE}>])date=\d{{4}}-\d\d-\d\d[ ,]time=\d\d:\d\d:\d\d(?:[^{WORD}]|$)"
    ))
    .unwrap()
});

fn fortigate(line: &str) -> bool {
    line.contains("date=")
        && (line.contains("logid=") || line.contains("devid="))
        && FORTIGATE.is_match(line)
}

fn netfilter(line: &str) -> bool {
    line.contains("SRC=")
        && line.contains(" DST=")
        && (line.contains("IN=") || line.contains("OUT="))
}

fn checkpoint(line: &str) -> bool {
    memchr::memmem::find(line.as_bytes(), crate::checkpoint::SD_ID).is_some()
        || (line.contains("origin:\"")
            && (line.contains("loguid:\"") || line.contains("product:\"")))
}

/// The `junos@` structured data, or a plain RT_FLOW session line.
fn juniper_srx(line: &str) -> bool {
    line.contains("[junos@")
        || (line.contains("RT_FLOW")
            && ["session created ", "session closed ", "session denied "]
                .iter()
                .any(|words| line.contains(words)))
}

/// `id=… sn=… time="`, `id` a word of its own.
static SONICWALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?:^|[^{WORD}])id=[^{SPACE}]+[{SPACE}]+sn=[^{SPACE}]+[{SPACE}]+time=""#
    ))
    .unwrap()
});

fn sonicwall(line: &str) -> bool {
    line.contains("sn=") && SONICWALL.is_match(line)
}

/// Python's `line.count("|")`.
fn pipes(line: &str) -> usize {
    memchr::memchr_iter(b'|', line.as_bytes()).count()
}

#[cfg(test)]
mod tests {
    use super::test;

    fn sniff(name: &str, line: &str) -> bool {
        test(name).unwrap()(line)
    }

    #[test]
    fn boundaries_are_pythons() {
        // U+001F is a space to Python, `é` a word character: the boundary before `id=` and after the time.
        assert!(sniff("sonicwall", "x\u{1f}id=fw sn=1 time=\"2020"));
        assert!(!sniff("sonicwall", "éid=fw sn=1 time=\"2020"));
        assert!(sniff("fortigate", "date=2020-01-01 time=10:00:00 logid=1"));
        assert!(!sniff(
            "fortigate",
            "date=2020-01-01 time=10:00:00é logid=1"
        ));
        assert!(sniff(
            "panos",
            "<14>x\u{1c}1,2020/01/01 10:00:00,s,TRAFFIC,"
        ));
        assert!(!sniff("panos", "x11,2020/01/01 10:00:00,s,TRAFFIC,"));
    }

    #[test]
    fn counts_and_words() {
        assert!(sniff("cef", "CEF:0|a|b|c|d|e|f"));
        assert!(!sniff("cef", "CEF:0|a|b|c|d|e"));
        assert!(sniff("juniper-srx", "RT_FLOW: session denied x"));
        assert!(!sniff("juniper-srx", "RT_FLOW: session opened x"));
        assert!(test("no-such-format").is_none());
    }
}
