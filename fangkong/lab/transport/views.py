"""The lab technician's pages: their labs, and per lab the workbench — packages on the way,
receipt by scanning (anomalies shown after the scan), recent anomalies, tubes waiting for a
result and the late ones. The workbench's results and result-file forms post to
``lab.results.views`` and come back here.

Views parse forms, get the lab through ``access_lab`` (404 for labs the technician does not
staff), call the services and redirect (POST-redirect-GET); each form carries a hidden
idempotency key made when it is rendered, so a double submit writes once. What a write found
(anomalies, the reconciliation) is kept in the session for the page after the redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import access_lab
from fangkong.lab.choices import AnomalyKind
from fangkong.lab.models import Lab
from fangkong.lab.results.forms import ResultsForm, UploadForm
from fangkong.lab.results.result_file import MAX_UPLOAD_BYTES
from fangkong.lab.results.selectors import lab_uploads
from fangkong.lab.roles import LAB_PAGE_ROLES, LAB_ROLES
from fangkong.lab.transport.forms import ReceiptForm
from fangkong.lab.transport.selectors import (
    lab_anomalies,
    lab_incoming_packages,
    lab_list,
    lab_summary,
    lab_tubes_awaiting,
)
from fangkong.lab.transport.services import package_receive


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


def lab_outcome_key(lab: Lab) -> str:
    """The session key of what the last write on this lab's workbench found."""
    return f"lab_outcome_{lab.code}"


def lab_bench(
    request: HttpRequest,
    actor: Actor,
    lab: Lab,
    *,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    """A lab's workbench page (``lab/lab_detail.html``) with its three forms — receipt here,
    results and the result file from ``lab.results`` — and what a write kept in the session
    (``lab_outcome_key``); ``context`` replaces a form bound with errors."""
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
        "outcome": request.session.pop(lab_outcome_key(lab), None) if status == 200 else None,
        "receipt_form": ReceiptForm(),
        "results_form": ResultsForm(),
        "upload_form": UploadForm(),
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        **context,
    }
    return render(request, "lab/lab_detail.html", page, status=status)


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
    return lab_bench(request, actor, access_lab(actor, code, roles=LAB_ROLES))


@require_POST
@actor_required(*LAB_PAGE_ROLES)
def lab_receive_view(request: HttpRequest, code: str) -> HttpResponse:
    """Receive a package (or loose tubes) by scanning; anomalies are shown after."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=LAB_ROLES)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return lab_bench(request, actor, lab, status=422, receipt_form=form)
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
        errors_on_form(form, exc)
        return lab_bench(request, actor, lab, status=page_status(exc), receipt_form=form)
    request.session[lab_outcome_key(lab)] = body
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


def page_status(exc: FangkongError) -> int:
    """The status a workbench page answers a refused write with."""
    return exc.status if exc.status in (403, 404, 409, 413, 422) else 400


urlpatterns: list[URLPattern] = [
    path("labs/", lab_home_view, name="lab_home"),
    path("labs/<str:code>/", lab_detail_view, name="lab_detail"),
    path("labs/<str:code>/receive", lab_receive_view, name="lab_receive"),
]
