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
from fangkong.core.text import SUSPECT_BYTES, text_problem

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


#: A refused text: ``(field, code, message)``.
Refusal = tuple[str, str, str]


def _refused(value: str, where: str) -> Refusal | None:
    problem = text_problem(value)
    return None if problem is None else (where, *problem)


def _json_refusal(value: Any, path: str) -> Refusal | None:
    """The first text (or key) in a decoded JSON value that breaks the text policy, with its
    path (``members[0].id_number``), or ``None``."""
    if isinstance(value, str):
        return _refused(value, path)
    if isinstance(value, dict):
        items = [(str(key), f"{path}.{key}" if path else str(key), v) for key, v in value.items()]
    elif isinstance(value, list):
        items = [("", f"{path}[{index}]", v) for index, v in enumerate(value)]
    else:
        return None
    for key, where, item in items:
        found = _refused(key, where) or _json_refusal(item, where)
        if found is not None:
            return found
    return None


def _pairs_refusal(pairs: Any) -> Refusal | None:
    """The first field of a query or form ``QueryDict.lists()`` whose name or a value breaks
    the text policy."""
    for name, values in pairs:
        for value in (name, *values):
            found = _refused(value, str(name))
            if found is not None:
                return found
    return None


def text_refusal(request: HttpRequest) -> Refusal | None:
    """Where the request breaks the text policy (``core.text``: NUL, control characters,
    direction controls), with the field: ``path``, a query or form field name, or the JSON
    body field's path. Every text of every request is looked at, so no page or endpoint can
    forget the policy. Uploaded files are not looked at (a workbook is binary); their rows
    are checked by the import. A JSON body is decoded only when its bytes could hold a
    refused character (:data:`~fangkong.core.text.SUSPECT_BYTES`)."""
    found = _refused(request.path, "path") or _pairs_refusal(request.GET.lists())
    if found is not None or request.method in {"GET", "HEAD", "OPTIONS"}:
        return found
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if SUSPECT_BYTES.search(body) is None:
            return None
        try:
            # strict=False: a raw control character inside a string is named, not a parse error
            return _json_refusal(json.loads(body, strict=False), "")
        except ValueError:
            return None  # not JSON: the view's own parser names the error
    if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return _pairs_refusal(request.POST.lists())
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
    that breaks the text policy (``core.text``: NUL, control and direction-control
    characters) anywhere in a request (query, form or JSON body): 422 with the field for the
    API, 400 for pages; nothing reaches a view or the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if body_too_large(request):
            return too_large_response(request)
        try:
            refusal = text_refusal(request)
        except RequestDataTooBig:  # a form whose fields alone pass the limit
            return too_large_response(request)
        if refusal is None:
            return self.get_response(request)
        field, code, message = refusal
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "validation_failed",
                    "message": "The request is not valid.",
                    "detail": {"errors": [field_error(field, code, message)]},
                },
                status=422,
            )
        return HttpResponseBadRequest(f"{field}: {message}", content_type="text/plain")
