"""When a request is due: the one implementation of the rule set's request deadlines."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from fangkong.community.choices import Urgency
from fangkong.policy.schema import Community


def deadline_of(rules: Community, urgency: str, filed_at: datetime, zone: str) -> datetime:
    """When a request filed at ``filed_at`` is due (R27, R28):

    1. an emergency: ``emergency_exit_minutes`` later;
    2. planned medical care: ``medical_request_hours`` later;
    3. daily needs: filed before ``daily_cutoff_hour`` (local time) → ``daily_delivery_hour``
       the next morning; at or after the cut-off → the morning after that.
    """
    if urgency == Urgency.EMERGENCY:
        return filed_at + timedelta(minutes=rules.emergency_exit_minutes)
    if urgency == Urgency.MEDICAL:
        return filed_at + timedelta(hours=rules.medical_request_hours)
    local = timezone.localtime(filed_at, ZoneInfo(zone))
    days = 1 if local.hour < rules.daily_cutoff_hour else 2
    day = local.date() + timedelta(days=days)
    return datetime.combine(day, time(hour=rules.daily_delivery_hour), tzinfo=ZoneInfo(zone))
