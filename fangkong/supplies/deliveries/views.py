"""Deliveries on a phone: the compound's deliveries with their pick lists, the gate
hand-over and the door confirmation."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.supplies.deliveries.access import access_delivery
from fangkong.supplies.deliveries.forms import ConfirmForm
from fangkong.supplies.deliveries.selectors import delivery_list, pick_list
from fangkong.supplies.deliveries.services import delivery_confirm, delivery_hand_over
from fangkong.supplies.pages import form_submit, page_number
from fangkong.supplies.roles import DELIVERY_ROLES, SUPPLIES_READ_ROLES

STATUSES = ("picked", "handed_over", "delivered")


@actor_required(*SUPPLIES_READ_ROLES)
def deliveries_view(request: HttpRequest) -> HttpResponse:
    """The actor's deliveries, oldest first, optionally of one status."""
    actor = actor_of(request)
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    return render(
        request,
        "supplies/deliveries.html",
        {
            "page": paginate(
                delivery_list(actor=actor, status=status),
                page=page_number(request.GET.get("page")),
            ),
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


def _delivery_page(
    request: HttpRequest, code: UUID, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    delivery = access_delivery(actor, code)
    return render(
        request,
        "supplies/delivery.html",
        {
            "delivery": delivery,
            "lines": pick_list(delivery=delivery),
            "may_act": actor.role in DELIVERY_ROLES,
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
