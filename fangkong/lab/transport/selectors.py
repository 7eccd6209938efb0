"""Reads for the lab technician's pages: their labs, packages on the way, tubes waiting for a
result (and the late ones), anomalies found at receipt (its recent result files are in
``results.selectors``). Every read is scoped through ``lab.scope`` (a technician sees only
the labs they staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.core.paging import Page, paginate
from fangkong.lab.choices import PackageStatus, TubeStatus
from fangkong.lab.models import Anomaly, Lab, Package, Tube
from fangkong.lab.scope import lab_scope, package_scope, tube_scope

INCOMING = (PackageStatus.SEALED, PackageStatus.IN_TRANSIT)


@dataclass(frozen=True)
class LabSummary:
    """A lab and what is waiting there: packages on the way, tubes received without a
    result, and how many of those are past their turnaround deadline."""

    lab: Lab
    incoming: int
    awaiting: int
    late: int


def lab_list(*, actor: AnyActor) -> QuerySet[Lab]:
    """The labs the actor may work at or see, by name."""
    return lab_scope(actor).order_by("name")


def lab_incoming_packages(
    *, actor: AnyActor, lab: Lab, page: int = 1, page_size: int = 50
) -> Page[Package]:
    """One page of the packages sealed for ``lab`` and not received yet, oldest first, with
    their total."""
    return paginate(
        package_scope(actor)
        .filter(lab=lab, status__in=INCOMING)
        .select_related("point")
        .order_by("sealed_at", "id"),
        page=page,
        page_size=page_size,
    )


def _awaiting(actor: AnyActor, lab: Lab) -> QuerySet[Tube]:
    return tube_scope(actor).filter(lab=lab, status=TubeStatus.RECEIVED, reported_at__isnull=True)


def lab_tubes_awaiting(
    *, actor: AnyActor, lab: Lab, page: int = 1, page_size: int = 100
) -> Page[Tube]:
    """One page of the tubes received at ``lab`` without a result, the most urgent (earliest
    due) first, with their total."""
    return paginate(_awaiting(actor, lab).order_by("due_at", "id"), page=page, page_size=page_size)


def lab_summary(*, actor: AnyActor, lab: Lab, now: datetime) -> LabSummary:
    """Counts for the lab list and the head of the lab page (three count queries)."""
    awaiting = _awaiting(actor, lab)
    return LabSummary(
        lab=lab,
        incoming=package_scope(actor).filter(lab=lab, status__in=INCOMING).count(),
        awaiting=awaiting.count(),
        late=awaiting.filter(due_at__lt=now).count(),
    )


def lab_anomalies(
    *, actor: AnyActor, lab: Lab, page: int = 1, page_size: int = 20
) -> Page[Anomaly]:
    """One page of the receipt anomalies at ``lab`` (open ones first, then the most recent),
    with their total."""
    return paginate(
        Anomaly.objects.filter(lab=lab, lab__in=lab_scope(actor))
        .select_related("package")
        .order_by(F("resolved_at").asc(nulls_first=True), "-at", "-id"),
        page=page,
        page_size=page_size,
    )
