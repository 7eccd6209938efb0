"""The governed classification of cases and their clinical facts (severity, place of
treatment, outcome); opening them is ``services.opening``.

A classification changes only along :data:`TRANSITIONS`, by a role in ``CLASSIFY_ROLES``, with
a reason, recording the rule set in force (key and revision) in the case's history and the
audit ledger. Confirmation and asymptomatic infection need a positive PCR tube linked to the
case: an antigen result never confirms (R16).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import F, TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import Errors, choice, past_day, raise_if
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.choices import (
    AlertState,
    CaseClassification,
    CaseEventKind,
    Outcome,
    Severity,
    Treatment,
)
from fangkong.cases.events import case_event_record
from fangkong.cases.models import Case, CaseAlert, CaseTube
from fangkong.cases.roles import CLASSIFY_ROLES, CLINICAL_ROLES, INVESTIGATION_ROLES
from fangkong.cases.services.areas import case_areas_infect
from fangkong.cases.services.opening import _rules_here as rules_here
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, field_error, field_refusal
from fangkong.lab.choices import TubeResult

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
    rules = rules_here(case.region)
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
    rules = rules_here(case.region)
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
