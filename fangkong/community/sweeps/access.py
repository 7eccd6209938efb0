"""The only way an interface gets one sweep or one of its visits. Wrong role → 403;
missing, malformed or out of scope (a grid worker: not their household) → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.community.checks import require_role
from fangkong.community.models import DoorSample, Sweep, SweepVisit
from fangkong.community.roles import READ_ROLES
from fangkong.community.scope import households_of
from fangkong.community.sweeps.door_sampling import sweep_sampling_list
from fangkong.community.sweeps.selectors import sweep_scope
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_sweep(actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES) -> Sweep:
    """The sweep ``code`` over a node in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = sweep_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such sweep."), code="sweep_not_found")
    return found


def access_visit(
    actor: AnyActor, sweep_code: object, household_code: object, *, roles: Collection[str]
) -> SweepVisit:
    """The visit of household ``household_code`` in sweep ``sweep_code``."""
    sweep = access_sweep(actor, sweep_code, roles=roles)
    parsed = parse_code(household_code)
    found = (
        SweepVisit.objects.select_related("household", "household__region", "sweep")
        .filter(sweep=sweep, household__code=parsed, household__in=households_of(actor))
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such household in this sweep."), code="visit_not_found")
    return found


def access_door_sample(
    actor: AnyActor, sweep_code: object, entry_id: object, *, roles: Collection[str]
) -> DoorSample:
    """Entry ``entry_id`` of sweep ``sweep_code``'s door-to-door sampling list, within the
    actor's list (:func:`~fangkong.community.sweeps.door_sampling.sweep_sampling_list`)."""
    sweep = access_sweep(actor, sweep_code, roles=roles)
    found = (
        sweep_sampling_list(actor=actor, sweep=sweep).filter(pk=entry_id).first()
        if isinstance(entry_id, int)
        else None
    )
    if found is None:
        raise NotFound(_("No such resident on this list."), code="door_sample_not_found")
    return found
