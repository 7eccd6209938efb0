"""Reads of key-group schedules (R15), arrivals owed a landing test (§1.9), antigen results
(R16), always scoped to the actor's subtree.

Lists are set-based: the last PCR sampling of each person is a correlated subquery on the
``(person, scanned_at)`` index of bindings and the interval of each group a ``CASE`` over the
rules in force, so a page is one query whatever the size of the group. Every list logs one
read-access row with the codes of the persons it shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.utils import timezone
from django.utils.translation import get_language

from fangkong.accounts.choices import PERSON_ROLES, AccessPurpose
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import access_record
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.lab.access import require_role
from fangkong.lab.models import AntigenTest, Arrival, Binding, KeyGroupMember
from fangkong.lab.roles import (
    ANTIGEN_READ_ROLES,
    COVERAGE_ROLES,
)
from fangkong.people.models import Person
from fangkong.policy.choices import TestKind
from fangkong.policy.schema import KeyGroupSchedule
from fangkong.policy.selectors import rules_for_path
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

PURPOSE = AccessPurpose.SCREENING.value


def shows_names(actor: AnyActor) -> bool:
    """True if the actor may see persons' names (roles without person access, such as
    inspectors, see the lists without them)."""
    return isinstance(actor, SystemActor) or actor.role in PERSON_ROLES


def _name(actor: AnyActor, person: Person) -> str:
    return person.name if shows_names(actor) else "—"


def _scoped(queryset: QuerySet[KeyGroupMember], path: str) -> QuerySet[KeyGroupMember]:
    return queryset.filter(in_subtree(path, field="region__path")) if path else queryset


def _last_pcr_sampling() -> Subquery:
    """The person's latest PCR sampling time (any tube they were bound to)."""
    return Subquery(
        Binding.objects.filter(person_id=OuterRef("person_id"))
        .order_by("-scanned_at")
        .values("scanned_at")[:1],
        output_field=DateTimeField(),
    )


def _last_antigen_test() -> Subquery:
    """The person's latest antigen test time (self-test or clinic, whatever the result)."""
    return Subquery(
        AntigenTest.objects.filter(person_id=OuterRef("person_id"))
        .order_by("-tested_at")
        .values("tested_at")[:1],
        output_field=DateTimeField(),
    )


def _last_test(antigen_groups: Collection[str]) -> Expression | F:
    """The member's latest test that counts for their group (``key_groups.*.test_kind``): the
    latest PCR sampling, or for a group whose rule allows antigen (``pcr_or_antigen``) the
    later of that and the latest antigen test."""
    if not antigen_groups:
        return F("last_pcr_at")
    return Case(
        When(~Q(group__in=list(antigen_groups)), then=F("last_pcr_at")),
        When(last_antigen_at__isnull=True, then=F("last_pcr_at")),
        When(last_pcr_at__isnull=True, then=F("last_antigen_at")),
        When(last_antigen_at__gt=F("last_pcr_at"), then=F("last_antigen_at")),
        default=F("last_pcr_at"),
        output_field=DateTimeField(),
    )


def key_group_name(schedule: KeyGroupSchedule, language: str | None = None) -> str:
    """The group's name in ``language`` (default: the active one): Chinese for ``zh*``,
    English otherwise."""
    chosen = (language or get_language() or "en").lower()
    return schedule.name_zh if chosen.startswith("zh") else schedule.name_en


def _log(actor: AnyActor, action: str, persons: Collection[Person]) -> None:
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action=action,
        subject_type="person",
        subject_ids=sorted({str(person.code) for person in persons}),
    )


# --------------------------------------------------------------------------- key groups


def key_group_interval(schedule: KeyGroupSchedule) -> timedelta:
    """The longest a member may go between two tests: ``interval_days``; 7 days over
    ``times_per_week``; 1 day over ``rolling_share_per_day`` (20 % a day → every 5 days)."""
    if schedule.interval_days is not None:
        return timedelta(days=schedule.interval_days)
    if schedule.times_per_week is not None:
        return timedelta(days=7 / schedule.times_per_week)
    assert schedule.rolling_share_per_day is not None  # the schema sets exactly one
    return timedelta(days=1 / schedule.rolling_share_per_day)


@dataclass(frozen=True)
class KeyGroupRow:
    """One member as listed: when they were last sampled, when the next test is due."""

    person_code: str
    person_name: str
    region_code: str
    region_name: str
    group: str
    group_name: str
    since: str
    until: str
    interval_hours: float | None
    last_tested_at: datetime | None
    next_due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class KeyGroupList:
    """A page of members, the rule-set label the intervals came from and its key groups."""

    page: Page[KeyGroupMember]
    rows: list[KeyGroupRow]
    rule_set: str
    groups: dict[str, KeyGroupSchedule]


def key_group_overdue_list(
    *,
    actor: AnyActor,
    group: str = "",
    region: Region | None = None,
    overdue_only: bool = True,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    now: datetime | None = None,
) -> KeyGroupList:
    """Key-group members in force today at ``region`` (default: the actor's node, which the
    caller has checked is in scope) with their last test and whether they are overdue.

    1. The intervals come from the rules in force at that node today
       (:func:`key_group_interval`); a member of a group the rules no longer have is never
       overdue.
    2. The last test is the last PCR sampling; for a group whose rule allows antigen
       (``test_kind`` ``pcr_or_antigen``: 乙类乙管 care-home residents) an antigen test counts
       too (R15, R16: it still never confirms a case).
    3. Overdue: never tested, or last tested longer ago than the interval.
    4. Overdue first, then the longest untested; ``overdue_only`` (default) keeps the overdue.

    One query per page; ``PermissionDenied`` outside ``COVERAGE_ROLES``; logs one access row.
    """
    require_role(actor, COVERAGE_ROLES)
    now = now or timezone.now()
    today = timezone.localdate(now)
    path = region.path if region is not None else actor.region_path
    rules = rules_for_path(path, today)
    groups = dict(rules.parameters.key_groups)
    intervals = {code: key_group_interval(schedule) for code, schedule in groups.items()}
    antigen_groups = {
        code for code, schedule in groups.items() if schedule.test_kind != TestKind.PCR
    }
    threshold: Expression = (
        Case(
            *[When(group=code, then=Value(now - gap)) for code, gap in intervals.items()],
            default=Value(None),
            output_field=DateTimeField(),
        )
        if intervals
        else Value(None, output_field=DateTimeField())
    )
    overdue = Q(due_threshold__isnull=False) & (
        Q(last_tested_at__isnull=True) | Q(last_tested_at__lt=F("due_threshold"))
    )
    queryset = (
        _scoped(KeyGroupMember.objects.select_related("person", "region"), path)
        .filter(since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .annotate(last_pcr_at=_last_pcr_sampling())
        .annotate(
            **({"last_antigen_at": _last_antigen_test()} if antigen_groups else {}),
        )
        .annotate(last_tested_at=_last_test(antigen_groups), due_threshold=threshold)
        .annotate(
            is_overdue=Case(
                When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
    )
    if group:
        queryset = queryset.filter(group=group)
    if overdue_only:
        queryset = queryset.filter(overdue)
    queryset = queryset.order_by(
        F("is_overdue").desc(), F("last_tested_at").asc(nulls_first=True), "id"
    )
    result: Page[KeyGroupMember] = paginate(queryset, page=page, page_size=page_size)
    rows = []
    for member in result.items:
        gap = intervals.get(member.group)
        last: datetime | None = getattr(member, "last_tested_at", None)
        schedule = groups.get(member.group)
        rows.append(
            KeyGroupRow(
                person_code=str(member.person.code),
                person_name=_name(actor, member.person),
                region_code=member.region.code,
                region_name=member.region.name,
                group=member.group,
                group_name=(key_group_name(schedule) if schedule else member.group),
                since=member.since.isoformat(),
                until=member.until.isoformat() if member.until else "",
                interval_hours=gap.total_seconds() / 3600 if gap else None,
                last_tested_at=last,
                next_due_at=(last + gap) if last is not None and gap is not None else None,
                overdue=bool(getattr(member, "is_overdue", False)),
            )
        )
    _log(actor, "key_group_list", [member.person for member in result.items])
    return KeyGroupList(page=result, rows=rows, rule_set=rules.label, groups=groups)


# --------------------------------------------------------------------------- arrivals


class ArrivalFilter:
    ALL = ""
    TESTED = "tested"
    UNTESTED = "untested"
    OVERDUE = "overdue"
    VALUES = (ALL, TESTED, UNTESTED, OVERDUE)


@dataclass(frozen=True)
class ArrivalRow:
    code: str
    person_code: str
    person_name: str
    region_code: str
    region_name: str
    origin: str
    arrived_at: datetime
    test_due_at: datetime
    tested_at: datetime | None
    overdue: bool


def arrival_list(
    *,
    actor: AnyActor,
    status: str = ArrivalFilter.ALL,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    now: datetime | None = None,
) -> tuple[Page[Arrival], list[ArrivalRow]]:
    """Arrivals in the actor's subtree, newest first, with their landing test: the first PCR
    sampling at or after the arrival (``tested_at``); overdue when there is none and
    ``test_due_at`` has passed. ``status`` keeps ``tested``, ``untested`` or ``overdue``
    ones. One query per page; logs one access row."""
    require_role(actor, COVERAGE_ROLES)
    now = now or timezone.now()
    first_after = Subquery(
        Binding.objects.filter(
            person_id=OuterRef("person_id"), scanned_at__gte=OuterRef("arrived_at")
        )
        .order_by("scanned_at")
        .values("scanned_at")[:1],
        output_field=DateTimeField(),
    )
    queryset = Arrival.objects.select_related("person", "region").annotate(tested_at=first_after)
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    if status == ArrivalFilter.TESTED:
        queryset = queryset.filter(tested_at__isnull=False)
    elif status == ArrivalFilter.UNTESTED:
        queryset = queryset.filter(tested_at__isnull=True)
    elif status == ArrivalFilter.OVERDUE:
        queryset = queryset.filter(tested_at__isnull=True, test_due_at__lt=now)
    result: Page[Arrival] = paginate(
        queryset.order_by("-arrived_at", "-id"), page=page, page_size=page_size
    )
    rows = []
    for arrival in result.items:
        tested_at: datetime | None = getattr(arrival, "tested_at", None)
        rows.append(
            ArrivalRow(
                code=str(arrival.code),
                person_code=str(arrival.person.code),
                person_name=_name(actor, arrival.person),
                region_code=arrival.region.code,
                region_name=arrival.region.name,
                origin=arrival.origin,
                arrived_at=arrival.arrived_at,
                test_due_at=arrival.test_due_at,
                tested_at=tested_at,
                overdue=tested_at is None and arrival.test_due_at < now,
            )
        )
    _log(actor, "arrival_list", [arrival.person for arrival in result.items])
    return result, rows


# --------------------------------------------------------------------------- antigen


def antigen_list(
    *,
    actor: AnyActor,
    person: Person | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[AntigenTest]:
    """Antigen results in the actor's subtree (of one ``person``, already accessed), newest
    first, with their PCR task. Never mixed with PCR results. Logs one access row."""
    require_role(actor, ANTIGEN_READ_ROLES)
    queryset = AntigenTest.objects.select_related("person", "region", "pcr_task")
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    if person is not None:
        queryset = queryset.filter(person=person)
    result = paginate(queryset.order_by("-tested_at", "-id"), page=page, page_size=page_size)
    _log(actor, "antigen_list", [test.person for test in result.items])
    return result


# --------------------------------------------------------------------------- alerts
