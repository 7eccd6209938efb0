"""Periodic jobs of the screening chain (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic
from fangkong.lab.services.alerts import turnaround_alerts_raise


@periodic("lab_turnaround_alerts", every=timedelta(minutes=5))
def turnaround_alerts_job() -> str:
    """Raise a late-result alert for every tube past its turnaround target (R13)."""
    raised = turnaround_alerts_raise(now=timezone.now())
    return f"{raised} late-result alerts raised"
