"""Companions of cases from the cell dwell intervals (R20), with the rule set's values: one
case at a time (the contacts tab's button) or many in one pass over the store (a batch
request, the job over the cases classified today)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.tracing.companions.selectors import Companion, companions_of_cases
from fangkong.tracing.contacts.choices import ContactKind, ContactSetting
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES
from fangkong.tracing.contacts.services import Derivation, FoundContact, contact_links_store


def _links_store(
    actor: AnyActor, case: Case, rules: EffectiveRules, now: datetime, companions: list[Companion]
) -> Derivation:
    found = [
        FoundContact(
            person_id=companion.person_id,
            setting=ContactSetting.CELL,
            kind=ContactKind.SPATIOTEMPORAL,
            overlap=companion.overlap_seconds,
        )
        for companion in companions
    ]
    return contact_links_store(
        actor=actor,
        case=case,
        rules=rules,
        found=found,
        window=None,
        now=now,
        action="companions_derive",
    )


@transaction.atomic
def companions_derive(*, actor: AnyActor, case: Case) -> Derivation:
    """Store the companions of ``case`` as spatiotemporal contact links (candidates that feed
    lead lists; they are never confirmed as contacts) — epidemiologists; ``case_closed`` 409
    for a closed case. A separate step from the close-contact candidates: over 800 m cells
    and 14 days a case has thousands of companions in a city, and the investigator asks for
    them when the big-data pull (R20) is wanted. One audit row ``companions_derive``."""
    require_role(actor, CONTACT_DECIDE_ROLES)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    rules = rules_for(case.region, timezone.localdate())
    now = timezone.now()
    return _links_store(actor, case, rules, now, companions_of_cases([case], rules, now)[case.pk])


#: At most this many cases are derived in one batch request.
MAX_CASES_AT_ONCE = 500


@dataclass(frozen=True)
class BatchDerivation:
    """What a batch derivation did: per case code its derivation; the closed cases skipped;
    how many passes over the store it took (one per distinct rule set among the cases)."""

    derivations: dict[str, Derivation]
    skipped_closed: list[str]
    passes: int


def companions_derive_many(*, actor: AnyActor, cases: Sequence[Case]) -> BatchDerivation:
    """:func:`companions_derive` for many cases (each already accessed) with one pass over
    the dwell store per rule set in force among them, instead of one per case; results equal
    the per-case path's. Epidemiologists or the system (the job); ``too_many`` above
    ``MAX_CASES_AT_ONCE``. Closed cases are skipped and named. Each case's links are stored
    in its own transaction with its own audit row ``companions_derive``, as one by one, and
    the batch leaves one more, ``companions_derive_batch`` (the case codes and counts)."""
    require_role(actor, CONTACT_DECIDE_ROLES)
    if len(cases) > MAX_CASES_AT_ONCE:
        message = _("At most %(count)d cases at once.") % {"count": MAX_CASES_AT_ONCE}
        raise ValidationFailed(message, errors=[field_error("cases", "too_many", message)])
    today = timezone.localdate()
    now = timezone.now()
    by_rules: dict[str, tuple[EffectiveRules, list[Case]]] = {}
    skipped: list[str] = []
    for case in cases:
        if not case.is_open:
            skipped.append(str(case.code))
            continue
        rules = rules_for(case.region, today)
        by_rules.setdefault(rules.label, (rules, []))[1].append(case)
    derivations: dict[str, Derivation] = {}
    for rules, members in by_rules.values():
        found = companions_of_cases(members, rules, now)
        for case in members:
            with transaction.atomic():
                derivations[str(case.code)] = _links_store(actor, case, rules, now, found[case.pk])
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="companions_derive_batch",
            object_type="case_batch",
            object_id=now.isoformat(),
            extra={
                "cases": list(derivations),
                "skipped_closed": skipped,
                "passes": len(by_rules),
                "created": sum(found.total_created for found in derivations.values()),
            },
        )
    return BatchDerivation(derivations=derivations, skipped_closed=skipped, passes=len(by_rules))
