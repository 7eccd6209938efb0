"""Periodic jobs of risk areas (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from fangkong.core.periodic import periodic
from fangkong.risk_areas.services import risk_area_lifting_run


@periodic("risk_area_lifting", every=timedelta(hours=1))
def risk_area_lifting_job() -> str:
    """Step down or lift every designated area whose lifting conditions hold (R5, R6)."""
    run = risk_area_lifting_run()
    line = (
        f"{run.checked} areas checked, {run.stepped_down} stepped down, {run.lifted} lifted, "
        f"{run.needs_level} need a level of the rules in force"
    )
    if run.failed:
        line += f", {len(run.failed)} failed: {'; '.join(run.failed[:5])}"
    return line
