"""Monitoring pages: the site manager's "today's checks" with the missing ones, the
phone-sized check entry of one order, issuing a resident link, and the resident's own page
(reached by the signed link alone: that person's order, plan tests and checks, and the
self-report form).

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form; persons are shown through ``presentation`` (logged).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.audit import access_record
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.isolation.models import IsolationOrder
from fangkong.isolation.monitoring.access import access_resident_link
from fangkong.isolation.monitoring.forms import CheckForm
from fangkong.isolation.monitoring.links import link_token
from fangkong.isolation.monitoring.presentation import check_row, check_rows, today_rows
from fangkong.isolation.monitoring.selectors import (
    check_list,
    checks_today_orders,
    monitoring_alert_list,
)
from fangkong.isolation.monitoring.services import (
    RESIDENT,
    check_record,
    check_self_report,
    resident_link_issue,
)
from fangkong.isolation.orders.access import access_order
from fangkong.isolation.orders.selectors import TESTS_DUE_MAX, order_tests, tests_due
from fangkong.isolation.presentation import due_test_rows, order_card, order_card_tests
from fangkong.isolation.roles import CHECK_WRITE_ROLES, ORDER_READ_ROLES, RESIDENT_LINK_ROLES
from fangkong.policy.selectors import rules_for, rules_for_actor


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*ORDER_READ_ROLES)
def checks_today_view(request: HttpRequest) -> HttpResponse:
    """Today's check times of every open order in scope, the missing ones marked, the open
    monitoring alerts, and today's plan tests (and overdue ones) with their lab state."""
    actor = actor_of(request)
    today, now = timezone.localdate(), timezone.now()
    rules = rules_for_actor(actor, today)
    monitoring = rules.parameters.monitoring
    page = paginate(
        checks_today_orders(actor=actor, on=today),
        page=_page_number(request.GET.get("page")),
        page_size=50,
    )
    rows = today_rows(actor, list(page.items), monitoring, today, now)
    return render(
        request,
        "isolation/monitoring/today.html",
        {
            "rows": rows,
            "page": page,
            "hours": monitoring.check_hours,
            "rules": rules,
            "fever": monitoring.fever_celsius,
            "alerts": list(monitoring_alert_list(actor=actor, state="open")[:50]),
            "may_enter": actor.role in CHECK_WRITE_ROLES,
            "tests": due_test_rows(actor, list(tests_due(actor=actor, on=today)[:TESTS_DUE_MAX])),
            "tests_max": TESTS_DUE_MAX,
        },
    )


def _entry_page(
    request: HttpRequest, order: IsolationOrder, form: CheckForm, *, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    card = order_card(actor, order, [])
    return render(
        request,
        "isolation/monitoring/entry.html",
        {
            "card": card,
            "form": form,
            "checks": check_rows(actor, order, list(check_list(order)[:6])),
            "may_link": actor.role in RESIDENT_LINK_ROLES,
        },
        status=status,
    )


@actor_required(*CHECK_WRITE_ROLES)
def check_entry_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """The phone-sized check entry of one order: the last checks and the form."""
    actor = actor_of(request)
    order = access_order(actor, code, roles=CHECK_WRITE_ROLES)
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = check_record(
                actor=actor,
                order=order,
                temperature=form.cleaned_data["temperature"],
                symptoms=form.cleaned_data["symptoms"],
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            if outcome.alert is not None:
                messages.warning(
                    request,
                    _("Abnormal check: an alert is raised and a transfer to hospital requested."),
                )
            elif outcome.created:
                messages.success(request, _("Check recorded."))
            else:
                messages.info(request, _("This check time has a check already."))
            return redirect("isolation:check_entry", code=order.code)
    return _entry_page(request, order, form, status=422 if request.method == "POST" else 200)


@require_POST
@actor_required(*RESIDENT_LINK_ROLES)
def resident_link_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Issue a new personal link (older ones stop working) and show it once."""
    actor = actor_of(request)
    order = access_order(actor, code, roles=RESIDENT_LINK_ROLES)
    try:
        link = resident_link_issue(actor=actor, order=order)
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("isolation:order", code=order.code)
    url = request.build_absolute_uri(
        reverse("isolation:resident", kwargs={"token": link_token(link)})
    )
    return render(request, "isolation/monitoring/link.html", {"order": order, "url": url})


def _masked(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1)


def resident_view(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's own page: their order's days, plan tests and checks, and the
    self-report form. Only the signed link opens it; a bad, revoked or expired one is 404."""
    try:
        order = access_resident_link(token)
    except FangkongError as exc:
        return render(
            request,
            "web/error.html",
            {"error_code": exc.code, "error_message": exc.message},
            status=exc.status,
        )
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = check_self_report(
                order=order,
                temperature=form.cleaned_data["temperature"],
                symptoms=form.cleaned_data["symptoms"],
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            if outcome.alert is not None:
                messages.warning(request, _("Staff have been told and will contact you."))
            else:
                messages.success(request, _("Thank you: your check is recorded."))
            return redirect("isolation:resident", token=token)
    access_record(
        actor=RESIDENT,
        purpose="care",
        action="resident_page",
        subject_type="person",
        subject_ids=[str(order.person.code)],
    )
    rules = rules_for(order.region, timezone.localdate())
    return render(
        request,
        "isolation/monitoring/resident.html",
        {
            "name": _masked(order.person.name),
            "order": order,
            "tests": order_card_tests(list(order_tests(order))),
            "checks": [check_row(check) for check in check_list(order)[:20]],
            "hours": rules.parameters.monitoring.check_hours,
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )
