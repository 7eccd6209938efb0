"""Every tracing test writes its store under its own temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, settings: LazySettings) -> Path:
    settings.TRACING_STORE_DIR = tmp_path / "tracing"
    return tmp_path / "tracing"
