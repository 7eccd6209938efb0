"""Periodic jobs of community work (registered by the app's ``ready``)."""

from __future__ import annotations

from datetime import timedelta

from fangkong.community.closures.services import restrictions_follow_areas
from fangkong.community.requests.services import requests_escalate
from fangkong.core.periodic import periodic


@periodic("community_requests_escalate", every=timedelta(minutes=5))
def requests_escalate_job() -> str:
    """Escalate overdue residents' requests (R27, R28)."""
    return f"{requests_escalate()} requests escalated"


@periodic("community_restrictions_follow", every=timedelta(hours=1))
def restrictions_follow_job() -> str:
    """Lift restrictions whose risk area was lifted; move the others' end to the clock."""
    lifted, updated = restrictions_follow_areas()
    return f"{lifted} restrictions lifted, {updated} end dates moved"
