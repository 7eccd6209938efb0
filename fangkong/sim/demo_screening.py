"""The screening side of ``fangkong demo``: a city in the middle of an outbreak, with a round
of area screening half done.

1. A city override of the rules in force (published like any local rule set): area screening
   on, 10 people per tube. Today's national edition (the 10th) samples singly and has no area
   screening; a city that meets an outbreak re-enables it as local policy — rules are data.
2. A round over the demo district, a sampling point per street (the ``sampler`` account staffs
   the one of its community), a district laboratory (``lab_technician`` on its staff).
3. When the city was just generated: the outbreak runs forward ``days`` days (the agent-based
   model of ``sim.outbreak``), then a share of the district's residents is sampled today
   through the same services a sampling point and a lab use — ``tube_bind`` with their
   identity numbers, ``package_seal``, ``package_handover``, ``package_receive``,
   ``results_apply`` — with each tube's result taken from the simulated ground truth (a tube is
   pooled positive when a member is in the detectable window, with the PCR sensitivity of
   ``sim.observe.PcrPolicy``). Some packages stay in transit and some tubes unreported, so the
   command view shows a round in progress.
4. The older half of the pooled positives is re-tested singly (``tube_bind`` of re-test
   tubes, sealed, received, resulted from the truth): each positive member opens a case
   through the lab's findings, as a real lab's result does; the newer half keeps its
   members held with open re-test tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import time, timedelta

import numpy as np
import polars as pl
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.lab.choices import TubeKind, TubeResult
from fangkong.lab.models import Lab, SamplingPoint, ScreeningRound
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.rounds.services import (
    lab_create,
    lab_staff_add,
    point_staff_add,
    round_open,
    sampling_point_create,
)
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.transport.services import package_handover, package_receive, package_seal
from fangkong.policy.models import RuleSet
from fangkong.policy.services import rule_set_override_create
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree
from fangkong.sim.city import City
from fangkong.sim.demo_imports import EarlierReport, earlier_reports
from fangkong.sim.demo_tracing import TracingFeed
from fangkong.sim.life import Life
from fangkong.sim.observe import PcrPolicy
from fangkong.sim.outbreak import OutbreakResult, outbreak_run
from fangkong.sim.places import places_generate

OVERRIDE_KEY = "demo-city-screening"
ROUND_NAME = "全区区域核酸筛查（第一轮）"
POOL_RATIO = 10
SAMPLED_SHARE = 0.6
TUBES_PER_PACKAGE = 20
#: Hours the demo round has been running (its first tubes were sampled this long ago).
ROUND_HOURS = 10
#: The demo city's result target for its outbreak screening (a local measure of the demo,
#: tighter than the edition's 24 h), so that a package held up on the road is late.
TURNAROUND_HOURS = 6


@dataclass(frozen=True)
class DemoScreening:
    round: ScreeningRound
    points: list[SamplingPoint]
    lab: Lab
    tubes: int = 0
    pooled_positive: int = 0
    infected: int = 0
    retested: int = 0
    scans: int = 0
    dwells: int = 0
    tracing_seconds: float = 0.0
    tracing_refused: tuple[str, ...] = ()
    #: The package held up on the road since the morning (its people's results are late),
    #: with its point's name and its tubes' people.
    delayed_package: str = ""
    delayed_point: str = ""
    delayed_people: int = 0
    #: Cases the direct reporting system holds from the outbreak's earlier days
    #: (``sim.demo_imports``), imported by the demo after its other steps.
    earlier_reports: tuple[EarlierReport, ...] = ()


def _override(city: Region) -> None:
    if RuleSet.objects.filter(key=OVERRIDE_KEY).exists():
        return
    rule_set_override_create(
        actor=SYSTEM,
        key=OVERRIDE_KEY,
        region=city,
        name_zh="示范市疫情处置期区域核酸检测措施",
        name_en="Demo city: area screening during the outbreak",
        effective_from=timezone.localdate() - timedelta(days=60),
        parameters={
            "pooling": {"by_zone": {"other": {"ratio": POOL_RATIO, "per_household": False}}},
            "screening": {"area_screening_enabled": True},
            "investigation": {"report_hours": 2, "core_facts_hours": 4, "full_hours": 24},
            "turnaround": {"targets": {"pooled_screening": {"target_hours": TURNAROUND_HOURS}}},
            "contacts": {
                "close_contact_identification": True,
                "close_contact_window_days": 4,
                "secondary_contacts_enabled": False,
            },
            "companions": {"overlap_minutes": 10, "window_days": 14, "cumulative_stay_hours": None},
        },
        reason="Outbreak in the demo city: area screening with 10-in-1 pooling (local measure)",
        source_notes=[
            {
                "topic": "pooling",
                "source": "domain-reference §1.2 (管控区 10-in-1)",
                "note": "Local practice re-enabled for the demo outbreak.",
            },
            {
                "topic": "turnaround",
                "source": "the demo city's own measure (not a cited rule)",
                "note": "Results of the outbreak screening within 6 h of sampling, tighter "
                "than the edition's 24 h for pooled screening (domain-reference §1.4).",
            },
            {
                "topic": "investigation",
                "source": "domain-reference §2.1 (2+4+24)",
                "note": "Case investigation with the 2 h / 4 h / 24 h timers during the outbreak.",
            },
            {
                "topic": "contacts",
                "source": "domain-reference §2.2, §2.3 (9th edition window; Chengdu companions)",
                "note": "Close contacts from 4 days before onset or sampling, and spatiotemporal "
                "companions, identified again during the outbreak (no secondary contacts).",
            },
        ],
    )


def screening_setup(places: dict[str, Region]) -> DemoScreening:
    """The override, the round, the points, the lab and their staff (once; staff always)."""
    _override(places["city"])
    district = places["district"]
    screening_round = ScreeningRound.objects.filter(name=ROUND_NAME).first()
    if screening_round is None:
        screening_round = round_open(
            actor=SYSTEM,
            name=ROUND_NAME,
            areas=[(district, "other")],
            starts_at=timezone.now() - timedelta(hours=ROUND_HOURS),
        )
        streets = Region.objects.filter(
            in_subtree(district.path), level=RegionLevel.STREET
        ).order_by("path")
        for street in streets:
            region = places["community"] if places["community"].is_within(street.path) else street
            sampling_point_create(
                actor=SYSTEM,
                region=region,
                name=f"{region.name}核酸采样点",
                address=f"{region.name}社区服务中心门前广场",
                opens_at=time(7, 0),
                closes_at=time(22, 0),
            )
        lab_create(actor=SYSTEM, region=district, name=f"{district.name}疾控中心实验室")
    points = list(
        SamplingPoint.objects.filter(in_subtree(district.path, field="region__path")).order_by(
            "region__path"
        )
    )
    lab = Lab.objects.filter(region=district).order_by("id").first()
    assert lab is not None
    sampler = User.objects.filter(username="sampler").first()
    technician = User.objects.filter(username="lab_technician").first()
    own = next((p for p in points if p.region_id == places["community"].id), None)
    if sampler is not None and own is not None:
        point_staff_add(actor=SYSTEM, point=own, user=sampler)
    if technician is not None:
        lab_staff_add(actor=SYSTEM, lab=lab, user=technician)
    return DemoScreening(round=screening_round, points=points, lab=lab)


def _detectable_now(result: OutbreakResult, moment: int, seed: int) -> np.ndarray:
    """Persons (positions) a PCR taken at ``moment`` (epoch s) finds positive."""
    policy = PcrPolicy()
    courses = result.courses
    start = courses["infectious_start"].fill_null(np.iinfo(np.int64).max).to_numpy()
    end = courses["infectious_end"].fill_null(np.iinfo(np.int64).max).to_numpy()
    window = (moment >= start - int(policy.lead_days * 86400)) & (
        moment < end + int(policy.tail_days * 86400)
    )
    sensed = np.random.default_rng([seed, 11]).random(window.size) < policy.sensitivity
    return courses["person"].to_numpy()[window & sensed].astype(np.int64)


def screening_run(
    city: City,
    setup: DemoScreening,
    *,
    district: Region,
    days: int,
    seed: int,
    person_first_id: int | None = None,
    feed_actor: AnyActor = SYSTEM,
) -> DemoScreening:
    """Run the outbreak forward and screen part of the district today through the services.

    With ``person_first_id`` (the id of the city's first person), every simulated day's venue
    scans and dwell intervals go into the tracing store as they are made
    (``sim.demo_tracing``) as ``feed_actor`` sends them, the venues first."""
    places_model = places_generate(city, seed=seed)
    today = timezone.localdate()
    first_day = today - timedelta(days=days)
    life = Life(places_model, start=first_day, seed=seed)
    feed = None
    if person_first_id is not None:
        feed = TracingFeed(
            places=places_model,
            person_first_id=person_first_id,
            start=first_day,
            actor=feed_actor,
        )
        feed.prepare()
    result = outbreak_run(
        places_model,
        start=first_day,
        days=days,
        seed=seed,
        life=life,
        on_day=feed.day if feed is not None else None,
    )
    if feed is not None:
        feed.finish(life.finish(days), today - timedelta(days=1))
    now = timezone.now()
    positive = set(_detectable_now(result, int(now.timestamp()), seed).tolist())

    grids = set(
        Region.objects.filter(in_subtree(district.path), level=RegionLevel.GRID).values_list(
            "code", flat=True
        )
    )
    residents = (
        city.persons.filter(pl.col("region_code").is_in(list(grids)))
        .join(
            city.documents.filter(pl.col("is_primary") & (pl.col("doc_type") == "01")).select(
                "person_key", "number"
            ),
            on="person_key",
        )
        .sort("region_code", "household_key", "person_key")
    )
    earlier = earlier_reports(result, residents, now=now, seed=seed)
    rng = np.random.default_rng([seed, 13])
    households = residents["household_key"].unique().sort().to_numpy()
    sampled_households = set(households[rng.random(households.size) < SAMPLED_SHARE].tolist())
    residents = residents.filter(pl.col("household_key").is_in(list(sampled_households)))
    point_of = _point_by_grid(setup.points, grids)
    started = setup.round.starts_at
    span = max(60.0, (now - started).total_seconds() - 600)
    tubes_by_point: dict[int, list[str]] = {}
    tube_positive: dict[str, bool] = {}
    tube_size: dict[str, int] = {}
    tube_members: dict[str, list[tuple[str, bool]]] = {}
    serial = 0
    for (grid,), group in residents.group_by(["region_code"], maintain_order=True):
        point = point_of[str(grid)]
        keys = group["person_key"].to_list()
        numbers = group["number"].to_list()
        for start in range(0, len(keys), POOL_RATIO):
            serial += 1
            barcode = f"DM{serial:07d}"
            members = numbers[start : start + POOL_RATIO]
            sampled_at = started + timedelta(seconds=span * serial / max(1, len(residents) / 10))
            tube_bind(
                actor=SYSTEM,
                screening_round=setup.round,
                point=point,
                data=TubeInput(
                    barcode=barcode,
                    members=[MemberInput(id_number=n, method="id_card") for n in members],
                    sampled_at=min(sampled_at, now - timedelta(minutes=5)),
                ),
            )
            tubes_by_point.setdefault(point.id, []).append(barcode)
            tube_positive[barcode] = any(k in positive for k in keys[start : start + POOL_RATIO])
            tube_size[barcode] = len(members)
            tube_members[barcode] = [
                (number, key in positive)
                for number, key in zip(members, keys[start : start + POOL_RATIO], strict=True)
            ]
    done = _transport_and_results(
        setup,
        tubes_by_point,
        tube_positive,
        tube_size,
        tube_members,
        positive_count=len(positive),
    )
    done = replace(done, earlier_reports=earlier)
    if feed is None:
        return done
    return replace(
        done,
        scans=feed.scans,
        dwells=feed.dwells,
        tracing_seconds=feed.seconds,
        tracing_refused=tuple(feed.refused),
    )


def _point_by_grid(points: Sequence[SamplingPoint], grids: set[str]) -> dict[str, SamplingPoint]:
    regions = {r.id: r for r in Region.objects.filter(id__in=[p.region_id for p in points])}
    paths = dict(Region.objects.filter(code__in=grids).values_list("code", "path"))
    chosen: dict[str, SamplingPoint] = {}
    for grid, path in paths.items():
        best = max(
            (
                p
                for p in points
                if path != regions[p.region_id].path
                and path_in_subtree(path, regions[p.region_id].path)
            ),
            key=lambda p: regions[p.region_id].level,
            default=points[0],
        )
        chosen[grid] = best
    return chosen


def _result(positive: bool, members: int) -> str:
    if not positive:
        return TubeResult.NEGATIVE
    return TubeResult.POOLED_POSITIVE if members > 1 else TubeResult.POSITIVE


def _transport_and_results(
    setup: DemoScreening,
    tubes_by_point: dict[int, list[str]],
    tube_positive: dict[str, bool],
    tube_size: dict[str, int],
    tube_members: dict[str, list[tuple[str, bool]]],
    *,
    positive_count: int,
) -> DemoScreening:
    """Seal every point's tubes in packages of 20: the newest package of a point stays at the
    point, the one before is on the road (with three or more), the rest are received; results
    come for every received package but the newest one (when more than one was received).

    One package of the first point with four or more, a quarter of the way through its day,
    was handed over and never arrived (held up on the road): sampled hours ago, its people's
    results are past the demo city's :data:`TURNAROUND_HOURS`, and the command picture shows
    the district and street as behind on results."""
    points = {p.id: p for p in setup.points}
    received: list[list[str]] = []
    package_serial = 0
    delayed: tuple[str, str, int] | None = None
    for point_id, barcodes in tubes_by_point.items():
        chunks = [
            barcodes[i : i + TUBES_PER_PACKAGE] for i in range(0, len(barcodes), TUBES_PER_PACKAGE)
        ]
        held_up = max(1, len(chunks) // 4) if delayed is None and len(chunks) >= 4 else -1
        for position, chunk in enumerate(chunks):
            package_serial += 1
            package = package_seal(
                actor=SYSTEM,
                point=points[point_id],
                screening_round=setup.round,
                lab=setup.lab,
                code=f"PK{package_serial:06d}",
                barcodes=chunk,
            )
            if position == len(chunks) - 1 and len(chunks) > 1:
                continue  # still at the point
            package_handover(actor=SYSTEM, package=package, vehicle=f"京A{80000 + package_serial}")
            if position == len(chunks) - 2 and len(chunks) > 2:
                continue  # on the road
            if position == held_up:
                people = sum(tube_size[barcode] for barcode in chunk)
                delayed = (package.code, points[point_id].name, people)
                continue  # held up on the road since the morning
            package_receive(actor=SYSTEM, lab=setup.lab, package_code=package.code, barcodes=chunk)
            received.append(chunk)
    reported = [barcode for chunk in received[: max(1, len(received) - 1)] for barcode in chunk]
    results_apply(
        actor=SYSTEM,
        lab=setup.lab,
        rows=[
            ResultInput(barcode=barcode, result=_result(tube_positive[barcode], tube_size[barcode]))
            for barcode in reported
        ],
        source="demo",
    )
    pooled = [b for b in reported if tube_positive[b] and tube_size[b] > 1]
    retested = _retest_pooled_positives(setup, pooled, tube_members, tubes_by_point)
    return DemoScreening(
        round=setup.round,
        points=setup.points,
        lab=setup.lab,
        tubes=len(tube_positive),
        pooled_positive=sum(tube_positive[b] for b in reported),
        infected=positive_count,
        retested=retested,
        delayed_package=delayed[0] if delayed else "",
        delayed_point=delayed[1] if delayed else "",
        delayed_people=delayed[2] if delayed else 0,
    )


def _retest_pooled_positives(
    setup: DemoScreening,
    pooled: list[str],
    tube_members: dict[str, list[tuple[str, bool]]],
    tubes_by_point: dict[int, list[str]],
) -> int:
    """The older half (at least one) of today's pooled positives is re-tested singly through
    the same services: a re-test tube per member at the tube's point, sealed, handed over,
    received and resulted from the simulated truth. A positive re-test opens a case through
    the lab's findings (``cases`` registers the handler), like any lab's result; the newer
    half keeps its members held with their re-test tasks open. Returns the re-test tubes."""
    chosen = pooled[: max(1, len(pooled) // 2)] if pooled else []
    point_of = {b: point_id for point_id, barcodes in tubes_by_point.items() for b in barcodes}
    points = {p.id: p for p in setup.points}
    by_point: dict[int, list[str]] = {}
    truth: dict[str, bool] = {}
    now = timezone.now()
    for source in chosen:
        for position, (number, positive) in enumerate(tube_members[source]):
            barcode = f"RT{source[2:]}{position:02d}"
            tube_bind(
                actor=SYSTEM,
                screening_round=setup.round,
                point=points[point_of[source]],
                data=TubeInput(
                    barcode=barcode,
                    members=[MemberInput(id_number=number, method="id_card")],
                    kind=TubeKind.RETEST,
                    sampled_at=now - timedelta(minutes=2),
                ),
            )
            by_point.setdefault(point_of[source], []).append(barcode)
            truth[barcode] = positive
    for point_id, barcodes in by_point.items():
        for start in range(0, len(barcodes), TUBES_PER_PACKAGE):
            chunk = barcodes[start : start + TUBES_PER_PACKAGE]
            package = package_seal(
                actor=SYSTEM,
                point=points[point_id],
                screening_round=setup.round,
                lab=setup.lab,
                code=f"PR{chunk[0][2:]}",
                barcodes=chunk,
            )
            package_handover(actor=SYSTEM, package=package, vehicle="京A90000")
            package_receive(actor=SYSTEM, lab=setup.lab, package_code=package.code, barcodes=chunk)
    if truth:
        results_apply(
            actor=SYSTEM,
            lab=setup.lab,
            rows=[
                ResultInput(
                    barcode=barcode,
                    result=TubeResult.POSITIVE if positive else TubeResult.NEGATIVE,
                )
                for barcode, positive in truth.items()
            ],
            source="demo",
        )
    return len(truth)
