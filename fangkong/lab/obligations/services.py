"""Key groups on a testing schedule (R15), arrivals owed a landing test (落地检, §1.9) and
antigen results kept apart from PCR (R16).

Antigen results never touch tubes, bindings or their outcomes: a positive one only opens a
single-tube PCR task (``RetestTask`` with reason ``antigen``), and that PCR tube's result is
what counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import objects_insert
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    AntigenResult,
    AntigenSource,
    MemberOutcome,
    RetestReason,
    RetestStatus,
)
from fangkong.lab.findings import REPORTED_REASONS, FindingKind, finding_report
from fangkong.lab.models import AntigenTest, Arrival, Binding, KeyGroupMember, RetestTask
from fangkong.lab.results.retests import open_retest_tasks_locked
from fangkong.lab.roles import ANTIGEN_ROLES, COVERAGE_WRITE_ROLES
from fangkong.people.models import Person
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for

#: Why a negative antigen result still needed PCR (``AntigenTest.suspected``).
SUSPECTED_SYMPTOMS = "symptoms"
SUSPECTED_HELD = "held"

#: A device clock may be off; times this far in the future are still taken.
CLOCK_SKEW = timedelta(minutes=10)
#: Arrivals and antigen results older than this are refused as data-entry mistakes.
MAX_BACKDATE = timedelta(days=30)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("Say why."), errors=[field_error("reason", "required", _("Give a reason."))]
        )
    if len(text) > 255 or "\x00" in text:
        raise ValidationFailed(
            _("Say why."),
            errors=[field_error("reason", "too_long", _("At most 255 characters."))],
        )
    return text


def _moment(
    value: datetime, *, field: str, now: datetime, errors: list[dict[str, object]]
) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        errors.append(field_error(field, "in_the_future", _("This time is in the future.")))
    elif value < now - MAX_BACKDATE:
        errors.append(
            field_error(field, "too_old", _("This time is more than 30 days in the past."))
        )
    return value


# --------------------------------------------------------------------------- key groups


@transaction.atomic
def key_group_assign(
    *, actor: AnyActor, person: Person, group: str, since: date, until: date | None = None
) -> KeyGroupMember:
    """Put ``person`` in key group ``group`` from ``since`` (to ``until``, inclusive).

    Raises ``PermissionDenied`` unless the actor has a coverage-write role, ``NotFound`` for a
    person outside the actor's subtree, ``ValidationFailed`` with ``group_unknown`` (not a
    key group of the rules in force at the person's node on ``since``) or ``before_start``
    (``until`` before ``since``), and ``Conflict`` (``key_group_member_exists``) when the
    person is already in the group. Audited with the rule-set label.
    """
    require_role(actor, COVERAGE_WRITE_ROLES)
    require_in_scope(actor, person.region)
    rules = rules_for(person.region, max(since, timezone.localdate()))
    errors: list[dict[str, object]] = []
    if group not in rules.parameters.key_groups:
        errors.append(
            field_error("group", "group_unknown", _("Not a key group of the rules in force."))
        )
    if until is not None and until < since:
        errors.append(
            field_error("until", "before_start", _("The end date is before the start date."))
        )
    if errors:
        raise ValidationFailed(
            _("The person cannot be put in this key group."),
            errors=errors,
            code=str(errors[0]["code"]),
        )
    if KeyGroupMember.objects.filter(person=person, group=group).exists():
        raise Conflict(
            _("This person is already in this key group."), code="key_group_member_exists"
        )
    member = KeyGroupMember.objects.create(
        person=person,
        region_id=person.region_id,
        group=group,
        since=since,
        until=until,
        created_by=actor.username,
    )
    audit_record(
        actor=actor,
        action="key_group_assign",
        object_type="person",
        object_id=person.code,
        fields=["key_group"],
        rule_set=rules.label,
        extra={
            "group": group,
            "since": since.isoformat(),
            "until": until.isoformat() if until else "",
        },
    )
    return member


@transaction.atomic
def key_group_remove(*, actor: AnyActor, person: Person, group: str, reason: str) -> None:
    """Take ``person`` out of key group ``group`` (the row goes; the audit row keeps the
    history with the reason). ``NotFound`` (``key_group_member_not_found``) when they are not
    in it; ``reason`` is required."""
    require_role(actor, COVERAGE_WRITE_ROLES)
    require_in_scope(actor, person.region)
    text = _reason(reason)
    deleted, _rows = KeyGroupMember.objects.filter(person=person, group=group).delete()
    if not deleted:
        raise NotFound(
            _("This person is not in this key group."), code="key_group_member_not_found"
        )
    audit_record(
        actor=actor,
        action="key_group_remove",
        object_type="person",
        object_id=person.code,
        fields=["key_group"],
        reason=text,
        extra={"group": group},
    )


# --------------------------------------------------------------------------- arrivals


@transaction.atomic
def arrival_register(
    *, actor: AnyActor, person: Person, arrived_at: datetime, origin: str
) -> Arrival:
    """Register ``person`` as arrived from ``origin`` at ``arrived_at``; the landing test is
    due ``arrivals.test_within_hours`` later, by the rules in force at the person's node on
    the day of arrival (24 h from the 9th edition to 二十条).

    Raises ``PermissionDenied`` (role), ``NotFound`` (person out of scope),
    ``ValidationFailed`` naming ``origin`` (``required``, ``too_long``) or ``arrived_at``
    (``in_the_future``, ``too_old``), and ``Conflict`` (``arrival_test_not_in_force``, 409)
    when those rules have no landing test (before Sep 2022, and from 新十条 on). Audited with
    the rule set.
    """
    require_role(actor, COVERAGE_WRITE_ROLES)
    require_in_scope(actor, person.region)
    now = timezone.now()
    errors: list[dict[str, object]] = []
    origin = (origin or "").strip()
    if not origin:
        errors.append(field_error("origin", "required", _("Say where the person came from.")))
    elif len(origin) > 120 or "\x00" in origin:
        errors.append(field_error("origin", "too_long", _("At most 120 characters.")))
    arrived_at = _moment(arrived_at, field="arrived_at", now=now, errors=errors)
    if errors:
        raise ValidationFailed(_("The arrival cannot be registered."), errors=errors)
    rules = rules_for(person.region, timezone.localdate(arrived_at))
    hours = rules.parameters.arrivals.test_within_hours
    if hours is None:
        raise Conflict(
            _("The rules in force (%(rules)s) ask no landing test of arrivals.")
            % {"rules": rules.label},
            code="arrival_test_not_in_force",
            detail={"rule_set": rules.label, "parameter": "arrivals.test_within_hours"},
        )
    arrival = Arrival.objects.create(
        person=person,
        region_id=person.region_id,
        arrived_at=arrived_at,
        origin=origin,
        test_due_at=arrived_at + timedelta(hours=hours),
        created_by=actor.username,
    )
    audit_record(
        actor=actor,
        action="arrival_register",
        object_type="arrival",
        object_id=arrival.code,
        fields=["person", "arrived_at", "origin", "test_due_at"],
        rule_set=rules.label,
        extra={"person": str(person.code)},
    )
    return arrival


# --------------------------------------------------------------------------- antigen


def _suspected(person: Person, symptomatic: bool) -> str:
    """Why ``person`` counts as a suspected case for an antigen result (§1.8: symptoms; held in
    place after a pooled positive, a binding still ``held``), or ``""``."""
    if symptomatic:
        return SUSPECTED_SYMPTOMS
    if Binding.objects.filter(person=person, outcome=MemberOutcome.HELD).exists():
        return SUSPECTED_HELD
    return ""


@transaction.atomic
def antigen_record(
    *,
    actor: AnyActor,
    person: Person,
    source: str,
    result: str,
    tested_at: datetime,
    kit_serial: str = "",
    symptomatic: bool = False,
) -> AntigenTest:
    """Record an antigen result (self-test or clinic) for ``person``, apart from PCR (R16).

    1. Role (``ANTIGEN_ROLES``) and scope are checked; ``source`` and ``result`` must be
       known (``invalid_choice``), ``tested_at`` neither in the future nor over 30 days old,
       ``kit_serial`` at most 64 printable characters (``too_long``).
    2. PCR follows a positive, and a negative of a suspected person (``symptomatic`` as
       reported with the test, or held in place after a pooled positive), as the rule set in
       force at the person's node says (``antigen``): the person's open PCR task is reused if
       there is one (they get a single tube whatever asked for it), else a ``RetestTask``
       with reason ``antigen`` is opened. The row keeps a link to that task and why a
       negative still needed PCR (``suspected``).
    3. Nothing else changes: tube results and binding outcomes stay as they are, and the
       antigen row is never the confirming result of a case. Audited with the rule set.
    """
    require_role(actor, ANTIGEN_ROLES)
    require_in_scope(actor, person.region)
    now = timezone.now()
    errors: list[dict[str, object]] = []
    if source not in AntigenSource.values:
        errors.append(field_error("source", "invalid_choice", _("Unknown antigen test source.")))
    if result not in AntigenResult.values:
        errors.append(field_error("result", "invalid_choice", _("Unknown antigen result.")))
    serial = (kit_serial or "").strip()
    if len(serial) > 64 or not serial.isprintable():
        errors.append(field_error("kit_serial", "too_long", _("At most 64 printable characters.")))
    tested_at = _moment(tested_at, field="tested_at", now=now, errors=errors)
    if errors:
        raise ValidationFailed(_("The antigen result cannot be recorded."), errors=errors)
    rules = rules_for(person.region, timezone.localdate(now))
    suspected = _suspected(person, symptomatic) if result == AntigenResult.NEGATIVE else ""
    needs_pcr = (
        result == AntigenResult.POSITIVE and rules.parameters.antigen.pcr_after_positive
    ) or (bool(suspected) and rules.parameters.antigen.pcr_after_negative_if_suspected)
    task: RetestTask | None = None
    if needs_pcr:
        task = open_retest_tasks_locked({person.id}).get(person.id)
        if task is None:
            task = RetestTask.objects.create(
                person=person,
                region_id=person.region_id,
                reason=RetestReason.ANTIGEN,
                rule_set=rules.label,
            )
    test = AntigenTest.objects.create(
        person=person,
        region_id=person.region_id,
        source=source,
        result=result,
        tested_at=tested_at,
        kit_serial=serial,
        symptomatic=bool(symptomatic),
        suspected=suspected if needs_pcr else "",
        reported_by=actor.username,
        reported_at=now,
        pcr_task=task,
    )
    if result == AntigenResult.POSITIVE:  # a suspected case (``lab.findings``); never confirms
        finding_report(
            person_id=person.id,
            kind=FindingKind.ANTIGEN,
            sampled_on=timezone.localdate(tested_at),
            actor=actor,
            antigen_id=test.id,
            rule_set=rules.label,
        )
    audit_record(
        actor=actor,
        action="antigen_record",
        object_type="antigen_test",
        object_id=test.code,
        fields=["person", "source", "result", "tested_at", "kit_serial", "symptomatic"],
        reason=f"antigen {result}" + (f", suspected ({suspected})" if test.suspected else ""),
        rule_set=rules.label,
        extra={
            "person": str(person.code),
            "result": result,
            "pcr_task": str(task.code) if task else "",
        },
    )
    return test


# --------------------------------------------------------------------------- person test tasks


@dataclass(frozen=True)
class PersonTestWanted:
    """One day-numbered test another app asks the lab to sample: the person, the day it is
    due, where (``SamplingPlace``) and the rule set that scheduled it."""

    person_id: int
    region_id: int
    due_on: date
    place: str
    rule_set: str


def person_test_tasks_open(
    *,
    actor: AnyActor,
    wanted: Sequence[PersonTestWanted],
    reason: str,
    kind: str = RetestReason.QUARANTINE,
) -> list[RetestTask]:
    """Open a single-tube PCR task (``RetestTask`` with reason ``kind``: ``quarantine``, a
    plan's test, or ``treatment``, a patient's release test) for each of ``wanted``, in the
    order given, set-based: one insert for all, one audit row per call.
    The task is sampled from its day on (``open_retest_tasks_locked``) by binding a re-test
    tube to the person, and its tube's result closes it and goes back to the asking app
    through ``lab.findings.task_results_register``.

    Called by the asking app's service inside its transaction, after its own role and scope
    checks (``isolation`` issuing or re-planning an order); returns the tasks with their ids.
    """
    if kind not in REPORTED_REASONS:
        raise ValueError(f"not a reason other apps open tasks for: {kind}")
    if not wanted:
        return []
    now = timezone.now()
    tasks = [
        RetestTask(
            person_id=entry.person_id,
            region_id=entry.region_id,
            reason=kind,
            rule_set=entry.rule_set,
            due_on=entry.due_on,
            place=entry.place,
            created_at=now,
            updated_at=now,
        )
        for entry in wanted
    ]
    objects_insert(tasks)
    audit_record(
        actor=actor,
        action="person_test_tasks_open",
        object_type="retest_task" if len(tasks) == 1 else "retest_task_batch",
        object_id=str(tasks[0].code) if len(tasks) == 1 else f"{len(tasks)} tasks",
        fields=["person", "reason", "due_on", "place"],
        reason=reason,
        rule_set=", ".join(sorted({entry.rule_set for entry in wanted}))[:200],
        extra={"tasks": len(tasks), "persons": len({entry.person_id for entry in wanted})},
    )
    return tasks


def person_test_tasks_close(*, actor: AnyActor, task_ids: Iterable[int], reason: str) -> int:
    """Close the test tasks ``task_ids`` another app opened that are still open (unsampled) —
    the order they belong to was released or re-planned — in one statement; a task sampled or
    resulted meanwhile is left as it is (its result still comes back). Returns how many were
    closed; audited once with the reason when any was. Called by the asking app's service
    inside its transaction."""
    ids = sorted(set(task_ids))
    if not ids:
        return 0
    closed = RetestTask.objects.filter(
        id__in=ids, reason__in=REPORTED_REASONS, status=RetestStatus.OPEN
    ).update(status=RetestStatus.CLOSED, updated_at=timezone.now())
    if closed:
        audit_record(
            actor=actor,
            action="person_test_tasks_close",
            object_type="retest_task_batch",
            object_id=f"{closed} tasks",
            fields=["status"],
            reason=reason,
            extra={"closed": closed},
        )
    return closed
