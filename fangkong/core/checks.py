"""System checks of the core: the deployment's keys (``manage.py check --deploy``).

The production settings already refuse these keys at start-up (``core.keys``); the check
reports the same problems, each with its own id, for whatever settings module a deployment
uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from fangkong.core.keys import deployment_keys, keys_check

#: Error id per kind of problem.
KEY_CHECK_IDS = {
    "development": "fangkong.E001",
    "weak": "fangkong.E002",
    "malformed": "fangkong.E003",
}
_HINTS = {
    "development": "Generate a key for this deployment (docs/configuration.md).",
    "weak": "Use at least 32 random bytes from a CSPRNG (docs/configuration.md).",
    "malformed": "FANGKONG_FIELD_KEY is the URL-safe base64 of at least 16 random bytes.",
}


@register(Tags.security, deploy=True)
def deployment_keys_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """An error per development, weak or malformed key in the settings."""
    return [
        Error(problem.message, hint=_HINTS[problem.code], id=KEY_CHECK_IDS[problem.code])
        for problem in keys_check(deployment_keys(settings))
    ]
