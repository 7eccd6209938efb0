"""Orders for registered arrivals (``lab``'s arrival list, ``lab.models.Arrival``), in bulk
(issue 20 §2, R4).

Who arrived from where is registered by the lab (落地检); which quarantine the arrival owes
is the rule set's: the caller names the arrival group (inbound, from a high-, medium- or
low-risk area) and the plan comes from ``quarantine.<group>`` of the rules in force at each
person's node — central quarantine, home isolation or home health monitoring, whatever the
edition says, and a refusal naming ``group`` where it has none. Day 0 is the day of arrival.
Each arrival is recorded against its order (``OrderSource`` of kind ``arrival``), so a
retried call finds every arrival ordered and creates nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.errors import field_error
from fangkong.isolation.checks import raise_if, require_role
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import OrderSourceKind, OrderStatus
from fangkong.isolation.models import IsolationOrder, OrderSource
from fangkong.isolation.orders.services import (
    BULK_MAX,
    DAY0_MAX_AGE,
    OrderWanted,
    orders_issue_each,
)
from fangkong.isolation.roles import INTAKE_ROLES
from fangkong.lab.models import Arrival
from fangkong.policy.choices import QuarantineGroup
from fangkong.regions.subtree import in_subtree

#: The quarantine groups an arrival may be ordered under (``quarantine.<group>``).
ARRIVAL_GROUPS: tuple[str, ...] = (
    QuarantineGroup.INBOUND,
    QuarantineGroup.HIGH_RISK_AREA_ARRIVAL,
    QuarantineGroup.MEDIUM_RISK_AREA_ARRIVAL,
    QuarantineGroup.LOW_RISK_AREA_ARRIVAL,
)


def arrival_scope(actor: AnyActor) -> QuerySet[Arrival]:
    """Arrivals registered at a node of the actor's subtree."""
    queryset = Arrival.objects.select_related("person__region", "region")
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    return queryset


@dataclass
class ArrivalIntakeReport:
    """What one call did: the orders created, the orders found (an arrival ordered before,
    a person with an open order of the plan's kind), and the arrivals skipped because they
    arrived longer ago than an order may count from (``too_old``)."""

    created: list[IsolationOrder] = field(default_factory=list)
    existing: list[IsolationOrder] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def arrival_orders_issue(
    *, actor: AnyActor, arrivals: Sequence[Arrival], group: str, reason: str | None
) -> ArrivalIntakeReport:
    """Issue each of ``arrivals`` (already accessed: :func:`arrival_scope`) the order of
    ``group``, idempotently.

    1. The role must be in ``INTAKE_ROLES`` (403); ``group`` one of ``ARRIVAL_GROUPS`` and the
       reason given (422 naming each); at most ``BULK_MAX`` arrivals (422 naming ``arrivals``).
    2. An arrival an order carries out already (``OrderSource``) is counted in ``existing``
       with that order; one that arrived more than ``DAY0_MAX_AGE`` ago is skipped.
    3. The rest go through ``orders_issue_each`` with day 0 the local day of arrival: the plan
       of the rules in force at each person's node (422 naming ``group`` where the edition has
       none), a person's open order of the plan's kind kept.
    4. Each arrival is recorded against its order and one audit row per arrival names the
       order — in the same transaction as the orders.
    """
    require_role(actor, INTAKE_ROLES)
    errors = []
    if group not in ARRIVAL_GROUPS:
        errors.append(field_error("group", "invalid_choice", _("Not one of the allowed values.")))
    if len(arrivals) > BULK_MAX:
        errors.append(
            field_error(
                "arrivals",
                "too_many",
                _("At most %(count)d arrivals at once.") % {"count": BULK_MAX},
            )
        )
    raise_if(errors, _("No order was issued."))
    why = reason_checked(reason)
    report = ArrivalIntakeReport()
    unique = list({arrival.pk: arrival for arrival in arrivals}.values())
    ordered = {
        source.source: source.order
        for source in OrderSource.objects.filter(
            kind=OrderSourceKind.ARRIVAL, source__in=[a.code for a in unique]
        ).select_related("order")
    }
    oldest = timezone.localdate() - DAY0_MAX_AGE
    wanted: list[tuple[Arrival, OrderWanted]] = []
    for arrival in unique:
        if arrival.code in ordered:
            report.existing.append(ordered[arrival.code])
            continue
        day0 = min(timezone.localdate(arrival.arrived_at), timezone.localdate())
        if day0 < oldest:
            report.skipped["too_old"] = report.skipped.get("too_old", 0) + 1
            continue
        wanted.append((arrival, OrderWanted(person=arrival.person, group=group, day0=day0)))
    with transaction.atomic():
        issued = orders_issue_each(actor=actor, wanted=[entry for _a, entry in wanted], reason=why)
        report.created = issued.created
        report.existing += issued.existing
        by_person = {order.person_id: order for order in issued.orders}
        now = timezone.now()
        sources: list[OrderSource] = []
        audits: list[AuditSpec] = []
        for arrival, _entry in wanted:
            order = by_person.get(arrival.person_id)
            if order is None or order.status != OrderStatus.OPEN:
                continue
            sources.append(
                OrderSource(
                    order=order,
                    kind=OrderSourceKind.ARRIVAL,
                    source=arrival.code,
                    recorded_at=now,
                )
            )
            audits.append(
                AuditSpec(
                    actor=actor,
                    action="arrival_order_issue",
                    object_type="arrival",
                    object_id=arrival.code,
                    fields=["order"],
                    reason=why,
                    rule_set=order.rule_set,
                    extra={"order": str(order.code), "group": group},
                )
            )
        OrderSource.objects.bulk_create(sources, batch_size=1000, ignore_conflicts=True)
        audit_record_many(audits)
    return report
