"""The lab technician's pages: their labs, and per lab the workbench — packages on the way,
receipt by scanning (anomalies shown after the scan), results for a few tubes, a result file
with its reconciliation and every rejected row, recent anomalies, tubes waiting for a result
and the late ones.

Views parse forms, get the lab through ``access_lab`` (404 for labs the technician does not
staff), call the services and redirect (POST-redirect-GET); each form carries a hidden
idempotency key made when it is rendered, so a double submit writes once. What a write found
(anomalies, the reconciliation) is kept in the session for the page after the redirect.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form, shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import access_lab
from fangkong.lab.choices import AnomalyKind, TubeResult
from fangkong.lab.models import Lab
from fangkong.lab.results.selectors import lab_uploads
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.results.uploads import MAX_UPLOAD_BYTES, results_upload
from fangkong.lab.roles import LAB_ROLES
from fangkong.lab.transport.selectors import (
    lab_anomalies,
    lab_incoming_packages,
    lab_list,
    lab_summary,
    lab_tubes_awaiting,
)
from fangkong.lab.transport.services import MAX_TUBES_PER_PACKAGE, package_receive

LAB_PAGE_ROLES = tuple(sorted(LAB_ROLES))
RESULT_ROWS = 5
#: Rejected rows kept for the page (a file can have 100,000; the API lists them all).
SHOWN_ERRORS = 2000


def _key() -> str:
    return uuid.uuid4().hex


class ReceiptForm(forms.Form):
    package = forms.CharField(
        label=gettext_lazy("Package code"), max_length=64, required=False, strip=True
    )
    tubes = forms.CharField(
        label=gettext_lazy("Tube barcodes, one per line"),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].widget.attrs["autofocus"] = True
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()

    def clean_tubes(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["tubes"].splitlines()]
        barcodes = [line for line in lines if line]
        if not barcodes or len(barcodes) > MAX_TUBES_PER_PACKAGE:
            raise forms.ValidationError(
                _("Scan 1 to %(max)s tubes.") % {"max": MAX_TUBES_PER_PACKAGE}
            )
        return barcodes


class ResultsForm(forms.Form):
    """A few tubes by hand: barcode, result, Ct values; empty lines are skipped."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(RESULT_ROWS):
            self.fields[f"barcode_{index}"] = forms.CharField(
                label=_("Barcode"), max_length=64, required=False
            )
            self.fields[f"result_{index}"] = forms.ChoiceField(
                label=_("Result"),
                choices=[("", "—"), *TubeResult.choices],
                required=False,
            )
            for name, label in (("ct_orf1ab", _("Ct ORF1ab")), ("ct_n", _("Ct N"))):
                self.fields[f"{name}_{index}"] = forms.FloatField(
                    label=label, required=False, min_value=0, max_value=99
                )
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()

    def rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"{name}_{index}"] for name in ("barcode", "result", "ct_orf1ab", "ct_n")]
            for index in range(RESULT_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = []
        for index in range(RESULT_ROWS):
            barcode = (data.get(f"barcode_{index}") or "").strip()
            result = data.get(f"result_{index}") or ""
            if not barcode and not result:
                continue
            if not barcode or not result:
                self.add_error(
                    f"barcode_{index}" if not barcode else f"result_{index}",
                    _("Give both the barcode and the result."),
                )
                continue
            filled.append(
                {
                    "barcode": barcode,
                    "result": result,
                    "ct_orf1ab": data.get(f"ct_orf1ab_{index}"),
                    "ct_n": data.get(f"ct_n_{index}"),
                    "line": index + 1,
                }
            )
        if not filled and not self.errors:
            raise forms.ValidationError(_("Enter at least one tube."))
        data["filled"] = filled
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Result file (.csv or .xlsx)"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


def _outcome_key(lab: Lab) -> str:
    return f"lab_outcome_{lab.code}"


def _detail(
    request: HttpRequest,
    actor: Actor,
    lab: Lab,
    *,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    now = timezone.now()
    number = request.GET.get
    tubes = lab_tubes_awaiting(actor=actor, lab=lab, page=_page(number("tubes_page")))
    page: dict[str, Any] = {
        "lab": lab,
        "summary": lab_summary(actor=actor, lab=lab, now=now),
        "packages": lab_incoming_packages(
            actor=actor, lab=lab, page=_page(number("packages_page"))
        ),
        "tubes": [(tube, tube.due_at < now) for tube in tubes],
        "tubes_page": tubes,
        "anomalies": lab_anomalies(actor=actor, lab=lab, page=_page(number("anomalies_page"))),
        "uploads": lab_uploads(actor=actor, lab=lab, page=_page(number("uploads_page"))),
        "outcome": request.session.pop(_outcome_key(lab), None) if status == 200 else None,
        "receipt_form": ReceiptForm(),
        "results_form": ResultsForm(),
        "upload_form": UploadForm(),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        **context,
    }
    return render(request, "lab/lab_detail.html", page, status=status)


def _form_error(form: forms.Form, exc: FangkongError) -> None:
    errors_on_form(form, exc)


@require_GET
@actor_required(*LAB_PAGE_ROLES)
def lab_home_view(request: HttpRequest) -> HttpResponse:
    """The technician's labs with what waits at each."""
    actor = actor_of(request)
    now = timezone.now()
    page = paginate(lab_list(actor=actor), page=_page(request.GET.get("page")))
    labs = page.with_items([lab_summary(actor=actor, lab=lab, now=now) for lab in page])
    return render(request, "lab/lab_home.html", {"labs": labs})


@require_GET
@actor_required(*LAB_PAGE_ROLES)
def lab_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    """One lab's workbench (404 for a lab the technician does not staff)."""
    actor = actor_of(request)
    return _detail(request, actor, access_lab(actor, code, roles=LAB_ROLES))


@require_POST
@actor_required(*LAB_PAGE_ROLES)
def lab_receive_view(request: HttpRequest, code: str) -> HttpResponse:
    """Receive a package (or loose tubes) by scanning; anomalies are shown after."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, lab, status=422, receipt_form=form)
    data = form.cleaned_data

    def write() -> tuple[int, dict[str, Any]]:
        receipt = package_receive(
            actor=actor, lab=lab, package_code=data["package"], barcodes=data["tubes"]
        )
        return 200, {
            "kind": "receipt",
            "package": receipt.package.code if receipt.package else "",
            "received": len(receipt.received),
            "anomalies": [
                {"kind": str(AnomalyKind(a.kind).label), "barcode": a.barcode}
                for a in receipt.anomalies
            ],
        }

    try:
        _status, body = run_idempotent(
            actor=actor,
            key=data.get("idempotency_key") or None,
            operation="package_receive_page",
            payload={"lab": str(lab.code), "package": data["package"], "tubes": data["tubes"]},
            write=write,
        )
    except FangkongError as exc:
        _form_error(form, exc)
        return _detail(request, actor, lab, status=_status_of(exc), receipt_form=form)
    request.session[_outcome_key(lab)] = body
    if body["anomalies"]:
        messages.warning(
            request,
            _("%(received)s tubes received; %(anomalies)s anomalies recorded.")
            % {"received": body["received"], "anomalies": len(body["anomalies"])},
        )
    else:
        messages.success(
            request, _("%(received)s tubes received.") % {"received": body["received"]}
        )
    return redirect("lab:lab_detail", code=lab.code)


def _status_of(exc: FangkongError) -> int:
    return exc.status if exc.status in (403, 404, 409, 413, 422) else 400


@require_POST
@actor_required(*LAB_PAGE_ROLES)
def lab_results_view(request: HttpRequest, code: str) -> HttpResponse:
    """Report results for a few tubes, all of them or none."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    form = ResultsForm(request.POST)
    if not form.is_valid():
        return _detail(request, actor, lab, status=422, results_form=form)
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
        _form_error(form, exc)
        return _detail(request, actor, lab, status=_status_of(exc), results_form=form)
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
        return _detail(request, actor, lab, status=422, upload_form=form)
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
        return _detail(
            request,
            actor,
            lab,
            status=_status_of(exc),
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
    request.session[_outcome_key(lab)] = body
    if body["repeat_of"]:
        messages.info(request, _("This content was uploaded before; nothing changed."))
    else:
        messages.success(request, _("The file was recorded."))
    return redirect("lab:lab_detail", code=lab.code)


urlpatterns: list[URLPattern] = [
    path("labs/", lab_home_view, name="lab_home"),
    path("labs/<str:code>/", lab_detail_view, name="lab_detail"),
    path("labs/<str:code>/receive", lab_receive_view, name="lab_receive"),
    path("labs/<str:code>/results", lab_results_view, name="lab_results"),
    path("labs/<str:code>/upload", lab_upload_view, name="lab_upload"),
]
