"""The configuration document and the code that reads the environment stay in step."""

from __future__ import annotations

import base64
import importlib
import os
import re
import secrets
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
# Read outside config/env.py (by shell scripts or the CLI through os.environ).
READ_ELSEWHERE = {
    "FANGKONG_DEMO_PASSWORD",
    "FANGKONG_BIND",
    "FANGKONG_FORWARDED_ALLOW_IPS",
    "FANGKONG_TEST_POSTGRES_URL",
}


def _documented() -> set[str]:
    return set(re.findall(r"^\| `([A-Z_]+)` \|", DOC.read_text(), flags=re.MULTILINE))


def _read_by_settings(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    monkeypatch.setenv("FANGKONG_SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("FANGKONG_FIELD_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    monkeypatch.setenv("FANGKONG_BLIND_INDEX_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    env.REGISTRY.clear()
    importlib.reload(importlib.import_module("config.settings.base"))
    importlib.reload(importlib.import_module("config.settings.production"))
    return set(env.REGISTRY)


def test_every_variable_read_is_documented_and_every_documented_one_is_read(monkeypatch):
    read = _read_by_settings(monkeypatch) | READ_ELSEWHERE
    documented = _documented()
    assert read - documented == set(), "read but not documented in docs/configuration.md"
    assert documented - read == set(), "documented but never read"


def test_variables_read_elsewhere_are_really_used():
    root = DOC.parents[1]
    sources = "".join(
        path.read_text()
        for path in [root / "run", *root.glob("fangkong/**/*.py")]
        if path.is_file()
    )
    for name in READ_ELSEWHERE:
        assert name in sources


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env.env_bool("FK_TEST_BOOL", False), "maybe"),
        (lambda: env.env_int("FK_TEST_INT", 1), "12a"),
    ],
)
def test_malformed_values_fail_loudly_and_name_the_variable(monkeypatch, reader, value):
    monkeypatch.setenv("FK_TEST_BOOL", value)
    monkeypatch.setenv("FK_TEST_INT", value)
    with pytest.raises(ImproperlyConfigured, match="FK_TEST_"):
        reader()


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    monkeypatch.delenv("FANGKONG_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_SECRET_KEY"):
        importlib.reload(importlib.import_module("config.settings.production"))
