"""Isolation pages: the facilities with their activation and the reserve, one facility with
its rooms and the forms that change it, the orders with the issue form, and one order with
its plan and test tasks.

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form (``core.form_errors``); persons are shown through ``presentation``.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import FangkongError, NotFound, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.isolation.facilities.access import access_facility
from fangkong.isolation.facilities.selectors import (
    activation_progress,
    facility_list,
    reserve_report,
    room_list,
)
from fangkong.isolation.facilities.services import facility_transition, rooms_import
from fangkong.isolation.forms import IssueForm, RoomsImportForm, TransitionForm
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.selectors import order_list, order_tests
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.presentation import order_card, order_rows
from fangkong.isolation.roles import (
    FACILITY_READ_ROLES,
    FACILITY_STATUS_ROLES,
    FACILITY_WRITE_ROLES,
    ORDER_ISSUE_ROLES,
    ORDER_READ_ROLES,
)
from fangkong.people.selectors import person_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.access import access_region


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


@actor_required(*FACILITY_READ_ROLES)
def facilities_view(request: HttpRequest) -> HttpResponse:
    """The actor's facilities with their room counts, and the reserve of isolation rooms at
    the actor's node against the rule set."""
    actor = actor_of(request)
    page = paginate(facility_list(actor=actor), page=_int(request.GET.get("page"), 1), page_size=50)
    region = access_region(actor, actor.region_code)
    rules = rules_for(region, timezone.localdate())
    reserve = reserve_report(actor=actor, region=region, rules=rules)
    return render(
        request,
        "isolation/facilities.html",
        {"page": page, "reserve": reserve, "rules": rules},
    )


def _facility_page(
    request: HttpRequest,
    code: UUID,
    *,
    transition: TransitionForm | None = None,
    rooms_form: RoomsImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    facility = access_facility(actor, code)
    counted = facility_list(actor=actor).get(pk=facility.pk)
    rules = rules_for(facility.region, timezone.localdate())
    progress = activation_progress(facility, rules=rules, now=timezone.now())
    rooms = paginate(room_list(facility=facility), page=_int(request.GET.get("page"), 1))
    return render(
        request,
        "isolation/facility.html",
        {
            "facility": counted,
            "progress": progress,
            "rules": rules,
            "page": rooms,
            "may_change": actor.role in FACILITY_STATUS_ROLES,
            "may_import": actor.role in FACILITY_WRITE_ROLES,
            "transition": transition or TransitionForm(),
            "rooms_form": rooms_form or RoomsImportForm(),
        },
        status=status,
    )


@actor_required(*FACILITY_READ_ROLES)
def facility_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One facility: rooms free and occupied, activation against the staged targets."""
    return _facility_page(request, code)


@require_POST
@actor_required(*FACILITY_STATUS_ROLES)
def facility_transition_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_STATUS_ROLES)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            facility_transition(actor=actor, facility=facility, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("isolation:facility", code=facility.code)
    return _facility_page(request, code, transition=form, status=422)


@require_POST
@actor_required(*FACILITY_WRITE_ROLES)
def facility_rooms_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    facility = access_facility(actor, code, roles=FACILITY_WRITE_ROLES)
    form = RoomsImportForm(request.POST)
    if form.is_valid():
        try:
            count = rooms_import(
                actor=actor, facility=facility, content=form.cleaned_data["content"]
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("%(count)d rooms imported.") % {"count": count})
            return redirect("isolation:facility", code=facility.code)
    return _facility_page(request, code, rooms_form=form, status=422)


@actor_required(*ORDER_READ_ROLES)
def orders_view(request: HttpRequest) -> HttpResponse:
    """The actor's orders, newest first (each person shown is logged), and for the roles
    that issue orders the issue form (posted here)."""
    actor = actor_of(request)
    may_issue = actor.role in ORDER_ISSUE_ROLES
    form = IssueForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not may_issue:
        raise PermissionDenied(_("Your role may not issue orders."), code="forbidden")
    if request.method == "POST" and form.is_valid():
        codes = form.codes()
        found = {
            str(p.code): p
            for p in person_scope(actor)
            .select_related("region")
            .filter(code__in=[c for c in codes if len(c) <= 36 and c.count("-") in (0, 4)])
        }
        try:
            missing = [row for row, code in enumerate(codes, start=1) if code not in found]
            if missing:
                raise NotFound(
                    _("No such person on line %(rows)s.")
                    % {"rows": ", ".join(str(r) for r in missing[:20])},
                    code="person_not_found",
                )
            report = orders_issue(
                actor=actor,
                persons=[found[code] for code in codes],
                group=form.cleaned_data["group"],
                day0=form.cleaned_data["day0"],
                reason=form.cleaned_data["reason"],
            )
        except FangkongError as exc:
            if exc.status == 403:
                raise
            errors_on_form(form, exc)
        else:
            messages.success(
                request,
                _("%(created)d orders issued, %(existing)d already open.")
                % {"created": len(report.created), "existing": len(report.existing)},
            )
            return redirect("isolation:orders")
    page = paginate(order_list(actor=actor), page=_int(request.GET.get("page"), 1), page_size=50)
    rows = order_rows(actor, list(page.items))
    return render(
        request,
        "isolation/orders.html",
        {"page": page, "rows": rows, "form": form, "may_issue": may_issue},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(*ORDER_READ_ROLES)
def order_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One order with its plan and test tasks (the person shown is logged)."""
    actor = actor_of(request)
    order = access_order(actor, code)
    card = order_card(actor, order, list(order_tests(order)))
    return render(request, "isolation/order.html", {"card": card})
