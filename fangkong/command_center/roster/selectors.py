"""Reads of a working group's shifts (the group is reached through ``structure.access``, so
these are in the actor's scope already)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from fangkong.command_center.models import DutyShift, WorkingGroup


def shift_list(*, group: WorkingGroup, start: datetime, end: datetime) -> QuerySet[DutyShift]:
    """The group's shifts overlapping ``[start, end)``, in order, with their people."""
    return (
        DutyShift.objects.filter(group=group, ends_at__gt=start, starts_at__lt=end)
        .select_related("user")
        .order_by("starts_at", "id")
    )


def shift_get(*, group: WorkingGroup, shift_id: int) -> DutyShift | None:
    """The group's shift ``shift_id``, or ``None``."""
    return DutyShift.objects.filter(group=group, pk=shift_id).first()
