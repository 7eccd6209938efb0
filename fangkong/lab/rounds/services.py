"""Rounds, sampling points, labs, their staff, and exemptions from a round."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.concurrency import update_versioned
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import ExemptionReason, PointKind, RoundKind, RoundStatus
from fangkong.lab.models import Exemption, Lab, RoundArea, SamplingPoint, ScreeningRound
from fangkong.lab.roles import COVERAGE_WRITE_ROLES, MANAGE_ROLES
from fangkong.people.models import Person
from fangkong.people.validation import require_in_scope, text_field
from fangkong.policy.rules import (
    EffectiveRules,
    first_screening_hours,
    screening_round_deadline_hours,
)
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree


def _common_ancestor(regions: Sequence[Region]) -> Region:
    """The deepest node whose subtree holds every one of ``regions``."""
    common: list[str] = []
    for parts in zip(*(region.path.split(".") for region in regions), strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if not common:
        return regions[0]
    return Region.objects.get(code=common[-1])


def _kind_allowed(rules: EffectiveRules, kind: str) -> None:
    """Refuse a round the rules in force do not allow (see :func:`round_open`, step 2)."""
    screening = rules.parameters.screening
    if kind == RoundKind.TARGETED:
        return
    if not screening.area_screening_enabled:
        raise Conflict(
            _(
                "The rules in force (%(rules)s) have no area screening; open a targeted round "
                "for key groups, arrivals or voluntary testing."
            )
            % {"rules": rules.label},
            code="area_screening_disabled",
            detail={"rule_set": rules.label, "parameter": "screening.area_screening_enabled"},
        )
    if kind == RoundKind.ROUTINE and not screening.routine_area_testing:
        raise Conflict(
            _(
                "The rules in force (%(rules)s) allow no routine testing of all residents by "
                "area, only outbreak screening of a designated area."
            )
            % {"rules": rules.label},
            code="routine_area_testing_disabled",
            detail={"rule_set": rules.label, "parameter": "screening.routine_area_testing"},
        )


@transaction.atomic
def round_open(
    *,
    actor: AnyActor,
    name: str,
    areas: Sequence[tuple[Region, str]],
    starts_at: datetime | None = None,
    deadline_at: datetime | None = None,
    kind: str = RoundKind.OUTBREAK,
) -> ScreeningRound:
    """Open a round of ``kind`` over ``areas`` (node, zone) from ``starts_at`` (now).

    1. Every node must lie in the actor's subtree; zones must be ``other`` or a risk level
       of the rules in force at the first node (``zone_unknown``); nodes may not repeat or
       nest (``area_overlap``); ``kind`` must be known (``invalid_choice``).
    2. The rules in force at the first node on the start day must allow the kind (409):
       no outbreak or routine round where ``screening.area_screening_enabled`` is off
       (``area_screening_disabled``: the 10th edition), no routine round where
       ``screening.routine_area_testing`` is off (``routine_area_testing_disabled``: from
       二十条 on). A targeted round (key groups, arrivals, voluntary testing) always opens.
    3. The should-test population at opening is counted; the deadline defaults to the start
       plus the rule set's deadline for that population (R1: 24 h under the 3rd edition),
       or the tightest ``first_screening_within_hours`` of the round's zones when that is
       sooner (8th edition: 封控区 24 h, 管控区 48 h).
    4. Audited with the rule-set label.
    """
    require_role(actor, MANAGE_ROLES)
    errors: list[dict[str, object]] = []
    name = text_field(name, field="name", max_length=120, errors=errors, required=True)
    if kind not in RoundKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Unknown round kind.")))
    if not areas:
        errors.append(field_error("areas", "required", _("Choose at least one area.")))
    starts_at = starts_at or timezone.now()
    paths: list[str] = []
    for position, (region, _zone) in enumerate(areas):
        require_in_scope(actor, region)
        if any(path_in_subtree(region.path, p) or path_in_subtree(p, region.path) for p in paths):
            errors.append(
                field_error(f"areas[{position}]", "area_overlap", _("Areas may not overlap."))
            )
        paths.append(region.path)
    if errors:
        raise ValidationFailed(_("The round cannot be opened."), errors=errors)
    rules = rules_for(areas[0][0], timezone.localdate(starts_at))
    _kind_allowed(rules, kind)
    levels = {level.code for level in rules.parameters.risk_areas.levels} | {"other"}
    for position, (_region, zone) in enumerate(areas):
        if zone not in levels:
            errors.append(
                field_error(
                    f"areas[{position}].zone",
                    "zone_unknown",
                    _("Unknown zone for the rules in force."),
                )
            )
    if errors:
        raise ValidationFailed(_("The round cannot be opened."), errors=errors)
    population = 0
    for region, _zone in areas:
        population += Person.objects.filter(
            region_id__in=Region.objects.filter(in_subtree(region.path)).values("id")
        ).count()
    if deadline_at is None:
        hours = screening_round_deadline_hours(rules, population)
        first = first_screening_hours(rules, [zone for _region, zone in areas])
        if first is not None:
            hours = min(hours, first)
        deadline_at = starts_at + timedelta(hours=hours)
    elif deadline_at <= starts_at:
        raise ValidationFailed(
            _("The round cannot be opened."),
            errors=[
                field_error("deadline_at", "before_start", _("The deadline is before the start."))
            ],
        )
    root = _common_ancestor([region for region, _zone in areas])
    screening_round = ScreeningRound.objects.create(
        name=name,
        kind=kind,
        region=root,
        starts_at=starts_at,
        deadline_at=deadline_at,
        rule_set=rules.label,
        population_at_open=population,
        created_by=actor.username,
    )
    RoundArea.objects.bulk_create(
        [RoundArea(round=screening_round, region=region, zone=zone) for region, zone in areas]
    )
    audit_record(
        actor=actor,
        action="round_open",
        object_type="screening_round",
        object_id=screening_round.code,
        fields=["name", "kind", "areas", "starts_at", "deadline_at"],
        rule_set=rules.label,
        extra={"areas": [[r.code, z] for r, z in areas], "population": population},
    )
    return screening_round


@transaction.atomic
def round_close(*, actor: AnyActor, screening_round: ScreeningRound, reason: str) -> ScreeningRound:
    """Close an open round (no more screening tubes; re-tests and results still come in).

    ``reason`` is required (``ValidationFailed``); a round already closed is a ``Conflict``
    (``round_closed``). Audited with the reason.
    """
    require_role(actor, MANAGE_ROLES)
    errors: list[dict[str, object]] = []
    reason = text_field(reason, field="reason", max_length=500, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The round cannot be closed."), errors=errors)
    if screening_round.status != RoundStatus.OPEN:
        raise Conflict(_("The round is already closed."), code="round_closed")
    update_versioned(screening_round, expected_version=None, changes={"status": RoundStatus.CLOSED})
    audit_record(
        actor=actor,
        action="round_close",
        object_type="screening_round",
        object_id=screening_round.code,
        fields=["status"],
        reason=reason,
    )
    return screening_round


@transaction.atomic
def sampling_point_create(
    *,
    actor: AnyActor,
    region: Region,
    name: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    opens_at: time = time(7, 0),
    closes_at: time = time(21, 0),
    capacity_per_hour: int = 300,
    sampler_posts: int = 2,
    kind: str = PointKind.FIXED,
) -> SamplingPoint:
    """Set up a sampling point (fixed, or a door-to-door team) at a node of the actor's
    subtree."""
    require_role(actor, MANAGE_ROLES)
    require_in_scope(actor, region)
    errors: list[dict[str, object]] = []
    name = text_field(name, field="name", max_length=120, errors=errors, required=True)
    if opens_at >= closes_at:
        errors.append(field_error("closes_at", "before_opening", _("It closes before it opens.")))
    if latitude is not None and not -90 <= latitude <= 90:
        errors.append(field_error("latitude", "out_of_range", _("Latitude is between -90 and 90.")))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.append(
            field_error("longitude", "out_of_range", _("Longitude is between -180 and 180."))
        )
    if kind not in PointKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not one of the allowed values.")))
    if errors:
        raise ValidationFailed(_("The sampling point cannot be set up."), errors=errors)
    point = SamplingPoint.objects.create(
        region=region,
        kind=kind,
        name=name,
        address=address.strip()[:255],
        latitude=latitude,
        longitude=longitude,
        opens_at=opens_at,
        closes_at=closes_at,
        capacity_per_hour=capacity_per_hour,
        sampler_posts=sampler_posts,
    )
    audit_record(
        actor=actor,
        action="sampling_point_create",
        object_type="sampling_point",
        object_id=point.code,
        fields=["name", "region", "kind", "address", "opens_at", "closes_at", "capacity_per_hour"],
    )
    return point


@transaction.atomic
def lab_create(
    *, actor: AnyActor, region: Region, name: str, capacity_per_day: int = 10_000
) -> Lab:
    """Register a testing laboratory at a node of the actor's subtree."""
    require_role(actor, MANAGE_ROLES)
    require_in_scope(actor, region)
    errors: list[dict[str, object]] = []
    name = text_field(name, field="name", max_length=120, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The laboratory cannot be registered."), errors=errors)
    lab = Lab.objects.create(region=region, name=name, capacity_per_day=capacity_per_day)
    audit_record(
        actor=actor,
        action="lab_create",
        object_type="lab",
        object_id=lab.code,
        fields=["name", "region"],
    )
    return lab


@transaction.atomic
def point_staff_add(*, actor: AnyActor, point: SamplingPoint, user: User) -> None:
    """Let a user work at a sampling point (they then see its tubes and packages)."""
    require_role(actor, MANAGE_ROLES)
    require_in_scope(actor, point.region)
    point.staff.add(user)
    audit_record(
        actor=actor,
        action="point_staff_add",
        object_type="sampling_point",
        object_id=point.code,
        fields=["staff"],
        extra={"user": user.pk},
    )


@transaction.atomic
def lab_staff_add(*, actor: AnyActor, lab: Lab, user: User) -> None:
    """Let a user work at a laboratory (they then see its packages and tubes)."""
    require_role(actor, MANAGE_ROLES)
    require_in_scope(actor, lab.region)
    lab.staff.add(user)
    audit_record(
        actor=actor,
        action="lab_staff_add",
        object_type="lab",
        object_id=lab.code,
        fields=["staff"],
        extra={"user": user.pk},
    )


def _staff_remove(
    *, actor: AnyActor, place: SamplingPoint | Lab, user: User, action: str, object_type: str
) -> None:
    """Take ``user`` off the staff of a point or lab in the actor's scope, audited as
    ``action``; ``user_not_found`` when they do not work there."""
    require_role(actor, MANAGE_ROLES)
    require_in_scope(actor, place.region)
    if not place.staff.filter(pk=user.pk).exists():
        raise NotFound(_("No such user."), code="user_not_found")
    place.staff.remove(user)
    audit_record(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=place.code,
        fields=["staff"],
        extra={"user": user.pk},
    )


@transaction.atomic
def point_staff_remove(*, actor: AnyActor, point: SamplingPoint, user: User) -> None:
    """Stop a user working at a sampling point (they no longer see its tubes and packages).

    Raises ``NotFound`` when the user does not work there (the same answer as for a user
    out of scope, so nobody learns who works where by trying). Audited.
    """
    _staff_remove(
        actor=actor,
        place=point,
        user=user,
        action="point_staff_remove",
        object_type="sampling_point",
    )


@transaction.atomic
def lab_staff_remove(*, actor: AnyActor, lab: Lab, user: User) -> None:
    """Stop a user working at a laboratory (they no longer see its packages and tubes).

    Raises ``NotFound`` when the user does not work there. Audited.
    """
    _staff_remove(actor=actor, place=lab, user=user, action="lab_staff_remove", object_type="lab")


@transaction.atomic
def exemption_grant(
    *,
    actor: AnyActor,
    person: Person,
    reason: str,
    valid_until: datetime,
    note: str = "",
    screening_round: ScreeningRound | None = None,
) -> Exemption:
    """Leave a person off the should-test list until ``valid_until`` (one round or all),
    with a reason; ``other`` needs a note."""
    require_role(actor, COVERAGE_WRITE_ROLES)
    require_in_scope(actor, person.region)
    errors: list[dict[str, object]] = []
    if reason not in ExemptionReason.values:
        errors.append(field_error("reason", "invalid_choice", _("Unknown exemption reason.")))
    if reason == ExemptionReason.OTHER and not note.strip():
        errors.append(
            field_error("note", "required", _("Say why, for an exemption of another kind."))
        )
    if valid_until <= timezone.now():
        errors.append(field_error("valid_until", "in_the_past", _("The expiry is in the past.")))
    if len(note) > 255:
        errors.append(field_error("note", "too_long", _("At most 255 characters.")))
    if errors:
        raise ValidationFailed(_("The exemption cannot be recorded."), errors=errors)
    exemption = Exemption.objects.create(
        person=person,
        round=screening_round,
        reason=reason,
        note=note.strip(),
        valid_until=valid_until,
        created_at=timezone.now(),
        created_by=actor.username,
    )
    audit_record(
        actor=actor,
        action="exemption_grant",
        object_type="person",
        object_id=person.code,
        fields=["exemption"],
        reason=reason,
        extra={
            "round": str(screening_round.code) if screening_round else "",
            "until": valid_until.isoformat(),
        },
    )
    return exemption


@transaction.atomic
def exemption_revoke(*, actor: AnyActor, exemption: Exemption, reason: str) -> None:
    """End an exemption now (the person is back on the should-test list).

    ``reason`` is required (``ValidationFailed``); an exemption already revoked is a
    ``Conflict`` (``exemption_revoked``). Audited with the reason and the exemption's code.
    """
    require_role(actor, COVERAGE_WRITE_ROLES)
    require_in_scope(actor, exemption.person.region)
    errors: list[dict[str, object]] = []
    reason = text_field(reason, field="reason", max_length=500, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The exemption cannot be revoked."), errors=errors)
    updated = Exemption.objects.filter(pk=exemption.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("The exemption was already revoked."), code="exemption_revoked")
    audit_record(
        actor=actor,
        action="exemption_revoke",
        object_type="person",
        object_id=exemption.person.code,
        fields=["exemption"],
        reason=reason,
        extra={"exemption": str(exemption.code)},
    )
