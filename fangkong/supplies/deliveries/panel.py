"""The deliveries panel on a restricted compound's page (``community.closures.panels``):
the newest deliveries to the compound's node and below, each with its doors' progress."""

from __future__ import annotations

from typing import Any

from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.deliveries.selectors import delivery_list, door_progress
from fangkong.supplies.roles import SUPPLIES_READ_ROLES

#: Deliveries the compound page shows (the deliveries page pages them all).
COMPOUND_DELIVERIES = 20


def compound_deliveries(actor: AnyActor, region: Region) -> dict[str, Any] | None:
    """``None`` for a role that may not see deliveries; else the newest
    ``COMPOUND_DELIVERIES`` deliveries in the actor's scope to ``region`` and below, with
    their doors' progress (one grouped query), for ``supplies/_compound_deliveries.html``."""
    if actor.role not in SUPPLIES_READ_ROLES:
        return None
    deliveries = list(
        delivery_list(actor=actor)
        .filter(in_subtree(region.path, field="request__region__path"))
        .order_by("-picked_at", "-id")[:COMPOUND_DELIVERIES]
    )
    progress = door_progress(deliveries)
    return {
        "template": "supplies/_compound_deliveries.html",
        "rows": [(delivery, progress[delivery.pk]) for delivery in deliveries],
    }
