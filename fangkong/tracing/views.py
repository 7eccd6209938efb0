"""The tracing page: what came into the scan and dwell store, what it holds, the last purge,
and a file upload (administrators, who feed the store)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.errors import ValidationFailed
from fangkong.core.form_errors import shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.tracing.files import MAX_UPLOAD_BYTES, file_frame, file_key
from fangkong.tracing.forms import UploadForm
from fangkong.tracing.roles import INGEST_ROLES
from fangkong.tracing.selectors import batch_list, last_purge, store_days
from fangkong.tracing.services import batch_ingest

#: Rejected rows shown on the page (the count of all of them is always shown).
SHOWN_ERRORS = 200


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


@require_http_methods(["GET", "POST"])
@actor_required(*INGEST_ROLES)
def home_view(request: HttpRequest) -> HttpResponse:
    """The store per day, the batches, the last purge; a POST uploads one file as a batch."""
    actor = actor_of(request)
    context: dict[str, Any] = {}
    status = 200
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ValidationFailed(
                        _("The file is larger than %(mib)s MiB.")
                        % {"mib": MAX_UPLOAD_BYTES // (1024 * 1024)},
                        code="file_too_large",
                    )
                data = upload.read(MAX_UPLOAD_BYTES + 1)
                frame, first_row = file_frame(data)
                answer = batch_ingest(
                    actor=actor,
                    kind=form.cleaned_data["kind"],
                    frame=frame,
                    source=form.cleaned_data["source"],
                    batch_key=file_key(data),
                    first_row=first_row,
                )
                context["answer"] = answer
                form = UploadForm()
            except ValidationFailed as exc:
                status = 413 if exc.code == "file_too_large" else 422
                context["refusal"] = exc
                shown = shown_errors(exc)
                context["refusal_errors"] = shown[:SHOWN_ERRORS]
                context["refusal_more"] = max(0, len(shown) - SHOWN_ERRORS)
        else:
            status = 422
    context.update(
        form=form,
        days=store_days(actor=actor),
        batches=batch_list(actor=actor, page=_page(request.GET.get("page")), page_size=20),
        purge=last_purge(actor=actor),
    )
    return render(request, "tracing/home.html", context, status=status)
