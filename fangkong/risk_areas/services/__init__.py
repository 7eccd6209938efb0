"""Every change to a risk area, by sub-domain: designation (designate, level, lift),
infections (infections and the last close contact), lifting (the periodic run)."""

from fangkong.risk_areas.services.designation import (
    risk_area_designate,
    risk_area_level_set,
    risk_area_lift,
)
from fangkong.risk_areas.services.infections import (
    InfectionRecorded,
    area_infection_record,
    area_infections_at_residence,
    risk_area_contacts_record,
)
from fangkong.risk_areas.services.lifting import LiftingRun, risk_area_lifting_run

__all__ = [
    "InfectionRecorded",
    "LiftingRun",
    "area_infection_record",
    "area_infections_at_residence",
    "risk_area_contacts_record",
    "risk_area_designate",
    "risk_area_level_set",
    "risk_area_lift",
    "risk_area_lifting_run",
]
