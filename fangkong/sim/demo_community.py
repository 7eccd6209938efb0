"""The community side of ``fangkong demo`` (issue 21 §1–§4): the compound the outbreak's
high-risk area was drawn over is closed, its households are listed and covered, a sweep is
in progress and residents' requests are in, one of them a dialysis patient's medical exit
that gets a vehicle.

1. A city override with the 9th edition's measures per risk level (``community.restrictions``,
   read from the published edition ``nhc-9``): the 10th edition in force today restricts
   nobody; the demo city, drawing risk areas again as local policy (``sim.demo_risk_areas``),
   closes their compounds as the 9th edition did.
2. As the demo commander, the high-risk area's compound is closed (``restriction_from_area``:
   measures from the rules, the end from the area's lifting clock).
3. The demo grid worker gets a grid-worker membership at that compound and answers for the
   rule set's maximum of its households; named volunteers take the rest, the same number
   each (R26).
4. As the demo duty officer, a sweep over the compound opens; the grid worker visits the
   first half of their households (the registered members found present).
5. Requests: daily needs from the hotline for a few households, and a resident with
   dialysis (a registered special need, given one if nobody has it) asks for their session:
   the duty officer approves the exit, the transfer dispatcher assigns the vehicle and the
   return time; the patient's care plan is written. A personal link for that household's
   request page is issued and returned for the closing note.

Runs once: nothing is done when a restriction exists already or there is no high-risk
compound in the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.models import Membership, User
from fangkong.accounts.services import membership_grant
from fangkong.community.choices import RequestCategory, RequestChannel, ResponsibleKind
from fangkong.community.closures.services import restriction_from_area
from fangkong.community.grids.services import care_plan_set, households_assign, responsible_add
from fangkong.community.models import Restriction
from fangkong.community.requests.services import (
    exit_approve,
    exit_vehicle,
    request_file,
    resident_link_issue,
)
from fangkong.community.sweeps.services import sweep_open, visit_record
from fangkong.core.actor import SYSTEM, Actor
from fangkong.core.roles import Role
from fangkong.people.models import Household, Person
from fangkong.people.services.persons import person_need_set
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rules_for
from fangkong.policy.services import rule_set_override_create
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.models import RiskArea

OVERRIDE_KEY = "demo-city-community"
EDITION = "nhc-9"
#: Households with daily needs filed from the hotline.
DAILY_REQUESTS = 5


@dataclass(frozen=True)
class DemoCommunity:
    """What the step did (all zero when it did nothing)."""

    households: int = 0
    responsibles: int = 0
    visited: int = 0
    requests: int = 0
    vehicle: str = ""
    resident_url: str = ""
    compound: str = ""


def community_override(city: Region) -> None:
    """The city's override with the 9th edition's restriction measures (once)."""
    if RuleSet.objects.filter(key=OVERRIDE_KEY).exists():
        return
    edition = RuleSet.objects.filter(key=EDITION, region__isnull=True).order_by("-revision")
    parameters = edition.values_list("parameters", flat=True).first()
    if parameters is None or "community" not in parameters:
        return
    rule_set_override_create(
        actor=SYSTEM,
        key=OVERRIDE_KEY,
        region=city,
        name_zh="示范市疫情处置期封控管控措施（参照第九版防控方案）",
        name_en="Demo city: closure and control measures during the outbreak (as the 9th edition)",
        effective_from=timezone.localdate() - timedelta(days=60),
        parameters={"community": {"restrictions": parameters["community"]["restrictions"]}},
        reason="Outbreak in the demo city: high-risk compounds closed, medium ones controlled",
        source_notes=[
            {
                "topic": "community",
                "source": "domain-reference §2.5, §4.1 (9th edition)",
                "note": "Closure of high-risk compounds and control of medium ones for the demo.",
            }
        ],
    )


def _compound_area(district: Region) -> RiskArea | None:
    return (
        RiskArea.objects.select_related("region")
        .filter(
            in_subtree(district.path, field="region__path"),
            status=RiskAreaStatus.DESIGNATED,
            unit=DesignationUnit.COMPOUND,
        )
        .order_by("designated_at", "id")
        .first()
    )


def _grid_worker_at(compound: Region) -> Actor:
    """The demo grid worker (user ``grid_worker``) with a membership at the compound."""
    user = User.objects.get(username=Role.GRID_WORKER.value)
    membership_grant(actor=SYSTEM, user=user, region=compound, role=Role.GRID_WORKER)
    return actor_from_membership(
        Membership.objects.select_related("user", "region").get(
            user=user, region=compound, role=Role.GRID_WORKER
        )
    )


@transaction.atomic
def community_run(
    *, district: Region, commander: Actor, duty: Actor, dispatcher: Actor
) -> DemoCommunity:
    """Steps 2–5 of the module (see its docstring)."""
    area = _compound_area(district)
    if area is None or Restriction.objects.exists():
        return DemoCommunity()
    compound = area.region
    restriction_from_area(
        actor=commander, area=area, reason="高风险区所在小区封控：足不出户、服务上门"
    )
    worker = _grid_worker_at(compound)
    homes = list(Household.objects.filter(region=compound).order_by("address_key", "id"))
    most = rules_for(compound, timezone.localdate()).parameters.community.households_per_worker_max
    mine = responsible_add(
        actor=duty,
        region=compound,
        kind=ResponsibleKind.GRID_WORKER,
        name="",
        username=Role.GRID_WORKER.value,
    )
    groups = [homes[start : start + most] for start in range(0, len(homes), most)]
    for number, group in enumerate(groups):
        person = mine
        if number:
            person = responsible_add(
                actor=duty,
                region=compound,
                kind=ResponsibleKind.VOLUNTEER,
                name=f"志愿者{number:02d}",
            )
        households_assign(
            actor=duty, responsible=person, households=group, reason="封控小区包保到户"
        )
    sweep = sweep_open(
        actor=duty, region=compound, name=f"{compound.name}入户排查", reason="封控后全面排查"
    )
    visited = 0
    for home in (groups[0] if groups else [])[: most // 2]:
        members = list(Person.objects.filter(household=home).values_list("code", flat=True))
        if not members:
            continue
        visit = sweep.visits.select_related("household", "sweep").get(household=home)
        visit_record(
            actor=worker,
            visit=visit,
            state="present",
            residents_counted=len(members),
            present=members,
        )
        visited += 1
    filed = 0
    for home in homes[:DAILY_REQUESTS]:
        request_file(
            actor=duty,
            household=home,
            category=RequestCategory.FOOD,
            description="米、面、蔬菜",
            channel=RequestChannel.HOTLINE,
        )
        filed += 1
    patient = (
        Person.objects.filter(region=compound, needs__kind="dialysis", household__isnull=False)
        .order_by("id")
        .first()
    )
    if patient is None:
        patient = Person.objects.filter(household__in=groups[0] if groups else []).first()
        if patient is None:
            return DemoCommunity(len(homes), len(groups), visited, filed, compound=compound.name)
        person_need_set(actor=worker, person=patient, kind="dialysis")
    assert patient.household is not None  # chosen with a household
    care_plan_set(
        actor=worker, person=patient, plan="每周一、三、五血液透析；专车闭环接送，社区审批"
    )
    exit_request = request_file(
        actor=worker,
        household=patient.household,
        person=patient,
        category=RequestCategory.DIALYSIS,
        description="今日透析",
        channel=RequestChannel.GRID_WORKER,
    )
    exit_approve(
        actor=duty,
        request=exit_request,
        reason="规律血液透析，社区审批同意外出",
        destination="区人民医院血液透析中心",
    )
    exit_vehicle(
        actor=dispatcher,
        request=exit_request,
        plate="京A·D0001",
        driver="转运专班",
        return_by=timezone.now() + timedelta(hours=6),
    )
    token = resident_link_issue(actor=worker, household=patient.household)
    return DemoCommunity(
        households=len(homes),
        responsibles=len(groups),
        visited=visited,
        requests=filed + 1,
        vehicle="京A·D0001",
        resident_url=reverse("community:resident", args=[token]),
        compound=compound.name,
    )
