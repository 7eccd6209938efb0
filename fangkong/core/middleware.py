"""Response headers every page gets (CSP, permissions policy, no-store on personal data), and
input refused up front: bodies too large to read (413) and text no database can store."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from fangkong.core.errors import field_error

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The interactive API docs (Swagger UI from our own static files, no inline script) run under
# the same policy as every page, bar inline styles: Swagger UI writes ``<style>`` elements.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Adds CSP and related headers; pages and API answers are never cached by default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_docs = request.path.startswith("/api/v1/docs")
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if is_docs else CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _nul_field(value: Any, path: str) -> str | None:
    """The path (``members[0].id_number``) of the first text in a decoded JSON value that holds
    a NUL character, or ``None``."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = [(str(key), f"{path}.{key}" if path else str(key), v) for key, v in value.items()]
    elif isinstance(value, list):
        items = [("", f"{path}[{index}]", v) for index, v in enumerate(value)]
    else:
        return None
    for key, where, item in items:
        found = where if "\x00" in key else _nul_field(item, where)
        if found is not None:
            return found
    return None


def _nul_in(pairs: Any) -> str | None:
    """The first name of a query or form ``QueryDict.lists()`` whose name or a value holds a
    NUL character."""
    for name, values in pairs:
        if "\x00" in name or any("\x00" in value for value in values):
            return str(name)
    return None


def nul_field(request: HttpRequest) -> str | None:
    """Where the request carries a NUL character in text: ``path``, a query or form field name,
    or the JSON body field's path. PostgreSQL cannot store one in text and SQLite cuts C
    strings at one, so such input is refused up front with the field named. Uploaded files
    are not looked at (a workbook is binary); their rows are checked by the import."""
    if "\x00" in request.path:
        return "path"
    found = _nul_in(request.GET.lists())
    if found is not None or request.method in {"GET", "HEAD", "OPTIONS"}:
        return found
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\x00" not in body and b"\\u0000" not in body:
            return None
        try:
            return _nul_field(json.loads(body), "")
        except ValueError:
            return None  # not JSON: the view's own parser names the error
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return _nul_in(request.POST.lists())
    return None


def body_too_large(request: HttpRequest) -> bool:
    """Whether the request declares a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    File uploads (``multipart/form-data``) are left to their own limits: each import refuses
    a file over its size with 413 (``file_too_large``), and Django counts the form's other
    fields against the same setting when it parses them (see :func:`too_large_response`)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or (request.content_type or "") == "multipart/form-data":
        return False
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413: the API's error envelope under ``/api/``, the error page elsewhere."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    message = _("The request is too large (at most %(size)s bytes).") % {"size": f"{limit:,}"}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "request_too_large",
                "message": message,
                "detail": {"max_bytes": limit},
            },
            status=413,
        )
    from django.shortcuts import render

    return render(
        request,
        "web/error.html",
        {"error_code": "request_too_large", "error_message": message},
        status=413,
    )


class NulInputMiddleware:
    """Refuses input before any view reads it: a body larger than the server reads (413, the
    API's envelope or the error page; Django's own answer would be a bare HTML 400), and text
    with a NUL character anywhere in a request (query, form or JSON body): 422 with the field
    for the API, 400 for pages; nothing reaches a view or the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if body_too_large(request):
            return too_large_response(request)
        try:
            field = nul_field(request)
        except RequestDataTooBig:  # a form whose fields alone pass the limit
            return too_large_response(request)
        if field is None:
            return self.get_response(request)
        message = _("The text contains a NUL character.")
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "validation_failed",
                    "message": "The request is not valid.",
                    "detail": {"errors": [field_error(field, "text_nul", message)]},
                },
                status=422,
            )
        return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain")
