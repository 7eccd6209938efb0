"""The in-app inbox and the delivery addresses of staff (issue 22 §8)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.command_center.duty_choices import NotificationKind


class Notification(models.Model):
    """One message in one user's inbox: what it is about (``kind``), a one-line ``subject``
    holding no personal identifier, and a ``link`` to the page it is about (a path inside the
    product). ``read_at`` is set once by the user; ``emailed_at`` and ``texted_at`` record the
    deliveries made after the write committed. Addressed by ``code``."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    subject = models.CharField(max_length=200)
    link = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"notification {self.code}"


class NotifyContact(models.Model):
    """Where one staff member wants notifications delivered besides the inbox: by e-mail (to
    the account's address) and by SMS (to ``mobile``). The number is never logged; the SMS
    transport receives it and nothing else does."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_contact"
    )
    email_enabled = models.BooleanField(default=True)
    sms_enabled = models.BooleanField(default=False)
    mobile = models.CharField(max_length=20, blank=True, default="")

    def __str__(self) -> str:
        return f"contact of user {self.user_id}"
