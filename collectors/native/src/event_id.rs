//! Ids: `secops.ecs.event_id`, the id that lets a store refuse a record it already holds, and the
//! digest `secops.inputs.fingerprint` names a source by (its checkpoint key).

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A deterministic id from the source's identity and the raw record: blake2b with a 16-byte digest over
/// both texts' UTF-8, one after the other, in hex. Re-ingesting a record from the same position of the
/// same source gives the same id; identical lines elsewhere differ by the identity's position. The digest
/// is the one `hashlib.blake2b(digest_size=16)` gives, so ids stored before this was native still match.
#[pyfunction]
pub(crate) fn event_id<'py>(
    identity: &Bound<'py, PyString>,
    raw: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyString>> {
    id_of(&utf8(identity)?, raw)
}

/// `event_id` of an identity already in UTF-8.
pub(crate) fn id_of<'py>(
    identity: &[u8],
    raw: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyString>> {
    let mut state = blake2b_simd::Params::new().hash_length(16).to_state();
    state.update(identity);
    state.update(&utf8(raw)?);
    Ok(PyString::new(raw.py(), &state.finalize().to_hex()))
}

/// The text's UTF-8; lone surrogates (from `surrogateescape` decoding) as the bytes they stand for.
fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    match text.to_str() {
        Ok(found) => Ok(Cow::Borrowed(found.as_bytes())),
        Err(_) => {
            let encoded = text.call_method1("encode", ("utf-8", "surrogateescape"))?;
            Ok(Cow::Owned(encoded.extract::<Vec<u8>>()?))
        }
    }
}

/// `hashlib.blake2b(data, digest_size=size).hexdigest()`, the same digest with the SIMD implementation:
/// a binary source's fingerprint covers its first 64 KiB, and on a folder of small EVTX files hashlib's
/// took a twentieth of the time the whole parse did.
#[pyfunction]
pub(crate) fn blake2b_hex<'py>(
    data: &Bound<'py, PyBytes>,
    size: usize,
) -> PyResult<Bound<'py, PyString>> {
    if !(1..=64).contains(&size) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "digest size must be 1 to 64 bytes",
        ));
    }
    let digest = blake2b_simd::Params::new()
        .hash_length(size)
        .hash(data.as_bytes());
    Ok(PyString::new(data.py(), &digest.to_hex()))
}
