"""Kinds, settings and statuses of a contact link."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    CLOSE = "close", _("Close contact")
    SECONDARY = "secondary", _("Secondary contact")
    GENERAL = "general", _("General contact")
    SPATIOTEMPORAL = "spatiotemporal", _("Spatiotemporal companion")


class ContactSetting(models.TextChoices):
    VENUE = "venue", _("Same venue")
    HOUSEHOLD = "household", _("Household")
    WORK = "work", _("Work team")
    CLASS = "class", _("Class")
    CELL = "cell", _("Same cell")
    OTHER = "other", _("Other")


class ContactStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


#: The decisions an epidemiologist takes on candidates, and the status each leads to.
DECISIONS: dict[str, str] = {
    "confirm": ContactStatus.CONFIRMED,
    "dismiss": ContactStatus.DISMISSED,
}
