"""Binding people to tubes at the sampling point: one whole tube per call (R7–R9, R35–R37).

The sampler scans the tube's barcode, then each person's sampling code or ID card (or types
the number when codes fail), and closes the tube; the page or app sends the whole tube at
once. Sending the same tube again (same barcode, same people) answers with the tube already
stored, so an offline queue can upload without duplicates even without its idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import access_record, audit_record
from fangkong.core.errors import Conflict, FangkongError, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    EntryMethod,
    MemberOutcome,
    RetestStatus,
    RoundStatus,
    TubeKind,
)
from fangkong.lab.codes import barcode_clean, sampling_code_verify
from fangkong.lab.events import TubeEventKind, tube_event_record
from fangkong.lab.models import Binding, RetestTask, RoundArea, SamplingPoint, ScreeningRound, Tube
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.people.choices import DocumentType
from fangkong.people.documents import document_validate
from fangkong.people.models import IdentityDocument, Person
from fangkong.policy.choices import PoolingGroup, SwabSite, TurnaroundCategory
from fangkong.policy.rules import EffectiveRules, pool_ratio, turnaround_hours
from fangkong.policy.schema import MAX_POOL_RATIO
from fangkong.policy.selectors import rules_for

#: A device clock may be off; sampling times this far in the future are still taken.
CLOCK_SKEW = timedelta(minutes=10)
#: An offline queue may upload this long after the round started.
LATE_UPLOAD = timedelta(days=3)


@dataclass(frozen=True)
class MemberInput:
    """One scanned person: a personal sampling code, or a document type and number (ID card
    read or typed). ``scanned_at`` defaults to the tube's sampling time."""

    sampling_code: str = ""
    doc_type: str = ""
    id_number: str = ""
    method: str = ""
    scanned_at: datetime | None = None


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
class TubeBound:
    """The stored tube, its members in scan order, and whether this call stored it."""

    tube: Tube
    persons: list[Person]
    created: bool
    warnings: list[str] = field(default_factory=list)


def _refuse(
    code: str, message: str, *, field_name: str, status: int = 422, **detail: Any
) -> FangkongError:
    return FangkongError(
        message,
        code=code,
        status=status,
        detail={"errors": [field_error(field_name, code, message)], **detail},
    )


def _round_zone(screening_round: ScreeningRound, point: SamplingPoint) -> str:
    """The zone of the deepest round area holding the point; ``NotFound``-like refusal
    (``point_outside_round``) when the point is not inside the round."""
    areas = RoundArea.objects.filter(round=screening_round).select_related("region")
    best: RoundArea | None = None
    for area in areas:
        if point.region.is_within(area.region.path) and (
            best is None or area.region.level > best.region.level
        ):
            best = area
    if best is None:
        raise _refuse(
            "point_outside_round",
            _("This sampling point is not inside the round's areas."),
            field_name="point",
        )
    return best.zone


def _resolve_members(
    members: Sequence[MemberInput],
) -> tuple[list[Person], list[str], list[dict[str, Any]]]:
    """Persons for the scanned members in order, their entry methods, and every error.

    Codes are checked offline (signature); numbers through the GB 11643 (or other type's)
    validator and the blind index. One query for codes, one for numbers, one for persons.
    """
    errors: list[dict[str, Any]] = []
    by_code: dict[int, Any] = {}
    by_index: dict[int, str] = {}
    methods: list[str] = []
    for position, member in enumerate(members):
        prefix = f"members[{position}]"
        if member.sampling_code:
            try:
                by_code[position] = sampling_code_verify(
                    member.sampling_code, field=f"{prefix}.sampling_code"
                ).person_code
            except ValidationFailed as exc:
                errors.extend(exc.errors)
            methods.append(EntryMethod.SAMPLING_CODE)
            continue
        if not member.id_number:
            errors.append(
                field_error(
                    f"{prefix}.id_number",
                    "member_unidentified",
                    _("Scan a sampling code or an ID card, or type the identity number."),
                )
            )
            methods.append(EntryMethod.MANUAL)
            continue
        try:
            document = document_validate(
                doc_type=member.doc_type or DocumentType.RESIDENT_ID,
                number=member.id_number,
                field=f"{prefix}.id_number",
            )
        except ValidationFailed as exc:
            errors.extend({**error, "code": error["code"]} for error in exc.errors)
            methods.append(EntryMethod.MANUAL)
            continue
        by_index[position] = document.index
        methods.append(
            member.method
            if member.method in (EntryMethod.ID_CARD, EntryMethod.MANUAL)
            else EntryMethod.MANUAL
        )
    persons_by_code = {
        person.code: person
        for person in Person.objects.filter(code__in=set(by_code.values())).select_related(
            "household"
        )
    }
    holders: dict[str, list[int]] = {}
    for index_value, person_id in IdentityDocument.objects.filter(
        number_index__in=set(by_index.values())
    ).values_list("number_index", "person_id"):
        holders.setdefault(index_value, []).append(person_id)
    persons_by_id = {
        person.id: person
        for person in Person.objects.filter(
            id__in={pid for ids in holders.values() for pid in ids}
        ).select_related("household")
    }
    resolved: list[Person] = []
    for position in range(len(members)):
        person: Person | None = None
        if position in by_code:
            person = persons_by_code.get(by_code[position])
            field_name = f"members[{position}].sampling_code"
        elif position in by_index:
            ids = sorted(set(holders.get(by_index[position], [])))
            field_name = f"members[{position}].id_number"
            if len(ids) > 1:
                errors.append(
                    field_error(
                        field_name,
                        "person_ambiguous",
                        _("Several persons hold this number; resolve the duplicate first."),
                    )
                )
                continue
            person = persons_by_id.get(ids[0]) if ids else None
        else:
            continue
        if person is None:
            errors.append(
                field_error(
                    field_name,
                    "person_unknown",
                    _("Nobody with this code or number is registered; register the person first."),
                )
            )
            continue
        resolved.append(person)
    return resolved, methods, errors


def _ratio(
    rules: EffectiveRules, *, zone: str, data: TubeInput, errors: list[dict[str, Any]]
) -> tuple[int, bool]:
    if data.kind == TubeKind.RETEST:
        return 1, False
    if data.group and data.group not in PoolingGroup.values:
        errors.append(field_error("group", "invalid_choice", _("Unknown population group.")))
    allowed, per_household = pool_ratio(rules, zone=zone, group=data.group or None)
    if data.ratio is None:
        return allowed, per_household
    if data.ratio > MAX_POOL_RATIO:
        errors.append(
            field_error(
                "ratio",
                "ratio_above_max",
                _("No tube may hold more than %(max)s people.") % {"max": MAX_POOL_RATIO},
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


def _same_tube(existing: Tube, persons: Sequence[Person]) -> bool:
    stored = list(
        Binding.objects.filter(tube=existing)
        .order_by("position")
        .values_list("person_id", flat=True)
    )
    return stored == [person.id for person in persons]


def _replay(
    existing: Tube, persons: Sequence[Person], screening_round: ScreeningRound, point: SamplingPoint
) -> TubeBound:
    """The stored tube when it is the same tube sent again: same barcode, round, point and
    people in the same order; anything else is another tube under a used barcode."""
    if (
        existing.round_id != screening_round.id
        or existing.point_id != point.id
        or not _same_tube(existing, persons)
    ):
        raise _refuse(
            "tube_exists",
            _("A tube with this barcode is already bound to other people."),
            field_name="barcode",
            status=409,
        )
    return TubeBound(tube=existing, persons=list(persons), created=False)


def tube_bind(
    *, actor: AnyActor, screening_round: ScreeningRound, point: SamplingPoint, data: TubeInput
) -> TubeBound:
    """Store one closed tube with its members, or answer with the same tube already stored.

    1. The actor must be a sampler on the point's staff (``not_point_staff``, 403); the
       round must be open for screening tubes (``round_closed``) and cover the point.
    2. Barcode: NFKC, upper case, 4–32 characters (``barcode_invalid``).
    3. Members: each a valid signed sampling code or a valid identity number of a registered
       person (``code_*``, GB 11643 codes, ``person_unknown``); nobody twice
       (``person_repeated``); at least one (``tube_empty``).
    4. Ratio from the rule set by zone and group (R7): above 20 → ``ratio_above_max``, above
       the rule → ``ratio_above_rule``; more members than the ratio → ``tube_full``; a
       household tube takes one household (``household_mixed``).
    5. Nobody already in a screening tube of this round still awaiting its result
       (``person_already_bound``, 409, R8). A re-test tube takes only people with an open
       re-test task (``no_retest_task``) and marks the task sampled.
    6. Same barcode already stored with the same people → that tube (``created`` false); with
       other people → ``tube_exists`` (409).
    7. Tube, bindings, history row and audit in one transaction; one read-access row for the
       persons whose names are shown back.
    """
    require_role(actor, SAMPLING_ROLES)
    if not isinstance(actor, SystemActor) and not point.staff.filter(id=actor.user_id).exists():
        raise FangkongError(
            _("You are not on the staff of this sampling point."),
            code="not_point_staff",
            status=403,
        )
    errors: list[dict[str, Any]] = []
    try:
        barcode = barcode_clean(data.barcode)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        barcode = ""
    if data.kind not in TubeKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Unknown tube kind.")))
    if data.category not in TurnaroundCategory.values:
        errors.append(field_error("category", "invalid_choice", _("Unknown turnaround category.")))
    if data.swab_site not in SwabSite.values:
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
        raise ValidationFailed(_("The tube cannot be bound."), errors=errors, code="tube_full")
    now = timezone.now()
    sampled_at = data.sampled_at or now
    # A time without its UTC offset is ambiguous (c4): refused, never guessed.
    times = [("sampled_at", sampled_at)] + [
        (f"members[{position}].scanned_at", member.scanned_at)
        for position, member in enumerate(data.members)
        if member.scanned_at is not None
    ]
    for name, moment in times:
        if timezone.is_naive(moment):
            errors.append(
                field_error(
                    name, "datetime_naive", _("Send the time with its UTC offset (e.g. +08:00).")
                )
            )
        elif moment > now + CLOCK_SKEW or moment < screening_round.starts_at - timedelta(hours=1):
            errors.append(
                field_error(
                    name,
                    "sampled_at_out_of_range",
                    _("The sampling time is outside the round (check the device clock)."),
                )
            )
    if timezone.is_naive(sampled_at):
        sampled_at = now
    zone = _round_zone(screening_round, point)
    rules = rules_for(point.region, timezone.localdate(sampled_at))
    ratio, per_household = _ratio(rules, zone=zone, data=data, errors=errors)
    persons, methods, member_errors = _resolve_members(data.members)
    errors.extend(member_errors)
    seen: dict[int, int] = {}
    for position, person in enumerate(persons):
        if person.id in seen:
            errors.append(
                field_error(
                    f"members[{position}]",
                    "person_repeated",
                    _("This person is already in the tube (member %(first)s).")
                    % {"first": seen[person.id] + 1},
                )
            )
        seen.setdefault(person.id, position)
    if errors:
        codes = {error["code"] for error in errors}
        code = next(
            (c for c in ("ratio_above_max", "ratio_above_rule", "person_unknown") if c in codes),
            "validation_failed",
        )
        raise ValidationFailed(_("The tube cannot be bound."), errors=errors, code=code)
    if len(persons) > ratio:
        raise _refuse(
            "tube_full",
            _("This tube holds at most %(ratio)s people; close it and open a new one.")
            % {"ratio": ratio},
            field_name=f"members[{ratio}]",
            ratio=ratio,
        )
    if per_household and len({p.household_id for p in persons}) > 1:
        raise _refuse(
            "household_mixed",
            _("Here one tube takes one household; these people live in different households."),
            field_name="members",
        )

    existing = Tube.objects.filter(barcode=barcode).first()
    if existing is not None:
        return _replay(existing, persons, screening_round, point)
    # After the replay check: an offline queue may still deliver tubes sampled before closing.
    if data.kind == TubeKind.SCREENING and screening_round.status != RoundStatus.OPEN:
        raise Conflict(_("The round is closed for screening tubes."), code="round_closed")
    try:
        with transaction.atomic():
            result = _store(
                actor=actor,
                screening_round=screening_round,
                point=point,
                data=data,
                barcode=barcode,
                persons=persons,
                methods=methods,
                zone=zone,
                ratio=ratio,
                per_household=per_household,
                sampled_at=sampled_at,
                rules=rules,
            )
    except IntegrityError:
        existing = Tube.objects.filter(barcode=barcode).first()
        if existing is None:
            # The database's one-pending-binding-per-round constraint: another tube with one
            # of these people was stored at the same moment.
            raise FangkongError(
                _("Already in a tube of this round that awaits its result."),
                code="person_already_bound",
                status=409,
            ) from None
        return _replay(existing, persons, screening_round, point)
    except FangkongError as exc:
        # The same tube sent twice at once: the first one stored its bindings after this
        # call looked for the barcode, so its members look busy. That is a replay.
        existing = (
            Tube.objects.filter(barcode=barcode).first()
            if exc.code == "person_already_bound"
            else None
        )
        if existing is None or not _same_tube(existing, persons):
            raise
        return _replay(existing, persons, screening_round, point)
    access_record(
        actor=actor,
        purpose="screening",
        action="tube_bind",
        subject_type="person",
        subject_ids=[person.code for person in persons],
    )
    return result


def _store(
    *,
    actor: AnyActor,
    screening_round: ScreeningRound,
    point: SamplingPoint,
    data: TubeInput,
    barcode: str,
    persons: Sequence[Person],
    methods: Sequence[str],
    zone: str,
    ratio: int,
    per_household: bool,
    sampled_at: datetime,
    rules: EffectiveRules,
) -> TubeBound:
    ids = [person.id for person in persons]
    tasks: list[RetestTask] = []
    if data.kind == TubeKind.SCREENING:
        busy = list(
            # exactly the condition of the partial unique index binding_one_pending_per_round
            Binding.objects.filter(
                round=screening_round,
                person_id__in=ids,
                outcome=MemberOutcome.PENDING,
                retest=False,
            ).values_list("person_id", flat=True)
        )
        if busy:
            raise FangkongError(
                _("Already in a tube of this round that awaits its result."),
                code="person_already_bound",
                status=409,
                detail={
                    "errors": [
                        field_error(
                            f"members[{ids.index(pid)}]",
                            "person_already_bound",
                            _("Already in a tube of this round that awaits its result."),
                        )
                        for pid in sorted(set(busy), key=ids.index)
                    ]
                },
            )
    else:
        tasks = list(
            RetestTask.objects.select_for_update()
            .filter(person_id__in=ids, status=RetestStatus.OPEN)
            .order_by("id")
        )
        without = [pid for pid in ids if pid not in {task.person_id for task in tasks}]
        if without:
            raise _refuse(
                "no_retest_task",
                _("This person has no open re-test task."),
                field_name=f"members[{ids.index(without[0])}]",
            )
    due_hours = turnaround_hours(rules, data.category)
    tube = Tube.objects.create(
        barcode=barcode,
        round=screening_round,
        point=point,
        kind=data.kind,
        zone=zone,
        group=data.group,
        ratio=ratio,
        per_household=per_household,
        category=data.category,
        swab_site=data.swab_site,
        sampler_id=actor.user_id or None,
        sampled_at=sampled_at,
        member_count=len(persons),
        due_at=sampled_at + timedelta(hours=due_hours),
        rule_set=rules.label,
    )
    Binding.objects.bulk_create(
        [
            Binding(
                tube=tube,
                round=screening_round,
                person=person,
                region_id=person.region_id,
                household_id=person.household_id,
                doc_type=data.members[position].doc_type
                if methods[position] != EntryMethod.SAMPLING_CODE
                else "",
                method=methods[position],
                position=position,
                retest=data.kind == TubeKind.RETEST,
                scanned_at=data.members[position].scanned_at or sampled_at,
            )
            for position, person in enumerate(persons)
        ]
    )
    if tasks:
        RetestTask.objects.filter(id__in=[task.id for task in tasks]).update(
            status=RetestStatus.SAMPLED, retest_tube=tube, updated_at=timezone.now()
        )
    tube_event_record(
        tube=tube,
        kind=TubeEventKind.BOUND,
        actor=actor,
        rule_set=rules.label,
        detail={"members": len(persons), "ratio": ratio, "zone": zone, "point": str(point.code)},
    )
    audit_record(
        actor=actor,
        action="tube_bind",
        object_type="tube",
        object_id=barcode,
        fields=["members", "ratio", "sampled_at"],
        rule_set=rules.label,
        extra={
            "round": str(screening_round.code),
            "point": str(point.code),
            "members": len(persons),
            "kind": data.kind,
            "retest_tasks": [str(task.code) for task in tasks],
        },
    )
    return TubeBound(tube=tube, persons=list(persons), created=True)
