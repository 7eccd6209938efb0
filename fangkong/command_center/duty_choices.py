"""Statuses and kinds of the command centre's duty work: notifications, directives, duty
checks and daily reports (issue 22 §3, §5, §6, §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about."""

    DIRECTIVE = "directive", _("Directive")
    DUTY_CHECK = "duty_check", _("Duty check")
    ESCALATION = "escalation", _("Escalation")
    LATE = "late", _("Late")
    FINDING = "finding", _("Finding")
    REPORT = "report", _("Daily report")


class DirectiveStatus(models.TextChoices):
    """Where one receiving unit stands with a directive."""

    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class DirectiveEventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PROGRESS = "progress", _("Progress")
    COMPLETED = "completed", _("Completed")
    ESCALATED = "escalated", _("Escalated")


class AnswerStanding(models.TextChoices):
    """A locality's answer to a duty check, as the page shows it."""

    ON_TIME = "on_time", _("Answered in time")
    LATE = "late", _("Answered late")
    WAITING = "waiting", _("Waiting")
    MISSED = "missed", _("No answer")


class ReportKind(models.TextChoices):
    DAILY = "daily", _("Daily report")
    ZERO = "zero", _("Zero report")
