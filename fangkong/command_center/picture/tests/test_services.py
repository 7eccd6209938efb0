"""The figures: rolled-up values equal direct counts over the data, for every node."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.models import Case, InvestigationTimer
from fangkong.command_center.models import FigureRefresh, NodeDayFigure
from fangkong.command_center.picture.registry import SOURCES, measures
from fangkong.command_center.picture.services import figures_refresh
from fangkong.command_center.picture.tests.factories import scene_make
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.models import (
    IsolationOrder,
    MonitoringAlert,
    OrderTestTask,
    Room,
    TransferTask,
)
from fangkong.isolation.monitoring.services import checks_missed_raise
from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make
from fangkong.lab.models import Binding
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


def _stored(region: Region, measure: str, day: date) -> int:
    row = NodeDayFigure.objects.filter(region=region, measure=measure, day=day).first()
    return row.value if row else 0


def _direct(region: Region) -> dict[str, int]:
    """Today's figures of ``region`` counted straight from the domain tables."""
    today = timezone.localdate()
    now = timezone.now()
    bindings = Binding.objects.filter(in_subtree(region.path, field="region__path"))
    sampled_today = [
        b for b in bindings.select_related("tube") if timezone.localdate(b.scanned_at) == today
    ]
    cases = Case.objects.filter(
        in_subtree(region.path, field="region__path"),
        classification__in=["confirmed", "asymptomatic"],
    )
    orders = IsolationOrder.objects.filter(
        in_subtree(region.path, field="region__path"), status="open"
    )
    return {
        "tests_sampled": len(sampled_today),
        "tests_positive": sum(
            b.tube.result in ("positive", "pooled_positive") for b in sampled_today
        ),
        "tests_pending": sum(b.tube.result == "pending" for b in sampled_today),
        "cases_by_report": sum(timezone.localdate(c.opened_at) == today for c in cases),
        "cases_open": cases.filter(closed_at__isnull=True).count(),
        "timers_late": InvestigationTimer.objects.filter(
            in_subtree(region.path, field="case__region__path"), met_at__isnull=True, due_at__lt=now
        ).count(),
        "orders_issued": IsolationOrder.objects.filter(
            in_subtree(region.path, field="region__path"), issued_at__date=today
        ).count(),
        "orders_active": orders.count(),
        "releases_overdue": orders.filter(release_on__lt=today).count(),
        "isolation_tests_late": OrderTestTask.objects.filter(
            in_subtree(region.path, field="order__region__path"),
            order__status="open",
            status="scheduled",
            on__lt=today,
        ).count(),
        "rooms_free": Room.objects.filter(
            in_subtree(region.path, field="facility__region__path"), status="free"
        ).count(),
    }


def test_rolled_up_figures_equal_direct_counts_at_every_node(tree):
    scene = scene_make(tree)
    figures_refresh(actor=SYSTEM, days=7)
    today = timezone.localdate()
    checked = 0
    for region in Region.objects.all():
        for measure, value in _direct(region).items():
            assert _stored(region, measure, today) == value, (region.code, measure)
            checked += value
    assert checked > 0  # the scene has data, so the equality is not 0 == 0
    for measure in ("orders_active", "releases_overdue", "isolation_tests_late", "rooms_free"):
        assert _stored(tree["city"], measure, today) > 0, measure
    onset = scene.case.onset_date
    assert onset is not None
    for region in (tree["grid_a1"], tree["district_a"], tree["city"], tree["province"]):
        assert _stored(region, "cases_by_onset", onset) == 1
    for region in (tree["district_b"], tree["grid_a2"]):
        assert _stored(region, "cases_by_onset", onset) == 0


def test_investigation_steps_past_due_count_as_late_later(tree):
    scene_make(tree)
    figures_refresh(actor=SYSTEM, days=1)
    assert _stored(tree["city"], "timers_late", timezone.localdate()) == 0
    later = timezone.now() + timedelta(hours=30)
    figures_refresh(actor=SYSTEM, days=1, now=later)
    late = InvestigationTimer.objects.filter(met_at__isnull=True, due_at__lt=later).count()
    assert late > 0
    assert _stored(tree["city"], "timers_late", timezone.localdate(later)) == late


def test_refreshing_again_gives_the_same_rows_and_records_each_run(tree):
    scene_make(tree)
    figures_refresh(actor=SYSTEM, days=3)
    first = sorted(NodeDayFigure.objects.values_list("region_id", "day", "measure", "value"))
    figures_refresh(actor=SYSTEM, days=3)
    again = sorted(NodeDayFigure.objects.values_list("region_id", "day", "measure", "value"))
    assert first == again
    assert FigureRefresh.objects.count() == 2
    assert AuditEntry.objects.filter(action="figures_refresh").count() == 2
    assert not NodeDayFigure.objects.filter(value=0).exists()


def test_refresh_refuses_other_roles_and_bad_windows(tree):
    with pytest.raises(PermissionDenied):
        figures_refresh(actor=actor_make(role=Role.SAMPLER, region=tree["city"]))
    with pytest.raises(ValidationFailed) as refused:
        figures_refresh(actor=SYSTEM, days=0)
    assert refused.value.errors[0]["field"] == "days"


def test_a_figure_source_is_added_with_one_registry_entry(tree):
    from fangkong.command_center.picture.measures import FigureSource, Flow, Measure, Stage

    def count(window):
        yield "example_open", [(tree["grid_b1"].pk, window.today, 3)]

    extra = FigureSource(
        "example",
        (Measure("example_open", "Example open", Flow.STATE, Stage.ISOLATION, late=True),),
        count,
    )
    figures_refresh(actor=SYSTEM, days=1, sources=(*SOURCES, extra))
    assert _stored(tree["province"], "example_open", timezone.localdate()) == 3
    assert _stored(tree["district_a"], "example_open", timezone.localdate()) == 0
    assert "example_open" in measures((*SOURCES, extra))


def test_every_measure_key_fits_the_column_and_is_declared_once():
    declared = measures()
    assert all(len(key) <= 40 for key in declared)
    assert sum(len(source.measures) for source in SOURCES) == len(declared)


def test_the_periodic_job_is_registered():
    from fangkong.core.periodic import periodic_jobs

    job = periodic_jobs()["command_figures_refresh"]
    assert job.every == timedelta(minutes=5)


def test_the_job_computes_the_figures(tree):
    from fangkong.command_center.picture.jobs import command_figures_refresh

    scene_make(tree)
    outcome = command_figures_refresh()
    assert "figures for" in outcome
    assert NodeDayFigure.objects.values("measure").annotate(n=Count("id")).count() > 3


def test_late_transfers_and_missed_checks_are_late_where_they_happen(tree):
    """A transfer not picked up by the end of its window, and a health check missed past its
    grace, count as late at their node and every node above it, nowhere else; the rolled-up
    values equal direct counts."""
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    transfers_create_for_orders(orders=orders, actor=people.dispatcher)
    later = timezone.now() + timedelta(days=1, hours=3)
    with time_machine.travel(later):
        assert checks_missed_raise() > 0
    figures_refresh(actor=SYSTEM, days=1, now=later)
    day = timezone.localdate(later)
    open_states = ("requested", "assigned", "picked_up")
    seen = 0
    for region in Region.objects.all():
        transfers = TransferTask.objects.filter(
            in_subtree(region.path, field="region__path"),
            window_end__lt=later,
            status__in=open_states,
        ).count()
        missed = (
            MonitoringAlert.objects.filter(
                in_subtree(region.path, field="region__path"), kind="missed"
            )
            .exclude(state="closed")
            .count()
        )
        assert _stored(region, "transfers_late", day) == transfers, region.code
        assert _stored(region, "checks_missed", day) == missed, region.code
        seen += transfers + missed
    assert _stored(tree["city"], "transfers_late", day) == 2
    assert _stored(tree["district_b"], "transfers_late", day) == 0
    assert seen > 0
