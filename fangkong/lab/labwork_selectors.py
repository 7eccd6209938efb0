"""Reads for the lab technician's pages: their labs, packages on the way, tubes waiting for a
result (and the late ones), anomalies found at receipt, recent result files. Every read is
scoped through ``selectors`` (a technician sees only the labs they staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.lab.choices import PackageStatus, TubeStatus
from fangkong.lab.models import Anomaly, Lab, Package, ResultUpload, Tube
from fangkong.lab.selectors import lab_scope, package_scope, tube_scope

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


def lab_incoming_packages(*, actor: AnyActor, lab: Lab, limit: int = 100) -> list[Package]:
    """Packages sealed for ``lab`` and not received yet, oldest first."""
    return list(
        package_scope(actor)
        .filter(lab=lab, status__in=INCOMING)
        .order_by("sealed_at", "id")[:limit]
    )


def _awaiting(actor: AnyActor, lab: Lab) -> QuerySet[Tube]:
    return tube_scope(actor).filter(lab=lab, status=TubeStatus.RECEIVED, reported_at__isnull=True)


def lab_tubes_awaiting(*, actor: AnyActor, lab: Lab, limit: int = 200) -> list[Tube]:
    """Tubes received at ``lab`` without a result, the most urgent (earliest due) first."""
    return list(_awaiting(actor, lab).order_by("due_at", "id")[:limit])


def lab_summary(*, actor: AnyActor, lab: Lab, now: datetime) -> LabSummary:
    """Counts for the lab list and the head of the lab page (three count queries)."""
    awaiting = _awaiting(actor, lab)
    return LabSummary(
        lab=lab,
        incoming=package_scope(actor).filter(lab=lab, status__in=INCOMING).count(),
        awaiting=awaiting.count(),
        late=awaiting.filter(due_at__lt=now).count(),
    )


def lab_anomalies(*, actor: AnyActor, lab: Lab, limit: int = 50) -> list[Anomaly]:
    """The most recent receipt anomalies at ``lab`` (open ones first)."""
    return list(
        Anomaly.objects.filter(lab=lab, lab__in=lab_scope(actor))
        .select_related("package")
        .order_by(F("resolved_at").asc(nulls_first=True), "-at", "-id")[:limit]
    )


def lab_uploads(*, actor: AnyActor, lab: Lab, limit: int = 10) -> list[ResultUpload]:
    """The latest result files accepted at ``lab``."""
    return list(
        ResultUpload.objects.filter(lab=lab, lab__in=lab_scope(actor)).order_by(
            "-uploaded_at", "-id"
        )[:limit]
    )
