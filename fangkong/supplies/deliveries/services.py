"""The last metre (R27; Longchuan's three steps): goods picked at the warehouse are handed
over at the compound gate, then carried to the doors and confirmed. Each step is a
conditional update (a step done twice, or out of order, is refused), time-stamped with who
did it, with a history and an audit row."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_error
from fangkong.supplies.checks import Errors, clean_text, refuse_if, require_role
from fangkong.supplies.choices import DeliveryStatus, SupplyEventKind
from fangkong.supplies.events import supply_event_record
from fangkong.supplies.models import Delivery
from fangkong.supplies.roles import DELIVERY_ROLES

S = DeliveryStatus


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
    return _step(
        actor=actor,
        delivery=delivery,
        before=S.PICKED,
        after=S.HANDED_OVER,
        kind=SupplyEventKind.HANDED_OVER,
        handed_over_at=timezone.now(),
        handed_over_by=actor.username,
    )


def delivery_confirm(
    *, actor: AnyActor, delivery: Delivery, households: int, note: str = ""
) -> Delivery:
    """Staff confirm the goods reached the doors (handed over → delivered): how many
    households were reached (0…the receiving point's households when it has a count) and an
    optional note."""
    require_role(actor, DELIVERY_ROLES)
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
