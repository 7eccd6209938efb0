"""Optimistic concurrency: update a row only if its ``version`` is what the caller read."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from fangkong.core.errors import Conflict


def update_versioned(
    instance: models.Model, *, expected_version: int | None, changes: dict[str, Any]
) -> int:
    """Write ``changes`` to ``instance`` with ``UPDATE ... WHERE version = expected``.

    Raises :class:`Conflict` (code ``stale_version``) when another writer got there first. On
    success the instance is updated in memory and its new version is returned.
    """
    current = int(instance.version)  # type: ignore[attr-defined]
    expected = current if expected_version is None else expected_version
    model = type(instance)
    changes = dict(changes)
    if any(field.name == "updated_at" for field in model._meta.fields):
        changes.setdefault("updated_at", timezone.now())
    updated = model._default_manager.filter(pk=instance.pk, version=expected).update(
        **changes, version=F("version") + 1
    )
    if updated != 1:
        raise Conflict(
            "This record was changed by someone else; reload it and try again.",
            code="stale_version",
            detail={"expected_version": expected},
        )
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version = expected + 1  # type: ignore[attr-defined]
    return expected + 1
