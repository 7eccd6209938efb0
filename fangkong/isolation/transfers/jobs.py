"""Periodic job of transfers (registered by the isolation app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.core.periodic import periodic
from fangkong.isolation.transfers.alerts import transfers_late_check


@periodic("transfers_late_check", every=timedelta(minutes=5))
def transfers_late_job() -> str:
    """Raise one alert per transfer task whose window passed before pickup or delivery."""
    raised = transfers_late_check(now=timezone.now())
    return f"{raised} late transfer alerts raised"
