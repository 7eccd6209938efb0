"""The only way an interface gets one notification: another user's looks like a missing one."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.command_center.models import Notification
from fangkong.command_center.notifications.selectors import notification_list
from fangkong.core.actor import Actor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_notification(actor: Actor, code: object) -> Notification:
    """The actor's own notification ``code``; ``NotFound`` for anything else."""
    parsed = parse_code(code)
    found = notification_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such notification."), code="notification_not_found")
    return found
