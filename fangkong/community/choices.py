"""Kinds and statuses of the community app: responsible persons, sweep visits, restrictions,
residents' requests and the events of each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class ResponsibleKind(models.TextChoices):
    """Who answers for a household (§4.1): a grid worker (a staff member), a building head or
    a resident volunteer."""

    GRID_WORKER = "grid_worker", pgettext_lazy("responsible kind", "Grid worker")
    BUILDING_HEAD = "building_head", pgettext_lazy("responsible kind", "Building head")
    VOLUNTEER = "volunteer", pgettext_lazy("responsible kind", "Volunteer")


class GridEventKind(models.TextChoices):
    ADDED = "added", pgettext_lazy("grid event", "Responsible person added")
    ASSIGNED = "assigned", pgettext_lazy("grid event", "Households assigned")
    OFF_DUTY = "off_duty", pgettext_lazy("grid event", "Went off duty, households reassigned")
    ON_DUTY = "on_duty", pgettext_lazy("grid event", "Back on duty")
    CARE_PLAN = "care_plan", pgettext_lazy("grid event", "Care plan set")


class SweepStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("sweep status", "Open")
    CLOSED = "closed", pgettext_lazy("sweep status", "Closed")


class VisitState(models.TextChoices):
    """Where one household of a sweep stands; exactly one state each (§2 of the issue)."""

    PENDING = "pending", pgettext_lazy("visit state", "Not yet visited")
    PRESENT = "present", pgettext_lazy("visit state", "Present")
    AWAY = "away", pgettext_lazy("visit state", "Away")
    REFUSED = "refused", pgettext_lazy("visit state", "Refused")
    EMPTY = "empty", pgettext_lazy("visit state", "Empty")


class FindingKind(models.TextChoices):
    """What a visit found against the registry."""

    NEW_RESIDENT = "new_resident", pgettext_lazy("sweep finding", "New resident registered")
    MISSING = "missing", pgettext_lazy("sweep finding", "Registered resident not found")


class HomeboundReason(models.TextChoices):
    """Why a resident found at a sweep's visit is sampled at the door (上门采样)."""

    BEDRIDDEN = "bedridden", pgettext_lazy("homebound reason", "Bedridden")
    ELDERLY_ALONE = "elderly_alone", pgettext_lazy("homebound reason", "Elderly living alone")
    CLOSURE = "closure", pgettext_lazy("homebound reason", "Home under closure")


class RestrictionKind(models.TextChoices):
    CLOSURE = "closure", pgettext_lazy("restriction kind", "Closure (封控)")
    CONTROL = "control", pgettext_lazy("restriction kind", "Control (管控)")


class RestrictionStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("restriction status", "In force")
    LIFTED = "lifted", pgettext_lazy("restriction status", "Lifted")


class PlaceUnit(models.TextChoices):
    """What a restriction is drawn over: the compound node, one building, one stairwell."""

    COMPOUND = "compound", pgettext_lazy("restricted place", "Compound")
    BUILDING = "building", pgettext_lazy("restricted place", "Building")
    UNIT = "unit", pgettext_lazy("restricted place", "Stairwell unit")


class RestrictionEventKind(models.TextChoices):
    IMPOSED = "imposed", pgettext_lazy("restriction event", "Imposed")
    LIFTED = "lifted", pgettext_lazy("restriction event", "Lifted")


class GateDirection(models.TextChoices):
    IN = "in", pgettext_lazy("gate direction", "In")
    OUT = "out", pgettext_lazy("gate direction", "Out")


class Urgency(models.TextChoices):
    """How a request is queued: an emergency before planned medical care before daily needs,
    whatever the deadlines (a medical emergency is never behind daily needs)."""

    EMERGENCY = "emergency", pgettext_lazy("urgency", "Emergency")
    MEDICAL = "medical", pgettext_lazy("urgency", "Medical")
    DAILY = "daily", pgettext_lazy("urgency", "Daily needs")


#: Queue rank of each urgency (lower first).
URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.MEDICAL: 1, Urgency.DAILY: 2}


class RequestCategory(models.TextChoices):
    """What a resident asks for (§4.2, §4.3)."""

    FOOD = "food", pgettext_lazy("request category", "Food")
    MEDICINE = "medicine", pgettext_lazy("request category", "Medicine")
    NAPPIES = "nappies", pgettext_lazy("request category", "Nappies and baby goods")
    GAS = "gas", pgettext_lazy("request category", "Gas")
    REPAIRS = "repairs", pgettext_lazy("request category", "Repairs")
    DIALYSIS = "dialysis", pgettext_lazy("request category", "Dialysis")
    CHEMOTHERAPY = "chemotherapy", pgettext_lazy("request category", "Chemotherapy")
    CHILDBIRTH = "childbirth", pgettext_lazy("request category", "Childbirth")
    EMERGENCY = "emergency", pgettext_lazy("request category", "Medical emergency")


#: The urgency of each category; medical categories ask for an exit (approval, vehicle).
CATEGORY_URGENCY = {
    RequestCategory.FOOD: Urgency.DAILY,
    RequestCategory.MEDICINE: Urgency.DAILY,
    RequestCategory.NAPPIES: Urgency.DAILY,
    RequestCategory.GAS: Urgency.DAILY,
    RequestCategory.REPAIRS: Urgency.DAILY,
    RequestCategory.DIALYSIS: Urgency.MEDICAL,
    RequestCategory.CHEMOTHERAPY: Urgency.MEDICAL,
    RequestCategory.CHILDBIRTH: Urgency.MEDICAL,
    RequestCategory.EMERGENCY: Urgency.EMERGENCY,
}


class RequestChannel(models.TextChoices):
    RESIDENT = "resident", pgettext_lazy("request channel", "Resident's page")
    GRID_WORKER = "grid_worker", pgettext_lazy("request channel", "Grid worker")
    HOTLINE = "hotline", pgettext_lazy("request channel", "Hotline")


class RequestStatus(models.TextChoices):
    """filed → accepted → done → confirmed; refused (with a reason) from filed or accepted."""

    FILED = "filed", pgettext_lazy("request status", "Filed")
    ACCEPTED = "accepted", pgettext_lazy("request status", "Accepted")
    DONE = "done", pgettext_lazy("request status", "Done")
    CONFIRMED = "confirmed", pgettext_lazy("request status", "Confirmed done")
    REFUSED = "refused", pgettext_lazy("request status", "Refused")


#: Statuses a request is still owed in (it can be overdue).
OPEN_STATUSES = (RequestStatus.FILED, RequestStatus.ACCEPTED)


class RequestEventKind(models.TextChoices):
    FILED = "filed", pgettext_lazy("request event", "Filed")
    STATUS = "status", pgettext_lazy("request event", "Status changed")
    ESCALATED = "escalated", pgettext_lazy("request event", "Escalated")
    EXIT_APPROVED = "exit_approved", pgettext_lazy("request event", "Exit approved")
    VEHICLE = "vehicle", pgettext_lazy("request event", "Vehicle assigned")
    RETURNED = "returned", pgettext_lazy("request event", "Returned")
