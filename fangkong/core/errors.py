"""One error shape for the whole product.

Every failure that reaches an interface is a :class:`FangkongError` with a stable ``code`` (from a
per-app enum or a literal documented next to the raise), a translatable ``message`` and a
``detail`` dict. The API renders it as ``{"code", "message", "detail"}``; pages show the message.
"""

from __future__ import annotations

from typing import Any


class FangkongError(Exception):
    """Base error: ``status`` is the HTTP status an interface answers with."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.detail: dict[str, Any] = detail or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class NotFound(FangkongError):
    """Missing, or outside the actor's jurisdiction: the two are never told apart."""

    status = 404
    code = "not_found"


class PermissionDenied(FangkongError):
    """The actor's role may not do this (the object itself is in scope)."""

    status = 403
    code = "forbidden"


class Conflict(FangkongError):
    """The write lost a race: a stale ``version`` or a state that changed underneath."""

    status = 409
    code = "conflict"


class ValidationFailed(FangkongError):
    """Input rejected; ``detail["errors"]`` lists ``{"field", "row", "code", "message"}``."""

    status = 422
    code = "validation_failed"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, detail={"errors": errors or []})
        self.errors = errors or []


def field_error(field: str, code: str, message: str, *, row: int | None = None) -> dict[str, Any]:
    """One entry of ``ValidationFailed.errors``; ``row`` is 1-based for file imports."""
    entry: dict[str, Any] = {"field": field, "code": code, "message": str(message)}
    if row is not None:
        entry["row"] = row
    return entry


def field_refusal(
    code: str, message: str, *, field: str, status: int = 422, **detail: Any
) -> FangkongError:
    """A refusal about one field: ``code`` and ``message`` both as the error and as its one
    entry in ``detail["errors"]`` (with any further ``detail``)."""
    return FangkongError(
        message,
        code=code,
        status=status,
        detail={"errors": [field_error(field, code, message)], **detail},
    )
