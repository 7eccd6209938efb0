"""Periodic job of monitoring (registered by the isolation app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic
from fangkong.isolation.monitoring.services import checks_missed_raise


@periodic("monitoring_missed_checks", every=timedelta(minutes=10))
def missed_checks_job() -> str:
    """Raise a missed-check alert for each check time past its grace without a check (R24)."""
    raised = checks_missed_raise(now=timezone.now())
    return f"{raised} missed-check alerts raised"
