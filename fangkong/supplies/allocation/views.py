"""The supplies officer's allocation pages: proposing one for a warehouse and a day, the
allocations list, one allocation per item and per request with approve and cancel."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import NotFound
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.supplies.allocation.access import access_allocation
from fangkong.supplies.allocation.forms import ProposeForm, ReasonForm
from fangkong.supplies.allocation.selectors import (
    allocation_items,
    allocation_lines,
    allocation_list,
    request_list,
)
from fangkong.supplies.allocation.services import (
    allocation_approve,
    allocation_cancel,
    allocation_propose,
)
from fangkong.supplies.pages import form_submit, page_number
from fangkong.supplies.roles import SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.access import access_warehouse
from fangkong.supplies.stock.views import STOCK_PAGE_ROLES, warehouse_page


@actor_required(*STOCK_PAGE_ROLES)
def allocations_view(request: HttpRequest) -> HttpResponse:
    """Allocations of the actor's warehouses (newest first) and the open requests."""
    actor = actor_of(request)
    return render(
        request,
        "supplies/allocations.html",
        {
            "page": paginate(
                allocation_list(actor=actor), page=page_number(request.GET.get("page"))
            ),
            "requests": request_list(actor=actor, status="open")[:50],
        },
    )


@require_POST
@actor_required(*SUPPLIES_WRITE_ROLES)
def propose_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code, roles=SUPPLIES_WRITE_ROLES)
    return form_submit(
        request,
        ProposeForm(request.POST),
        lambda data: allocation_propose(actor=actor, warehouse=warehouse, day=data["day"]),
        done=_("Allocation proposed: check it and approve it."),
        to="supplies:allocations",
        failed=lambda form: warehouse_page(request, code, propose=form, status=422),
    )


def _allocation_page(
    request: HttpRequest, code: UUID, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    allocation = access_allocation(actor, code)
    return render(
        request,
        "supplies/allocation.html",
        {
            "allocation": allocation,
            "items": allocation_items(allocation=allocation),
            "page": paginate(
                allocation_lines(allocation=allocation), page=page_number(request.GET.get("page"))
            ),
            "may_write": actor.role in SUPPLIES_WRITE_ROLES,
            "form": form or ReasonForm(),
        },
        status=status,
    )


@actor_required(*STOCK_PAGE_ROLES)
def allocation_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One allocation: per item needed, allocated and requests served in full; per request."""
    return _allocation_page(request, code)


@require_POST
@actor_required(*SUPPLIES_WRITE_ROLES)
def decide_view(request: HttpRequest, code: UUID, decision: str) -> HttpResponse:
    """Approve or cancel a draft, with a reason."""
    if decision not in ("approve", "cancel"):
        raise NotFound(_("No such page."), code="page_not_found")
    actor = actor_of(request)
    allocation = access_allocation(actor, code, roles=SUPPLIES_WRITE_ROLES)
    service = allocation_approve if decision == "approve" else allocation_cancel
    return form_submit(
        request,
        ReasonForm(request.POST),
        lambda data: service(actor=actor, allocation=allocation, reason=data["reason"]),
        done=_("Allocation approved.") if decision == "approve" else _("Allocation cancelled."),
        to="supplies:allocation",
        code=allocation.code,
        failed=lambda form: _allocation_page(request, code, form=form, status=422),
    )
