"""Schemas shared by every app's API."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """The one error envelope: a stable code, a human message, details."""

    code: str
    message: str
    detail: dict[str, Any]


#: Responses every authenticated endpoint may give besides its own.
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
