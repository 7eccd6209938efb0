"""Statuses and kinds of isolation facilities, rooms and orders."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class FacilityKind(models.TextChoices):
    """What a site is (domain reference §3.2, §3.4)."""

    CENTRAL_SITE = "central_site", pgettext_lazy("facility kind", "Central isolation site")
    HEALTH_STATION = "health_station", pgettext_lazy("facility kind", "Health station")
    DESIGNATED_HOSPITAL = (
        "designated_hospital",
        pgettext_lazy("facility kind", "Designated hospital"),
    )
    FANGCANG = "fangcang", pgettext_lazy("facility kind", "Fangcang shelter hospital")


class FacilityStatus(models.TextChoices):
    """Where a site stands (R23): kept in reserve, being activated, in use, standing down."""

    RESERVE = "reserve", pgettext_lazy("facility status", "Reserve")
    ACTIVATING = "activating", pgettext_lazy("facility status", "Activating")
    ACTIVE = "active", pgettext_lazy("facility status", "Active")
    STANDING_DOWN = "standing_down", pgettext_lazy("facility status", "Standing down")


class RoomStatus(models.TextChoices):
    FREE = "free", pgettext_lazy("room status", "Free")
    OCCUPIED = "occupied", pgettext_lazy("room status", "Occupied")
    CLEANING = "cleaning", pgettext_lazy("room status", "Cleaning")
    OUT_OF_SERVICE = "out_of_service", pgettext_lazy("room status", "Out of service")


class FacilityEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("facility event", "Created")
    STATUS = "status", pgettext_lazy("facility event", "Status changed")
    ROOMS_IMPORTED = "rooms_imported", pgettext_lazy("facility event", "Rooms imported")
    ROOMS_READIED = "rooms_readied", pgettext_lazy("facility event", "Rooms readied")


class OrderKind(models.TextChoices):
    """What an order asks of the person; it follows from the plan's first phase."""

    CENTRAL_QUARANTINE = (
        "central_quarantine",
        pgettext_lazy("order kind", "Central quarantine"),
    )
    HOME_QUARANTINE = "home_quarantine", pgettext_lazy("order kind", "Home quarantine")
    HEALTH_MONITORING = "health_monitoring", pgettext_lazy("order kind", "Health monitoring")
    #: A case allowed to isolate at home (released under the rule set's ``positives``).
    HOME_ISOLATION = "home_isolation", pgettext_lazy("order kind", "Home isolation")


class OrderStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("order status", "Open")
    RELEASED = "released", pgettext_lazy("order status", "Released")
    #: Ended by a granted appeal (``orders.lifting``), not by its plan.
    LIFTED = "lifted", pgettext_lazy("order status", "Lifted on appeal")


class OrderTestStatus(models.TextChoices):
    """A scheduled test of an order: due, its result, or dropped by a re-plan."""

    SCHEDULED = "scheduled", pgettext_lazy("order test status", "Scheduled")
    NEGATIVE = "negative", pgettext_lazy("order test status", "Negative")
    POSITIVE = "positive", pgettext_lazy("order test status", "Positive")
    DROPPED = "dropped", pgettext_lazy("order test status", "Dropped by a re-plan")


class ResultSource(models.TextChoices):
    """Where a plan test's or a patient's test's result came from: the lab's tube through its
    test task, or entered by hand (a lab outside the platform)."""

    LAB = "lab", pgettext_lazy("result source", "Lab tube")
    MANUAL = "manual", pgettext_lazy("result source", "Entered by hand (outside lab)")


class OrderEventKind(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("order event", "Issued")
    REPLANNED = "replanned", pgettext_lazy("order event", "Re-planned")
    ALLOCATED = "allocated", pgettext_lazy("order event", "Room allocated")
    RELEASED = "released", pgettext_lazy("order event", "Released")
    TEST_RESULT = "test_result", pgettext_lazy("order event", "Test result from the lab")
    LIFTED = "lifted", pgettext_lazy("order event", "Lifted on appeal")


# --- transfer (issue 20 §4) -------------------------------------------------------------------


class VehicleKind(models.TextChoices):
    NEGATIVE_PRESSURE = (
        "negative_pressure",
        pgettext_lazy("vehicle kind", "Negative-pressure ambulance"),
    )
    AMBULANCE = "ambulance", pgettext_lazy("vehicle kind", "Ambulance")
    BUS = "bus", pgettext_lazy("vehicle kind", "Transfer bus")
    CAR = "car", pgettext_lazy("vehicle kind", "Transfer car")


class VehicleState(models.TextChoices):
    AVAILABLE = "available", pgettext_lazy("vehicle state", "Available")
    ON_TASK = "on_task", pgettext_lazy("vehicle state", "On a task")
    DISINFECTING = "disinfecting", pgettext_lazy("vehicle state", "Disinfecting")
    OUT_OF_SERVICE = "out_of_service", pgettext_lazy("vehicle state", "Out of service")


class TransferKind(models.TextChoices):
    """Where a closed-loop transfer (闭环转运) takes the person."""

    TO_SITE = "to_site", pgettext_lazy("transfer kind", "To the isolation site")
    HOME = "home", pgettext_lazy("transfer kind", "Home at release")
    TO_HOSPITAL = "to_hospital", pgettext_lazy("transfer kind", "To hospital")
    BETWEEN_CARE = "between_care", pgettext_lazy("transfer kind", "Between levels of care")
    #: A resident of a closed compound to hospital and back (R28; ``community``'s medical
    #: exits): no isolation order, the household's node as scope.
    MEDICAL_EXIT = "medical_exit", pgettext_lazy("transfer kind", "Medical exit to hospital")
    MEDICAL_RETURN = "medical_return", pgettext_lazy("transfer kind", "Medical exit: back home")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("transfer status", "Requested")
    ASSIGNED = "assigned", pgettext_lazy("transfer status", "Assigned")
    PICKED_UP = "picked_up", pgettext_lazy("transfer status", "Picked up")
    DELIVERED = "delivered", pgettext_lazy("transfer status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("transfer status", "Cancelled")


class TransferEventKind(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("transfer event", "Requested")
    STATUS = "status", pgettext_lazy("transfer event", "Status changed")
    LATE = "late", pgettext_lazy("transfer event", "Late alert raised")


class AlertState(models.TextChoices):
    """An isolation alert (a late transfer, a missed check, a fever) from raised to closed."""

    OPEN = "open", pgettext_lazy("isolation alert state", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("isolation alert state", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("isolation alert state", "Closed")


# --- monitoring (issue 20 §5, R24) ------------------------------------------------------------


class CheckSource(models.TextChoices):
    STAFF = "staff", pgettext_lazy("check source", "Entered by staff")
    SELF = "self", pgettext_lazy("check source", "Self-reported")


class Symptom(models.TextChoices):
    """Symptoms asked at each check (the 9th-edition case definition's list)."""

    COUGH = "cough", pgettext_lazy("symptom", "Cough")
    SORE_THROAT = "sore_throat", pgettext_lazy("symptom", "Sore throat")
    FATIGUE = "fatigue", pgettext_lazy("symptom", "Fatigue")
    SHORT_BREATH = "short_breath", pgettext_lazy("symptom", "Shortness of breath")
    LOSS_OF_SMELL = "loss_of_smell", pgettext_lazy("symptom", "Loss of smell or taste")
    DIARRHOEA = "diarrhoea", pgettext_lazy("symptom", "Diarrhoea")
    MUSCLE_ACHE = "muscle_ache", pgettext_lazy("symptom", "Muscle ache")


class MonitoringAlertKind(models.TextChoices):
    MISSED = "missed", pgettext_lazy("monitoring alert", "Missed check")
    FEVER = "fever", pgettext_lazy("monitoring alert", "Fever")
    SYMPTOMS = "symptoms", pgettext_lazy("monitoring alert", "Symptoms")


class OrderSourceKind(models.TextChoices):
    """What decision an order carries out (``OrderSource``)."""

    CONTACT = "contact", pgettext_lazy("order source", "Confirmed contact")
    ARRIVAL = "arrival", pgettext_lazy("order source", "Registered arrival")
    CASE = "case", pgettext_lazy("order source", "Case allowed home isolation")


class AdmissionStatus(models.TextChoices):
    """A treatment episode in a designated or Fangcang hospital bed."""

    ADMITTED = "admitted", pgettext_lazy("admission status", "Admitted")
    DISCHARGED = "discharged", pgettext_lazy("admission status", "Discharged")


class TreatmentTestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("treatment test", "Pending")
    NEGATIVE = "negative", pgettext_lazy("treatment test", "Negative")
    POSITIVE = "positive", pgettext_lazy("treatment test", "Positive")


class TreatmentEventKind(models.TextChoices):
    ADMITTED = "admitted", pgettext_lazy("treatment event", "Admitted")
    SEVERITY = "severity", pgettext_lazy("treatment event", "Severity changed")
    TRANSFERRED = "transferred", pgettext_lazy("treatment event", "Transferred")
    TEST = "test", pgettext_lazy("treatment event", "Test recorded")
    DISCHARGED = "discharged", pgettext_lazy("treatment event", "Discharged")


class CareFiler(models.TextChoices):
    """Who filed a care request."""

    STAFF = "staff", pgettext_lazy("care filer", "Staff on the person's behalf")
    PERSON = "person", pgettext_lazy("care filer", "The person")
    FAMILY = "family", pgettext_lazy("care filer", "The family")


class CareStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("care status", "Open")
    DECIDED = "decided", pgettext_lazy("care status", "Decided")


class CareOutcome(models.TextChoices):
    """How a request ended; an appeal is upheld (the order stands) or granted."""

    GRANTED = "granted", pgettext_lazy("care outcome", "Granted")
    REFUSED = "refused", pgettext_lazy("care outcome", "Refused")
    RESOLVED = "resolved", pgettext_lazy("care outcome", "Resolved")
    UPHELD = "upheld", pgettext_lazy("care outcome", "Order upheld")


class CareEventKind(models.TextChoices):
    FILED = "filed", pgettext_lazy("care event", "Filed")
    ASSIGNED = "assigned", pgettext_lazy("care event", "Owner assigned")
    DECIDED = "decided", pgettext_lazy("care event", "Decided")
