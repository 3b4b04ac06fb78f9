//! Per-line format recognition's first pass: which parsers could claim a line, from one scan of it.
//!
//! In a mixed file, `AutoLineParser` asked each parser in turn whether it
//! recognises the line: six sniffs a line on average, each a Python call with
//! its own substring searches. Parsers declare `sniff_tokens`, strings one of
//! which every line they claim contains; one Aho-Corasick scan finds which are
//! present, and only the parsers it leaves are asked. Those with a native line
//! test (`sniff.rs`) are asked here, in the same call.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::sniff::{Sniff, Test};

/// The scan for a list of parsers, in the order their `sniff_line` is tried.
#[pyclass(frozen)]
pub(crate) struct Prefilter {
    scanner: AhoCorasick,
    /// The parsers each token stands for (as bits): its own and those of the tokens inside it.
    owners: Vec<u128>,
    /// Whether a token may start inside this one and end past it (`1,20` then `20b`): the scan then goes on
    /// from one past this one's start, else from its end.
    overlaps: Vec<bool>,
    /// Parsers without tokens: always asked.
    always: u128,
    /// Every parser: the answer for a line packed with tokens.
    all: u128,
    /// Each parser's native line test, if it has one.
    tests: Vec<Option<Test>>,
    /// The parsers with a native line test, as bits.
    tested: u128,
}

#[pymethods]
impl Prefilter {
    /// `tokens[i]` are parser i's tokens, an empty list meaning that parser is always asked;
    /// `tests[i]` is its native line test, if it has one.
    #[new]
    fn new(tokens: Vec<Vec<String>>, tests: Vec<Option<PyRef<'_, Sniff>>>) -> PyResult<Self> {
        let tests = tests
            .iter()
            .map(|test| test.as_ref().map(|sniff| sniff.test))
            .collect();
        Self::build(&tokens, tests).map_err(PyValueError::new_err)
    }
}

impl Prefilter {
    fn build(tokens: &[Vec<String>], tests: Vec<Option<Test>>) -> Result<Self, String> {
        if tests.len() != tokens.len() {
            return Err("one test (or None) for each parser's tokens".into());
        }
        if tokens.len() > 128 {
            return Err("at most 128 parsers".into());
        }
        let mut patterns = Vec::new();
        let mut owners = Vec::new();
        let mut always = 0u128;
        for (index, own) in tokens.iter().enumerate() {
            let bit = 1u128 << index;
            if own.is_empty() {
                always |= bit;
            }
            for token in own {
                if token.is_empty() {
                    return Err("an empty token matches every line".into());
                }
                patterns.push(token.as_str());
                owners.push(bit);
            }
        }
        let scanner = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|err| err.to_string())?;
        // A token found also stands for every token inside it: `scan` reports the longest at each place.
        let owners = patterns
            .iter()
            .map(|outer| {
                patterns
                    .iter()
                    .zip(&owners)
                    .filter(|(inner, _)| outer.contains(*inner))
                    .fold(0, |bits, (_, bit)| bits | bit)
            })
            .collect();
        let overlaps = patterns
            .iter()
            .map(|outer| {
                (1..outer.len()).any(|at| {
                    let tail = &outer.as_bytes()[at..];
                    patterns
                        .iter()
                        .any(|inner| inner.as_bytes().starts_with(tail) && inner.len() > tail.len())
                })
            })
            .collect();
        let all = if tokens.len() == 128 {
            u128::MAX
        } else {
            (1u128 << tokens.len()) - 1
        };
        let tested = tests
            .iter()
            .enumerate()
            .filter(|(_, test)| test.is_some())
            .fold(0, |bits, (index, _)| bits | 1u128 << index);
        Ok(Self {
            scanner,
            owners,
            overlaps,
            always,
            all,
            tests,
            tested,
        })
    }

    /// The parsers that may claim a line, as bits (bit i: parser i), in the order they are asked: a
    /// parser with a native test is left only if its test accepts the line, and the first one that
    /// does ends the set (those before it without a native test are still to be asked, in order).
    pub(crate) fn claim(&self, text: &str) -> u128 {
        let mut found = self.scan(text.as_bytes());
        let mut untested = found & self.tested;
        while untested != 0 {
            let bit = untested & untested.wrapping_neg();
            let test = self.tests[bit.trailing_zeros() as usize];
            if test.is_some_and(|test| test(text)) {
                return found & (bit | (bit - 1));
            }
            found &= !bit;
            untested &= !bit;
        }
        found
    }

    /// Parser `at`'s native line test, if it has one.
    pub(crate) fn test(&self, at: usize) -> Option<Test> {
        self.tests[at]
    }

    /// Every place a token starts, in order: a leftmost search again after each find (a vectorised search
    /// skips the rest), from one past its start when another token could overlap its end.
    fn scan(&self, line: &[u8]) -> u128 {
        let mut found = self.always;
        let mut from = 0;
        for _ in 0..MAX_FINDS {
            let Some(hit) = self.scanner.find(Input::new(line).range(from..)) else {
                return found;
            };
            let index = hit.pattern().as_usize();
            found |= self.owners[index];
            if found == self.all {
                break;
            }
            from = if self.overlaps[index] {
                hit.start() + 1
            } else {
                hit.end()
            };
        }
        self.all // a line packed with tokens (hostile, or a huge one): every parser is asked, as without the scan
    }
}

/// Finds a line may cost before the scan gives up on it; real lines hold a handful of tokens.
const MAX_FINDS: usize = 32;

#[cfg(test)]
mod tests {
    use super::Prefilter;

    fn filter(tokens: &[&[&str]]) -> Prefilter {
        let tokens: Vec<Vec<String>> = tokens
            .iter()
            .map(|own| own.iter().map(|t| t.to_string()).collect())
            .collect();
        Prefilter::build(&tokens, vec![None; tokens.len()]).unwrap()
    }

    #[test]
    fn a_parser_is_kept_when_any_of_its_tokens_is_there() {
        let f = filter(&[&["%ASA", "%FTD"], &["CEF:"], &[]]);
        assert_eq!(f.scan(b"<166>x: %FTD-6-1: y"), 0b101);
        assert_eq!(f.scan(b"CEF:0|a|b"), 0b110);
        assert_eq!(f.scan(b"nothing"), 0b100);
    }

    #[test]
    fn overlapping_tokens_are_all_found() {
        let f = filter(&[&["abcd"], &["bc"], &["cde"], &["ab"]]);
        assert_eq!(f.scan(b"xabcdex"), 0b1111);
        assert_eq!(f.scan(b"xabx"), 0b1000);
        let f = filter(&[&["1,20"], &["20b"]]);
        assert_eq!(f.scan(b"1,20b"), 0b11);
    }

    #[test]
    fn native_tests_leave_the_parsers_to_ask_up_to_the_first_that_accepts() {
        fn yes(_: &str) -> bool {
            true
        }
        fn no(_: &str) -> bool {
            false
        }
        let tokens: Vec<Vec<String>> = ["a", "b", "c", "d"]
            .iter()
            .map(|t| vec![t.to_string()])
            .collect();
        let tests = vec![Some(no as super::Test), None, Some(yes), Some(yes)];
        let f = Prefilter::build(&tokens, tests).unwrap();
        assert_eq!(f.claim("abcd"), 0b0110); // a refused, b to be asked, c accepted, d not reached
        assert_eq!(f.claim("ab"), 0b0010);
        assert_eq!(f.claim("ad"), 0b1000);
    }

    #[test]
    fn a_line_packed_with_tokens_asks_every_parser() {
        let f = filter(&[&["1,20"], &["CEF:"], &["LEEF:"]]);
        assert_eq!(f.scan("1,20 ".repeat(100).as_bytes()), 0b111);
        assert_eq!(f.scan("1,20 ".repeat(10).as_bytes()), 0b001);
    }
}
