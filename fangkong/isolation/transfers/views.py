"""Transfer pages: the dispatcher's page (tasks by status, vehicles, today's pickups grouped
by street with their map, late alerts, the vehicle form) and one task with the forms that move it.

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form (``core.form_errors``); persons are shown through ``presentation``. A crew
member sees only their crews' tasks (the selectors' scope).
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
from fangkong.isolation.choices import TransferStatus
from fangkong.isolation.models import Vehicle
from fangkong.isolation.roles import TRANSFER_READ_ROLES, TRANSFER_WRITE_ROLES
from fangkong.isolation.transfers.access import access_crew, access_transfer, access_vehicle
from fangkong.isolation.transfers.forms import AssignForm, CancelForm, VehicleForm
from fangkong.isolation.transfers.pickup_map import pickup_map
from fangkong.isolation.transfers.presentation import transfer_rows
from fangkong.isolation.transfers.selectors import (
    crew_list,
    pickups_by_street,
    transfer_alert_list,
    transfer_counts,
    transfer_list,
    vehicle_list,
)
from fangkong.isolation.transfers.services import (
    transfer_assign,
    transfer_cancel,
    transfer_deliver,
    transfer_pickup,
    vehicle_create,
)
from fangkong.regions.access import access_region


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


def _dispatch_page(
    request: HttpRequest, *, vehicle_form: VehicleForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    now = timezone.now()
    shown = request.GET.get("status", "")
    shown = shown if shown in TransferStatus.values else ""
    page = paginate(
        transfer_list(actor=actor, status=shown),
        page=_page_number(request.GET.get("page")),
        page_size=50,
    )
    streets = pickups_by_street(actor=actor, on=timezone.localdate())
    street_rows = transfer_rows(actor, [t for s in streets for t in s.tasks], now=now)
    by_code = {row.code: row for row in street_rows}
    return render(
        request,
        "isolation/transfers/dispatch.html",
        {
            "counts": transfer_counts(actor=actor),
            "statuses": TransferStatus.choices,
            "shown": shown,
            "query": f"status={shown}" if shown else "",
            "page": page,
            "rows": transfer_rows(actor, list(page.items), now=now),
            "streets": [(s, [by_code[t.code] for t in s.tasks]) for s in streets],
            "pickup_map": pickup_map(actor=actor, streets=streets),
            "vehicles": list(vehicle_list(actor=actor)[:200]),
            "alerts": list(transfer_alert_list(actor=actor, state="open")[:50]),
            "may_dispatch": actor.role in TRANSFER_WRITE_ROLES,
            "vehicle_form": vehicle_form or VehicleForm(),
        },
        status=status,
    )


@actor_required(*TRANSFER_READ_ROLES)
def dispatch_view(request: HttpRequest) -> HttpResponse:
    """The dispatcher's page: tasks by status, vehicles, today's pickups by street."""
    return _dispatch_page(request)


@require_POST
@actor_required(*TRANSFER_WRITE_ROLES)
def vehicle_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = VehicleForm(request.POST)
    if form.is_valid():
        try:
            vehicle_create(
                actor=actor, region=access_region(actor, actor.region_code), **form.cleaned_data
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Vehicle registered."))
            return redirect("isolation:transfers")
    return _dispatch_page(request, vehicle_form=form, status=422)


def _vehicle_label(vehicle: Vehicle, seats_taken: int) -> str:
    return f"{vehicle.plate} · {seats_taken}/{vehicle.capacity} · {vehicle.get_state_display()}"


def _choices(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    actor = actor_of(request)
    return {
        "vehicles": [
            (str(v.code), _vehicle_label(v, getattr(v, "seats_taken", 0)))
            for v in vehicle_list(actor=actor)[:200]
        ],
        "crews": [(str(c.code), c.name) for c in crew_list(actor=actor)[:200]],
    }


def _task_page(
    request: HttpRequest,
    code: UUID,
    *,
    assign: AssignForm | None = None,
    cancel: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    task = access_transfer(actor, code)
    (row,) = transfer_rows(actor, [task], now=timezone.now())
    may_dispatch = actor.role in TRANSFER_WRITE_ROLES
    return render(
        request,
        "isolation/transfers/task.html",
        {
            "row": row,
            "may_dispatch": may_dispatch,
            "assign": assign or (AssignForm(**_choices(request)) if may_dispatch else None),
            "cancel": cancel or CancelForm(),
        },
        status=status,
    )


@actor_required(*TRANSFER_READ_ROLES)
def task_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One task: where from, where to, when, by which vehicle and crew, and its moves."""
    return _task_page(request, code)


@require_POST
@actor_required(*TRANSFER_WRITE_ROLES)
def task_assign_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    task = access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES)
    form = AssignForm(request.POST, **_choices(request))
    if form.is_valid():
        try:
            transfer_assign(
                actor=actor,
                task=task,
                vehicle=access_vehicle(actor, form.cleaned_data["vehicle"]),
                crew=access_crew(actor, form.cleaned_data["crew"]),
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Task assigned."))
            return redirect("isolation:transfer", code=task.code)
    return _task_page(request, code, assign=form, status=422)


@require_POST
@actor_required(*TRANSFER_WRITE_ROLES)
def task_move_view(request: HttpRequest, code: UUID, step: str) -> HttpResponse:
    """Pick up or deliver (one button each); a refusal shows as a message."""
    actor = actor_of(request)
    task = access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES)
    try:
        if step == "pickup":
            transfer_pickup(actor=actor, task=task)
        else:
            transfer_deliver(actor=actor, task=task)
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("isolation:transfer", code=task.code)


@require_POST
@actor_required(*TRANSFER_WRITE_ROLES)
def task_cancel_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    task = access_transfer(actor, code, roles=TRANSFER_WRITE_ROLES)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            transfer_cancel(actor=actor, task=task, reason=form.cleaned_data["reason"])
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Task cancelled."))
            return redirect("isolation:transfer", code=task.code)
    return _task_page(request, code, cancel=form, status=422)
