//! A text file's lines, split and decoded a block at a time (`secops.inputs.iter_lines`).
//!
//! Reading a line at a time in Python (`readline`, `decode`, `rstrip`, a dataclass
//! for each) took about 8,600 instructions a line on the firewall mix, 6.6% of
//! parse + normalise; splitting here saved 6,300 of them. Here the caller reads
//! blocks and the splitter hands back each block's whole lines, with the same rules: a line ends at a line feed (in
//! UTF-16, one where a code unit starts), CR and LF are stripped from its end,
//! invalid bytes become `\xNN` escapes, a UTF-8 byte order mark is not part of the
//! file's first line, blank lines are skipped, and a line longer than the limit
//! keeps its first `limit` bytes, is flagged, and ends where its line feed is.

use std::ffi::CStr;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyList, PyString};

/// One line record with its byte offset and where the next one starts.
#[pyclass(frozen, get_all, module = "secops_native")]
pub(crate) struct Line {
    text: Py<PyString>,
    offset: Py<PyInt>,
    end: Py<PyInt>,
    truncated: Py<PyBool>,
}

#[pymethods]
impl Line {
    #[new]
    fn new(text: Bound<'_, PyString>, offset: u64, end: u64, truncated: bool) -> PyResult<Self> {
        Self::made(text, offset, end, truncated)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let text = self.text.bind(py).repr()?;
        Ok(format!(
            "Line({text}, {}, {}, {})",
            self.offset,
            self.end,
            if self.truncated.bind(py).is_true() {
                "True"
            } else {
                "False"
            }
        ))
    }
}

impl Line {
    fn made(text: Bound<'_, PyString>, offset: u64, end: u64, truncated: bool) -> PyResult<Self> {
        let py = text.py();
        Ok(Line {
            offset: offset.into_pyobject(py)?.cast_into::<PyInt>()?.unbind(),
            end: end.into_pyobject(py)?.cast_into::<PyInt>()?.unbind(),
            truncated: PyBool::new(py, truncated).to_owned().unbind(),
            text: text.unbind(),
        })
    }

    /// The line's text (the envelope and the picker read it, and its offset, without `getattr`).
    pub(crate) fn text<'py>(&self, py: Python<'py>) -> &Bound<'py, PyString> {
        self.text.bind(py)
    }

    pub(crate) fn offset<'py>(&self, py: Python<'py>) -> &Bound<'py, PyInt> {
        self.offset.bind(py)
    }
}

/// The text encodings a file's lines may be in: UTF-8, or UTF-16 after its byte order mark.
#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// Bytes in a code unit.
    fn unit(self) -> usize {
        match self {
            Encoding::Utf8 => 1,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
        }
    }

    /// The code unit at `at` (which starts one), as a number.
    fn code(self, bytes: &[u8], at: usize) -> u16 {
        match self {
            Encoding::Utf8 => u16::from(bytes[at]),
            Encoding::Utf16Le => u16::from_le_bytes([bytes[at], bytes[at + 1]]),
            Encoding::Utf16Be => u16::from_be_bytes([bytes[at], bytes[at + 1]]),
        }
    }

    /// Where the first line feed of `bytes` (which starts a line) begins, counting only code units.
    fn line_feed(self, bytes: &[u8]) -> Option<usize> {
        if self == Encoding::Utf8 {
            return memchr::memchr(b'\n', bytes);
        }
        // The feed's 0x0A byte is a unit's first byte in little-endian order, its second in big-endian.
        let lead = usize::from(self == Encoding::Utf16Be);
        let mut from = 0;
        while let Some(found) = memchr::memchr(b'\n', &bytes[from..]) {
            let at = from + found;
            if at % 2 == lead && at >= lead && at - lead + 2 <= bytes.len() {
                let start = at - lead;
                if self.code(bytes, start) == 0x0A {
                    return Some(start);
                }
            }
            from = at + 1;
        }
        None
    }

    fn codec(self) -> &'static CStr {
        match self {
            Encoding::Utf8 => c"utf-8",
            Encoding::Utf16Le => c"utf-16-le",
            Encoding::Utf16Be => c"utf-16-be",
        }
    }
}

/// A line longer than the limit: its first `limit` bytes and its offset, while the rest is skipped to its
/// line feed (the line ends where the skipping stops: `LineSplitter.offset`).
struct Cut {
    bytes: Vec<u8>,
    offset: u64,
}

/// Splits a text file's bytes, fed a block at a time from a file offset, into `Line`s.
#[pyclass(module = "secops_native")]
pub(crate) struct LineSplitter {
    encoding: Encoding,
    /// Bytes a line may keep (a whole number of code units).
    limit: usize,
    /// The start of a line not yet ended (and, while a block is ending it, the bytes of the block added).
    pending: Vec<u8>,
    /// The file offset of `pending`'s first byte.
    offset: u64,
    cut: Option<Cut>,
}

#[pymethods]
impl LineSplitter {
    /// Lines of bytes from file offset `offset` on, in `codec` (`utf-8`, `utf-16-le` or `utf-16-be`),
    /// each keeping at most `limit` bytes.
    #[new]
    fn new(offset: u64, limit: usize, codec: &str) -> PyResult<Self> {
        let encoding = match codec {
            "utf-8" => Encoding::Utf8,
            "utf-16-le" => Encoding::Utf16Le,
            "utf-16-be" => Encoding::Utf16Be,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "lines are read in utf-8 or utf-16, not {other:?}"
                )))
            }
        };
        let limit = limit - limit % encoding.unit();
        if limit == 0 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "a line must keep at least one code unit",
            ));
        }
        Ok(LineSplitter {
            encoding,
            limit,
            pending: Vec::new(),
            offset,
            cut: None,
        })
    }

    /// The lines that `block`, the bytes after those fed before, ends.
    fn feed<'py>(&mut self, py: Python<'py>, block: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let lines = PyList::empty(py);
        let mut pending = std::mem::take(&mut self.pending);
        let fed = self.feed_into(&lines, block, &mut pending);
        self.pending = pending;
        fed.map(|()| lines)
    }

    /// The last line, once the file has no more bytes: one without a line feed, or a cut one.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let lines = PyList::empty(py);
        let rest = std::mem::take(&mut self.pending);
        let end = self.offset + rest.len() as u64;
        if let Some(cut) = self.cut.take() {
            self.push(&lines, &cut.bytes, cut.offset, end, true)?;
        } else if !rest.is_empty() {
            self.push(&lines, &rest, self.offset, end, false)?;
        }
        self.offset = end;
        Ok(lines)
    }
}

/// Python's `str.isspace` for a code unit below 0x80 (the ASCII whitespace and the four separators).
fn ascii_space(code: u16) -> bool {
    matches!(code, 0x09..=0x0D | 0x1C..=0x20)
}

impl LineSplitter {
    /// Add the lines `bytes`, the bytes from `offset` on, ends to `lines`; how many of its bytes they
    /// took (`offset` moves past them).
    fn split_into(&mut self, lines: &Bound<'_, PyList>, bytes: &[u8]) -> PyResult<usize> {
        let unit = self.encoding.unit();
        let mut start = 0;
        loop {
            let rest = &bytes[start..];
            if self.cut.is_some() {
                let Some(at) = self.encoding.line_feed(rest) else {
                    start += rest.len() - rest.len() % unit;
                    break;
                };
                start += at + unit;
                let cut = self.cut.take().expect("a cut line");
                let end = self.offset + start as u64;
                self.push(lines, &cut.bytes, cut.offset, end, true)?;
                continue;
            }
            let window = &rest[..rest.len().min(self.limit)];
            let offset = self.offset + start as u64;
            match self.encoding.line_feed(window) {
                Some(at) => {
                    let end = at + unit;
                    self.push(lines, &rest[..end], offset, offset + end as u64, false)?;
                    start += end;
                }
                None if rest.len() >= self.limit => {
                    let kept = rest[..self.limit].to_vec();
                    self.cut = Some(Cut {
                        bytes: kept,
                        offset,
                    });
                    start += self.limit;
                }
                None => break,
            }
        }
        self.offset += start as u64;
        Ok(start)
    }

    /// `feed`'s work, `pending` taken out of `self` for it. The block is split where it is; only a
    /// line's bytes across its edges are copied: copying each block first was 500 instructions a
    /// firewall line, and a megabyte through the CPU's caches.
    fn feed_into(
        &mut self,
        lines: &Bound<'_, PyList>,
        block: &[u8],
        pending: &mut Vec<u8>,
    ) -> PyResult<()> {
        let mut from = 0;
        if !pending.is_empty() {
            // The line begun before ends at the block's first line feed, or goes on past it (UTF-16's
            // 0x0A byte may be half of another code unit): then the whole block is added, as before.
            from = memchr::memchr(b'\n', block).map_or(block.len(), |at| {
                (at + self.encoding.unit()).min(block.len())
            });
            pending.extend_from_slice(&block[..from]);
            let taken = self.split_into(lines, pending)?;
            pending.drain(..taken);
            if !pending.is_empty() {
                pending.extend_from_slice(&block[from..]);
                let taken = self.split_into(lines, pending)?;
                pending.drain(..taken);
                return Ok(());
            }
        }
        let rest = &block[from..];
        let taken = self.split_into(lines, rest)?;
        pending.extend_from_slice(&rest[taken..]);
        Ok(())
    }

    /// Add the line of `bytes` (its line feed included, if any) unless it is blank.
    fn push(
        &self,
        lines: &Bound<'_, PyList>,
        bytes: &[u8],
        offset: u64,
        end: u64,
        truncated: bool,
    ) -> PyResult<()> {
        let encoding = self.encoding;
        let unit = encoding.unit();
        let mut text = bytes;
        // CR and LF off the end, whole code units only (an odd last byte of UTF-16 is an escape).
        while text.len() >= unit && text.len().is_multiple_of(unit) {
            let last = text.len() - unit;
            if !matches!(encoding.code(text, last), 0x0A | 0x0D) {
                break;
            }
            text = &text[..last];
        }
        if offset == 0 && encoding == Encoding::Utf8 {
            text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
        }
        if text.is_empty() {
            return Ok(());
        }
        let py = lines.py();
        let string = decode(py, text, encoding)?;
        // A character other than whitespace below 0x80 settles it; otherwise Python's own test decides.
        let whole = text.len() - text.len() % unit;
        let plain = (0..whole)
            .step_by(unit)
            .map(|at| encoding.code(text, at))
            .any(|code| code < 0x80 && !ascii_space(code));
        if !plain
            && string
                .call_method0(pyo3::intern!(py, "isspace"))?
                .is_truthy()?
        {
            return Ok(());
        }
        lines.append(Line::made(string, offset, end, truncated)?)
    }
}

/// `bytes.decode(codec, "backslashreplace")`.
fn decode<'py>(py: Python<'py>, text: &[u8], encoding: Encoding) -> PyResult<Bound<'py, PyString>> {
    let errors = c"backslashreplace";
    // SAFETY: the GIL is held (`py`); the pointer and length are the slice's; a null result is the error Python set.
    unsafe {
        let made = match encoding {
            Encoding::Utf8 => pyo3::ffi::PyUnicode_DecodeUTF8(
                text.as_ptr().cast(),
                text.len() as isize,
                errors.as_ptr(),
            ),
            _ => pyo3::ffi::PyUnicode_Decode(
                text.as_ptr().cast(),
                text.len() as isize,
                encoding.codec().as_ptr(),
                errors.as_ptr(),
            ),
        };
        Ok(Bound::from_owned_ptr_or_err(py, made)?.cast_into_unchecked::<PyString>())
    }
}

#[cfg(test)]
mod tests {
    use super::Encoding;

    #[test]
    fn a_utf16_line_feed_counts_only_where_a_unit_starts() {
        // "\u{0A00}" in little-endian order is the bytes 00 0A: no line feed; then "a\n".
        let bytes = [0x00, 0x0A, b'a', 0x00, 0x0A, 0x00];
        assert_eq!(Encoding::Utf16Le.line_feed(&bytes), Some(4));
        // Big-endian "\u{0A0A}" then "\n": the first unit holds two 0x0A bytes and is no line feed.
        let bytes = [0x0A, 0x0A, 0x00, 0x0A];
        assert_eq!(Encoding::Utf16Be.line_feed(&bytes), Some(2));
        assert_eq!(Encoding::Utf16Be.line_feed(&[0x00]), None);
        assert_eq!(Encoding::Utf8.line_feed(b"ab\ncd"), Some(2));
    }
}
