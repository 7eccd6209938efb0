"""The door-to-door sampling team of a sweep (上门采样队): a sampling point of kind
``door_to_door`` at the sweep's node and its samplers, set up from the door-sampling pages
through the lab's own services (``sampling_point_create``, ``point_staff_add``), the same
ones ``POST /api/v1/lab/points`` and ``POST /api/v1/lab/points/{code}/staff`` call."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.accounts.selectors import user_list
from fangkong.community.checks import Errors, refuse_if, require_role
from fangkong.community.choices import SweepStatus
from fangkong.community.models import Sweep
from fangkong.community.roles import DOOR_TEAM_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.core.roles import Role
from fangkong.lab.choices import PointKind
from fangkong.lab.models import SamplingPoint
from fangkong.lab.rounds.services import point_staff_add, sampling_point_create
from fangkong.lab.scope import point_scope
from fangkong.regions.subtree import in_subtree

#: Samplers offered at once on the team form (by username; a bigger jurisdiction narrows
#: its commander's choice through the lab's staff page).
MAX_SAMPLERS_OFFERED = 300


def door_teams(*, actor: AnyActor, sweep: Sweep, limit: int = 50) -> list[SamplingPoint]:
    """The door-to-door teams at the sweep's node or under it that the actor may see, with
    their staff, by node and name (at most ``limit``)."""
    return list(
        point_scope(actor)
        .filter(in_subtree(sweep.region.path, field="region__path"), kind=PointKind.DOOR_TO_DOOR)
        .prefetch_related("staff")
        .order_by("region__path", "name", "id")[:limit]
    )


def door_sampler_choices(*, actor: AnyActor) -> QuerySet[User]:
    """Users holding the sampler role in the actor's subtree, by username (at most
    :data:`MAX_SAMPLERS_OFFERED`): who may join a door-to-door team."""
    return user_list(actor=actor, role=Role.SAMPLER)[:MAX_SAMPLERS_OFFERED]


@transaction.atomic
def door_team_set_up(
    *, actor: AnyActor, sweep: Sweep, name: str, address: str, samplers: Sequence[User]
) -> SamplingPoint:
    """Set up a door-to-door team for ``sweep`` (one the actor holds through ``access_sweep``).

    1. Role in ``DOOR_TEAM_ROLES`` (403); the sweep open (409 ``sweep_closed``).
    2. At least one sampler (422 ``samplers``), each holding the sampler role in the actor's
       subtree (422 ``samplers`` ``not_a_sampler``); no active door-to-door team of the same
       name at the sweep's node already (422 ``name`` ``team_exists``: a form sent twice
       sets up one team).
    3. ``lab.rounds.services.sampling_point_create`` with kind ``door_to_door`` at the sweep's
       node (its own checks: role, scope, name, each refused by field with the errors above),
       then ``point_staff_add`` per sampler; all in one transaction, with an audit row of its
       own naming the point and the samplers.
    """
    require_role(actor, DOOR_TEAM_ROLES)
    if sweep.status != SweepStatus.OPEN:
        raise Conflict(_("The sweep is closed."), code="sweep_closed")
    errors: Errors = []
    chosen = list({user.pk: user for user in samplers}.values())
    if not chosen:
        errors.append(field_error("samplers", "required", _("Choose at least one sampler.")))
    else:
        allowed = set(
            User.objects.filter(
                pk__in=[user.pk for user in chosen],
            )
            .filter(pk__in=user_list(actor=actor, role=Role.SAMPLER).values("pk"))
            .values_list("pk", flat=True)
        )
        if any(user.pk not in allowed for user in chosen):
            errors.append(
                field_error("samplers", "not_a_sampler", _("Someone chosen is not a sampler here."))
            )
    if SamplingPoint.objects.filter(
        region_id=sweep.region_id,
        kind=PointKind.DOOR_TO_DOOR,
        is_active=True,
        name=name.strip(),
    ).exists():
        errors.append(
            field_error(
                "name", "team_exists", _("A door-to-door team of this name is already here.")
            )
        )
    try:
        point = sampling_point_create(
            actor=actor,
            region=sweep.region,
            name=name,
            address=address,
            kind=PointKind.DOOR_TO_DOOR,
        )
    except ValidationFailed as exc:
        named = {entry["field"] for entry in exc.errors}
        refuse_if(
            [*exc.errors, *(e for e in errors if e["field"] not in named)],
            _("The door-to-door team was not set up."),
        )
        raise
    refuse_if(errors, _("The door-to-door team was not set up."))
    for user in chosen:
        point_staff_add(actor=actor, point=point, user=user)
    audit_record(
        actor=actor,
        action="door_team_set_up",
        object_type="sweep",
        object_id=sweep.code,
        fields=["door_team"],
        extra={"point": str(point.code), "samplers": sorted(user.pk for user in chosen)},
    )
    return point
