"""Schemas shared by every app's API."""

from __future__ import annotations

from typing import Any

from ninja import P, Schema
from ninja.params import HeaderEx


class ErrorOut(Schema):
    """The one error envelope: a stable code, a human message, details."""

    code: str
    message: str
    detail: dict[str, Any]


#: Responses every authenticated endpoint may give besides its own.
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

#: Responses of endpoints that write (a stale ``version`` or a lost race answers 409).
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}

#: The ``Idempotency-Key`` header every create takes (see core.idempotency).
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        max_length=100,
        description="Repeat the same create with the same key and it is done once.",
    ),
]
