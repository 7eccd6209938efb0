"""Pushing a case's contacts to the districts they live in, and the receiving district's check.

A push never changes anybody's status: it asks another district to locate a person. The
check records how it ended (R21), with the actor, the reason and the rule set in force there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record, audit_record_many
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.tracing.contacts.choices import ContactStatus
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.leads.choices import CHECKED, LeadOutcome
from fangkong.tracing.leads.models import LeadItem, LeadList
from fangkong.tracing.leads.roles import LEAD_CHECK_ROLES, LEAD_PUSH_ROLES

#: Depth of a county/district node in a path (province.city.district).
DISTRICT_DEPTH = 3


def _district_path(path: str) -> str | None:
    """The district node's path above (or at) ``path``; ``None`` above district level."""
    parts = path.split(".")
    return ".".join(parts[:DISTRICT_DEPTH]) if len(parts) >= DISTRICT_DEPTH else None


@dataclass(frozen=True)
class Pushed:
    """One list pushed: its code, the receiving district and how many persons."""

    code: str
    district: str
    persons: int
    deadline: object


@transaction.atomic
def lead_lists_push(*, actor: AnyActor, case: Case) -> list[Pushed]:
    """Push the case's contacts who live in another district to that district
    (epidemiologists of the case's subtree; ``case_closed`` 409 for a closed case).

    1. Links of the case that are candidates or confirmed (not dismissed) and not pushed
       before, whose person's district is not the case's district; a person registered above
       district level cannot be routed and stays.
    2. One list per receiving district, due ``leads.deadline_hours`` from now under the rules
       in force at the case's node; its items, one per link.
    3. One audit row per list (``lead_list_push``: district code and counts, no person).
    Returns the lists pushed (none when nobody lives elsewhere).
    """
    require_role(actor, LEAD_PUSH_ROLES)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")
    rules = rules_for(case.region, timezone.localdate())
    now = timezone.now()
    deadline = now + timedelta(hours=rules.parameters.leads.deadline_hours)
    home = _district_path(case.region.path)
    links = (
        ContactLink.objects.filter(
            case=case, status__in=[ContactStatus.CANDIDATE, ContactStatus.CONFIRMED]
        )
        .filter(lead_item__isnull=True)
        .select_related("person__region")
        .order_by("id")
    )
    by_district: dict[str, list[ContactLink]] = {}
    for link in links:
        district = _district_path(link.person.region.path)
        if district is not None and district != home:
            by_district.setdefault(district, []).append(link)
    regions = {region.path: region for region in Region.objects.filter(path__in=by_district)}
    pushed: list[Pushed] = []
    specs: list[AuditSpec] = []
    for path, members in sorted(by_district.items()):
        lead_list = LeadList.objects.create(
            case=case,
            from_region=case.region,
            to_region=regions[path],
            pushed_at=now,
            pushed_by=actor.username,
            deadline=deadline,
            rule_set=rules.label,
        )
        LeadItem.objects.bulk_create(
            [LeadItem(lead_list=lead_list, link=link, person_id=link.person_id) for link in members]
        )
        pushed.append(
            Pushed(
                code=str(lead_list.code),
                district=regions[path].name,
                persons=len(members),
                deadline=deadline,
            )
        )
        specs.append(
            AuditSpec(
                actor=actor,
                action="lead_list_push",
                object_type="lead_list",
                object_id=lead_list.code,
                rule_set=rules.label,
                extra={
                    "case": str(case.code),
                    "to_region": regions[path].code,
                    "persons": len(members),
                    "deadline": deadline.isoformat(),
                },
            )
        )
    audit_record_many(specs)
    return pushed


@transaction.atomic
def lead_item_check(*, actor: AnyActor, item: LeadItem, outcome: str, reason: str) -> LeadItem:
    """Record how the check of a pushed person ended (receiving district's
    ``LEAD_CHECK_ROLES``; ``item`` from ``access_lead_item``).

    1. ``outcome`` one of located, duplicate, not in area, incomplete (``ValidationFailed``
       naming ``outcome``); ``reason`` required (naming ``reason``).
    2. Only a person not checked yet: a conditional update (``outcome = pending``); a
       person already checked is ``lead_already_checked`` (409).
    3. Actor, role, time, reason and the rule set in force at the receiving district are
       kept on the item; one audit row ``lead_item_check``.
    """
    require_role(actor, LEAD_CHECK_ROLES)
    if outcome not in CHECKED:
        message = _("Not one of the allowed values.")
        raise ValidationFailed(message, errors=[field_error("outcome", "invalid_choice", message)])
    why = reason_checked(reason)
    rules = rules_for(item.lead_list.to_region, timezone.localdate())
    now = timezone.now()
    changed = LeadItem.objects.filter(pk=item.pk, outcome=LeadOutcome.PENDING).update(
        outcome=outcome,
        checked_at=now,
        checked_by=actor.username,
        checked_role=actor.role,
        reason=why,
        rule_set=rules.label,
    )
    if not changed:
        raise Conflict(_("This person was checked already."), code="lead_already_checked")
    audit_record(
        actor=actor,
        action="lead_item_check",
        object_type="lead_item",
        object_id=item.code,
        fields=["outcome"],
        reason=why,
        rule_set=rules.label,
        extra={"outcome": outcome, "lead_list": str(item.lead_list.code)},
    )
    item.refresh_from_db()
    return item
