"""The risk-area side of ``fangkong demo`` (issue 19 §8): the compound of the first cases
becomes a high-risk area, the rest of the district a low-risk one, and the cases' infections
reach the areas through the case feed.

1. A city override that turns risk areas on with the 9th edition's levels, lifting rules and
   zone ratios (read from the published edition ``nhc-9``, not copied into code): today's
   national edition (the 10th) has none; a city in an outbreak draws them again as local
   policy, beside the screening override of ``sim.demo_screening``.
2. After the screening has opened cases (suspected, from positive single re-tests): as the
   demo commander, a high-risk area over the compound (the grid) of the earliest case's
   household and a low-risk area over the rest of the district, each with its reason.
3. As the demo epidemiologist, the earliest cases living in that compound (up to
   :data:`CLASSIFIED`) are classified asymptomatic (their PCR re-test is positive); the
   classification records each infection in the areas the residence lies in
   (``cases.services.areas``), so ``/risk-areas/`` shows areas with infections, a clock and
   a lifting assessment, and the grid's sampling pools by household from now on.

Runs once: nothing is done when an area exists already or no case is open in the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fangkong.cases.choices import CaseClassification
from fangkong.cases.models import Case
from fangkong.cases.selectors import case_residence
from fangkong.cases.services.cases import case_classify
from fangkong.core.actor import SYSTEM, Actor
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.models import RuleSet
from fangkong.policy.services import rule_set_override_create
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.services import risk_area_designate

OVERRIDE_KEY = "demo-city-risk-areas"
EDITION = "nhc-9"
#: How many of the compound's earliest cases the demo classifies.
CLASSIFIED = 3


@dataclass(frozen=True)
class DemoRiskAreas:
    """What the step did: the areas designated and the cases classified."""

    areas: tuple[RiskArea, ...] = ()
    classified: int = 0


def risk_areas_override(city: Region) -> None:
    """The city's override with the 9th edition's risk areas and zone ratios (once)."""
    if RuleSet.objects.filter(key=OVERRIDE_KEY).exists():
        return
    edition = RuleSet.objects.filter(key=EDITION, region__isnull=True).order_by("-revision")
    parameters = edition.values_list("parameters", flat=True).first()
    if parameters is None:
        return
    levels = [level["code"] for level in parameters["risk_areas"]["levels"]]
    by_zone = parameters["pooling"]["by_zone"]
    rule_set_override_create(
        actor=SYSTEM,
        key=OVERRIDE_KEY,
        region=city,
        name_zh="示范市疫情处置期风险区划定（参照第九版防控方案）",
        name_en="Demo city: risk areas during the outbreak (as the 9th edition)",
        effective_from=timezone.localdate() - timedelta(days=60),
        parameters={
            "risk_areas": parameters["risk_areas"],
            "pooling": {"by_zone": {code: by_zone[code] for code in levels}},
        },
        reason="Outbreak in the demo city: high, medium and low risk areas as the 9th edition",
        source_notes=[
            {
                "topic": "risk_areas",
                "source": "domain-reference §2.5 (9th edition)",
                "note": "Risk areas, their lifting rules and zone pooling re-enabled for the demo.",
            }
        ],
    )


def _first_cases(district: Region) -> list[Case]:
    return list(
        Case.objects.select_related("person", "region")
        .filter(
            in_subtree(district.path, field="region__path"),
            classification=CaseClassification.SUSPECTED,
            closed_at__isnull=True,
            how_found="pooled_retest",
        )
        .order_by("opened_at", "id")
    )


@transaction.atomic
def risk_areas_run(*, district: Region, commander: Actor, epidemiologist: Actor) -> DemoRiskAreas:
    """Steps 2 and 3 of the module: designate, then classify (see the module's docstring)."""
    if RiskArea.objects.exists():
        return DemoRiskAreas()
    cases = _first_cases(district)
    if not cases:
        return DemoRiskAreas()
    compound = case_residence(cases[0]).region
    high = risk_area_designate(
        actor=commander,
        region=compound,
        level="high",
        unit=DesignationUnit.COMPOUND,
        name=f"{compound.name}（小区）",
        reason="本土阳性感染者居住，经流调研判划为高风险区",
    )
    low = risk_area_designate(
        actor=commander,
        region=district,
        level="low",
        unit=DesignationUnit.COUNTY_REMAINDER,
        name=f"{district.name}其余地区",
        reason="区内有高风险区，其余地区为低风险区",
    )
    inside = [case for case in cases if case_residence(case).region.id == compound.id]
    for case in inside[:CLASSIFIED]:
        case_classify(
            actor=epidemiologist,
            case=case,
            classification=CaseClassification.ASYMPTOMATIC,
            reason="单管复核核酸阳性，无症状",
        )
    return DemoRiskAreas(areas=(high, low), classified=len(inside[:CLASSIFIED]))
