"""Production refuses development, placeholder, weak and malformed keys at start-up, and
``check --deploy`` reports them with an error id (issue 17 item 12)."""

from __future__ import annotations

import base64
import importlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error, run_checks
from django.core.exceptions import ImproperlyConfigured

from fangkong.core.checks import deployment_keys_check
from fangkong.core.crypto import decrypt, encrypt
from fangkong.core.keys import (
    DEVELOPMENT_BLIND_INDEX_KEY,
    DEVELOPMENT_FIELD_KEY,
    DEVELOPMENT_SECRET_KEY,
)

ROOT = Path(__file__).resolve().parents[3]


def _field_key(size: int = 32) -> str:
    return base64.urlsafe_b64encode(os.urandom(size)).decode()


def _good_keys() -> dict[str, str]:
    return {
        "FANGKONG_SECRET_KEY": secrets.token_urlsafe(50),
        "FANGKONG_FIELD_KEY": _field_key(),
        "FANGKONG_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }


def _load_production(monkeypatch: pytest.MonkeyPatch, **overrides: str) -> object:
    for name, value in {**_good_keys(), **overrides}.items():
        monkeypatch.setenv(name, value)
    # production star-imports the base module, which reads FANGKONG_AUDIT_KEY (and refuses a
    # malformed field key itself): start both afresh, as a new process would
    importlib.reload(importlib.import_module("config.settings.base"))
    return importlib.reload(importlib.import_module("config.settings.production"))


def test_production_starts_with_generated_keys(monkeypatch):
    module = _load_production(monkeypatch, FANGKONG_AUDIT_KEY=secrets.token_hex(32))
    assert len(module.FIELD_ENCRYPTION_KEY) == 44  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("FANGKONG_FIELD_KEY", DEVELOPMENT_FIELD_KEY, "public development key"),
        ("FANGKONG_BLIND_INDEX_KEY", DEVELOPMENT_BLIND_INDEX_KEY, "public development key"),
        ("FANGKONG_SECRET_KEY", DEVELOPMENT_SECRET_KEY, "public development key"),
        ("FANGKONG_BLIND_INDEX_KEY", "my-blind-index-key-change-me-please-now", "placeholder"),
        ("FANGKONG_FIELD_KEY", "x", "not base64"),
        ("FANGKONG_BLIND_INDEX_KEY", "x", "1 characters long"),
        ("FANGKONG_SECRET_KEY", "k", "1 characters long"),
        ("FANGKONG_AUDIT_KEY", "z", "1 characters long"),
        ("FANGKONG_FIELD_KEY", "not base64 at all!", "not base64"),
        ("FANGKONG_FIELD_KEY", "q83vASNFZ4k=", "decodes to 8 bytes"),  # 8 bytes
        ("FANGKONG_FIELD_KEY", base64.urlsafe_b64encode(bytes(32)).decode(), "not random"),
        ("FANGKONG_BLIND_INDEX_KEY", "b" * 40, "not random"),
        ("FANGKONG_SECRET_KEY", "0123456789" * 6, "not random"),
    ],
)
def test_production_refuses_to_start_with_a_development_weak_or_malformed_key(
    monkeypatch, variable, value, says
):
    with pytest.raises(ImproperlyConfigured, match=variable) as refused:
        _load_production(monkeypatch, **{variable: value})
    assert says in str(refused.value)


def test_production_refuses_one_key_used_for_two_purposes(monkeypatch):
    shared = secrets.token_urlsafe(40)
    with pytest.raises(ImproperlyConfigured, match="the same as another key"):
        _load_production(monkeypatch, FANGKONG_SECRET_KEY=shared, FANGKONG_BLIND_INDEX_KEY=shared)


def test_a_malformed_field_key_stops_any_settings_at_start_up(monkeypatch):
    monkeypatch.setenv("FANGKONG_FIELD_KEY", "this is not base64")
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_FIELD_KEY is not base64"):
        importlib.reload(importlib.import_module("config.settings.base"))
    monkeypatch.delenv("FANGKONG_FIELD_KEY")
    importlib.reload(importlib.import_module("config.settings.base"))


def test_the_deploy_check_reports_each_problem_with_its_id(settings):
    settings.SECRET_KEY = DEVELOPMENT_SECRET_KEY
    settings.FIELD_ENCRYPTION_KEY = "%%%"
    settings.BLIND_INDEX_KEY = "short"
    settings.AUDIT_LEDGER_KEY = ""
    found = {message.id: message.msg for message in deployment_keys_check()}
    assert found == {
        "fangkong.E001": "FANGKONG_SECRET_KEY is a public development key from the repository",
        "fangkong.E003": "FANGKONG_FIELD_KEY is not base64 (generate 32 random bytes, "
        "base64-encoded)",
        "fangkong.E002": "FANGKONG_BLIND_INDEX_KEY is 5 characters long, fewer than 32",
    }
    assert all(isinstance(message, Error) for message in deployment_keys_check())
    deploy = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"fangkong.E001", "fangkong.E002", "fangkong.E003"} <= deploy
    # development settings keep their keys; only a deployment check refuses them
    assert not {m.id for m in run_checks()} & {"fangkong.E001", "fangkong.E002", "fangkong.E003"}


def test_the_deploy_check_passes_generated_keys(settings):
    keys = _good_keys()
    settings.SECRET_KEY = keys["FANGKONG_SECRET_KEY"]
    settings.FIELD_ENCRYPTION_KEY = keys["FANGKONG_FIELD_KEY"]
    settings.BLIND_INDEX_KEY = keys["FANGKONG_BLIND_INDEX_KEY"]
    settings.AUDIT_LEDGER_KEY = secrets.token_hex(16)
    assert deployment_keys_check() == []


@pytest.mark.parametrize("size", [16, 24, 32, 20])
def test_field_keys_of_every_accepted_size_encrypt(settings, size):
    settings.FIELD_ENCRYPTION_KEY = _field_key(size)
    assert decrypt(encrypt("110101199003074518", purpose="t"), purpose="t") == "110101199003074518"


@pytest.mark.slow
@pytest.mark.parametrize("field_key", [DEVELOPMENT_FIELD_KEY, "a", "generated"])
def test_check_deploy_fails_on_production_settings_with_a_development_key(field_key):
    keys = _good_keys()
    if field_key != "generated":
        keys["FANGKONG_FIELD_KEY"] = field_key
    env = {
        **os.environ,
        **keys,
        "FANGKONG_ALLOWED_HOSTS": "fangkong.example",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if field_key == "generated":
        assert done.returncode == 0, done.stderr
    else:
        assert done.returncode != 0
        assert "FANGKONG_FIELD_KEY" in done.stderr


def test_every_key_the_settings_read_is_checked(monkeypatch):
    """The class: a new secret read from the environment (``FANGKONG_*_KEY``) must be one
    that production and the deploy check refuse when it is a development or weak value."""
    from config import env
    from fangkong.core.keys import deployment_keys

    for name, value in {**_good_keys(), "FANGKONG_AUDIT_KEY": secrets.token_urlsafe(32)}.items():
        monkeypatch.setenv(name, value)
    env.REGISTRY.clear()
    importlib.reload(importlib.import_module("config.settings.base"))
    production = importlib.reload(importlib.import_module("config.settings.production"))
    read = {name for name in env.REGISTRY if name.endswith("_KEY")}
    assert read == set(deployment_keys(production))
