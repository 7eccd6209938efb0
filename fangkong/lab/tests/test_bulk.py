"""The set-based round path (``lab.bulk``) means the same as the service path: the same small
round, results through ``results_apply`` in one round and ``results_bulk_apply`` in another,
gives the same outcomes, re-test tasks, notifications, history and coverage."""

from __future__ import annotations

from collections import Counter
from typing import Any

import polars as pl
import pytest

from fangkong.core.errors import ValidationFailed
from fangkong.lab.bulk import results_bulk_apply, tubes_bulk_load
from fangkong.lab.choices import MemberOutcome, RetestReason, TubeResult, TubeStatus
from fangkong.lab.models import Binding, Notification, RetestTask, ScreeningRound, Tube, TubeEvent
from fangkong.lab.services.results import ResultInput, results_apply
from fangkong.lab.services.rounds import round_open
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


def _snapshot(screening_round: ScreeningRound) -> dict[str, Any]:
    tubes = Tube.objects.filter(round=screening_round)
    return {
        "tubes": sorted(
            (t.barcode[1:], t.result, t.status, t.reported_at is not None, t.member_count)
            for t in tubes
        ),
        "outcomes": sorted(
            Binding.objects.filter(round=screening_round).values_list(
                "tube__barcode", "person_id", "outcome", "position"
            )
        ),
        "tasks": Counter(
            RetestTask.objects.filter(round=screening_round).values_list(
                "person_id", "region_id", "reason", "status", "rule_set", "source_tube__barcode"
            )
        ),
        "notifications": Counter(
            Notification.objects.filter(tube__round=screening_round).values_list(
                "tube__barcode", "recipient", "region_id", "members"
            )
        ),
        "events": Counter(
            TubeEvent.objects.filter(tube__round=screening_round).values_list(
                "tube__barcode", "kind"
            )
        ),
        "coverage": Counter(
            Binding.objects.filter(round=screening_round).values_list("region_id", flat=True)
        ),
    }


def _strip(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The round's barcodes differ in their first letter only; compare without it."""

    def bare(value: Any) -> Any:
        if isinstance(value, str) and value[:1] in ("S", "B") and value[1:].isdigit():
            return value[1:]
        return value

    out: dict[str, Any] = {}
    for key, value in snapshot.items():
        if isinstance(value, Counter):
            out[key] = Counter(
                {
                    tuple(bare(v) for v in k) if isinstance(k, tuple) else k: n
                    for k, n in value.items()
                }
            )
        else:
            out[key] = [tuple(bare(v) for v in row) for row in value]
    return out


@pytest.fixture
def rounds(tree: Any) -> tuple[Screening, ScreeningRound]:
    s = screening_make(tree, residents=sum(SIZES))
    second = round_open(actor=s.commander, name="第二轮", areas=[(tree["district_a"], "other")])
    return s, second


def test_bulk_results_mean_the_same_as_the_service(rounds: Any) -> None:
    s, second = rounds
    tubes, members = _frames(s, "S")
    loaded = tubes_bulk_load(
        actor=s.technician, screening_round=s.round, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    assert (loaded.tubes, loaded.bindings) == (len(SIZES), sum(SIZES))
    report = results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[
            ResultInput(
                barcode=f"S{i:04d}", result=result, ct_orf1ab=30.0 if "pos" in result else None
            )
            for i, result in enumerate(RESULTS)
        ],
    )
    tubes, members = _frames(s, "B")
    tubes_bulk_load(
        actor=s.technician, screening_round=second, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    applied = results_bulk_apply(
        actor=s.technician,
        screening_round=second,
        lab_id=s.lab.id,
        results=pl.DataFrame(
            {
                "barcode": [f"B{i:04d}" for i in range(len(RESULTS))],
                "result": [str(r) for r in RESULTS],
                "ct_orf1ab": [30.0 if "pos" in r else None for r in RESULTS],
            }
        ),
    )
    service, bulk = _strip(_snapshot(s.round)), _strip(_snapshot(second))
    assert bulk == service
    assert (applied.retest_tasks, applied.held, applied.positives, applied.notifications) == (
        report.retest_tasks,
        report.held,
        report.positives,
        report.notifications,
    )
    # the facts themselves, not only their equality
    assert applied.retest_tasks == 10 + 10 + 5
    assert applied.held == 15
    held = Binding.objects.filter(round=second, outcome=MemberOutcome.HELD).count()
    assert held == 15
    assert RetestTask.objects.filter(round=second, reason=RetestReason.INVALID).count() == 10
    assert set(Tube.objects.filter(round=second).values_list("status", flat=True)) == {
        TubeStatus.RESULTED
    }
    # per pooled positive: working group, squad, police, the members' one community
    assert Notification.objects.filter(tube__round=second).count() == 2 * 4


def test_bulk_results_refuse_unknown_and_unfit_rows_and_write_nothing(rounds: Any) -> None:
    s, _second = rounds
    tubes, members = _frames(s, "S")
    tubes_bulk_load(
        actor=s.technician, screening_round=s.round, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    with pytest.raises(ValidationFailed) as caught:
        results_bulk_apply(
            actor=s.technician,
            screening_round=s.round,
            lab_id=s.lab.id,
            results=pl.DataFrame(
                {
                    "barcode": ["S0000", "S0003", "NOSUCH01"],
                    "result": ["negative", "pooled_positive", "negative"],
                }
            ),
        )
    codes = {(e["barcode"], e["code"]) for e in caught.value.errors}
    assert codes == {("S0003", "pooled_result_for_single_tube"), ("NOSUCH01", "tube_not_found")}
    assert Tube.objects.filter(round=s.round, result=TubeResult.PENDING).count() == len(SIZES)
    assert not RetestTask.objects.filter(round=s.round).exists()


def test_bulk_late_notifications_sit_at_the_tubes_sampling_point(rounds: Any) -> None:
    """As ``results_apply`` raises them: at the point's node, with the target in force there."""
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.lab.bulk import _notify
    from fangkong.lab.choices import AlertKind
    from fangkong.lab.models import LabAlert

    s, _second = rounds
    tubes, members = _frames(s, "N")
    tubes_bulk_load(
        actor=s.technician, screening_round=s.round, tubes=tubes, bindings=members, lab_id=s.lab.id
    )
    tube = Tube.objects.get(barcode="N0000")
    binding = Binding.objects.filter(tube=tube).first()
    assert binding is not None
    late = timezone.now() - timedelta(hours=1)
    _notify(s.round, [(tube.id, tube.member_count, binding.region_id, s.point.region_id)], late)
    alert = LabAlert.objects.get(kind=AlertKind.LATE_NOTIFICATION, tube=tube)
    assert alert.region_id == s.point.region_id
    assert alert.region_id != s.round.region_id
    assert alert.detail["target_minutes"] == 15
