"""A round stored set-based (``lab.bulk``, as the screening benchmark stores a day) takes its
results through the service like any other, with a number of statements that does not grow
with the number of tubes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.lab import findings
from fangkong.lab.bulk import tubes_bulk_load
from fangkong.lab.choices import MemberOutcome, RetestReason, TubeResult, TubeStatus
from fangkong.lab.coverage.tallies import round_tally_check, round_tally_read, tube_tally_check
from fangkong.lab.models import (
    Binding,
    Notification,
    ScreeningRound,
    Tube,
    TubeEvent,
)
from fangkong.lab.results import services as results_module
from fangkong.lab.results.retests import retest_tasks_in_scope, round_retest_tasks
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.rounds.services import round_open
from fangkong.lab.tests.factories import Screening, screening_make

SIZES = [10, 10, 10, 1, 1, 5]
RESULTS = [
    TubeResult.NEGATIVE,
    TubeResult.POOLED_POSITIVE,
    TubeResult.INVALID,
    TubeResult.POSITIVE,
    TubeResult.NEGATIVE,
    TubeResult.POOLED_POSITIVE,
]


def _frames(s: Screening, prefix: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    tubes: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    start = 0
    for index, size in enumerate(SIZES):
        tubes.append(
            {
                "barcode": f"{prefix}{index:04d}",
                "point_id": s.point.id,
                "zone": "other",
                "ratio": max(size, 1),
                "per_household": False,
                "member_count": size,
                "rule_set": "nhc-9@r1",
            }
        )
        for position, person in enumerate(s.people[start : start + size]):
            members.append(
                {
                    "tube_index": index,
                    "person_id": person.id,
                    "region_id": person.region_id,
                    "household_id": person.household_id,
                    "position": position,
                }
            )
        start += size
    return pl.DataFrame(tubes), pl.DataFrame(members)


@pytest.fixture
def rounds(tree: Any) -> tuple[Screening, ScreeningRound]:
    s = screening_make(tree, residents=sum(SIZES))
    second = round_open(actor=s.commander, name="第二轮", areas=[(tree["district_a"], "other")])
    return s, second


@pytest.mark.parametrize("copied_from", [1, 10_000], ids=["rows-copied", "rows-as-arrays"])
def test_a_loaded_round_takes_its_results_through_the_service(
    rounds: Any, monkeypatch: pytest.MonkeyPatch, copied_from: int
) -> None:
    """Either way of handing PostgreSQL the rows (SQLite always takes a temporary table)."""
    monkeypatch.setattr(results_module, "STAGE_COPY_ROWS", copied_from)
    s, _second = rounds
    tubes, members = _frames(s, "S")
    loaded = tubes_bulk_load(
        actor=s.technician, screening_round=s.round, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    assert (loaded.tubes, loaded.bindings) == (len(SIZES), sum(SIZES))
    assert Binding.objects.filter(round=s.round, outcome=MemberOutcome.PENDING).count() == 37
    assert round_tally_check(s.round.id) == []  # the COPY kept the coverage tallies
    assert tube_tally_check(s.round.id) == []
    assert sum(sampled for sampled, _ in round_tally_read(s.round.id).values()) == 37
    rows = _results("S")
    report = results_apply(actor=s.technician, lab=s.lab, rows=rows)
    assert (report.retest_tasks, report.held, report.positives) == (10 + 10 + 5, 15, 1)
    held = Binding.objects.filter(round=s.round, outcome=MemberOutcome.HELD).count()
    assert held == 15
    tasks = retest_tasks_in_scope(SYSTEM)
    assert round_retest_tasks(s.round.id)[0] == len(tasks) == report.retest_tasks
    assert sum(t.reason == RetestReason.INVALID for t in tasks) == 10
    assert set(Tube.objects.filter(round=s.round).values_list("status", flat=True)) == {
        TubeStatus.RESULTED
    }
    events = TubeEvent.objects.filter(tube__round=s.round, kind="resulted")
    assert events.count() == len(SIZES)
    assert events.get(tube__barcode="S0001").detail == {
        "result": "pooled_positive",
        "ct_orf1ab": 30.0,
        "ct_n": None,
    }
    pooled = Tube.objects.get(barcode="S0001")
    assert (pooled.ct_orf1ab, pooled.ct_n, pooled.tested_at) == (30.0, None, None)
    assert pooled.reported_at is not None
    assert Tube.objects.get(barcode="S0000").tested_at == rows[0].tested_at
    # per pooled positive: working group, squad, police, the members' one community
    assert Notification.objects.filter(tube__round=s.round).count() == 2 * 4
    assert report.notifications == 2 * 4


def _tested_at() -> Any:
    """An hour before now (the lab tests travel in time), in the lab's zone, whole minutes."""
    now = timezone.now().astimezone(ZoneInfo("Asia/Shanghai"))
    return now.replace(second=0, microsecond=0) - timedelta(hours=1)


def _results(prefix: str, start: int = 0, stop: int = len(RESULTS)) -> list[ResultInput]:
    return [
        ResultInput(
            barcode=f"{prefix}{i:04d}",
            result=RESULTS[i],
            ct_orf1ab=30.0 if "pos" in RESULTS[i] else None,
            tested_at=_tested_at() if i == 0 else None,
        )
        for i in range(start, stop)
    ]


def test_results_for_more_tubes_take_no_more_statements(
    rounds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Set-based: a file of thousands costs the statements of two tubes (one query per
    thousand barcodes looks the tubes up). The lab's own statements: the cases a positive
    opens through ``lab.findings`` are counted by the cases tests."""
    monkeypatch.setattr(findings, "_HANDLERS", [])
    s, second = rounds
    for screening_round, prefix in ((s.round, "S"), (second, "B")):
        tubes, members = _frames(s, prefix)
        tubes_bulk_load(
            actor=s.technician,
            screening_round=screening_round,
            tubes=tubes,
            bindings=members,
            lab_id=s.lab.id,
        )
    results_apply(actor=s.technician, lab=s.lab, rows=_results("S", 5, 6))  # rules now kept
    counts = []
    for rows in (_results("S", 0, 2), _results("B")):
        with CaptureQueriesContext(connection) as captured:
            results_apply(actor=s.technician, lab=s.lab, rows=rows)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    if connection.vendor == "postgresql":  # the index-only reading ends with the statements
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone()[0] == "on"
    # every member has its outcome: written, or (a negative tube) read through the tube
    bound = Binding.objects.filter(round=second).select_related("tube")
    assert MemberOutcome.PENDING not in {b.member_outcome for b in bound}
    written = {b.outcome for b in bound if b.tube.result != TubeResult.NEGATIVE}
    assert MemberOutcome.PENDING not in written


def test_late_notifications_sit_at_the_tubes_sampling_point(rounds: Any) -> None:
    """At the point's node, with the target in force there."""
    from fangkong.lab.choices import AlertKind
    from fangkong.lab.models import LabAlert
    from fangkong.lab.results.notify import pooled_positives_notify
    from fangkong.lab.results.services import _tubes_found

    s, _second = rounds
    tubes, members = _frames(s, "N")
    tubes_bulk_load(
        actor=s.technician, screening_round=s.round, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    tube = _tubes_found({"N0001"})["N0001"]
    pooled_positives_notify([(tube.id, tube.round_id)], timezone.now() - timedelta(hours=1))
    alert = LabAlert.objects.get(kind=AlertKind.LATE_NOTIFICATION, tube_id=tube.id)
    assert alert.region_id == s.point.region_id
    assert alert.region_id != s.round.region_id
    assert alert.detail["target_minutes"] == 15
