//! Dict access through the C API with borrowed arguments, for the paths every event takes.
//!
//! pyo3's `set_item` and `contains` take their arguments by value and convert them: 30 instructions
//! a call over the dict's own work. An event takes 80 keys, and on the firewall mix those calls were
//! 1.4% of a line.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `dict[key] = value`.
pub(crate) fn set_item<K, V>(
    dict: &Bound<'_, PyDict>,
    key: &Bound<'_, K>,
    value: &Bound<'_, V>,
) -> PyResult<()> {
    // SAFETY: the GIL is held (the `Bound`s); the dict takes its own references to key and value.
    let status = unsafe { pyo3::ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value.as_ptr()) };
    if status < 0 {
        return Err(PyErr::fetch(dict.py()));
    }
    Ok(())
}

/// `key in dict`.
pub(crate) fn contains<K>(dict: &Bound<'_, PyDict>, key: &Bound<'_, K>) -> PyResult<bool> {
    // SAFETY: the GIL is held (the `Bound`s); the key is only looked up.
    match unsafe { pyo3::ffi::PyDict_Contains(dict.as_ptr(), key.as_ptr()) } {
        found if found < 0 => Err(PyErr::fetch(dict.py())),
        found => Ok(found == 1),
    }
}
