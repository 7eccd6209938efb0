"""Statuses and kinds of the supplies app (stock, allocation, deliveries, essential services)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class ItemKind(models.TextChoices):
    """The key goods a jurisdiction keeps in reserve (二十条: reserves of key goods)."""

    FOOD = "food", pgettext_lazy("item kind", "Food")
    MEDICINE = "medicine", pgettext_lazy("item kind", "Medicine")
    PROTECTIVE = "protective", pgettext_lazy("item kind", "Protective equipment")
    TEST_KIT = "test_kit", pgettext_lazy("item kind", "Test kits")
    DISINFECTANT = "disinfectant", pgettext_lazy("item kind", "Disinfectant")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", pgettext_lazy("move kind", "Receipt")
    ISSUE = "issue", pgettext_lazy("move kind", "Issue")


class AllocationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("allocation status", "Draft")
    APPROVED = "approved", pgettext_lazy("allocation status", "Approved")
    CANCELLED = "cancelled", pgettext_lazy("allocation status", "Cancelled")


class RequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("request status", "Open")
    ALLOCATED = "allocated", pgettext_lazy("request status", "Allocated")


class DeliveryStatus(models.TextChoices):
    """Three steps (Longchuan): picked at the warehouse, handed over at the compound gate,
    delivered to the doors and confirmed."""

    PICKED = "picked", pgettext_lazy("delivery status", "Picked")
    HANDED_OVER = "handed_over", pgettext_lazy("delivery status", "Handed over at the gate")
    DELIVERED = "delivered", pgettext_lazy("delivery status", "Delivered to the doors")


class DoorStatus(models.TextChoices):
    """A household's share of a delivery: waiting at the receiving point, confirmed at the
    door, nobody at home (to try again), or refused by the household."""

    PENDING = "pending", pgettext_lazy("door delivery status", "Pending")
    CONFIRMED = "confirmed", pgettext_lazy("door delivery status", "Confirmed")
    NOT_HOME = "not_home", pgettext_lazy("door delivery status", "Not at home")
    REFUSED = "refused", pgettext_lazy("door delivery status", "Refused")


class PowerTier(models.TextChoices):
    """Priority users of power and utilities; their order comes from the rule set
    (``supplies.power_tiers``), not from this list."""

    HOSPITAL = "hospital", pgettext_lazy("power tier", "Hospital")
    ISOLATION_SITE = "isolation_site", pgettext_lazy("power tier", "Isolation site")
    LAB = "lab", pgettext_lazy("power tier", "Laboratory or sampling point")
    UTILITY = "utility", pgettext_lazy("power tier", "Water or heat plant")
    CLOSED_COMPOUND = "closed_compound", pgettext_lazy("power tier", "Compound under closure")
    AGRICULTURE = "agriculture", pgettext_lazy("power tier", "Agriculture")
    INDUSTRY = "industry", pgettext_lazy("power tier", "Industry")


class IncidentKind(models.TextChoices):
    POWER = "power", pgettext_lazy("incident kind", "Power outage")
    WATER = "water", pgettext_lazy("incident kind", "Water supply")
    HEAT = "heat", pgettext_lazy("incident kind", "Heating")
    GAS = "gas", pgettext_lazy("incident kind", "Gas supply")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident status", "Open")
    RESOLVED = "resolved", pgettext_lazy("incident status", "Resolved")


class SupplyEventKind(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("supply event kind", "Stock received")
    ISSUED = "issued", pgettext_lazy("supply event kind", "Stock issued")
    REQUESTED = "requested", pgettext_lazy("supply event kind", "Request filed")
    PROPOSED = "proposed", pgettext_lazy("supply event kind", "Allocation proposed")
    APPROVED = "approved", pgettext_lazy("supply event kind", "Allocation approved")
    CANCELLED = "cancelled", pgettext_lazy("supply event kind", "Allocation cancelled")
    HANDED_OVER = "handed_over", pgettext_lazy("supply event kind", "Handed over at the gate")
    DELIVERED = "delivered", pgettext_lazy("supply event kind", "Delivered to the doors")
    DOOR = "door", pgettext_lazy("supply event kind", "Door delivery recorded")
    REGISTERED = "registered", pgettext_lazy("supply event kind", "Priority user registered")
    PLANNED = "planned", pgettext_lazy("supply event kind", "Shortage plan made")
    REPORTED = "reported", pgettext_lazy("supply event kind", "Incident reported")
    RESOLVED = "resolved", pgettext_lazy("supply event kind", "Incident resolved")
