"""Care-request pages: the list (overdue flagged, filters) with the form to file a request on
a person's behalf, and one request with the forms to take and decide it.

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form (``core.form_errors``); requests are shown through ``presentation``.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.isolation.care.access import access_care_request
from fangkong.isolation.care.forms import CareFileForm, DecideForm
from fangkong.isolation.care.presentation import care_rows
from fangkong.isolation.care.roles import APPEAL_DECIDE_ROLES, CARE_ROLES
from fangkong.isolation.care.selectors import care_list
from fangkong.isolation.care.services import (
    care_request_decide,
    care_request_file,
    care_request_take,
)
from fangkong.isolation.choices import CareStatus
from fangkong.isolation.models import CareRequest
from fangkong.isolation.orders.access import access_order
from fangkong.policy.choices import CareCategory


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*CARE_ROLES)
def care_requests_view(request: HttpRequest) -> HttpResponse:
    """The actor's care requests, soonest deadline first, overdue ones flagged (``?overdue=1``
    shows only those, ``?status=open``), and the form to file one on a person's behalf
    (posted here)."""
    actor = actor_of(request)
    form = CareFileForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = care_request_file(
                actor=actor,
                order=access_order(actor, data["order"], roles=CARE_ROLES),
                category=data["category"],
                text=data["text"],
            )
        except FangkongError as exc:
            if exc.status == 403:
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The request was filed."))
            return redirect("isolation:care_request", code=filed.code)
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    overdue = request.GET.get("overdue") == "1"
    requests = care_list(
        actor=actor,
        now=timezone.now(),
        status=status if status in CareStatus.values else "",
        category=category if category in CareCategory.values else "",
        overdue=overdue,
    )
    page = paginate(requests, page=_page_number(request), page_size=50)
    return render(
        request,
        "isolation/care/requests.html",
        {
            "page": page,
            "rows": care_rows(actor, page.items),
            "form": form,
            "overdue": overdue,
            "status": status,
        },
        status=422 if request.method == "POST" else 200,
    )


def _request_page(
    request: HttpRequest, found: CareRequest, *, decide: DecideForm | None = None
) -> HttpResponse:
    actor = actor_of(request)
    row = care_rows(actor, [found])[0]
    appeal = row.category == CareCategory.APPEAL
    may_decide = row.status == CareStatus.OPEN and (
        not appeal or (actor.role in APPEAL_DECIDE_ROLES and actor.username != row.order_issued_by)
    )
    return render(
        request,
        "isolation/care/request.html",
        {
            "row": row,
            "decide": decide or DecideForm(),
            "may_decide": may_decide,
            "issuer_blocked": appeal and actor.username == row.order_issued_by,
        },
        status=422 if decide is not None else 200,
    )


@actor_required(*CARE_ROLES)
def care_request_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One care request with its deadline, owner and outcome (the person shown is logged)."""
    return _request_page(request, access_care_request(actor_of(request), code))


@require_POST
@actor_required(*CARE_ROLES)
def care_request_take_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    found = access_care_request(actor, code)
    try:
        care_request_take(actor=actor, request=found)
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You own this request now."))
    return redirect("isolation:care_request", code=found.code)


@require_POST
@actor_required(*CARE_ROLES)
def care_request_decide_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    found = access_care_request(actor, code)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            care_request_decide(actor=actor, request=found, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status == 404:
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The request was decided."))
            return redirect("isolation:care_request", code=found.code)
    return _request_page(request, found, decide=form)
