"""The supplies officer's stock pages: warehouses with days of cover (shortages before they
happen), one warehouse with its lots, the receipt form and the allocation proposal form."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.core.roles import Role
from fangkong.policy.selectors import rules_for_actor
from fangkong.supplies.allocation.forms import ProposeForm
from fangkong.supplies.allocation.selectors import allocation_list
from fangkong.supplies.pages import form_submit, page_number
from fangkong.supplies.roles import SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.access import access_warehouse
from fangkong.supplies.stock.forms import ReceiptForm
from fangkong.supplies.stock.selectors import cover_list, lot_list, warehouse_list
from fangkong.supplies.stock.services import stock_receive

#: The stock pages are the supplies officer's and the command's (grid workers have theirs).
STOCK_PAGE_ROLES = (Role.SUPPLIES_OFFICER, Role.COMMANDER, Role.DUTY_OFFICER)


@actor_required(*STOCK_PAGE_ROLES)
def stock_view(request: HttpRequest) -> HttpResponse:
    """The actor's warehouses and the days of cover of every item, shortest first."""
    actor = actor_of(request)
    day = timezone.localdate()
    rules = rules_for_actor(actor, day)
    return render(
        request,
        "supplies/stock.html",
        {
            "page": paginate(
                warehouse_list(actor=actor), page=page_number(request.GET.get("page"))
            ),
            "covers": cover_list(actor=actor, day=day)[:200],
            "rules": rules,
            "settings": rules.parameters.supplies,
        },
    )


def warehouse_page(
    request: HttpRequest,
    code: UUID,
    *,
    receipt: forms.Form | None = None,
    propose: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code)
    context: dict[str, Any] = {
        "warehouse": warehouse,
        "page": paginate(lot_list(warehouse=warehouse), page=page_number(request.GET.get("page"))),
        "allocations": allocation_list(actor=actor).filter(warehouse=warehouse)[:20],
        "may_write": actor.role in SUPPLIES_WRITE_ROLES,
        "receipt": receipt or ReceiptForm(),
        "propose": propose or ProposeForm(initial={"day": timezone.localdate()}),
    }
    return render(request, "supplies/warehouse.html", context, status=status)


@actor_required(*STOCK_PAGE_ROLES)
def warehouse_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One warehouse: its lots (first to expire first), its allocations, the forms."""
    return warehouse_page(request, code)


@require_POST
@actor_required(*SUPPLIES_WRITE_ROLES)
def receipt_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code, roles=SUPPLIES_WRITE_ROLES)
    return form_submit(
        request,
        ReceiptForm(request.POST),
        lambda data: stock_receive(actor=actor, warehouse=warehouse, **data),
        done=_("Receipt recorded."),
        to="supplies:warehouse",
        code=warehouse.code,
        failed=lambda form: warehouse_page(request, code, receipt=form, status=422),
    )
