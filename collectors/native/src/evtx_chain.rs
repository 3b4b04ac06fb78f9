//! The inner loop of `collectors/endpoint/evtx_repair.py`'s record-chain walk: following intact records.
//!
//! Before the `evtx` library reads a file, every chunk's records are walked to find damage the library
//! would pass over silently. Nearly every record is intact, and in Python each took a few microseconds:
//! on a folder of small EVTX files the walk cost about as much as a twentieth of the whole parse. Damage
//! (a loose record, slack, a broken stretch) stays with the Python walk, which says what it found.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

const RECORD_MAGIC: &[u8] = b"**\0\0";
const MIN_RECORD: usize = 28;

fn u32_at(block: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(block.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// `evtx_repair._record_size`: the size of an intact record at `offset` (magic and both size fields
/// agree, within `limit`), else 0. The one definition of an intact record, for both walks.
#[pyfunction]
pub(crate) fn evtx_record_size(block: &Bound<'_, PyBytes>, offset: usize, limit: usize) -> usize {
    record_size(block.as_bytes(), offset, limit)
}

fn record_size(block: &[u8], offset: usize, limit: usize) -> usize {
    if block.get(offset..offset + 4) != Some(RECORD_MAGIC) || offset + MIN_RECORD > limit {
        return 0;
    }
    let Some(size) = u32_at(block, offset + 4) else {
        return 0;
    };
    if size < MIN_RECORD || offset + size > limit || u32_at(block, offset + size - 4) != Some(size)
    {
        return 0;
    }
    size
}

/// Follow intact records from `offset` while each one's id is not below `first` (0: none seen yet).
/// Returns `(offset, first, last_id, last_offset)` where the run stopped, as `_walk` keeps them.
#[pyfunction]
pub(crate) fn evtx_intact_run(
    block: &Bound<'_, PyBytes>,
    mut offset: usize,
    limit: usize,
    mut first: u64,
    mut last_id: u64,
    mut last_offset: usize,
) -> (usize, u64, u64, usize) {
    let block = block.as_bytes();
    let limit = limit.min(block.len());
    while offset < limit {
        let size = record_size(block, offset, limit);
        if size == 0 {
            break;
        }
        let id = u64::from_le_bytes(block[offset + 8..offset + 16].try_into().expect("8 bytes"));
        if id < first {
            break;
        }
        if first == 0 {
            first = id;
        }
        last_id = last_id.max(id);
        last_offset = offset;
        offset += size;
    }
    (offset, first, last_id, last_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, size: usize) -> Vec<u8> {
        let mut out = RECORD_MAGIC.to_vec();
        out.extend((size as u32).to_le_bytes());
        out.extend(id.to_le_bytes());
        out.resize(size - 4, 0);
        out.extend((size as u32).to_le_bytes());
        out
    }

    #[test]
    fn intact_records_are_sized_and_damaged_ones_are_not() {
        let mut block = record(7, 40);
        block.extend(record(8, 32));
        assert_eq!(record_size(&block, 0, block.len()), 40);
        assert_eq!(record_size(&block, 40, block.len()), 32);
        assert_eq!(
            record_size(&block, 40, block.len() - 1),
            0,
            "past the limit"
        );
        block[71] ^= 0xff; // the trailing size copy
        assert_eq!(record_size(&block, 40, block.len()), 0);
        assert_eq!(record_size(&block, 1, block.len()), 0, "no magic");
    }
}
