"""The lab workbench's results side: results for a few tubes, and a result file with its
reconciliation or every rejected row; and the lab alerts (late results, R13, R30) with
their owner and closing. The workbench forms post to their own URL and go back to the
workbench page (``transport.views.lab_bench``), which shows the outcome.

Views get the lab through ``access_lab`` (404 for labs the technician does not staff), call
the services through ``run_idempotent`` (a double submit writes once) and redirect."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.accounts.access import access_user
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form, shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.pages import actor_required
from fangkong.lab.access import access_lab, require_role
from fangkong.lab.choices import AlertStatus
from fangkong.lab.pages import form_submit, page_number, query_without_page
from fangkong.lab.results import alerts as alert_services
from fangkong.lab.results.access import access_alert
from fangkong.lab.results.forms import (
    AlertAssignForm,
    AlertCloseForm,
    AlertFilterForm,
    ResultsForm,
    UploadForm,
)
from fangkong.lab.results.result_file import MAX_UPLOAD_BYTES
from fangkong.lab.results.selectors import alert_list
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.results.uploads import results_upload
from fangkong.lab.roles import (
    ALERT_READ_ROLES,
    ALERT_WRITE_ROLES,
    LAB_PAGE_ROLES,
    LAB_ROLES,
)
from fangkong.lab.transport.views import lab_bench, lab_outcome_key, page_status

#: Rejected rows kept for the page (a file can have 100,000; the API lists them all).
SHOWN_ERRORS = 2000


@require_POST
@actor_required(*LAB_PAGE_ROLES)
def lab_results_view(request: HttpRequest, code: str) -> HttpResponse:
    """Report results for a few tubes, all of them or none."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    form = ResultsForm(request.POST)
    if not form.is_valid():
        return lab_bench(request, actor, lab, status=422, results_form=form)
    filled = form.cleaned_data["filled"]

    def write() -> tuple[int, dict[str, Any]]:
        report = results_apply(
            actor=actor,
            lab=lab,
            rows=[
                ResultInput(
                    barcode=row["barcode"],
                    result=row["result"],
                    ct_orf1ab=row["ct_orf1ab"],
                    ct_n=row["ct_n"],
                    row=row["line"],
                )
                for row in filled
            ],
            source="page",
        )
        return 200, {"applied": len(report.applied), "unchanged": len(report.unchanged)}

    try:
        _status, body = run_idempotent(
            actor=actor,
            key=form.cleaned_data.get("idempotency_key") or None,
            operation="results_report_page",
            payload={"lab": str(lab.code), "rows": filled},
            write=write,
        )
    except FangkongError as exc:
        errors_on_form(form, exc)
        return lab_bench(request, actor, lab, status=page_status(exc), results_form=form)
    messages.success(
        request,
        _("%(applied)s results recorded, %(unchanged)s unchanged.")
        % {"applied": body["applied"], "unchanged": body["unchanged"]},
    )
    return redirect("lab:lab_detail", code=lab.code)


@require_POST
@actor_required(*LAB_PAGE_ROLES)
def lab_upload_view(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a result file: the reconciliation after, or every rejected row (422)."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return lab_bench(request, actor, lab, status=422, upload_form=form)
    upload = form.cleaned_data["file"]
    name = str(upload.name or "")
    try:
        if upload.size > MAX_UPLOAD_BYTES:
            raise FangkongError(
                _("The file is larger than %(mb)s MB; split it.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                code="file_too_large",
                status=413,
            )
        data = upload.read(MAX_UPLOAD_BYTES + 1)

        def write() -> tuple[int, dict[str, Any]]:
            report = results_upload(actor=actor, lab=lab, filename=name, data=data)
            earlier = report.repeat_of
            return 200, {
                "kind": "upload",
                "filename": report.filename,
                "rows_total": report.rows_total,
                "rows_applied": report.rows_applied,
                "rows_unchanged": report.rows_unchanged,
                "rows_rejected": report.rows_rejected,
                "duplicate_rows": report.duplicate_rows,
                "retest_tasks": report.retest_tasks,
                "repeat_of": earlier.filename if earlier else "",
                "repeat_at": earlier.uploaded_at.isoformat() if earlier else "",
                "same_bytes": report.same_bytes,
            }

        _status, body = run_idempotent(
            actor=actor,
            key=form.cleaned_data.get("idempotency_key") or None,
            operation="results_upload_page",
            payload={
                "lab": str(lab.code),
                "filename": name,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            write=write,
        )
    except FangkongError as exc:
        errors = shown_errors(exc) if exc.detail.get("errors") else []
        return lab_bench(
            request,
            actor,
            lab,
            status=page_status(exc),
            upload_form=form,
            upload_error={
                "message": exc.message,
                "code": exc.code,
                "errors": errors[:SHOWN_ERRORS],
                "more": max(0, len(errors) - SHOWN_ERRORS),
                "rows_total": exc.detail.get("rows_total"),
                "rows_with_errors": exc.detail.get("rows_with_errors"),
            },
        )
    request.session[lab_outcome_key(lab)] = body
    if body["repeat_of"]:
        messages.info(request, _("This content was uploaded before; nothing changed."))
    else:
        messages.success(request, _("The file was recorded."))
    return redirect("lab:lab_detail", code=lab.code)


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(ALERT_READ_ROLES))
def alerts_view(request: HttpRequest) -> HttpResponse:
    """Lab alerts in scope (open ones by default) with assign and close forms on each."""
    actor = actor_of(request)
    action = request.POST.get("action", "")
    failed: forms.Form | None = None
    status = 200
    if request.method == "POST":
        require_role(actor, ALERT_WRITE_ROLES)
        failed = (
            AlertAssignForm(request.POST) if action == "assign" else AlertCloseForm(request.POST)
        )

        def write(data: dict[str, Any]) -> None:
            alert = access_alert(actor, data["kind"], data["barcode"], roles=ALERT_WRITE_ROLES)
            if action == "assign":
                alert_services.alert_assign(
                    actor=actor, alert=alert, owner=access_user(actor, data["username"].strip())
                )
            else:
                alert_services.alert_close(actor=actor, alert=alert, reason=data["reason"])

        outcome = form_submit(
            request,
            failed,
            operation=f"alert_{'assign' if action == 'assign' else 'close'}_page",
            write=write,
            done=_("Owner set.") if action == "assign" else _("Alert closed."),
        )
        if outcome is None:
            return redirect(request.get_full_path())
        status = outcome
    filters = AlertFilterForm(request.GET or {"status": AlertStatus.OPEN})
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = alert_list(
        actor=actor,
        status=chosen.get("status", ""),
        kind=chosen.get("kind", ""),
        page=page_number(request.GET.get("page"), 1),
    )
    return render(
        request,
        "lab/alerts.html",
        {
            "page": page,
            "filters": filters,
            "failed": failed,
            "query": query_without_page(request),
            "can_write": actor.role in ALERT_WRITE_ROLES,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("labs/<str:code>/results", lab_results_view, name="lab_results"),
    path("labs/<str:code>/upload", lab_upload_view, name="lab_upload"),
    path("alerts/", alerts_view, name="alerts"),
]
