"""How a pushed person ended (R21)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadOutcome(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    LOCATED = "located", _("Located")
    DUPLICATE = "duplicate", _("Duplicate")
    NOT_IN_AREA = "not_in_area", _("Not in the area")
    INCOMPLETE = "incomplete", _("Incomplete information")


#: The outcomes a receiving district may record.
CHECKED = (
    LeadOutcome.LOCATED,
    LeadOutcome.DUPLICATE,
    LeadOutcome.NOT_IN_AREA,
    LeadOutcome.INCOMPLETE,
)
