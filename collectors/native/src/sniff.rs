//! Each native format's line test (`sniff_line`): whether per-line `auto` hands a line to that parser.
//!
//! In Python each test was a method call and a regular expression or a few substring searches; here the
//! token scan (`prefilter.rs`) runs the tests of the parsers it leaves in the same call, so a mixed
//! stream's line costs one call to recognise. The tests are Python's as they were: the patterns use
//! `pytext`'s classes where Python's `\s` and `\w` differ from the regex crate's.

use std::sync::{LazyLock, OnceLock};

use memchr::memmem::Finder;

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
static PANOS: LazyLock<Anchored> = LazyLock::new(|| {
    Anchored::new(
        &format!("[{SPACE}]"),
        b"1,",
        r"1,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,[A-Z][A-Z-]+,",
    )
});

fn panos(line: &str) -> bool {
    line.contains("1,20") && PANOS.found(line)
}

/// `date=` and `time=` as FortiOS writes them, the date at the start, after a space or a `>`.
static FORTIGATE: LazyLock<Anchored> = LazyLock::new(|| {
    Anchored::new(
        &format!("[{SPACE}>]"),
        b"date=",
        &format!(r"date=\d{{4}}-\d\d-\d\d[ ,]time=\d\d:\d\d:\d\d(?:[^{WORD}]|$)"),
    )
});

fn fortigate(line: &str) -> bool {
    line.contains("date=")
        && (line.contains("logid=") || line.contains("devid="))
        && FORTIGATE.found(line)
}

fn netfilter(line: &str) -> bool {
    line.contains("SRC=")
        && line.contains(" DST=")
        && (line.contains("IN=") || line.contains("OUT="))
}

/// Check Point's structured-data id, its searcher built once (building one cost as much as the search).
static CHECKPOINT_ID: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(crate::checkpoint::SD_ID));

fn checkpoint(line: &str) -> bool {
    CHECKPOINT_ID.find(line.as_bytes()).is_some()
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
static SONICWALL: LazyLock<Anchored> = LazyLock::new(|| {
    Anchored::new(
        &format!("[^{WORD}]"),
        b"id=",
        &format!(r#"id=[^{SPACE}]+[{SPACE}]+sn=[^{SPACE}]+[{SPACE}]+time=""#),
    )
});

fn sonicwall(line: &str) -> bool {
    line.contains("sn=") && SONICWALL.found(line)
}

/// A test `(?:^|class)pattern`, where `pattern` starts with the literal `start`, asked at each place
/// `start` is found: asked of the whole line, the expression cost 2,000 to 4,000 instructions, most of
/// it looking for a start. The character before each place decides when it is ASCII (`before`: which
/// ASCII bytes the class holds, read from the class itself); past a non-ASCII one, the whole expression
/// is asked, so the answer is always the expression's. That expression is compiled only if such a line
/// comes.
struct Anchored {
    start: Finder<'static>,
    before: [bool; 128],
    here: Regex,
    whole: OnceLock<Regex>,
    whole_pattern: String,
}

impl Anchored {
    fn new(class: &str, start: &'static [u8], pattern: &str) -> Self {
        let member = Regex::new(&format!("^{class}$")).unwrap();
        Anchored {
            start: Finder::new(start),
            before: std::array::from_fn(|byte| {
                member.is_match(char::from(byte as u8).encode_utf8(&mut [0; 4]))
            }),
            here: Regex::new(&format!("^(?:{pattern})")).unwrap(),
            whole: OnceLock::new(),
            whole_pattern: format!("(?:^|{class})(?:{pattern})"),
        }
    }

    fn whole(&self) -> &Regex {
        self.whole
            .get_or_init(|| Regex::new(&self.whole_pattern).unwrap())
    }

    fn found(&self, line: &str) -> bool {
        let bytes = line.as_bytes();
        for at in self.start.find_iter(bytes) {
            match at.checked_sub(1).map(|previous| bytes[previous]) {
                Some(previous) if !previous.is_ascii() => return self.whole().is_match(line),
                Some(previous) if !self.before[usize::from(previous)] => {}
                _ => {
                    if self.here.is_match(&line[at..]) {
                        return true;
                    }
                }
            }
        }
        false
    }
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

    /// The tests that look for their start first answer as the whole expressions do, on lines of each
    /// format changed at random with characters that sit at the edges of the expressions' classes.
    #[test]
    fn anchored_tests_answer_as_the_whole_expressions() {
        let lines = [
            "<14>Nov  2 00:00:00 pa 1,2026/11/02 00:00:00,0132,TRAFFIC,end,2561,2026/11/02 00:00:00,10.1.1.1",
            "1,2026/11/02 00:00:00,,THREAT,url,1,20",
            "<189>date=2026-11-02 time=00:00:08 devname=\"fg\" logid=\"0000000013\" type=\"traffic\"",
            "<189>x>date=2026-11-02,time=00:00:08 devid=FG1",
            "<134>id=firewall sn=C0EAE4 time=\"2026-11-02 00:00:08 UTC\" fw=1.2.3.4 pri=6",
            "x id=fw  sn=1\u{1f}time=\"2020",
        ];
        let alphabet: Vec<char> = " \u{1c}\u{a0}\u{3000}é٢2017,/:->_aZ=\"dist"
            .chars()
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let oracles: [(&str, super::Test); 3] = [
            ("panos", |l| {
                l.contains("1,20") && super::PANOS.whole().is_match(l)
            }),
            ("fortigate", |l| {
                l.contains("date=")
                    && (l.contains("logid=") || l.contains("devid="))
                    && super::FORTIGATE.whole().is_match(l)
            }),
            ("sonicwall", |l| {
                l.contains("sn=") && super::SONICWALL.whole().is_match(l)
            }),
        ];
        let mut agreed = [0usize; 2];
        for line in lines {
            for _ in 0..4_000 {
                let mut chars: Vec<char> = line.chars().collect();
                for _ in 0..1 + next(3) {
                    let at = next(chars.len() + 1);
                    let pick = alphabet[next(alphabet.len())];
                    match next(3) {
                        0 => chars.insert(at, pick),
                        1 if at < chars.len() => chars[at] = pick,
                        _ if at < chars.len() => drop(chars.remove(at)),
                        _ => chars.push(pick),
                    }
                }
                let text: String = chars.into_iter().collect();
                for (name, oracle) in oracles {
                    let expected = oracle(&text);
                    assert_eq!(sniff(name, &text), expected, "{name} {text:?}");
                    agreed[usize::from(expected)] += 1;
                }
            }
        }
        assert!(
            agreed[0] > 1_000 && agreed[1] > 1_000,
            "both answers are tried: {agreed:?}"
        );
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
