"""Builders for a screening round in tests: a round over district A, a sampling point in
community A with a sampler on its staff, a lab in district A with a technician, residents."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import SYSTEM, Actor
from fangkong.core.idcard import check_char
from fangkong.lab.models import Lab, SamplingPoint, ScreeningRound
from fangkong.lab.rounds.services import lab_create, round_open, sampling_point_create
from fangkong.people.models import Household, Person
from fangkong.people.tests.factories import household_make, person_make
from fangkong.regions.models import Region

_serial = itertools.count(1)


def unique_id_number(address: str = "110105") -> str:
    """A valid resident ID never handed out before in this test run."""
    n = next(_serial)
    born = date(1950, 1, 1) + timedelta(days=n % 20000)
    first17 = f"{address}{born:%Y%m%d}{(n // 20000) % 1000:03d}"
    return first17 + check_char(first17)


@dataclass
class Screening:
    round: ScreeningRound
    point: SamplingPoint
    lab: Lab
    sampler: Actor
    technician: Actor
    commander: Actor
    people: list[Person] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)


def residents_make(
    region: Region, count: int, *, per_household: int = 3
) -> tuple[list[Person], list[str], list[Household]]:
    people: list[Person] = []
    ids: list[str] = []
    households: list[Household] = []
    for index in range(count):
        if index % per_household == 0:
            households.append(
                household_make(
                    region=region, address=f"幸福里{len(households) + 1}号楼1单元{100 + index}"
                )
            )
        number = unique_id_number()
        people.append(
            person_make(
                region=region, household=households[-1], id_number=number, name=f"居民{index}"
            )
        )
        ids.append(number)
    return people, ids, households


def screening_make(
    tree: dict[str, Region], *, residents: int = 12, zone: str = "other"
) -> Screening:
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    screening_round = round_open(
        actor=commander, name="第一轮区域核酸", areas=[(tree["district_a"], zone)]
    )
    point = sampling_point_create(actor=commander, region=tree["community_a"], name="一号采样点")
    lab = lab_create(actor=commander, region=tree["district_a"], name="区检测中心")
    sampler = actor_make(role=Role.SAMPLER, region=tree["community_a"])
    technician = actor_make(role=Role.LAB_TECHNICIAN, region=tree["district_a"])
    point.staff.add(User.objects.get(pk=sampler.user_id))
    lab.staff.add(User.objects.get(pk=technician.user_id))
    people, ids, households = residents_make(tree["grid_a1"], residents)
    return Screening(
        screening_round, point, lab, sampler, technician, commander, people, ids, households
    )


def system_round(tree: dict[str, Region]) -> ScreeningRound:
    return round_open(actor=SYSTEM, name="round", areas=[(tree["district_a"], "other")])


def package_sealed(s, api, barcodes=("T0001", "T0002")):
    """Tubes bound (three people each), sealed into P0001 and handed over to transport."""
    sampler = api(s.sampler)
    for position, barcode in enumerate(barcodes):
        bound = sampler.post(
            "/api/v1/lab/tubes",
            {
                "round": str(s.round.code),
                "point": str(s.point.code),
                "barcode": barcode,
                "members": [{"id_number": n} for n in s.ids[position * 3 : position * 3 + 3]],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert bound.status_code == 201, bound.json()
    sealed = sampler.post(
        "/api/v1/lab/packages",
        {
            "code": "P0001",
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": list(barcodes),
        },
    )
    assert sealed.status_code == 201, sealed.json()
    assert (
        sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪A1"}).status_code == 200
    )
