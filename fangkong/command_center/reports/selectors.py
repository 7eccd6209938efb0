"""Reads of daily reports, scoped to the actor's subtree, and the roll-up of one node's
reports with its children's, level by level (R31)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from fangkong.command_center.models import DailyReport, MissingReport, ReportCorrection
from fangkong.command_center.reports.figures import FIGURES, report_deadline
from fangkong.core.actor import AnyActor
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


def report_scope(actor: AnyActor) -> QuerySet[DailyReport]:
    """Reports of units in the actor's subtree."""
    return DailyReport.objects.filter(in_subtree(actor.region_path, field="region__path"))


def effective_figures(report: DailyReport) -> dict[str, int]:
    """The report's figures with each corrected figure replaced by its latest correction
    (corrections prefetched in order)."""
    figures = {name: int(report.figures.get(name, 0)) for name in FIGURES}
    for correction in report.corrections.all():
        figures[correction.figure] = correction.corrected
    return figures


@dataclass
class UnitReport:
    """One unit on the roll-up: its report (``None`` when none is filed), the figures it
    reports after corrections, and whether it is late or missing past the deadline."""

    region: Region
    report: DailyReport | None
    figures: dict[str, int]
    missing: bool
    flagged: bool


@dataclass
class Rollup:
    """One node's day: its own report, its children's, and their sums by figure."""

    region: Region
    day: date
    deadline: datetime
    rule_set: str
    own: UnitReport
    children: list[UnitReport] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(unit.figures.get(name, 0) for unit in self.children) for name in FIGURES}

    @property
    def missing(self) -> list[UnitReport]:
        return [unit for unit in self.children if unit.missing]


def report_rollup(*, actor: AnyActor, region: Region, day: date) -> Rollup:
    """The reports of ``region`` (in the actor's scope, checked by the caller) and of every
    node directly below it for ``day``, with the units missing after the deadline (three
    queries whatever the number of children)."""
    children = list(Region.objects.filter(parent=region, is_active=True).order_by("code"))
    nodes = [region, *children]
    reports = {
        r.region_id: r
        for r in report_scope(actor)
        .filter(region__in=nodes, day=day)
        .prefetch_related(
            Prefetch("corrections", queryset=ReportCorrection.objects.order_by("at", "id"))
        )
    }
    flagged = set(
        MissingReport.objects.filter(region__in=nodes, day=day).values_list("region_id", flat=True)
    )
    rules = rules_for(region, day)
    deadline = report_deadline(region, day, rules.parameters.command.daily_report_due_hour)
    past = timezone.now() > deadline

    def unit(node: Region) -> UnitReport:
        report = reports.get(node.pk)
        return UnitReport(
            region=node,
            report=report,
            figures=effective_figures(report) if report else {},
            missing=report is None and past,
            flagged=node.pk in flagged,
        )

    return Rollup(
        region=region,
        day=day,
        deadline=deadline,
        rule_set=rules.label,
        own=unit(region),
        children=[unit(child) for child in children],
    )
