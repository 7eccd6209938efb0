"""What a tube to bind is, and the checks of a tube that need no database (R7, R8, R36):
barcode, choices, member count and times; the pool ratio the rule set allows; repeated
persons, capacity and households; the same tube sent again. :mod:`fangkong.lab.sampling.services`
stores what passes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import FangkongError, ValidationFailed, field_error, field_refusal
from fangkong.core.times import TimeOutOfBounds, observed_at_bounds
from fangkong.lab.choices import TubeKind
from fangkong.lab.models import RetestTask, SamplingPoint, ScreeningRound, Tube
from fangkong.lab.sampling.codes import barcode_clean
from fangkong.lab.sampling.members import Member, MemberInput, ScannedMembers
from fangkong.policy.choices import PoolingGroup, SwabSite, TurnaroundCategory
from fangkong.policy.rules import EffectiveRules, pool_ratio
from fangkong.policy.schema import MAX_POOL_RATIO

#: A device clock may be off; sampling times this far in the future are still taken.
CLOCK_SKEW = timedelta(minutes=10)
# ``Choices.values`` builds a new list on every access; these are checked per tube.
_KINDS = frozenset(TubeKind.values)
_CATEGORIES = frozenset(TurnaroundCategory.values)
_SWAB_SITES = frozenset(SwabSite.values)
_GROUPS = frozenset(PoolingGroup.values)


@dataclass(frozen=True)
class TubeInput:
    barcode: str
    members: Sequence[MemberInput]
    group: str = ""
    ratio: int | None = None
    kind: str = TubeKind.SCREENING
    category: str = TurnaroundCategory.POOLED_SCREENING
    swab_site: str = SwabSite.OROPHARYNGEAL
    sampled_at: datetime | None = None


@dataclass(frozen=True)
class BindRequest:
    """One tube to bind for ``actor``: the round and point as objects the caller already
    obtained through the access functions, or as codes to look up in the actor's scope."""

    actor: AnyActor
    data: TubeInput
    screening_round: ScreeningRound | str
    point: SamplingPoint | str


@dataclass(frozen=True)
class TubeBound:
    """The stored tube, its members in scan order, and whether this call stored it."""

    tube: Tube
    persons: list[Member]
    created: bool


def busy_refusal(ids: Sequence[int], busy: set[int]) -> FangkongError:
    message = _("Already sampled in this round.")
    return FangkongError(
        message,
        code="person_already_bound",
        status=409,
        detail={
            "errors": [
                field_error(f"members[{position}]", "person_already_bound", message)
                for position, pid in enumerate(ids)
                if pid in busy and ids.index(pid) == position
            ]
        },
    )


@dataclass
class BindItem:
    """A request on its way through :func:`fangkong.lab.sampling.services.tubes_bind`."""

    request: BindRequest
    screening_round: ScreeningRound | None = None
    point: SamplingPoint | None = None
    barcode: str = ""
    sampled_at: datetime | None = None
    zone: str = ""
    round_status: str = ""
    rules: EffectiveRules | None = None
    ratio: int = 1
    per_household: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)
    scan: ScannedMembers = field(default_factory=lambda: ScannedMembers(count=0))
    tasks: list[RetestTask] = field(default_factory=list)
    tube: Tube | None = None  # the tube this item stores

    @property
    def data(self) -> TubeInput:
        return self.request.data

    @property
    def persons(self) -> list[Member]:
        return self.scan.persons

    @property
    def methods(self) -> list[str]:
        return self.scan.methods

    @property
    def ids(self) -> list[int]:
        return [person.id for person in self.persons]


def tube_check(item: BindItem, now: datetime) -> FangkongError | None:
    """The checks of one tube that need no database: barcode, choices, member count, times.
    Returns the refusal of an overfull tube at once; other errors collect in ``item.errors``."""
    data = item.data
    errors = item.errors
    try:
        item.barcode = barcode_clean(data.barcode)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    if data.kind not in _KINDS:
        errors.append(field_error("kind", "invalid_choice", _("Unknown tube kind.")))
    if data.category not in _CATEGORIES:
        errors.append(field_error("category", "invalid_choice", _("Unknown turnaround category.")))
    if data.swab_site not in _SWAB_SITES:
        errors.append(field_error("swab_site", "invalid_choice", _("Unknown swab site.")))
    if not data.members:
        errors.append(field_error("members", "tube_empty", _("A tube needs at least one person.")))
    if len(data.members) > MAX_POOL_RATIO:
        errors.append(
            field_error(
                "members",
                "tube_full",
                _("No tube may hold more than %(max)s people.") % {"max": MAX_POOL_RATIO},
            )
        )
        return ValidationFailed(_("The tube cannot be bound."), errors=errors, code="tube_full")
    assert item.screening_round is not None
    sampled_at = data.sampled_at or now
    # A time without its UTC offset is ambiguous (c4): refused, never guessed.
    times = [("sampled_at", sampled_at)] + [
        (f"members[{position}].scanned_at", member.scanned_at)
        for position, member in enumerate(data.members)
        if member.scanned_at is not None
    ]
    # Out of the bounds every time keeps (core.times), a time is not looked at further: no
    # later step (the rules' day, the due time) may see a year 1 or 9999.
    usable = True
    for name, moment in times:
        try:
            observed_at_bounds(moment, now=now)
        except TimeOutOfBounds as exc:
            errors.append(field_error(name, exc.code, exc.message))
            usable = usable and name != "sampled_at"
            continue
        if moment > now + CLOCK_SKEW or moment < item.screening_round.starts_at - timedelta(
            hours=1
        ):
            errors.append(
                field_error(
                    name,
                    "sampled_at_out_of_range",
                    _("The sampling time is outside the round (check the device clock)."),
                )
            )
    item.sampled_at = sampled_at if usable else now
    return None


def tube_ratio(
    rules: EffectiveRules, *, zone: str, data: TubeInput, errors: list[dict[str, Any]]
) -> tuple[int, bool]:
    """People per tube and one-household-per-tube for ``data`` (R7): the rule set's ratio by
    zone and group; a ratio asked for may lower it, never raise it (``ratio_above_rule``),
    nor pass the rule set's ``pooling.max_ratio`` (``ratio_above_max``). A re-test tube
    takes one person."""
    if data.kind == TubeKind.RETEST:
        return 1, False
    if data.group and data.group not in _GROUPS:
        errors.append(field_error("group", "invalid_choice", _("Unknown population group.")))
    allowed, per_household = pool_ratio(rules, zone=zone, group=data.group or None)
    if data.ratio is None:
        return allowed, per_household
    most = rules.parameters.pooling.max_ratio
    if data.ratio > most:
        errors.append(
            field_error(
                "ratio",
                "ratio_above_max",
                _("The rules in force allow no tube of more than %(max)s people.") % {"max": most},
            )
        )
    elif data.ratio > allowed:
        errors.append(
            field_error(
                "ratio",
                "ratio_above_rule",
                _("The rules in force allow at most %(ratio)s people per tube here.")
                % {"ratio": allowed},
            )
        )
    elif data.ratio < 1:
        errors.append(field_error("ratio", "ratio_invalid", _("A tube holds at least one person.")))
    return max(1, min(data.ratio, allowed)), per_household


def members_check(item: BindItem) -> FangkongError | None:
    """Repeated persons, then every collected error, then the tube's capacity and household."""
    seen: dict[int, int] = {}
    for position, person in enumerate(item.persons):
        if person.id in seen:
            item.errors.append(
                field_error(
                    f"members[{position}]",
                    "person_repeated",
                    _("This person is already in the tube (member %(first)s).")
                    % {"first": seen[person.id] + 1},
                )
            )
        seen.setdefault(person.id, position)
    if item.errors:
        codes = {error["code"] for error in item.errors}
        code = next(
            (c for c in ("ratio_above_max", "ratio_above_rule", "person_unknown") if c in codes),
            "validation_failed",
        )
        return ValidationFailed(_("The tube cannot be bound."), errors=item.errors, code=code)
    if len(item.persons) > item.ratio:
        return field_refusal(
            "tube_full",
            _("This tube holds at most %(ratio)s people; close it and open a new one.")
            % {"ratio": item.ratio},
            field=f"members[{item.ratio}]",
            ratio=item.ratio,
        )
    if item.per_household and len({p.household_id for p in item.persons}) > 1:
        return field_refusal(
            "household_mixed",
            _("Here one tube takes one household; these people live in different households."),
            field="members",
        )
    return None


def tube_replay(item: BindItem, tube: Tube, stored_ids: Sequence[int]) -> TubeBound | FangkongError:
    """The stored tube when it is the same tube sent again: same barcode, round, point and
    people in the same order; anything else is another tube under a used barcode."""
    assert item.screening_round is not None
    assert item.point is not None
    if (
        tube.round_id != item.screening_round.id
        or tube.point_id != item.point.id
        or list(stored_ids) != item.ids
    ):
        return field_refusal(
            "tube_exists",
            _("A tube with this barcode is already bound to other people."),
            field="barcode",
            status=409,
        )
    return TubeBound(tube=tube, persons=list(item.persons), created=False)
