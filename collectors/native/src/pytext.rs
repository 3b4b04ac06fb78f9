//! Python's text semantics, where Rust's differ: the parsers must give what the Python ones gave.
//!
//! Python's `\s`, `str.isspace()` and `str.strip()` also take the information
//! separators U+001C–U+001F as whitespace; `str.isdecimal()`/`int()` read every
//! Unicode decimal digit, not only ASCII ones; `\w` and `str.isalnum()` are
//! letters and numbers without combining marks.

use std::sync::LazyLock;

use regex::Regex;

/// What Python's `\s` matches, for use inside a character class: Unicode White_Space and U+001C–U+001F.
pub const SPACE: &str = r"\s\x1C-\x1F";

/// What Python's `\w` matches, for use inside a character class: letters, numbers (`²` too, not
/// only decimal digits) and `_`, without the combining marks that the regex crate's `\w` takes.
pub const WORD: &str = r"\p{L}\p{N}_";

/// Python's `str.isspace()` for one character.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Where the first character Python calls whitespace starts. Printable ASCII, most of any log, is
/// passed a byte at a time, where `char_indices` and `is_space` decoded and asked of each character.
pub fn find_space(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if (b'!'..=b'~').contains(&byte) {
            at += 1;
        } else if byte.is_ascii() {
            if is_space(char::from(byte)) {
                return Some(at);
            }
            at += 1;
        } else {
            let c = text[at..].chars().next().expect("a character starts here");
            if is_space(c) {
                return Some(at);
            }
            at += c.len_utf8();
        }
    }
    None
}

/// `text.split(is_space)`: the pieces between single whitespace characters, empty ones included.
pub fn split_space(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match find_space(text) {
            Some(at) => {
                let width = text[at..].chars().next().map_or(1, char::len_utf8);
                rest = Some(&text[at + width..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// Python's `str.strip()` with no argument.
pub fn strip(value: &str) -> &str {
    let plain = |byte: Option<&u8>| byte.is_some_and(|b| (b'!'..=b'~').contains(b));
    if plain(value.as_bytes().first()) && plain(value.as_bytes().last()) {
        return value; // the usual case: nothing to strip, and no need to look at characters
    }
    value.trim_matches(is_space)
}

/// Python's `str.rstrip()` with no argument.
pub fn rstrip(value: &str) -> &str {
    value.trim_end_matches(is_space)
}

/// Python's `str.lower()` for the text devices write.
pub fn lower(value: &str) -> String {
    if value.is_ascii() {
        value.to_ascii_lowercase()
    } else {
        value.to_lowercase()
    }
}

/// Python's `str.upper()` for the text devices write.
pub fn upper(value: &str) -> String {
    if value.is_ascii() {
        value.to_ascii_uppercase()
    } else {
        value.to_uppercase()
    }
}

static ALNUM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\p{L}\p{N}]").unwrap());

/// Python's `str.isalnum()` for one character (Unicode letters and numbers).
pub fn is_alnum(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let mut buf = [0u8; 4];
    ALNUM.is_match(c.encode_utf8(&mut buf))
}

static DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\A\d\z").unwrap());

fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let mut buf = [0u8; 4];
    DIGIT.is_match(c.encode_utf8(&mut buf))
}

/// The value of a decimal digit (Unicode category Nd), as Python's `int()` reads it.
///
/// Unicode writes each script's digits as one run from zero to nine (some runs touch, as the
/// mathematical digits do), so the value is the distance from the run's start, modulo ten.
pub fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii_digit() {
        return Some(c as u32 - '0' as u32);
    }
    if !is_digit(c) {
        return None;
    }
    let mut start = c as u32;
    while let Some(previous) = start.checked_sub(1).and_then(char::from_u32) {
        if !is_digit(previous) {
            break;
        }
        start -= 1;
    }
    Some((c as u32 - start) % 10)
}

/// Python's `str.isdecimal()`.
pub fn is_decimal(value: &str) -> bool {
    !value.is_empty() && (value.bytes().all(|b| b.is_ascii_digit()) || value.chars().all(is_digit))
}

/// `int(value)` of a decimal string; None if it is not one, or if it does not fit in 64 bits.
pub fn integer(value: &str) -> Option<i64> {
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    value.chars().try_fold(0i64, |total, c| {
        total
            .checked_mul(10)?
            .checked_add(i64::from(digit_value(c)?))
    })
}

/// A port number 0–65535 (`net.port`), digits of any script as Python reads them.
pub fn port(value: &str) -> Option<i64> {
    integer(value).filter(|number| *number <= 65535)
}

/// Whether Python's `value.lower() == lower` (`lower` in lower case).
pub fn lower_eq(value: &str, lower: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        self::lower(value) == lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_found_and_split_on_as_python_does() {
        let texts = [
            "a b",
            "",
            " ",
            "ab",
            "a  b ",
            "x\u{1c}y\u{3000}z",
            "é\u{85}ü",
            "\tk=v\x01w\n",
            "a\u{feff}b",
        ];
        for text in texts {
            assert_eq!(
                find_space(text),
                text.char_indices()
                    .find(|(_, c)| is_space(*c))
                    .map(|(at, _)| at),
                "{text:?}"
            );
            assert_eq!(
                split_space(text).collect::<Vec<_>>(),
                text.split(is_space).collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn digits_of_any_script() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('\u{0663}'), Some(3), "Arabic-Indic three");
        assert_eq!(
            digit_value('\u{1D7D9}'),
            Some(1),
            "mathematical double-struck one"
        );
        assert_eq!(digit_value('x'), None);
        assert_eq!(integer("\u{FF11}\u{FF12}"), Some(12));
        assert_eq!(integer("99999999999999999999"), None);
        assert!(is_decimal("\u{0661}0") && !is_decimal("") && !is_decimal("1a"));
        assert_eq!(port("65536"), None);
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(strip("\u{1c} a \u{3000}"), "a");
        assert!(lower_eq("OutBound", "outbound"));
    }
}
