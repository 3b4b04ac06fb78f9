//! Per-line `auto`'s choice of parser (`secops.pipeline.AutoLineParser`), a window of lines in one call.
//!
//! While lines keep coming in one format, that format is asked first and the
//! token scan is skipped; otherwise the scan (`Prefilter`) leaves the parsers
//! that may claim the line, asked in priority order, and the fallbacks come
//! last. Made in Python, the choice cost a method call and a loop a line:
//! 2,200 instructions a line of the firewall mix more than here. Parsers whose
//! line test is Python's are still asked through their `sniff_line`.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::lines::Line;
use crate::prefilter::Prefilter;

/// One input's choice of parser for each of its lines, remembering the format of the lines before.
#[pyclass(module = "secops_native")]
pub(crate) struct Picker {
    prefilter: Py<Prefilter>,
    /// The specific parsers, in the order the prefilter's bits name them.
    candidates: Vec<Py<PyAny>>,
    /// Parsers that claim only lines no other recognises, asked in order.
    fallbacks: Vec<Py<PyAny>>,
    /// The last line's format, and whether the line before it was of the same one.
    last: Option<usize>,
    repeating: Option<usize>,
}

#[pymethods]
impl Picker {
    /// `candidates` in the prefilter's order (a `Prefilter` made from their tokens and tests).
    #[new]
    fn new(
        prefilter: Py<Prefilter>,
        candidates: Vec<Py<PyAny>>,
        fallbacks: Vec<Py<PyAny>>,
    ) -> Self {
        Picker {
            prefilter,
            candidates,
            fallbacks,
            last: None,
            repeating: None,
        }
    }

    /// The parser for one line, or None when none recognises it.
    fn pick(&mut self, line: &Bound<'_, PyString>) -> PyResult<Py<PyAny>> {
        let py = line.py();
        let prefilter = self.prefilter.get();
        // Lone surrogates (`surrogateescape`) become U+FFFD: no token holds either, and no test tells them apart.
        let text = line.to_string_lossy();
        let repeating = self.repeating;
        if let Some(at) = repeating {
            let accepted = match prefilter.test(at) {
                Some(test) => test(&text),
                None => sniffs(&self.candidates[at], line)?,
            };
            if accepted {
                return Ok(self.candidates[at].clone_ref(py));
            }
            self.repeating = None;
        }
        // A parser left with a native test has passed it; one without is asked, unless it just refused.
        let mut mask = prefilter.claim(&text);
        while mask != 0 {
            let at = mask.trailing_zeros() as usize;
            if prefilter.test(at).is_some()
                || (Some(at) != repeating && sniffs(&self.candidates[at], line)?)
            {
                self.repeating = if self.last == Some(at) {
                    Some(at)
                } else {
                    None
                };
                self.last = Some(at);
                return Ok(self.candidates[at].clone_ref(py));
            }
            mask &= mask - 1;
        }
        // Never remembered as the last match: a fallback also recognises lines a specific parser claims.
        for parser in &self.fallbacks {
            if sniffs(parser, line)? {
                return Ok(parser.clone_ref(py));
            }
        }
        Ok(py.None())
    }

    /// The lines of each parser (None: lines no parser recognises), by index: `{parser: [index]}`.
    ///
    /// Grouped here and each list made once at its size: grown an index at a time, as dict values,
    /// the lists were resized about 50 times a window (320 instructions a line with the dict lookups).
    fn pick_lines<'py>(&mut self, lines: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyDict>> {
        let py = lines.py();
        let mut groups: Vec<(Py<PyAny>, Vec<usize>)> = Vec::new();
        for (index, line) in lines.iter().enumerate() {
            let line = line.cast_into::<Line>()?;
            let parser = self.pick(line.get().text(py))?;
            // The parsers are the registry's own objects: one parser, one object.
            match groups.iter_mut().find(|(known, _)| known.is(&parser)) {
                Some((_, indices)) => indices.push(index),
                None => groups.push((parser, vec![index])),
            }
        }
        let out = PyDict::new(py);
        for (parser, indices) in groups {
            out.set_item(parser, PyList::new(py, indices)?)?;
        }
        Ok(out)
    }
}

/// A parser's own `sniff_line` answer.
fn sniffs(parser: &Py<PyAny>, line: &Bound<'_, PyString>) -> PyResult<bool> {
    let py = line.py();
    parser
        .bind(py)
        .call_method1(intern!(py, "sniff_line"), (line,))?
        .is_truthy()
}
