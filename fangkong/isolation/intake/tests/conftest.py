"""Intake tests run on a day of the 9th edition; the tracing store (the guests' venue scans)
lives under each test's temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings

from fangkong.lab.tests.fixtures import ninth_edition_day

__all__ = ["ninth_edition_day"]


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, settings: LazySettings) -> Path:
    settings.TRACING_STORE_DIR = tmp_path / "tracing"
    return tmp_path / "tracing"
