"""The lifting assessment stays interactive over a large compound: one grouped query over
the area's bindings, answered within two seconds (under one on this machine) for 100,000
people sampled in the area (and as many elsewhere), whatever the number of rounds.

Run with ``-s`` to see the figure: ``pytest -m slow -s fangkong/risk_areas/tests/test_scale.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.lab.choices import TubeResult, TubeStatus
from fangkong.lab.models import Binding, RoundArea, SamplingPoint, ScreeningRound, Tube
from fangkong.people.models import Household, Person
from fangkong.regions.models import Region
from fangkong.risk_areas.selectors import lifting_assess
from fangkong.risk_areas.services import risk_area_designate
from fangkong.risk_areas.tests.conftest import Clock

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PEOPLE = 100_000
PER_TUBE = 10
ROUNDS = 3
BUDGET_S = 2.0


def _sampled(
    region: Region, screening_round: ScreeningRound, people: list[Person], at: datetime
) -> None:
    point = SamplingPoint.objects.create(
        name="p", region=region, opens_at="07:00", closes_at="21:00"
    )
    tubes = Tube.objects.bulk_create(
        Tube(
            barcode=f"S{screening_round.pk:02d}{region.pk:03d}{n:08d}",
            round=screening_round,
            point=point,
            ratio=PER_TUBE,
            sampled_at=at,
            member_count=PER_TUBE,
            due_at=at,
            result=TubeResult.NEGATIVE,
            status=TubeStatus.RESULTED,
        )
        for n in range(len(people) // PER_TUBE)
    )
    Binding.objects.bulk_create(
        (
            Binding(
                tube=tubes[index // PER_TUBE],
                round=screening_round,
                person=person,
                region=region,
                household_id=person.household_id,
                method="manual",
                position=index % PER_TUBE + 1,
                scanned_at=at,
            )
            for index, person in enumerate(people)
        ),
        batch_size=5000,
    )


def _people(region: Region, count: int) -> list[Person]:
    households = Household.objects.bulk_create(
        Household(region=region, address=f"{n // 50}号楼", building=str(n // 50))
        for n in range((count + 2) // 3)
    )
    return Person.objects.bulk_create(
        (
            Person(region=region, household=households[n // 3], name="x", name_key="x")
            for n in range(count)
        ),
        batch_size=5000,
    )


def test_the_lifting_assessment_of_a_large_compound_stays_interactive(
    tree: dict[str, Region], clock: Callable[[str], Clock]
) -> None:
    time_ = clock("nhc-9")
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    inside = _people(tree["grid_a1"], PEOPLE)
    outside = _people(tree["grid_b1"], PEOPLE)
    for number in range(ROUNDS):
        at = time_.at(5 + number)
        screening_round = ScreeningRound.objects.create(
            name=f"r{number}",
            region=tree["city"],
            starts_at=at,
            deadline_at=at + timedelta(days=1),
            rule_set="t",
            created_by="t",
        )
        RoundArea.objects.create(round=screening_round, region=tree["city"])
        _sampled(tree["grid_a1"], screening_round, inside, at)
        _sampled(tree["grid_b1"], screening_round, outside, at)
    compound = risk_area_designate(
        actor=commander, region=tree["grid_a1"], unit="compound", name="大型小区",
        level="high", reason="x",
    )  # fmt: skip
    building = risk_area_designate(
        actor=commander, region=tree["grid_a1"], unit="building", building="7", name="7号楼",
        level="high", reason="x",
    )  # fmt: skip
    time_.day(7)
    for area, sampled in ((compound, PEOPLE), (building, 150)):
        timings = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                assessment = lifting_assess(area)
                timings.append(time.perf_counter() - started)
        assert assessment.due
        assert assessment.round is not None
        assert assessment.round.sampled == sampled
        median = statistics.median(timings)
        print(  # the figure this test exists to show
            f"\n{connection.vendor}: lifting assessment of a {area.unit} "
            f"({sampled:,} sampled per round, {ROUNDS} rounds, {2 * PEOPLE * ROUNDS:,} "
            f"bindings in all): median {median * 1000:.0f} ms, {len(queries)} queries"
        )
        assert median < BUDGET_S
