"""Helpers for engine tests: rules written inline, evaluated by the real engine."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from secops.config import DetectConfig
from secops.detect.detector import Detector
from secops.detect.rules import load_rules


@pytest.fixture
def detector(tmp_path: Path) -> Callable[..., Detector]:
    """Build a detector from YAML text (one or several documents)."""

    def build(text: str, config: DetectConfig | None = None) -> Detector:
        path = tmp_path / f"rule{len(list(tmp_path.iterdir()))}.yml"
        path.write_text(textwrap.dedent(text), "utf-8")
        return Detector(load_rules([path]), config)

    return build
