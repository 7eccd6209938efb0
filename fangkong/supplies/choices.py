"""Statuses and kinds of the supplies app (stock, allocation, deliveries, essential services)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    """The key goods a jurisdiction keeps in reserve (二十条: reserves of key goods)."""

    FOOD = "food", _("Food")
    MEDICINE = "medicine", _("Medicine")
    PROTECTIVE = "protective", _("Protective equipment")
    TEST_KIT = "test_kit", _("Test kits")
    DISINFECTANT = "disinfectant", _("Disinfectant")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")


class AllocationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ALLOCATED = "allocated", _("Allocated")


class DeliveryStatus(models.TextChoices):
    """Three steps (Longchuan): picked at the warehouse, handed over at the compound gate,
    delivered to the doors and confirmed."""

    PICKED = "picked", _("Picked")
    HANDED_OVER = "handed_over", _("Handed over at the gate")
    DELIVERED = "delivered", _("Delivered to the doors")


class PowerTier(models.TextChoices):
    """Priority users of power and utilities; their order comes from the rule set
    (``supplies.power_tiers``), not from this list."""

    HOSPITAL = "hospital", _("Hospital")
    ISOLATION_SITE = "isolation_site", _("Isolation site")
    LAB = "lab", _("Laboratory or sampling point")
    UTILITY = "utility", _("Water or heat plant")
    CLOSED_COMPOUND = "closed_compound", _("Compound under closure")
    AGRICULTURE = "agriculture", _("Agriculture")
    INDUSTRY = "industry", _("Industry")


class IncidentKind(models.TextChoices):
    POWER = "power", _("Power outage")
    WATER = "water", _("Water supply")
    HEAT = "heat", _("Heating")
    GAS = "gas", _("Gas supply")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class SupplyEventKind(models.TextChoices):
    RECEIVED = "received", _("Stock received")
    ISSUED = "issued", _("Stock issued")
    REQUESTED = "requested", _("Request filed")
    PROPOSED = "proposed", _("Allocation proposed")
    APPROVED = "approved", _("Allocation approved")
    CANCELLED = "cancelled", _("Allocation cancelled")
    HANDED_OVER = "handed_over", _("Handed over at the gate")
    DELIVERED = "delivered", _("Delivered to the doors")
    REGISTERED = "registered", _("Priority user registered")
    PLANNED = "planned", _("Shortage plan made")
    REPORTED = "reported", _("Incident reported")
    RESOLVED = "resolved", _("Incident resolved")
