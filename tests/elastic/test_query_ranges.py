"""A range of numbers on a field Elasticsearch holds as text: spelled out, or refused, never compared as text."""

from __future__ import annotations

import pytest

from secops.query import Range
from secops.store.elastic_query import TEXT_RANGE_VALUES, UnsupportedQuery, to_dsl

TYPES = {"event.code": "keyword", "event.severity": "long"}


def test_a_bounded_range_is_the_integers_in_it() -> None:
    assert to_dsl(Range("event.code", gt="4624", lte="4626.5"), TYPES) == {"terms": {"event.code": ["4625", "4626"]}}
    assert to_dsl(Range("event.code", gte="10", lt="10"), TYPES) == {"match_none": {}}


def test_a_numeric_field_keeps_its_range() -> None:
    assert to_dsl(Range("event.severity", gte="3"), TYPES) == {"range": {"event.severity": {"gte": "3"}}}


@pytest.mark.parametrize(
    "node",
    [Range("event.code", gt="4625"), Range("event.code", gte="0", lte=str(TEXT_RANGE_VALUES))],
    ids=["one bound", "too wide"],
)
def test_what_cannot_be_spelled_out_is_refused(node: Range) -> None:
    with pytest.raises(UnsupportedQuery, match=r"event\.code"):
        to_dsl(node, TYPES)
