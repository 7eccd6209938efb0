"""Deliveries on a phone: the compound's deliveries with their pick lists and their progress
at the doors, the gate hand-over, the grid worker's doors and the resident's own door."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.community.requests.access import access_resident_link
from fangkong.core.audit import access_record
from fangkong.core.errors import FangkongError, NotFound
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.people.access import parse_code
from fangkong.supplies.deliveries.access import access_delivery, access_door
from fangkong.supplies.deliveries.forms import ConfirmForm, DoorForm
from fangkong.supplies.deliveries.selectors import (
    delivery_list,
    door_list,
    door_progress,
    household_doors,
    pick_list,
)
from fangkong.supplies.deliveries.services import (
    RESIDENT,
    delivery_confirm,
    delivery_hand_over,
    door_delivery_record,
)
from fangkong.supplies.pages import form_submit, page_number
from fangkong.supplies.roles import DELIVERY_ROLES, DOOR_ROLES, SUPPLIES_READ_ROLES

STATUSES = ("picked", "handed_over", "delivered")


@actor_required(*SUPPLIES_READ_ROLES)
def deliveries_view(request: HttpRequest) -> HttpResponse:
    """The actor's deliveries, oldest first, optionally of one status."""
    actor = actor_of(request)
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    page = paginate(
        delivery_list(actor=actor, status=status), page=page_number(request.GET.get("page"))
    )
    progress = door_progress(page.items)
    return render(
        request,
        "supplies/deliveries.html",
        {
            "page": page,
            "rows": [(d, progress[d.pk]) for d in page.items],
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


def _delivery_page(
    request: HttpRequest, code: UUID, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    delivery = access_delivery(actor, code)
    doors = (
        list(door_list(actor=actor, delivery=delivery)[:200]) if actor.role in DOOR_ROLES else []
    )
    if doors:
        access_record(
            actor=actor,
            purpose="care",
            action="door_delivery_list",
            subject_type="household",
            subject_ids=[door.household.code for door in doors],
        )
    return render(
        request,
        "supplies/delivery.html",
        {
            "delivery": delivery,
            "lines": pick_list(delivery=delivery),
            "may_act": actor.role in DELIVERY_ROLES,
            "progress": door_progress([delivery])[delivery.pk],
            "doors": doors,
            "door_form": DoorForm(),
            "form": form or ConfirmForm(),
        },
        status=status,
    )


@actor_required(*SUPPLIES_READ_ROLES)
def delivery_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One delivery: its pick list and its steps."""
    return _delivery_page(request, code)


@require_POST
@actor_required(*DELIVERY_ROLES)
def hand_over_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    delivery = access_delivery(actor, code, roles=DELIVERY_ROLES)
    return form_submit(
        request,
        forms.Form(request.POST),
        lambda data: delivery_hand_over(actor=actor, delivery=delivery),
        done=_("Handed over at the gate."),
        to="supplies:delivery",
        code=delivery.code,
        failed=lambda form: _delivery_page(request, code, status=409),
    )


@require_POST
@actor_required(*DELIVERY_ROLES)
def confirm_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    delivery = access_delivery(actor, code, roles=DELIVERY_ROLES)
    return form_submit(
        request,
        ConfirmForm(request.POST),
        lambda data: delivery_confirm(actor=actor, delivery=delivery, **data),
        done=_("Delivery to the doors confirmed."),
        to="supplies:delivery",
        code=delivery.code,
        failed=lambda form: _delivery_page(request, code, form=form, status=422),
    )


@require_POST
@actor_required(*DOOR_ROLES)
def door_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """The grid worker records one of their households' doors."""
    actor = actor_of(request)
    door = access_door(actor, code)
    return form_submit(
        request,
        DoorForm(request.POST),
        lambda data: door_delivery_record(actor=actor, door=door, **data),
        done=_("Door delivery recorded."),
        to="supplies:delivery",
        code=door.delivery.code,
        failed=lambda form: _delivery_page(request, door.delivery.code, status=422),
    )


def resident_doors_view(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's deliveries, reached by the household's signed link only (a bad,
    expired or revoked link is the same 404 as any missing page): the goods brought to the
    door, and a form to confirm them, or to say they did not come or are refused."""
    try:
        household = access_resident_link(token)
        form = DoorForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            parsed = parse_code(request.POST.get("door", ""))
            door = household_doors(household).filter(code=parsed).first() if parsed else None
            if door is None:
                raise NotFound(_("No such door delivery."), code="door_not_found")
            if form.is_valid():
                try:
                    door_delivery_record(actor=RESIDENT, door=door, **form.cleaned_data)
                except FangkongError as exc:
                    if exc.status in (403, 404):
                        raise
                    errors_on_form(form, exc)
                else:
                    messages.success(request, _("Thank you: recorded."))
                    return redirect("supplies:resident_doors", token=token)
        return render(
            request,
            "supplies/resident_doors.html",
            {"doors": list(household_doors(household)[:20]), "form": form, "token": token},
            status=422 if request.method == "POST" else 200,
        )
    except FangkongError as exc:
        return render(
            request,
            "web/error.html",
            {"error_code": exc.code, "error_message": exc.message},
            status=exc.status,
        )
