"""The last metre (R27; Longchuan's three steps): goods picked at the warehouse are handed
over at the compound gate, then carried to the doors and confirmed. Each step is a
conditional update (a step done twice, or out of order, is refused), time-stamped with who
did it, with a history and an audit row.

The hand-over at a compound's receiving point makes one pending :class:`DoorDelivery` per
household of the compound (one INSERT, idempotent on the unique pair); each door is then
confirmed (or found not at home, or refused) by its grid worker or its resident, and the
delivery counts its confirmed doors and is delivered once no door is pending."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.people.models import Household
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.checks import Errors, clean_text, reason_checked, refuse_if, require_role
from fangkong.supplies.choices import DeliveryStatus, DoorStatus, SupplyEventKind
from fangkong.supplies.events import supply_event_record
from fangkong.supplies.models import Delivery, DoorDelivery
from fangkong.supplies.roles import DELIVERY_ROLES, DOOR_ROLES

S = DeliveryStatus
#: The resident acting through their household's signed link.
RESIDENT = SystemActor(username="resident-link", role="resident")


def _step(
    *, actor: AnyActor, delivery: Delivery, before: str, after: str, kind: str, **updates: object
) -> Delivery:
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status=before).update(
            status=after, **updates
        )
        if changed != 1:
            raise Conflict(
                _("This delivery is not %(status)s; reload it.") % {"status": S(before).label},
                code="delivery_step_not_allowed",
            )
        supply_event_record(
            object_type="delivery",
            code=delivery.code,
            region=delivery.request.region,
            kind=kind,
            actor=actor,
            detail={key: str(value) for key, value in updates.items() if key != "note"},
        )
        audit_record(
            actor=actor,
            action=f"delivery_{after}",
            object_type="delivery",
            object_id=delivery.code,
            fields=["status", *updates],
        )
    delivery.refresh_from_db()
    return delivery


def delivery_hand_over(*, actor: AnyActor, delivery: Delivery) -> Delivery:
    """The supplier hands the picked goods over at the compound gate (picked → handed over)."""
    require_role(actor, DELIVERY_ROLES)
    with transaction.atomic():
        delivery = _step(
            actor=actor,
            delivery=delivery,
            before=S.PICKED,
            after=S.HANDED_OVER,
            kind=SupplyEventKind.HANDED_OVER,
            handed_over_at=timezone.now(),
            handed_over_by=actor.username,
        )
        doors_open(actor=actor, delivery=delivery)
    return delivery


def doors_open(*, actor: AnyActor, delivery: Delivery) -> int:
    """One pending door delivery per household of the compound whose receiving point the
    delivery goes to (its node's subtree), made in one INSERT; a household that has its row
    already is skipped (``door_delivery_once``), so a retry makes none twice. A delivery to a
    district (no receiving point) has no doors. Returns the number of doors of the delivery.
    Must run inside the caller's transaction: an audit row counts the doors made."""
    point = delivery.request.receiving_point
    if point is None:
        return 0
    compound = point.region.path
    have = DoorDelivery.objects.filter(delivery=delivery).values_list("household_id", flat=True)
    missing = (
        Household.objects.filter(in_subtree(compound, field="region__path"))
        .exclude(pk__in=have)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    made = DoorDelivery.objects.bulk_create(
        [DoorDelivery(delivery=delivery, household_id=pk) for pk in missing],
        batch_size=2000,
        ignore_conflicts=True,
    )
    doors = DoorDelivery.objects.filter(delivery=delivery).count()
    audit_record(
        actor=actor,
        action="delivery_doors_open",
        object_type="delivery",
        object_id=delivery.code,
        fields=["doors"],
        extra={"made": len(made), "doors": doors},
    )
    return doors


def delivery_confirm(
    *, actor: AnyActor, delivery: Delivery, households: int, note: str = ""
) -> Delivery:
    """Staff confirm the goods reached the doors (handed over → delivered): how many
    households were reached (0…the receiving point's households when it has a count) and an
    optional note."""
    require_role(actor, DELIVERY_ROLES)
    if DoorDelivery.objects.filter(delivery=delivery).exists():
        raise Conflict(_("This delivery is confirmed door by door."), code="delivery_has_doors")
    errors: Errors = []
    cleaned = clean_text(note, field="note", max_length=255, errors=errors, required=False)
    point = delivery.request.receiving_point
    most = point.households if point is not None and point.households else 1_000_000
    if not 0 <= households <= most:
        errors.append(
            field_error(
                "households",
                "out_of_range",
                _("From 0 to %(most)d households.") % {"most": most},
            )
        )
    refuse_if(errors, _("The delivery was not confirmed."))
    return _step(
        actor=actor,
        delivery=delivery,
        before=S.HANDED_OVER,
        after=S.DELIVERED,
        kind=SupplyEventKind.DELIVERED,
        delivered_at=timezone.now(),
        delivered_by=actor.username,
        households=households,
        note=cleaned,
    )


#: From which states a door may move to which: a household not at home is tried again;
#: confirmed and refused are final.
DOOR_MOVES: dict[str, tuple[str, ...]] = {
    DoorStatus.PENDING: (DoorStatus.CONFIRMED, DoorStatus.NOT_HOME, DoorStatus.REFUSED),
    DoorStatus.NOT_HOME: (DoorStatus.CONFIRMED, DoorStatus.NOT_HOME, DoorStatus.REFUSED),
}


def door_delivery_record(
    *, actor: AnyActor, door: DoorDelivery, status: str, note: str = "", reason: str = ""
) -> DoorDelivery:
    """The household's grid worker or its resident (held through ``access_door`` or the
    resident's link) records the door: ``confirmed``, or ``not_home`` / ``refused`` with a
    reason (a governed change: audited with the reason and the allocation's rule set). A
    conditional update, so a door confirmed twice is refused (409). In the same transaction
    the delivery's ``households`` becomes its confirmed doors, and the delivery is delivered
    once no door is pending."""
    if actor.role != "resident":
        require_role(actor, DOOR_ROLES)
    errors: Errors = []
    cleaned = clean_text(note, field="note", max_length=255, errors=errors, required=False)
    if status not in (DoorStatus.CONFIRMED, DoorStatus.NOT_HOME, DoorStatus.REFUSED):
        errors.append(field_error("status", "invalid", _("Confirmed, not at home or refused.")))
    refuse_if(errors, _("The door delivery was not recorded."))
    why = "" if status == DoorStatus.CONFIRMED else reason_checked(reason)
    before = [was for was, to in DOOR_MOVES.items() if status in to]
    delivery = door.delivery
    now = timezone.now()
    with transaction.atomic():
        changed = DoorDelivery.objects.filter(pk=door.pk, status__in=before).update(
            status=status, at=now, by=actor.username, note=cleaned, reason=why
        )
        if changed != 1:
            raise Conflict(
                _("This door delivery is recorded already; reload it."),
                code="door_step_not_allowed",
            )
        tally = DoorDelivery.objects.filter(delivery_id=delivery.pk).aggregate(
            confirmed=Count("pk", filter=Q(status=DoorStatus.CONFIRMED)),
            pending=Count("pk", filter=Q(status=DoorStatus.PENDING)),
        )
        Delivery.objects.filter(pk=delivery.pk).update(households=tally["confirmed"])
        if tally["pending"] == 0:
            Delivery.objects.filter(pk=delivery.pk, status=S.HANDED_OVER).update(
                status=S.DELIVERED, delivered_at=now, delivered_by=actor.username
            )
        supply_event_record(
            object_type="delivery",
            code=delivery.code,
            region=delivery.request.region,
            kind=SupplyEventKind.DOOR,
            actor=actor,
            reason=why,
            rule_set=delivery.allocation.rule_set,
            detail={"door": str(door.code), "status": status},
        )
        audit_record(
            actor=actor,
            action=f"door_delivery_{status}",
            object_type="door_delivery",
            object_id=door.code,
            fields=["status", "at", "by", "note", "reason"],
            reason=why,
            rule_set=delivery.allocation.rule_set,
        )
    door.refresh_from_db()
    return door
