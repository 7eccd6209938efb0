"""Kinds, settings and statuses of a contact link."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class ContactKind(models.TextChoices):
    CLOSE = "close", pgettext_lazy("contact kind", "Close contact")
    SECONDARY = "secondary", pgettext_lazy("contact kind", "Secondary contact")
    GENERAL = "general", pgettext_lazy("contact kind", "General contact")
    SPATIOTEMPORAL = "spatiotemporal", pgettext_lazy("contact kind", "Spatiotemporal companion")


class ContactSetting(models.TextChoices):
    VENUE = "venue", pgettext_lazy("contact setting", "Same venue")
    HOUSEHOLD = "household", pgettext_lazy("contact setting", "Household")
    WORK = "work", pgettext_lazy("contact setting", "Work team")
    CLASS = "class", pgettext_lazy("contact setting", "Class")
    CELL = "cell", pgettext_lazy("contact setting", "Same cell")
    OTHER = "other", pgettext_lazy("contact setting", "Other")


class ContactStatus(models.TextChoices):
    CANDIDATE = "candidate", pgettext_lazy("contact status", "Candidate")
    CONFIRMED = "confirmed", pgettext_lazy("contact status", "Confirmed")
    DISMISSED = "dismissed", pgettext_lazy("contact status", "Dismissed")


#: The decisions an epidemiologist takes on candidates, and the status each leads to.
DECISIONS: dict[str, str] = {
    "confirm": ContactStatus.CONFIRMED,
    "dismiss": ContactStatus.DISMISSED,
}
