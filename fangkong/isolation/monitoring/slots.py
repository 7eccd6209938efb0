"""The check times of a day (pure): which check time a check taken at some moment counts
for, and when a check time is due, from the rule set's ``monitoring.check_hours``."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from fangkong.policy.schema import Monitoring


def check_slot(monitoring: Monitoring, at: datetime) -> tuple[date, int]:
    """The local day and check time a check taken at ``at`` counts for: the check hour
    nearest to it that day (ties to the earlier one)."""
    local = timezone.localtime(at)
    minutes = local.hour * 60 + local.minute
    slot = min(
        range(len(monitoring.check_hours)),
        key=lambda index: (abs(monitoring.check_hours[index] * 60 - minutes), index),
    )
    return local.date(), slot


def slot_time(monitoring: Monitoring, on: date, slot: int) -> datetime:
    """When check ``slot`` of the local day ``on`` is due."""
    return timezone.make_aware(datetime.combine(on, time(monitoring.check_hours[slot])))
