"""Kinds and statuses of the tracing app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class VenueKind(models.TextChoices):
    """What a venue with a venue code (场所码) is (domain reference §2.4: where scanning was
    required)."""

    SUPERMARKET = "supermarket", pgettext_lazy("venue kind", "Supermarket")
    MARKET = "market", pgettext_lazy("venue kind", "Market")
    RESTAURANT = "restaurant", pgettext_lazy("venue kind", "Restaurant")
    TRANSIT = "transit", pgettext_lazy("venue kind", "Station or transit")
    HOSPITAL = "hospital", pgettext_lazy("venue kind", "Hospital")
    PHARMACY = "pharmacy", pgettext_lazy("venue kind", "Pharmacy")
    GYM = "gym", pgettext_lazy("venue kind", "Gym")
    MALL = "mall", pgettext_lazy("venue kind", "Mall")
    ENTERTAINMENT = "entertainment", pgettext_lazy("venue kind", "Entertainment")
    CARE_HOME = "care_home", pgettext_lazy("venue kind", "Care home")
    OFFICE = "office", pgettext_lazy("venue kind", "Office building")
    SCHOOL = "school", pgettext_lazy("venue kind", "School")
    OTHER = "other", pgettext_lazy("venue kind", "Other")


class FeedKind(models.TextChoices):
    """What an ingested batch holds: venue-code scans or 800 m cell dwell intervals."""

    SCANS = "scans", pgettext_lazy("feed kind", "Venue scans")
    DWELLS = "dwells", pgettext_lazy("feed kind", "Cell dwell intervals")


class BatchStatus(models.TextChoices):
    """An accepted batch landed whole in the store; a refused one landed nothing."""

    ACCEPTED = "accepted", pgettext_lazy("batch status", "Accepted")
    REFUSED = "refused", pgettext_lazy("batch status", "Refused")
