"""How a pushed person ended (R21)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import pgettext_lazy


class LeadOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("lead outcome", "Not checked yet")
    LOCATED = "located", pgettext_lazy("lead outcome", "Located")
    DUPLICATE = "duplicate", pgettext_lazy("lead outcome", "Duplicate")
    NOT_IN_AREA = "not_in_area", pgettext_lazy("lead outcome", "Not in the area")
    INCOMPLETE = "incomplete", pgettext_lazy("lead outcome", "Incomplete information")


#: The outcomes a receiving district may record.
CHECKED = (
    LeadOutcome.LOCATED,
    LeadOutcome.DUPLICATE,
    LeadOutcome.NOT_IN_AREA,
    LeadOutcome.INCOMPLETE,
)
