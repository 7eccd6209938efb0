"""The page that imports the cases reported before Fangkong was in use (补录)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fangkong.cases.imports.forms import CaseImportForm
from fangkong.cases.imports.reading import MAX_IMPORT_BYTES
from fangkong.cases.imports.services import case_import_csv
from fangkong.cases.roles import CASE_IMPORT_ROLES
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.form_errors import shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required


@actor_required(*sorted(CASE_IMPORT_ROLES))
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an export (or check it with a dry run): the counts, or every rejected row with
    its field and problem. Nothing personal is shown: rows are named by their number."""
    actor = actor_of(request)
    form = CaseImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise FangkongError(
                    _("The file is larger than %(mb)s MB; split it.")
                    % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
                    code="file_too_large",
                    status=413,
                )
            context["report"] = case_import_csv(
                actor=actor,
                file=upload.read(MAX_IMPORT_BYTES + 1),
                dry_run=form.cleaned_data["dry_run"],
                filename=str(upload.name)[:200],
            )
        except ValidationFailed as exc:
            errors = shown_errors(exc) if exc.errors else []
            context.update(failure=exc, errors=errors, counts=exc.detail)
            status = 422
        except FangkongError as exc:
            context.update(failure=exc, errors=[], counts={})
            status = exc.status
    elif request.method == "POST":
        status = 422
    return render(request, "cases/import.html", context, status=status)
