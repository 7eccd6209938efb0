"""Closed-loop transfer (闭环转运, issue 20 §4): vehicles and crews, and the moves of a
transfer task: assigned to a vehicle and crew, picked up, delivered or cancelled. Tasks are
requested in ``requesting`` and late ones alerted in ``alerts``.

A task's status moves only along :data:`TRANSITIONS`, each move a conditional update on the
task's version with a history row and an audit row. A vehicle never carries more tasks at once
(assigned or picked up) than its capacity: the assignment locks the vehicle row and counts its
seats in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import (
    TransferEventKind,
    TransferStatus,
    VehicleKind,
    VehicleState,
)
from fangkong.isolation.models import (
    Facility,
    TransferCrew,
    TransferTask,
    Vehicle,
)
from fangkong.isolation.roles import (
    TRANSFER_WRITE_ROLES,
)
from fangkong.isolation.transfers.events import transfer_event_record
from fangkong.regions.models import Region

#: The moves a task may make; anything else is refused with ``transfer_status`` (409).
TRANSITIONS: dict[str, frozenset[str]] = {
    TransferStatus.REQUESTED: frozenset({TransferStatus.ASSIGNED, TransferStatus.CANCELLED}),
    TransferStatus.ASSIGNED: frozenset({TransferStatus.PICKED_UP, TransferStatus.CANCELLED}),
    TransferStatus.PICKED_UP: frozenset({TransferStatus.DELIVERED}),
}
#: Vehicle states a dispatcher sets by hand (``on_task`` follows the tasks).
VEHICLE_MANUAL_STATES = (
    VehicleState.AVAILABLE,
    VehicleState.DISINFECTING,
    VehicleState.OUT_OF_SERVICE,
)
#: Statuses holding a seat of the task's vehicle.
SEATED = (TransferStatus.ASSIGNED, TransferStatus.PICKED_UP)
PLATE_MAX = 16


# ----------------------------------------------------------------------------- vehicles, crews


def vehicle_create(
    *, actor: AnyActor, region: Region, plate: str, kind: str, capacity: int
) -> Vehicle:
    """Register a vehicle based at ``region`` (already accessed by the caller), available.

    ``ValidationFailed`` names ``plate`` (required, 16), ``kind`` and ``capacity`` (1–60);
    ``Conflict`` ``plate_taken`` when the plate is registered. Audited."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    errors: Errors = []
    cleaned = text(
        (plate or "").upper(), field="plate", max_length=PLATE_MAX, errors=errors, required=True
    )
    if kind not in VehicleKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    if not 1 <= capacity <= 60:
        errors.append(field_error("capacity", "out_of_range", _("Between 1 and 60.")))
    raise_if(errors, _("The vehicle was not registered."))
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                plate=cleaned, kind=kind, capacity=capacity, region=region
            )
            audit_record(
                actor=actor,
                action="vehicle_create",
                object_type="vehicle",
                object_id=vehicle.code,
                fields=["plate", "kind", "capacity", "region"],
            )
    except IntegrityError as clash:
        raise Conflict(_("This plate is registered already."), code="plate_taken") from clash
    return vehicle


def vehicle_state_set(*, actor: AnyActor, vehicle: Vehicle, to: str, reason: str) -> Vehicle:
    """Set a vehicle available, disinfecting (终末消毒 after a transfer) or out of service.

    ``ValidationFailed`` names ``to`` (``on_task`` follows the tasks) and ``reason``;
    ``Conflict`` ``vehicle_busy`` while tasks hold seats on it (finish or cancel them first),
    ``vehicle_changed`` on a concurrent change. Audited with the reason."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    if to not in VEHICLE_MANUAL_STATES:
        raise_if(
            [field_error("to", "invalid_choice", _("Not one of the allowed values."))],
            _("The vehicle's state was not changed."),
        )
    why = reason_checked(reason)
    with transaction.atomic():
        locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if TransferTask.objects.filter(vehicle=locked, status__in=SEATED).exists():
            raise Conflict(_("Tasks are still assigned to this vehicle."), code="vehicle_busy")
        before = locked.state
        Vehicle.objects.filter(pk=locked.pk).update(state=to, version=F("version") + 1)
        audit_record(
            actor=actor,
            action="vehicle_state_set",
            object_type="vehicle",
            object_id=vehicle.code,
            fields=["state"],
            reason=why,
            extra={"from": before, "to": to},
        )
    vehicle.refresh_from_db()
    return vehicle


def crew_create(
    *, actor: AnyActor, region: Region, name: str, members: Sequence[User]
) -> TransferCrew:
    """Form a crew at ``region`` (accessed by the caller) with ``members`` (staff users the
    caller found in scope). ``ValidationFailed`` names ``name``. Audited."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    errors: Errors = []
    cleaned = text(name, field="name", max_length=80, errors=errors, required=True)
    raise_if(errors, _("The crew was not formed."))
    with transaction.atomic():
        crew = TransferCrew.objects.create(name=cleaned, region=region)
        crew.members.set(members)
        audit_record(
            actor=actor,
            action="crew_create",
            object_type="transfer_crew",
            object_id=crew.code,
            fields=["name", "region", "members"],
            extra={"members": len(members)},
        )
    return crew


# ----------------------------------------------------------------------------- moving


def _move(
    actor: AnyActor,
    task: TransferTask,
    to: str,
    *,
    reason: str = "",
    changes: dict[str, object] | None = None,
    detail: dict[str, object] | None = None,
) -> TransferTask:
    """Move ``task`` to ``to`` (a conditional update on status and version) with its
    history and audit rows; the caller holds the transaction."""
    if to not in TRANSITIONS.get(task.status, frozenset()):
        raise Conflict(
            _("A task that is %(status)s cannot be %(to)s.")
            % {"status": TransferStatus(task.status).label, "to": TransferStatus(to).label},
            code="transfer_status",
        )
    changed = TransferTask.objects.filter(
        pk=task.pk, status=task.status, version=task.version
    ).update(status=to, version=F("version") + 1, **(changes or {}))
    if changed != 1:
        raise Conflict(
            _("The task changed meanwhile; reload and try again."), code="transfer_changed"
        )
    transfer_event_record(
        task=task,
        kind=TransferEventKind.STATUS,
        actor=actor,
        reason=reason,
        rule_set=task.rule_set,
        from_value=task.status,
        to_value=to,
        detail=detail,
    )
    audit_record(
        actor=actor,
        action=f"transfer_{to}",
        object_type="transfer_task",
        object_id=task.code,
        fields=["status", *(changes or {})],
        reason=reason,
        rule_set=task.rule_set,
        extra=detail,
    )
    task.refresh_from_db()
    return task


def transfer_assign(
    *,
    actor: AnyActor,
    task: TransferTask,
    vehicle: Vehicle,
    crew: TransferCrew,
    destination_facility: Facility | None = None,
) -> TransferTask:
    """Assign a requested task to ``vehicle`` and ``crew`` (both accessed by the caller).

    The vehicle row is locked; it must be available or on a task (``vehicle_unavailable``,
    409) and have a free seat: the tasks assigned or picked up on it stay within its capacity
    (``vehicle_full``, 409). ``destination_facility`` names the hospital when the task has
    none. History and audit rows."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    with transaction.atomic():
        locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if locked.state not in (VehicleState.AVAILABLE, VehicleState.ON_TASK):
            raise Conflict(
                _("The vehicle is %(state)s.") % {"state": VehicleState(locked.state).label},
                code="vehicle_unavailable",
            )
        seats = TransferTask.objects.filter(vehicle=locked, status__in=SEATED).count()
        if seats >= locked.capacity:
            raise Conflict(
                _("The vehicle's %(capacity)d seats are taken.") % {"capacity": locked.capacity},
                code="vehicle_full",
            )
        changes: dict[str, object] = {
            "vehicle": locked,
            "crew": crew,
            "assigned_by_id": None if isinstance(actor, SystemActor) else actor.user_id,
        }
        if destination_facility is not None and task.destination_facility_id is None:
            changes["destination_facility"] = destination_facility
            changes["destination"] = destination_facility.address[:255]
        return _move(
            actor,
            task,
            TransferStatus.ASSIGNED,
            changes=changes,
            detail={"vehicle": locked.plate, "crew": str(crew.code)},
        )


def transfer_pickup(*, actor: AnyActor, task: TransferTask) -> TransferTask:
    """The crew picked the person up: the vehicle is on a task. History and audit rows."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    with transaction.atomic():
        moved = _move(
            actor, task, TransferStatus.PICKED_UP, changes={"picked_up_at": timezone.now()}
        )
        Vehicle.objects.filter(tasks=moved).update(state=VehicleState.ON_TASK)
        return moved


def transfer_deliver(*, actor: AnyActor, task: TransferTask) -> TransferTask:
    """The person arrived: the loop is closed. A vehicle left with no seat taken goes to
    disinfection (终末消毒) before its next task. History and audit rows."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    with transaction.atomic():
        moved = _move(
            actor, task, TransferStatus.DELIVERED, changes={"delivered_at": timezone.now()}
        )
        vehicle = Vehicle.objects.filter(tasks=moved)
        if not TransferTask.objects.filter(vehicle__in=vehicle, status__in=SEATED).exists():
            vehicle.filter(state=VehicleState.ON_TASK).update(state=VehicleState.DISINFECTING)
        return moved


def transfer_cancel(*, actor: AnyActor, task: TransferTask, reason: str) -> TransferTask:
    """Cancel a task not picked up yet, with a reason (422 naming ``reason``); its seat is
    freed. History and audit rows."""
    require_role(actor, TRANSFER_WRITE_ROLES)
    why = reason_checked(reason)
    with transaction.atomic():
        return _move(
            actor, task, TransferStatus.CANCELLED, reason=why, changes={"cancelled_reason": why}
        )
