"""Putting notifications in inboxes and delivering them (issue 22 §8).

:func:`notify` is what every other part of the command centre calls, inside the transaction
of its own audited write (whose audit row names the action that caused the notification), so
it writes no audit row of its own. Each notification is a row in one user's inbox; e-mail
(Django's mail backend) and SMS (the configured transport) leave after the transaction
commits, and a failed delivery is logged without identifiers and never undoes the inbox row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from fangkong.command_center.duty_choices import NotificationKind
from fangkong.command_center.duty_roles import COMMAND_ROLES
from fangkong.command_center.models import Notification
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.command_center.notifications.transports import sms_transport
from fangkong.regions.models import Region

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[int], kind: str, subject: str, link: str) -> list[Notification]:
    """Put one notification in the inbox of each user id in ``users`` (each once).

    ``subject`` is one line without personal identifiers (it goes to e-mail and SMS too);
    ``link`` is a path inside the product. Deliveries by e-mail and SMS are scheduled for
    after the surrounding transaction commits. Returns the rows written."""
    ids = sorted(set(users))
    if not ids:
        return []
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user_id=uid, kind=kind, subject=subject[:200], link=link[:255], created_at=now
            )
            for uid in ids
        ]
    )
    codes = [row.code for row in rows]
    transaction.on_commit(lambda: notifications_deliver(codes=codes))
    return rows


def notifications_deliver(*, codes: list[UUID]) -> int:
    """Deliver the notifications ``codes`` by e-mail and SMS where their users asked for it
    and have an address; returns the deliveries made. A user without a contact row gets
    e-mail when the account has an address. Each delivery made is stamped on its row."""
    rows = list(
        Notification.objects.filter(code__in=codes).select_related("user", "user__notify_contact")
    )
    made = 0
    for row in rows:
        contact = getattr(row.user, "notify_contact", None)
        text = f"{row.subject} {row.link}".strip()
        if row.user.email and (contact is None or contact.email_enabled) and row.emailed_at is None:
            try:
                send_mail(
                    subject=row.subject,
                    message=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[row.user.email],
                )
            except Exception:  # a mail server down must not lose the inbox row
                logger.warning("notification e-mail not delivered (kind %s)", row.kind)
            else:
                Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())
                made += 1
        if contact is not None and contact.sms_enabled and contact.mobile and row.texted_at is None:
            try:
                sms_transport().send(number=contact.mobile, text=text[:300])
            except Exception:  # the SMS gateway down must not lose the inbox row
                logger.warning("notification SMS not delivered (kind %s)", row.kind)
            else:
                Notification.objects.filter(pk=row.pk).update(texted_at=timezone.now())
                made += 1
    return made


def escalation_notify(*, above: Region, also: int, subject: str, link: str) -> None:
    """Tell the commanders of ``above`` (the node an overdue item escalated to) and the user
    ``also`` (who sent it: the issuer, the inspector) that it escalated (R33)."""
    notify(
        users=[*unit_recipients(region_ids=[above.pk], roles=COMMAND_ROLES), also],
        kind=NotificationKind.ESCALATION,
        subject=subject,
        link=link,
    )
