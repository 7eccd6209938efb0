"""Strict readers for settings that come from the environment.

Every variable the project reads is declared here through one of the ``env_*`` readers, which
records it in :data:`REGISTRY`. ``docs/configuration.md`` documents each one, and a test keeps the
two in step. A malformed value stops start-up with a message naming the variable, never a silent
fallback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class EnvVar:
    """One environment variable the project reads."""

    name: str
    kind: str
    default: str | None


REGISTRY: dict[str, EnvVar] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, kind: str, default: str | None) -> str | None:
    REGISTRY[name] = EnvVar(name=name, kind=kind, default=default)
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    """Read a string; ``required`` makes a missing value an error."""
    value = _raw(name, "string", default)
    if value is None:
        if required:
            raise ImproperlyConfigured(f"{name} must be set")
        return ""
    return value


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean written as 1/0, true/false, yes/no or on/off."""
    value = _raw(name, "boolean", "true" if default else "false")
    assert value is not None
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Read an integer, optionally with a lower bound."""
    value = _raw(name, "integer", str(default))
    assert value is not None
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {number}")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list; blanks are dropped."""
    value = _raw(name, "list", default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read one of a fixed set of strings."""
    value = _raw(name, "choice", default)
    assert value is not None
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value
