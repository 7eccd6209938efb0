"""Reads of the inbox: a user sees only their own notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.command_center.models import Notification, NotifyContact
from fangkong.core.actor import Actor


def notification_list(*, actor: Actor, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's notifications, newest first."""
    queryset = Notification.objects.filter(user_id=actor.user_id)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def unread_count(*, actor: Actor) -> int:
    """How many of the actor's notifications are unread (one indexed count)."""
    return Notification.objects.filter(user_id=actor.user_id, read_at__isnull=True).count()


def notify_contact_get(*, actor: Actor) -> NotifyContact | None:
    """The actor's delivery settings, ``None`` when never set (e-mail on, SMS off)."""
    return NotifyContact.objects.filter(user_id=actor.user_id).first()
