"""The community app's models, one module per sub-domain."""

from fangkong.community.models.closures import GateEntry, Restriction, RestrictionEvent
from fangkong.community.models.grids import CarePlan, Coverage, GridEvent, Responsible
from fangkong.community.models.requests import (
    MedicalExit,
    RequestEvent,
    ResidentLink,
    ResidentRequest,
)
from fangkong.community.models.sweeps import DoorSample, Sweep, SweepFinding, SweepVisit

__all__ = [
    "CarePlan",
    "Coverage",
    "DoorSample",
    "GateEntry",
    "GridEvent",
    "MedicalExit",
    "RequestEvent",
    "ResidentLink",
    "ResidentRequest",
    "Responsible",
    "Restriction",
    "RestrictionEvent",
    "Sweep",
    "SweepFinding",
    "SweepVisit",
]
