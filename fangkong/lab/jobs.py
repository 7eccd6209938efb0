"""Periodic jobs of the screening chain (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic
from fangkong.lab.services.alerts import turnaround_alerts_raise
from fangkong.lab.services.exports import result_exports_run


@periodic("lab_turnaround_alerts", every=timedelta(minutes=5))
def turnaround_alerts_job() -> str:
    """Raise a late-result alert for every tube past its turnaround target (R13)."""
    raised = turnaround_alerts_raise(now=timezone.now())
    return f"{raised} late-result alerts raised"


@periodic("lab_result_exports", every=timedelta(minutes=1))
def result_exports_job() -> str:
    """Send the results recorded since the last batch to each configured target (R17)."""
    sent = result_exports_run(now=timezone.now())
    if not sent:
        return "no export destination configured"
    return ", ".join(f"{target}: {count} batches sent" for target, count in sent.items())
