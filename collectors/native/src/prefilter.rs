//! Per-line format recognition's first pass: which parsers could claim a line, from a scan of it.
//!
//! In a mixed file, `AutoLineParser` asked each parser in turn whether it
//! recognises the line: six sniffs a line on average, each a Python call with
//! its own substring searches. Parsers declare `sniff_tokens`, strings one of
//! which every line they claim contains; an Aho-Corasick scan finds which are
//! present, and only the parsers it leaves are asked. Those with a native line
//! test (`sniff.rs`) are asked here, in the same call.

use aho_corasick::{AhoCorasick, Input, MatchKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::sniff::{Sniff, Test};

/// The scan for a list of parsers, in the order their `sniff_line` is tried.
///
/// The tokens are split between two scanners: those of the leading parsers with a native line test,
/// up to the first parser without one (the firewall formats), and the rest. A line one of the leading
/// parsers takes is not scanned for the others' tokens, since no other parser could come before it;
/// and two smaller scanners find their tokens with fewer false starts than one with every token: over
/// the firewall mix, the scan took less than half the time for the lines the leading parsers take, and
/// about a fifth less for the others.
#[pyclass(frozen)]
pub(crate) struct Prefilter {
    /// The leading parsers' tokens, and the others'.
    lead: Option<Scanner>,
    rest: Option<Scanner>,
    /// The leading parsers, as bits: those below the first without a native test.
    leading: u128,
    /// Parsers without tokens: always asked.
    always: u128,
    /// Every parser: the answer for a line packed with tokens.
    all: u128,
    /// Each parser's native line test, if it has one.
    tests: Vec<Option<Test>>,
    /// The parsers with a native line test, as bits.
    tested: u128,
}

/// One Aho-Corasick scan over some parsers' tokens.
struct Scanner {
    scanner: AhoCorasick,
    /// The parsers each token stands for (as bits): its own and those of the tokens inside it.
    owners: Vec<u128>,
    /// Whether a token may start inside this one and end past it (`1,20` then `20b`): the scan then goes on
    /// from one past this one's start, else from its end.
    overlaps: Vec<bool>,
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
        let leads = tests.iter().take_while(|test| test.is_some()).count();
        let mut lead = Vec::new();
        let mut rest = Vec::new();
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
                let side = if index < leads { &mut lead } else { &mut rest };
                side.push((token.as_str(), bit));
            }
        }
        let all = first_bits(tokens.len());
        let tested = tests
            .iter()
            .enumerate()
            .filter(|(_, test)| test.is_some())
            .fold(0, |bits, (index, _)| bits | 1u128 << index);
        Ok(Self {
            lead: Scanner::build(&lead)?,
            rest: Scanner::build(&rest)?,
            leading: first_bits(leads),
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
        let line = text.as_bytes();
        let mut found = self.always | Scanner::scan_or_all(self.lead.as_ref(), line, self.all);
        if let Some(accepted) = self.first_accepting(text, &mut found) {
            if accepted & self.leading != 0 {
                return found & (accepted | (accepted - 1));
            }
        }
        // No leading parser took the line: the others' tokens decide (the leading ones refused are gone).
        found |= Scanner::scan_or_all(self.rest.as_ref(), line, self.all) & !self.leading;
        match self.first_accepting(text, &mut found) {
            Some(accepted) => found & (accepted | (accepted - 1)),
            None => found,
        }
    }

    /// The first parser in `found` whose native test accepts the line, as its bit; those whose test
    /// refuses it are taken out of `found` on the way.
    fn first_accepting(&self, text: &str, found: &mut u128) -> Option<u128> {
        let mut untested = *found & self.tested;
        while untested != 0 {
            let bit = untested & untested.wrapping_neg();
            let test = self.tests[bit.trailing_zeros() as usize];
            if test.is_some_and(|test| test(text)) {
                return Some(bit);
            }
            *found &= !bit;
            untested &= !bit;
        }
        None
    }

    /// Parser `at`'s native line test, if it has one.
    pub(crate) fn test(&self, at: usize) -> Option<Test> {
        self.tests[at]
    }

    /// Every parser with a token in the line, and those without tokens (`all` for a line packed with them).
    #[cfg(test)]
    fn scan(&self, line: &[u8]) -> u128 {
        self.always
            | Scanner::scan_or_all(self.lead.as_ref(), line, self.all)
            | Scanner::scan_or_all(self.rest.as_ref(), line, self.all)
    }
}

impl Scanner {
    /// The scanner of `(token, parser bit)` pairs, None when there are none.
    fn build(tokens: &[(&str, u128)]) -> Result<Option<Self>, String> {
        if tokens.is_empty() {
            return Ok(None);
        }
        let scanner = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(tokens.iter().map(|(token, _)| token))
            .map_err(|err| err.to_string())?;
        // A token found also stands for every token inside it: `scan` reports the longest at each place.
        let owners = tokens
            .iter()
            .map(|(outer, _)| {
                tokens
                    .iter()
                    .filter(|(inner, _)| outer.contains(inner))
                    .fold(0, |bits, (_, bit)| bits | bit)
            })
            .collect();
        let overlaps = tokens
            .iter()
            .map(|(outer, _)| {
                (1..outer.len()).any(|at| {
                    let tail = &outer.as_bytes()[at..];
                    tokens.iter().any(|(inner, _)| {
                        inner.as_bytes().starts_with(tail) && inner.len() > tail.len()
                    })
                })
            })
            .collect();
        Ok(Some(Scanner {
            scanner,
            owners,
            overlaps,
        }))
    }

    /// The parsers of the tokens in the line, or `all` for a line packed with tokens (hostile, or a huge
    /// one): every parser is then asked, as without the scan.
    fn scan_or_all(scanner: Option<&Scanner>, line: &[u8], all: u128) -> u128 {
        scanner.map_or(0, |scanner| scanner.scan(line).unwrap_or(all))
    }

    /// Every place a token starts, in order: a leftmost search again after each find (a vectorised search
    /// skips the rest), from one past its start when another token could overlap its end. None past
    /// `MAX_FINDS` finds.
    fn scan(&self, line: &[u8]) -> Option<u128> {
        let mut found = 0;
        let mut from = 0;
        for _ in 0..MAX_FINDS {
            let Some(hit) = self.scanner.find(Input::new(line).range(from..)) else {
                return Some(found);
            };
            let index = hit.pattern().as_usize();
            found |= self.owners[index];
            from = if self.overlaps[index] {
                hit.start() + 1
            } else {
                hit.end()
            };
        }
        None
    }
}

/// The bits of the first `count` parsers (at most 128).
fn first_bits(count: usize) -> u128 {
    u128::MAX.checked_shr(128 - count as u32).unwrap_or(0)
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

    /// Split between the leading parsers' scanner and the others', the claim is what one scan of every
    /// token gives: checked on lines made at random of tokens, parts of them and filler.
    #[test]
    fn the_split_scan_claims_as_one_scan_of_every_token() {
        fn even(text: &str) -> bool {
            text.len().is_multiple_of(2)
        }
        fn no_x(text: &str) -> bool {
            !text.contains('x')
        }
        let tokens: [&[&str]; 8] = [
            &["%ASA", "date="],
            &["1,20"],
            &["ate"],
            &[",info", " in:"],
            &["SRC=", "1,2"],
            &["CEF:"],
            &[],
            &[],
        ];
        let tests = [
            Some(even as super::Test),
            Some(no_x),
            Some(even),
            None,
            Some(no_x),
            Some(even),
            Some(no_x),
            None,
        ];
        let owned: Vec<Vec<String>> = tokens
            .iter()
            .map(|own| own.iter().map(|t| t.to_string()).collect())
            .collect();
        let f = Prefilter::build(&owned, tests.to_vec()).unwrap();
        assert_eq!(f.leading, 0b111);
        let reference = |text: &str| {
            let mut found = 0u128;
            for (index, own) in tokens.iter().enumerate() {
                if own.is_empty() || own.iter().any(|token| text.contains(token)) {
                    found |= 1 << index;
                }
            }
            let mut untested = found & f.tested;
            while untested != 0 {
                let bit = untested & untested.wrapping_neg();
                if tests[bit.trailing_zeros() as usize].is_some_and(|test| test(text)) {
                    return found & (bit | (bit - 1));
                }
                found &= !bit;
                untested &= !bit;
            }
            found
        };
        let pieces = [
            "%ASA", "date=", "1,20", ",info", " in:", "SRC=", "CEF:", "1,2", "at", "x", " ", "q",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(state % 6) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            state = state.wrapping_add(1);
            assert_eq!(f.claim(&text), reference(&text), "{text:?}");
        }
    }

    #[test]
    fn a_line_packed_with_tokens_asks_every_parser() {
        let f = filter(&[&["1,20"], &["CEF:"], &["LEEF:"]]);
        assert_eq!(f.scan("1,20 ".repeat(100).as_bytes()), 0b111);
        assert_eq!(f.scan("1,20 ".repeat(10).as_bytes()), 0b001);
    }
}
