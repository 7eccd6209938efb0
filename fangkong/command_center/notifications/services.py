"""The inbox's own writes: reading notifications and where each user wants deliveries
(issue 22 §8). Putting notifications in inboxes is ``delivery.notify``."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.duty_inputs import raise_if
from fangkong.command_center.models import Notification, NotifyContact
from fangkong.core.actor import Actor
from fangkong.core.audit import audit_record
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.phones import normalise_phone

logger = logging.getLogger(__name__)


def notification_read(*, actor: Actor, notification: Notification) -> Notification:
    """Mark the actor's own ``notification`` read (once; reading again changes nothing)."""
    if notification.read_at is None:
        with transaction.atomic():
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=timezone.now()
            )
            audit_record(
                actor=actor,
                action="notification_read",
                object_type="notification",
                object_id=notification.code,
                fields=["read_at"],
            )
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_read_all(*, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(user_id=actor.user_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="notifications_read_all",
            object_type="user",
            object_id=actor.user_id,
            fields=["read_at"],
            extra={"notifications": count},
        )
    return count


def notify_contact_set(
    *, actor: Actor, email_enabled: bool, sms_enabled: bool, mobile: str
) -> NotifyContact:
    """Set how the actor wants notifications delivered. SMS needs a mobile number (422
    naming ``mobile``); the number is stored normalised. Audited (field names only)."""
    number = ""
    if mobile.strip():
        phone = normalise_phone(mobile, field="mobile")
        if phone.kind != "mobile":
            raise ValidationFailed(
                _("Text messages need a mobile number."),
                errors=[field_error("mobile", "not_mobile", _("Give a mobile number."))],
                code="not_mobile",
            )
        number = phone.number
    if sms_enabled and not number:
        raise_if(
            [field_error("mobile", "required", _("Give a mobile number for text messages."))],
            _("Text messages need a mobile number."),
        )
    with transaction.atomic():
        contact, _created = NotifyContact.objects.update_or_create(
            user_id=actor.user_id,
            defaults={"email_enabled": email_enabled, "sms_enabled": sms_enabled, "mobile": number},
        )
        audit_record(
            actor=actor,
            action="notify_contact_set",
            object_type="user",
            object_id=actor.user_id,
            fields=["email_enabled", "sms_enabled", "mobile"],
        )
    return contact
