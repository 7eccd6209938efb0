"""What the screening pages share: the page number from a query string, the query without it,
and submitting a form through its service once per idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent


def page_number(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _add_errors(form: forms.Form, exc: FangkongError) -> None:
    """A service error on the form: field errors on their fields where the form has them,
    the others with their row and label (``core.form_errors``)."""
    if not exc.detail.get("errors") and exc.code == "person_not_found":
        form.add_error("person", exc.message)
        return
    errors_on_form(form, exc)


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    *,
    operation: str,
    write: Callable[[dict[str, Any]], object],
    done: str,
) -> int | None:
    """Validate ``form`` and run ``write`` with its data once per idempotency key. ``None``
    on success (a message is queued); otherwise the status to render the page with."""
    if not form.is_valid():
        return 422
    data = form.cleaned_data

    def run() -> tuple[int, dict[str, Any]]:
        write(data)
        return 200, {}

    payload = {key: value for key, value in data.items() if key != "idempotency_key"}
    try:
        run_idempotent(
            actor=actor_of(request),
            key=data.get("idempotency_key") or None,
            operation=operation,
            payload=payload,
            write=run,
        )
    except FangkongError as exc:
        _add_errors(form, exc)
        return exc.status
    messages.success(request, done)
    return None
