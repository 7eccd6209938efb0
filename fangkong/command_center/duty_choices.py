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


class InspectionMethod(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    UNANNOUNCED = "unannounced", _("Unannounced")


class FindingSeverity(models.TextChoices):
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major risk")


class FindingStatus(models.TextChoices):
    """Rectification of a finding (R33): open → rectifying → submitted → verified → closed
    (销号); a submission the inspector does not accept goes back to rectifying."""

    OPEN = "open", _("Open")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed (struck off)")


class WorkingGroupKind(models.TextChoices):
    """The working groups (专班) of a command body (§6.1)."""

    TESTING = "testing", _("Testing")
    TRACING = "tracing", _("Tracing")
    ISOLATION_TRANSFER = "isolation_transfer", _("Isolation and transfer")
    COMMUNITY = "community", _("Community control")
    SUPPLIES = "supplies", _("Supplies")
    MEDICAL = "medical", _("Medical treatment")
    PUBLICITY = "publicity", _("Publicity")
    TRAFFIC = "traffic", _("Traffic control")
