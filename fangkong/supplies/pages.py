"""What the supplies pages share: a posted form handed to a service, its refusal shown on
the form (``core.form_errors``), success as a message and a redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    *,
    done: str,
    to: str,
    failed: Callable[[forms.Form], HttpResponse],
    **to_kwargs: Any,
) -> HttpResponse:
    """Validate ``form``; call ``write`` with its cleaned data; on success flash ``done`` and
    redirect to the URL name ``to``. A service's refusal (not 403/404, which the page guard
    renders) goes on the form and ``failed(form)`` renders the page again with status 422."""
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, done)
            response: HttpResponse = redirect(to, **to_kwargs)
            return response
    return failed(form)


def page_number(value: str | None) -> int:
    """A page number from the query string (bad input: the first page)."""
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1
