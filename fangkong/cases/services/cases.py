"""Opening cases (from lab findings or by hand), their governed classification, and the
clinical facts (severity, place of treatment, outcome).

A classification changes only along :data:`TRANSITIONS`, by a role in ``CLASSIFY_ROLES``, with
a reason, recording the rule set in force (key and revision) in the case's history and the
audit ledger. Confirmation and asymptomatic infection need a positive PCR tube linked to the
case: an antigen result never confirms (R16).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import Errors, choice, past_day, raise_if
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.choices import (
    AlertState,
    CaseClassification,
    CaseEventKind,
    HowFound,
    InvestigationStep,
    Outcome,
    Severity,
    Treatment,
)
from fangkong.cases.events import case_event_new, case_event_record, case_events_record
from fangkong.cases.models import Case, CaseAlert, CaseTube, InvestigationTimer
from fangkong.cases.roles import (
    CASE_OPEN_ROLES,
    CLASSIFY_ROLES,
    CLINICAL_ROLES,
    INVESTIGATION_ROLES,
)
from fangkong.cases.services.areas import case_areas_infect
from fangkong.core.actor import Actor, AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import Conflict, FangkongError, field_error, field_refusal
from fangkong.lab.choices import TubeResult
from fangkong.lab.findings import Finding, FindingKind
from fangkong.people.models import Person
from fangkong.people.validation import require_in_scope
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region

C = CaseClassification

#: Which classification may follow which (a ruled-out case is closed and stays so).
TRANSITIONS: dict[str, frozenset[str]] = {
    C.SUSPECTED: frozenset({C.CONFIRMED, C.ASYMPTOMATIC, C.DISCARDED}),
    C.ASYMPTOMATIC: frozenset({C.CONFIRMED, C.DISCARDED}),
    C.CONFIRMED: frozenset({C.DISCARDED}),
    C.DISCARDED: frozenset(),
}
#: Classifications only a positive PCR result supports (R16: never an antigen result).
NEEDS_PCR = frozenset({C.CONFIRMED, C.ASYMPTOMATIC})

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


@dataclass(frozen=True)
class _Opening:
    """A case to open for a person who has no open case."""

    person: Person
    how_found: str
    why: str
    tube_ids: tuple[int, ...] = ()
    sampled_on: date | None = None
    onset_date: date | None = None
    antigen_id: int | None = None


def _cases_create(actor: AnyActor, openings: Sequence[_Opening]) -> list[Case] | None:
    """Open a case for each of ``openings`` (one per person, none of whom has an open case),
    with a constant number of statements however many there are.

    1. Each case is the person's next episode, suspected, under the rules in force today at
       the person's node (their label recorded on the case).
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
    rules = [_rules_here(opening.person.region) for opening in openings]
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
            opened_at=now,
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
                fields=("person", "classification", "how_found", "onset_date", "first_positive_on"),
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


def _has_pcr(case: Case) -> bool:
    return CaseTube.objects.filter(case=case, tube__result=TubeResult.POSITIVE).exists()


def _pcr_refusal(case: Case, to: str) -> FangkongError:
    if case.antigen_test_id is not None:
        message = _(
            "Only a positive PCR result can make this case %(to)s: it has an antigen result, "
            "which never confirms a case (R16)."
        )
    else:
        message = _("Only a positive PCR result can make this case %(to)s; none is linked.")
    return field_refusal(
        "pcr_result_required",
        message % {"to": C(to).label},
        field="classification",
        status=409,
    )


def _conditional(case: Case, expected: dict[str, object], **changes: object) -> None:
    """``UPDATE … WHERE`` the values read are still there (else ``Conflict``)."""
    updated = Case.objects.filter(pk=case.pk, **expected).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise Conflict(_("The case changed meanwhile; reload it."), code="case_changed")
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1


@transaction.atomic
def case_classify(
    *,
    actor: AnyActor,
    case: Case,
    classification: str,
    reason: str,
    onset_date: date | None = None,
) -> Case:
    """Move ``case`` to ``classification`` along :data:`TRANSITIONS` (governed).

    1. Role (``CLASSIFY_ROLES``, else 403 ``role_not_allowed``); ``reason`` required and
       ``classification`` known (``ValidationFailed`` naming them).
    2. ``classification_not_allowed`` (409) off the table; ``pcr_result_required`` (409) for
       confirmed or asymptomatic without a positive PCR tube (an antigen result never
       confirms, R16); a confirmed case needs its ``onset_date`` (``required``), an
       asymptomatic one has none (``onset_for_asymptomatic``).
    3. A conditional update (a concurrent change answers ``case_changed``); ruled out closes
       the case. History row from → to with the reason and the rule set (key and revision)
       in force at the case's node, and an audit row.
    4. Confirmed or asymptomatic: the infection is recorded in every open risk area the
       person's residence lies in (``services.areas.case_areas_infect``), in the same
       transaction.
    """
    require_role(actor, CLASSIFY_ROLES)
    errors: Errors = []
    choice(classification, C, field="classification", errors=errors)
    past_day(onset_date, field="onset_date", errors=errors)
    raise_if(errors, _("The case cannot be classified."))
    why = reason_checked(reason)
    current = case.classification
    if classification not in TRANSITIONS[current] or not case.is_open:
        raise Conflict(
            _("A %(from)s case cannot become %(to)s.")
            % {"from": C(current).label, "to": C(classification).label},
            code="classification_not_allowed",
            detail={"from": current, "to": classification},
        )
    if classification in NEEDS_PCR and not _has_pcr(case):
        raise _pcr_refusal(case, classification)
    onset = onset_date if onset_date is not None else case.onset_date
    if classification == C.CONFIRMED and onset is None:
        raise_if(
            [field_error("onset_date", "required", _("A confirmed case has an onset date."))],
            _("The case cannot be classified."),
        )
    if classification == C.ASYMPTOMATIC and onset is not None:
        raise_if(
            [
                field_error(
                    "onset_date",
                    "onset_for_asymptomatic",
                    _("An asymptomatic infection has no onset date."),
                )
            ],
            _("The case cannot be classified."),
        )
    rules = _rules_here(case.region)
    now = timezone.now()
    changes: dict[str, object] = {"classification": classification, "onset_date": onset}
    if classification == C.DISCARDED:
        changes["closed_at"] = now
    _conditional(case, {"classification": current, "closed_at__isnull": True}, **changes)
    if classification == C.DISCARDED:
        CaseAlert.objects.filter(case=case).exclude(state=AlertState.CLOSED).update(
            state=AlertState.CLOSED,
            handled_by=actor.username,
            note="case ruled out",
            updated_at=now,
        )
    case_event_record(
        case=case,
        kind=CaseEventKind.CLASSIFIED,
        actor=actor,
        reason=why,
        rule_set=rules.label,
        from_value=current,
        to_value=classification,
    )
    audit_record(
        actor=actor,
        action="case_classify",
        object_type="case",
        object_id=case.code,
        fields=["classification", "onset_date"],
        reason=why,
        rule_set=rules.label,
        extra={"from": current, "to": classification},
    )
    # the infection is known: the risk areas the residence lies in count it (issue 19 §8)
    case_areas_infect(actor=actor, case=case, reason=why)
    return case


#: The clinical facts ``case_clinical_update`` sets: field → (choices, history kind).
_CLINICAL: dict[str, tuple[type[TextChoices], str]] = {
    "severity": (Severity, CaseEventKind.SEVERITY),
    "treatment": (Treatment, CaseEventKind.TREATMENT),
    "outcome": (Outcome, CaseEventKind.OUTCOME),
}


@transaction.atomic
def case_clinical_update(
    *,
    actor: AnyActor,
    case: Case,
    reason: str,
    severity: str | None = None,
    treatment: str | None = None,
    outcome: str | None = None,
) -> Case:
    """Set the case's severity, place of treatment and/or outcome (``None``: unchanged).

    Raises ``PermissionDenied`` (``CLINICAL_ROLES``), ``ValidationFailed`` naming the field
    (``invalid_choice``) or ``reason``, ``Conflict`` ``case_closed`` for a closed case and
    ``case_not_classified`` for an outcome of a case still suspected. An outcome closes the
    case. One history row per fact changed, one audit row.
    """
    require_role(actor, CLINICAL_ROLES)
    wanted = {"severity": severity, "treatment": treatment, "outcome": outcome}
    errors: Errors = []
    for name, value in wanted.items():
        if value is not None:
            choice(value, _CLINICAL[name][0], field=name, errors=errors)
    raise_if(errors, _("The case cannot be updated."))
    why = reason_checked(reason)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    if outcome and case.classification == C.SUSPECTED:
        raise Conflict(
            _("Classify the case before recording its outcome."), code="case_not_classified"
        )
    changed = {
        name: value
        for name, value in wanted.items()
        if value is not None and value != getattr(case, name)
    }
    if not changed:
        return case
    before = {name: getattr(case, name) for name in changed}
    updates: dict[str, object] = dict(changed)
    if changed.get("outcome"):
        updates["closed_at"] = timezone.now()
    _conditional(case, {**before, "closed_at__isnull": True}, **updates)
    rules = _rules_here(case.region)
    for name, value in changed.items():
        case_event_record(
            case=case,
            kind=_CLINICAL[name][1],
            actor=actor,
            reason=why,
            rule_set=rules.label,
            from_value=str(before[name]),
            to_value=str(value),
        )
    audit_record(
        actor=actor,
        action="case_clinical_update",
        object_type="case",
        object_id=case.code,
        fields=sorted(changed),
        reason=why,
        rule_set=rules.label,
        extra={name: [before[name], value] for name, value in changed.items()},
    )
    return case


@transaction.atomic
def case_take(*, actor: AnyActor, case: Case) -> Case:
    """The acting epidemiologist becomes the case's investigator (and owner of its open
    alerts). ``PermissionDenied`` for another role; ``case_closed`` (409) for a closed case."""
    require_role(actor, INVESTIGATION_ROLES)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    if case.investigator_id == actor.user_id:
        return case
    before = case.investigator_id
    _conditional(case, {"investigator_id": before}, investigator_id=actor.user_id)
    CaseAlert.objects.filter(case=case).exclude(state=AlertState.CLOSED).update(
        owner_id=actor.user_id, owner_role="", owner_region=None, updated_at=timezone.now()
    )
    case_event_record(
        case=case,
        kind=CaseEventKind.INVESTIGATOR,
        actor=actor,
        reason="taken",
        to_value=actor.username,
    )
    audit_record(
        actor=actor,
        action="case_take",
        object_type="case",
        object_id=case.code,
        fields=["investigator"],
    )
    return case
