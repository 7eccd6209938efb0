"""Builders for risk-area tests: screening rounds over an area with chosen results, written
as rows of ``lab.models`` (the lab's own services are not this app's to call)."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from fangkong.lab.choices import MemberOutcome, TubeResult, TubeStatus
from fangkong.lab.models import Binding, RoundArea, SamplingPoint, ScreeningRound, Tube
from fangkong.people.models import Household, Person
from fangkong.people.tests.factories import household_make, person_make
from fangkong.regions.models import Region

_barcodes = itertools.count(1)


@dataclass
class Resident:
    person: Person
    household: Household


def residents_make(region: Region, addresses: list[str]) -> list[Resident]:
    """One person per address (``3号楼2单元501``), without identity documents."""
    residents = []
    for index, address in enumerate(addresses):
        household = household_make(region=region, address=address)
        person = person_make(
            region=region, household=household, id_number=None, name=f"居民{index}"
        )
        residents.append(Resident(person, household))
    return residents


def round_make(
    region: Region, residents: list[Resident], *, at: datetime, results: list[str]
) -> ScreeningRound:
    """A round over ``region`` sampling each resident at ``at`` in a tube of their own with
    the matching result of ``results`` (``negative``, ``positive``, ``pooled_positive``,
    ``pending``)."""
    screening_round = ScreeningRound.objects.create(
        name=f"round {uuid.uuid4().hex[:6]}",
        region=region,
        starts_at=at,
        deadline_at=at + timedelta(hours=24),
        rule_set="test",
        created_by="test",
    )
    RoundArea.objects.create(round=screening_round, region=region)
    point = SamplingPoint.objects.create(
        name="point", region=region, opens_at=time(7), closes_at=time(21)
    )
    outcomes = {
        TubeResult.POSITIVE: MemberOutcome.POSITIVE,
        TubeResult.POOLED_POSITIVE: MemberOutcome.HELD,
    }
    for resident, result in zip(residents, results, strict=True):
        tube = Tube.objects.create(
            barcode=f"RA{next(_barcodes):010d}",
            round=screening_round,
            point=point,
            ratio=1,
            sampled_at=at,
            member_count=1,
            due_at=at + timedelta(hours=24),
            result=result,
            status=TubeStatus.CLOSED if result == TubeResult.PENDING else TubeStatus.RESULTED,
        )
        Binding.objects.create(
            tube=tube,
            round=screening_round,
            person=resident.person,
            region=resident.person.region,
            household=resident.household,
            method="manual",
            position=1,
            scanned_at=at,
            outcome=outcomes.get(TubeResult(result), MemberOutcome.PENDING),
        )
    return screening_round
