"""Periodic jobs of cases (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fangkong.cases.services.investigation import investigation_timers_check
from fangkong.core.periodic import periodic


@periodic("investigation_timers_check", every=timedelta(minutes=1))
def investigation_timers_job() -> str:
    """Raise one alert per breached "2+4+24" timer of an open case (R18)."""
    raised = investigation_timers_check(now=timezone.now())
    return f"{raised} investigation timer alerts raised"
