"""Opening cases: from lab findings (``cases_from_findings``, the ``lab.findings`` handler),
by hand (``case_open``) and, for reports made before Fangkong was in use, from the direct
reporting system's export (``services.imports``, through :func:`cases_create`).

A new case is the person's next episode under the rules in force at the person's node, with
its "2+4+24" timers (R18), a history row and an audit row; a person has at most one open case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import Errors, choice, past_day, raise_if
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.choices import CaseClassification, CaseEventKind, HowFound, InvestigationStep
from fangkong.cases.events import case_event_new, case_event_record, case_events_record
from fangkong.cases.models import Case, CaseTube, InvestigationTimer
from fangkong.cases.roles import CASE_OPEN_ROLES, INVESTIGATION_ROLES
from fangkong.core.actor import Actor, AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import Conflict, NotFound
from fangkong.lab.findings import Finding, FindingKind
from fangkong.people.models import Person
from fangkong.people.validation import require_in_scope
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region

#: How a finding of the lab found the person.
FINDING_HOW = {
    FindingKind.POOLED_RETEST: HowFound.POOLED_RETEST,
    FindingKind.SCREENING: HowFound.SCREENING,
    FindingKind.ANTIGEN_PCR: HowFound.ANTIGEN,
    FindingKind.ANTIGEN: HowFound.ANTIGEN,
    FindingKind.QUARANTINE_PCR: HowFound.QUARANTINED_CONTACT,
}


def _rules_here(region: Region) -> EffectiveRules:
    """The rules in force today at ``region`` (what a status change records)."""
    return rules_for(region, timezone.localdate())


def _timers_for(case: Case, rules: EffectiveRules) -> list[InvestigationTimer]:
    """The "2+4+24" timers of a new case (R18), as many as the rules have steps for (not
    saved)."""
    investigation = rules.parameters.investigation
    hours = {
        InvestigationStep.REPORT: investigation.report_hours,
        InvestigationStep.CORE_FACTS: investigation.core_facts_hours,
        InvestigationStep.FULL: investigation.full_hours,
    }
    return [
        InvestigationTimer(
            case=case,
            step=step,
            hours=value,
            due_at=case.opened_at + timedelta(hours=value),
            rule_set=rules.label,
        )
        for step, value in hours.items()
        if value is not None
    ]


def _link(case: Case, tube_ids: Iterable[int]) -> list[int]:
    """Link the tubes not linked yet; the ids linked now."""
    wanted = set(tube_ids)
    if not wanted:
        return []
    have = set(
        CaseTube.objects.filter(case=case, tube_id__in=wanted).values_list("tube_id", flat=True)
    )
    new = sorted(wanted - have)
    now = timezone.now()
    CaseTube.objects.bulk_create([CaseTube(case=case, tube_id=t, linked_at=now) for t in new])
    return new


def _existing(person: Person) -> Case | None:
    return Case.objects.select_for_update().filter(person=person, closed_at__isnull=True).first()


def _finding_join(
    actor: AnyActor,
    case: Case,
    *,
    tube_ids: Iterable[int],
    sampled_on: date | None,
    antigen_id: int | None,
    why: str,
) -> None:
    """A further finding about a case already open: its tubes linked, the first positive day
    kept the earliest; a history and an audit row only when something new was linked."""
    linked = _link(case, tube_ids)
    updates: dict[str, object] = {}
    if sampled_on is not None and (
        case.first_positive_on is None or sampled_on < case.first_positive_on
    ):
        updates["first_positive_on"] = case.first_positive_on = sampled_on
    if antigen_id is not None and case.antigen_test_id is None:
        updates["antigen_test_id"] = case.antigen_test_id = antigen_id
    if updates:
        Case.objects.filter(pk=case.pk).update(**updates, version=F("version") + 1)
    if not linked and not updates:
        return
    case_event_record(
        case=case,
        kind=CaseEventKind.FINDING,
        actor=actor,
        reason=why,
        rule_set=case.rule_set,
        detail={"tubes": len(linked)},
    )
    audit_record(
        actor=actor,
        action="case_finding_link",
        object_type="case",
        object_id=case.code,
        fields=["tubes", "first_positive_on"],
        reason=why,
        rule_set=case.rule_set,
        extra={"tubes": linked},
    )


#: Why a step of an imported case counts as done: it was due before the case was imported.
BEFORE_IMPORT = "investigated before import"


@dataclass(frozen=True)
class _Opening:
    """A case to open for a person who has no open case. ``opened_at`` is given only for a
    case reported before Fangkong was in use (an import): it opens then, already classified,
    with its report card number."""

    person: Person
    how_found: str
    why: str
    tube_ids: tuple[int, ...] = ()
    sampled_on: date | None = None
    onset_date: date | None = None
    antigen_id: int | None = None
    classification: str = CaseClassification.SUSPECTED
    opened_at: datetime | None = None
    report_card: str = ""


def _rules_at(opening: _Opening) -> EffectiveRules:
    """The rules a new case records: today's at the person's node, or for an imported case
    those in force on the day it was reported (today's when no rule set was in force yet)."""
    region = opening.person.region
    if opening.opened_at is None:
        return _rules_here(region)
    try:
        return rules_for(region, timezone.localdate(opening.opened_at))
    except NotFound:
        return _rules_here(region)


def _timers_settled(timers: list[InvestigationTimer], actor: AnyActor) -> None:
    """An imported case's steps already due at the import count as done then, with the note
    :data:`BEFORE_IMPORT`: the investigation happened before Fangkong, and a past report must
    not show up (or alert) as hours-late work. Steps still ahead stay pending."""
    now = timezone.now()
    for timer in timers:
        if timer.due_at <= now:
            timer.met_at, timer.met_by, timer.note = now, actor.username, BEFORE_IMPORT


def _cases_create(actor: AnyActor, openings: Sequence[_Opening]) -> list[Case] | None:
    """Open a case for each of ``openings`` (one per person, none of whom has an open case),
    with a constant number of statements however many there are.

    1. Each case is the person's next episode, suspected, under the rules in force today at
       the person's node (their label recorded on the case); an imported case (its
       ``opened_at`` given) opens at its report time, classified as reported, under the
       rules of its report day, and its steps already due are settled
       (:func:`_timers_settled`).
    2. The cases are inserted together in a savepoint: when a concurrent writer opened one of
       them first, the unique constraint fails, nothing is kept and ``None`` is answered (the
       caller goes one at a time).
    3. Their tubes are linked, their timers started (R18), and a history row (``opened``,
       with the rule set) and an audit row written for each.
    """
    persons = [opening.person.id for opening in openings]
    episodes = dict(
        Case.objects.filter(person_id__in=persons)
        .order_by()
        .values("person_id")
        .annotate(n=Max("episode"))
        .values_list("person_id", "n")
    )
    investigator = (
        actor.user_id if isinstance(actor, Actor) and actor.role in INVESTIGATION_ROLES else None
    )
    rules = [_rules_at(opening) for opening in openings]
    now = timezone.now()
    rows = [
        Case(
            person=opening.person,
            region_id=opening.person.region_id,
            episode=episodes.get(opening.person.id, 0) + 1,
            how_found=opening.how_found,
            onset_date=opening.onset_date,
            first_positive_on=opening.sampled_on,
            antigen_test_id=opening.antigen_id,
            investigator_id=investigator,
            classification=opening.classification,
            opened_at=opening.opened_at or now,
            report_card=opening.report_card,
            rule_set=rule.label,
        )
        for opening, rule in zip(openings, rules, strict=True)
    ]
    try:
        with transaction.atomic():
            cases = Case.objects.bulk_create(rows)
    except IntegrityError:
        return None
    CaseTube.objects.bulk_create(
        [
            CaseTube(case=case, tube_id=tube_id, linked_at=now)
            for case, opening in zip(cases, openings, strict=True)
            for tube_id in sorted(set(opening.tube_ids))
        ]
    )
    timers = [_timers_for(case, rule) for case, rule in zip(cases, rules, strict=True)]
    for group, opening in zip(timers, openings, strict=True):
        if opening.opened_at is not None:
            _timers_settled(group, actor)
    InvestigationTimer.objects.bulk_create([timer for group in timers for timer in group])
    case_events_record(
        [
            case_event_new(
                case=case,
                kind=CaseEventKind.OPENED,
                actor=actor,
                reason=opening.why,
                rule_set=rule.label,
                to_value=case.classification,
                detail={
                    "how_found": opening.how_found,
                    "episode": case.episode,
                    "timers": len(group),
                    **(
                        {
                            "reported_at": case.opened_at.isoformat(),
                            "report_card": case.report_card,
                            "settled": sum(1 for timer in group if timer.note),
                        }
                        if opening.opened_at is not None
                        else {}
                    ),
                },
            )
            for case, opening, rule, group in zip(cases, openings, rules, timers, strict=True)
        ]
    )
    audit_record_many(
        [
            AuditSpec(
                actor=actor,
                action="case_open",
                object_type="case",
                object_id=case.code,
                fields=(
                    "person",
                    "classification",
                    "how_found",
                    "onset_date",
                    "first_positive_on",
                    *(("opened_at", "report_card") if opening.opened_at is not None else ()),
                ),
                reason=opening.why,
                rule_set=rule.label,
                extra={
                    "person": str(opening.person.code),
                    "how_found": opening.how_found,
                    "episode": case.episode,
                },
            )
            for case, opening, rule in zip(cases, openings, rules, strict=True)
        ]
    )
    return cases


def _case_open(actor: AnyActor, opening: _Opening) -> tuple[Case, bool]:
    """The person's open case with this finding joined to it, or a new one; True if new.

    1. An open case of the person (locked) takes the finding (:func:`_finding_join`).
    2. Otherwise a case of the next episode is opened (:func:`_cases_create`): a concurrent
       writer that opened it first makes the unique constraint fail, and step 1 runs again.
    """
    for _attempt in range(2):
        case = _existing(opening.person)
        if case is not None:
            _finding_join(
                actor,
                case,
                tube_ids=opening.tube_ids,
                sampled_on=opening.sampled_on,
                antigen_id=opening.antigen_id,
                why=opening.why,
            )
            return case, False
        created = _cases_create(actor, [opening])
        if created is not None:
            return created[0], True
    raise Conflict(
        _("The case was opened at the same time elsewhere; try again."), code="case_race"
    )


def _opening(person: Person, finding: Finding) -> _Opening:
    return _Opening(
        person=person,
        how_found=FINDING_HOW[finding.kind],
        why=f"lab finding ({finding.kind})",
        tube_ids=finding.tube_ids,
        sampled_on=finding.sampled_on,
        antigen_id=finding.antigen_id,
    )


def cases_from_findings(findings: list[Finding], actor: AnyActor) -> None:
    """The ``lab.findings`` handler: each person found positive gets their open case (a new
    one, suspected until classified) with the finding's tubes or antigen result linked; a
    finding reported again (a result file applied twice) changes nothing. Runs in the lab
    write's transaction.

    1. The persons' open cases are read and locked in one query (in id order, so two writers
       lock in the same order).
    2. The persons without one get theirs together (:func:`_cases_create`), from their first
       finding; when a concurrent writer opened one of them first, every finding goes one at
       a time (:func:`_case_open`) instead.
    3. Every other finding joins its person's case (:func:`_finding_join`: only what is new
       is linked and recorded).
    """
    people = Person.objects.select_related("region").in_bulk({f.person_id for f in findings})
    open_cases = {
        case.person_id: case
        for case in Case.objects.select_for_update()
        .filter(person_id__in=list(people), closed_at__isnull=True)
        .order_by("id")
    }
    first: dict[int, Finding] = {}
    for finding in findings:
        if finding.person_id not in open_cases:
            first.setdefault(finding.person_id, finding)
    openings = [_opening(people[pid], finding) for pid, finding in first.items()]
    created = _cases_create(actor, openings) if openings else []
    if created is None:
        for finding in findings:
            _case_open(actor, _opening(people[finding.person_id], finding))
        return
    open_cases.update({case.person_id: case for case in created})
    for finding in findings:
        if first.get(finding.person_id) is finding:
            continue  # opened with it
        _finding_join(
            actor,
            open_cases[finding.person_id],
            tube_ids=finding.tube_ids,
            sampled_on=finding.sampled_on,
            antigen_id=finding.antigen_id,
            why=f"lab finding ({finding.kind})",
        )


@transaction.atomic
def case_open(
    *,
    actor: AnyActor,
    person: Person,
    how_found: str,
    reason: str,
    onset_date: date | None = None,
    first_positive_on: date | None = None,
) -> tuple[Case, bool]:
    """Open a case by hand (a fever clinic, a key group's test, an arrival, ...), suspected
    until classified; the person's open case if they have one (``False``: nothing opened).

    Raises ``PermissionDenied`` (``CASE_OPEN_ROLES``), ``NotFound`` (person out of scope) and
    ``ValidationFailed`` naming ``how_found``, ``reason``, ``onset_date`` or
    ``first_positive_on`` (in the future). Audited; timers start (R18).
    """
    require_role(actor, CASE_OPEN_ROLES)
    require_in_scope(actor, person.region)
    errors: Errors = []
    choice(how_found, HowFound, field="how_found", errors=errors)
    past_day(onset_date, field="onset_date", errors=errors)
    past_day(first_positive_on, field="first_positive_on", errors=errors)
    raise_if(errors, _("The case cannot be opened."))
    why = reason_checked(reason)
    return _case_open(
        actor,
        _Opening(
            person=person,
            how_found=how_found,
            why=why,
            sampled_on=first_positive_on,
            onset_date=onset_date,
        ),
    )
