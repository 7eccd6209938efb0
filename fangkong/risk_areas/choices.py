"""Statuses and event kinds of risk areas (levels are the rule set's codes, not a choice)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class RiskAreaStatus(models.TextChoices):
    """A designated area is under control at its level; a lifted one is back to routine."""

    DESIGNATED = "designated", pgettext_lazy("risk area status", "Designated")
    LIFTED = "lifted", pgettext_lazy("risk area status", "Lifted")


class RiskAreaEventKind(models.TextChoices):
    """What happened to an area (its append-only history)."""

    DESIGNATED = "designated", pgettext_lazy("risk area event", "Designated")
    LEVEL_CHANGED = "level_changed", pgettext_lazy("risk area event", "Level changed")
    INFECTION_RECORDED = (
        "infection_recorded",
        pgettext_lazy("risk area event", "Infection recorded"),
    )
    CLOCK_RESET = "clock_reset", pgettext_lazy("risk area event", "Lifting clock reset")
    CONTACTS_RECORDED = (
        "contacts_recorded",
        pgettext_lazy("risk area event", "Last close contact recorded"),
    )
    LIFTED = "lifted", pgettext_lazy("risk area event", "Lifted")
