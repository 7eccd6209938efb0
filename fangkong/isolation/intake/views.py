"""The intake pages: cases whose confirmed contacts are waiting for their orders, each with the
action that issues them in bulk (``intake.services.contact_orders_issue``); registered
arrivals waiting for theirs, with the form for one person and the CSV upload
(``intake.arrivals.arrival_orders_issue``); a positive case allowed home isolation
(``intake.home_isolation.home_isolation_order_issue``)."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.cases.access import access_case
from fangkong.cases.choices import CaseClassification
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.isolation.intake.arrivals import arrival_orders_issue
from fangkong.isolation.intake.arrivals_file import MAX_BYTES, arrival_rows_read
from fangkong.isolation.intake.forms import (
    ArrivalOrderForm,
    ArrivalsUploadForm,
    HomeIsolationForm,
)
from fangkong.isolation.intake.home_isolation import home_isolation_order_issue
from fangkong.isolation.intake.presentation import arrival_rows
from fangkong.isolation.intake.selectors import (
    arrivals_awaiting_orders,
    arrivals_of_persons,
    cases_awaiting_orders,
    home_isolation_order_of,
)
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.orders.services import DAY0_MAX_AGE
from fangkong.isolation.roles import HOME_ISOLATION_ROLES, INTAKE_ROLES


class ContactOrdersForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255, widget=forms.TextInput())


def _page(request: HttpRequest, form: ContactOrdersForm | None, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "isolation/intake.html",
        {"waiting": cases_awaiting_orders(actor=actor), "form": form or ContactOrdersForm()},
        status=status,
    )


@actor_required(*INTAKE_ROLES)
def intake_view(request: HttpRequest) -> HttpResponse:
    """Cases in scope with confirmed close or secondary contacts that have no order yet."""
    return _page(request, None)


@require_POST
@actor_required(*INTAKE_ROLES)
def contact_orders_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Issue the orders of one case's confirmed contacts without one, then back to the list."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=INTAKE_ROLES)
    form = ContactOrdersForm(request.POST)
    if form.is_valid():
        try:
            report = contact_orders_issue(
                actor=actor, case=case, reason=form.cleaned_data["reason"]
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            skipped = sum(report.skipped.values())
            messages.success(
                request,
                _(
                    "%(created)d orders issued, %(existing)d contacts already under an open "
                    "order, %(skipped)d left to their district or too old."
                )
                % {
                    "created": len(report.created),
                    "existing": len(report.existing),
                    "skipped": skipped,
                },
            )
            return redirect("isolation:intake")
    return _page(request, form, status=422)


# --------------------------------------------------------------------------- arrivals


def _arrivals_page(
    request: HttpRequest,
    *,
    one: ArrivalOrderForm | None = None,
    upload: ArrivalsUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    page = paginate(arrivals_awaiting_orders(actor=actor), page=_page_number(request), page_size=50)
    return render(
        request,
        "isolation/intake/arrivals.html",
        {
            "page": page,
            "rows": arrival_rows(actor, list(page.items)),
            "one": one or ArrivalOrderForm(),
            "upload": upload or ArrivalsUploadForm(),
            "max_age_days": DAY0_MAX_AGE.days,
        },
        status=status,
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


@require_http_methods(["GET", "POST"])
@actor_required(*INTAKE_ROLES)
def arrivals_view(request: HttpRequest) -> HttpResponse:
    """Registered arrivals in scope without an order yet (each person shown is logged), the
    form that issues one person's latest arrival its order (then on to the order) and the CSV
    upload that issues a file's arrivals all or none (``intake.arrivals.arrival_orders_issue``
    either way; a retried post finds the orders and creates nothing)."""
    if request.method == "POST" and request.POST.get("action") == "upload":
        return _arrivals_upload(request)
    if request.method == "POST":
        return _arrival_one(request)
    return _arrivals_page(request)


def _arrival_one(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ArrivalOrderForm(request.POST)
    if not form.is_valid():
        return _arrivals_page(request, one=form, status=422)
    data = form.cleaned_data
    try:
        arrivals = arrivals_of_persons(actor=actor, codes=[data["person"]])
        report = arrival_orders_issue(
            actor=actor, arrivals=arrivals, group=data["group"], reason=data["reason"]
        )
    except FangkongError as exc:
        if exc.status == 403:
            raise
        if exc.code == "person_not_found":
            form.add_error("person", exc.message)
        else:
            errors_on_form(form, exc)
        return _arrivals_page(request, one=form, status=exc.status)
    if report.created:
        messages.success(request, _("The order was issued."))
        return redirect("isolation:order", code=report.created[0].code)
    if report.existing:
        messages.info(request, _("This arrival is already under an open order."))
        return redirect("isolation:order", code=report.existing[0].code)
    form.add_error(
        "person",
        _("The person arrived more than %(days)d days ago; no order counts from that day.")
        % {"days": DAY0_MAX_AGE.days},
    )
    return _arrivals_page(request, one=form, status=422)


def _arrivals_upload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ArrivalsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _arrivals_page(request, upload=form, status=422)
    data = form.cleaned_data
    try:
        # One byte past the limit is enough to refuse a file too large, without reading it all.
        rows = arrival_rows_read(data["file"].read(MAX_BYTES + 1))
        arrivals = arrivals_of_persons(
            actor=actor, codes=[code for _row, code in rows], rows=[row for row, _code in rows]
        )
        report = arrival_orders_issue(
            actor=actor, arrivals=arrivals, group=data["group"], reason=data["reason"]
        )
    except FangkongError as exc:
        if exc.status == 403:
            raise
        errors_on_form(form, exc)
        return _arrivals_page(request, upload=form, status=422)
    messages.success(
        request,
        _(
            "%(created)d orders issued, %(existing)d arrivals already under an open order, "
            "%(skipped)d arrived too long ago."
        )
        % {
            "created": len(report.created),
            "existing": len(report.existing),
            "skipped": sum(report.skipped.values()),
        },
    )
    return redirect("isolation:arrivals")


# --------------------------------------------------------------------------- home isolation


@require_http_methods(["GET", "POST"])
@actor_required(*HOME_ISOLATION_ROLES)
def home_isolation_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Allow a positive case to isolate at home (``intake.home_isolation``): the case, the
    order it was allowed before if any, and the form; done, on to the order. A retried post
    finds the order and creates nothing."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=HOME_ISOLATION_ROLES)
    before = home_isolation_order_of(case)
    form = HomeIsolationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                order = home_isolation_order_issue(
                    actor=actor,
                    case=case,
                    reason=form.cleaned_data["reason"],
                    isolated_since=form.cleaned_data["isolated_since"],
                )
            except FangkongError as exc:
                if exc.status in (403, 404):
                    raise
                errors_on_form(form, exc)
                status = exc.status
            else:
                if before is None:
                    messages.success(request, _("The case isolates at home under this order."))
                else:
                    messages.info(request, _("The case was already allowed home isolation."))
                return redirect("isolation:order", code=order.code)
    return render(
        request,
        "isolation/intake/home_isolation.html",
        {
            "case": case,
            "classification": CaseClassification(case.classification).label,
            "before": before,
            "form": form,
        },
        status=status,
    )
