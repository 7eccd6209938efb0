"""A case's infection, recorded in the risk areas its residence lies in (issue 19 §8).

``cases`` calls ``risk_areas`` (never the other way round; docs/architecture.md): when a case
becomes confirmed or asymptomatic, the infection is known (domain reference §2.5: "no new
case or asymptomatic infection" is what the lifting clock counts), and every open area
covering the person's household gets it, by the case's code — once per area, so classifying
an asymptomatic case as confirmed later records nothing new.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import CaseClassification as Classification
from fangkong.cases.models import Case
from fangkong.cases.selectors import case_residence
from fangkong.core.actor import AnyActor
from fangkong.risk_areas.services import InfectionRecorded, area_infections_at_residence

#: The classifications that make an infection known to the areas.
INFECTED = (Classification.CONFIRMED, Classification.ASYMPTOMATIC)


def case_areas_infect(*, actor: AnyActor, case: Case, reason: str) -> list[InfectionRecorded]:
    """Record ``case`` in every open risk area its person's residence lies in.

    1. Nothing for a case that is not confirmed or asymptomatic.
    2. The residence is the person's household (node, building, stairwell unit); a person
       without one lives at their own node.
    3. The day found is the case's first positive day (the day the positive sample was
       taken), else today; the reason names the classification and carries the classifier's
       reason; the actor is the classifier (inside ``case_classify``'s transaction).
    """
    if case.classification not in INFECTED:
        return []
    residence = case_residence(case)
    return area_infections_at_residence(
        actor=actor,
        region=residence.region,
        building=residence.building,
        unit=residence.unit,
        reference=str(case.code),
        found_on=case.first_positive_on or timezone.localdate(),
        reason=_("Case classified %(classification)s: %(reason)s")
        % {"classification": Classification(case.classification).label, "reason": reason},
    )
