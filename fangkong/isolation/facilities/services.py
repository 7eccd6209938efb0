"""Registering isolation facilities, their governed status, bulk room import and readying
rooms (issue 20 §1, R23).

A facility's status changes only along :data:`TRANSITIONS`, by a role in
``FACILITY_STATUS_ROLES``, with a reason, as a conditional update (a concurrent change of the
same facility loses with ``Conflict``); each change leaves a history row and an audit row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error, field_refusal
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import FacilityEventKind, FacilityKind, FacilityStatus
from fangkong.isolation.events import facility_event_record
from fangkong.isolation.facilities.rooms_file import ROOM_COLUMNS, rooms_parse
from fangkong.isolation.models import Facility, Room
from fangkong.isolation.roles import FACILITY_STATUS_ROLES, FACILITY_WRITE_ROLES
from fangkong.people.validation import require_in_scope
from fangkong.regions.models import Region

S = FacilityStatus

#: Which status may follow which. A site standing down goes back to reserve once emptied, or
#: is activated again.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RESERVE: frozenset({S.ACTIVATING}),
    S.ACTIVATING: frozenset({S.ACTIVE, S.STANDING_DOWN}),
    S.ACTIVE: frozenset({S.STANDING_DOWN}),
    S.STANDING_DOWN: frozenset({S.RESERVE, S.ACTIVATING}),
}


@dataclass(frozen=True)
class FacilityInput:
    name: str
    kind: str
    address: str
    latitude: float | None = None
    longitude: float | None = None


def facility_create(*, actor: AnyActor, region: Region, data: FacilityInput) -> Facility:
    """Register a facility at ``region`` (in the actor's subtree), in reserve.

    Raises ``PermissionDenied`` for a role outside ``FACILITY_WRITE_ROLES``, ``NotFound`` for
    a node outside the actor's subtree, ``ValidationFailed`` naming each bad field."""
    require_role(actor, FACILITY_WRITE_ROLES)
    require_in_scope(actor, region)
    errors: Errors = []
    name = text(data.name, field="name", max_length=120, errors=errors, required=True)
    address = text(data.address, field="address", max_length=255, errors=errors, required=True)
    if data.kind not in FacilityKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        errors.append(field_error("latitude", "out_of_range", _("Between -90 and 90.")))
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        errors.append(field_error("longitude", "out_of_range", _("Between -180 and 180.")))
    if (data.latitude is None) != (data.longitude is None):
        errors.append(
            field_error("longitude", "coordinates_incomplete", _("Give both coordinates or none."))
        )
    raise_if(errors, _("The facility was not registered."))
    with transaction.atomic():
        facility = Facility.objects.create(
            name=name,
            kind=data.kind,
            region=region,
            address=address,
            latitude=data.latitude,
            longitude=data.longitude,
        )
        facility_event_record(
            facility=facility, kind=FacilityEventKind.CREATED, actor=actor, to_value=S.RESERVE
        )
        audit_record(
            actor=actor,
            action="facility_create",
            object_type="facility",
            object_id=facility.code,
            fields=["name", "kind", "region", "address", "latitude", "longitude"],
        )
    return facility


def facility_transition(
    *, actor: AnyActor, facility: Facility, to: str, reason: str | None
) -> Facility:
    """Move ``facility`` to status ``to`` along :data:`TRANSITIONS`, with a reason.

    1. The role must be in ``FACILITY_STATUS_ROLES`` (403) and the reason given (422 naming
       ``reason``); a move not in the table is refused (422 naming ``to``).
    2. The row is updated only if its status is still the one read (else ``Conflict``).
    3. Entering ``activating`` starts the activation clock the staged targets run on.
    4. A history row (from → to, reason) and an audit row, in the same transaction.
    """
    require_role(actor, FACILITY_STATUS_ROLES)
    why = reason_checked(reason)
    current = facility.status
    if to not in TRANSITIONS.get(current, frozenset()):
        raise field_refusal(
            "facility_transition_not_allowed",
            _("A facility that is %(current)s cannot become %(to)s.")
            % {"current": S(current).label, "to": S(to).label if to in S.values else to},
            field="to",
        )
    now = timezone.now()
    updates: dict[str, object] = {"status": to, "version": F("version") + 1}
    if to == S.ACTIVATING:
        updates["activation_started_at"] = now
    with transaction.atomic():
        changed = Facility.objects.filter(pk=facility.pk, status=current).update(**updates)
        if changed != 1:
            raise Conflict(
                _("The facility changed meanwhile; reload and try again."),
                code="facility_changed",
            )
        facility_event_record(
            facility=facility,
            kind=FacilityEventKind.STATUS,
            actor=actor,
            reason=why,
            from_value=current,
            to_value=to,
        )
        audit_record(
            actor=actor,
            action="facility_transition",
            object_type="facility",
            object_id=facility.code,
            fields=["status"],
            reason=why,
            extra={"from": current, "to": to},
        )
    facility.refresh_from_db()
    return facility


def rooms_import(*, actor: AnyActor, facility: Facility, content: str) -> int:
    """Add the rooms of a CSV file to ``facility`` (see :func:`rooms_parse`): all or none.

    A room number the facility has already is refused with its row. Rooms of a facility that
    is active are ready at once; otherwise they wait for :func:`rooms_ready`. One history and
    one audit row for the file. Returns the number of rooms added."""
    require_role(actor, FACILITY_WRITE_ROLES)
    parsed = rooms_parse(content)
    rooms = [room for _, room in parsed]
    now = timezone.now()
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        have = set(
            Room.objects.filter(
                facility=facility, number__in=[r.number for r in rooms]
            ).values_list("number", flat=True)
        )
        errors = [
            field_error(
                "number",
                "room_exists",
                _("Room %(number)s is already registered.") % {"number": room.number},
                row=row,
            )
            for row, room in parsed
            if room.number in have
        ]
        raise_if(errors, _("The room file was not imported."))
        ready = now if facility.status == S.ACTIVE else None
        for room in rooms:
            room.facility = facility
            room.ready_at = ready
        Room.objects.bulk_create(rooms, batch_size=2000)
        facility_event_record(
            facility=facility,
            kind=FacilityEventKind.ROOMS_IMPORTED,
            actor=actor,
            detail={"rooms": len(rooms)},
        )
        audit_record(
            actor=actor,
            action="rooms_import",
            object_type="facility",
            object_id=facility.code,
            fields=list(ROOM_COLUMNS),
            extra={"rooms": len(rooms)},
        )
    return len(rooms)


def rooms_ready(*, actor: AnyActor, facility: Facility, numbers: Sequence[str]) -> int:
    """Mark the rooms ``numbers`` of ``facility`` ready (activation counts them). Unknown
    numbers are refused by name; rooms ready already stay as they were. Returns how many
    became ready now."""
    require_role(actor, FACILITY_WRITE_ROLES)
    wanted = sorted({n.strip() for n in numbers if n.strip()})
    if not wanted:
        raise_if(
            [field_error("numbers", "required", _("This field is required."))],
            _("No rooms were named."),
        )
    known = set(
        Room.objects.filter(facility=facility, number__in=wanted).values_list("number", flat=True)
    )
    missing = [n for n in wanted if n not in known]
    if missing:
        raise_if(
            [
                field_error(
                    "numbers",
                    "room_not_found",
                    _("No room %(number)s here.") % {"number": n},
                )
                for n in missing
            ],
            _("No rooms were readied."),
        )
    with transaction.atomic():
        count = Room.objects.filter(
            facility=facility, number__in=wanted, ready_at__isnull=True
        ).update(ready_at=timezone.now())
        facility_event_record(
            facility=facility,
            kind=FacilityEventKind.ROOMS_READIED,
            actor=actor,
            detail={"rooms": count},
        )
        audit_record(
            actor=actor,
            action="rooms_ready",
            object_type="facility",
            object_id=facility.code,
            fields=["ready_at"],
            extra={"rooms": count},
        )
    return count
