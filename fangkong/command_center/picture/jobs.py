"""The periodic job that keeps the command picture's figures fresh."""

from __future__ import annotations

from fangkong.command_center.picture.services import JOB_DAYS, REFRESH_EVERY, figures_refresh
from fangkong.core.actor import SYSTEM
from fangkong.core.periodic import periodic


@periodic("command_figures_refresh", every=REFRESH_EVERY)
def command_figures_refresh() -> str:
    """Recompute the last :data:`JOB_DAYS` days of figures for every node."""
    refresh = figures_refresh(actor=SYSTEM, days=JOB_DAYS)
    return f"{refresh.rows} figures for {refresh.first_day}…{refresh.last_day}"
