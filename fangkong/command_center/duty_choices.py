"""Statuses and kinds of the command centre's duty work: notifications, directives, duty
checks and daily reports (issue 22 §3, §5, §6, §8)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class NotificationKind(models.TextChoices):
    """What a notification is about."""

    DIRECTIVE = "directive", pgettext_lazy("notification kind", "Directive")
    DUTY_CHECK = "duty_check", pgettext_lazy("notification kind", "Duty check")
    ESCALATION = "escalation", pgettext_lazy("notification kind", "Escalation")
    LATE = "late", pgettext_lazy("notification kind", "Late")
    FINDING = "finding", pgettext_lazy("notification kind", "Finding")
    REPORT = "report", pgettext_lazy("notification kind", "Daily report")


class DirectiveStatus(models.TextChoices):
    """Where one receiving unit stands with a directive."""

    SENT = "sent", pgettext_lazy("directive status", "Sent")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("directive status", "Acknowledged")
    IN_PROGRESS = "in_progress", pgettext_lazy("directive status", "In progress")
    COMPLETED = "completed", pgettext_lazy("directive status", "Completed")


class DirectiveEventKind(models.TextChoices):
    ISSUED = "issued", pgettext_lazy("directive event kind", "Issued")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("directive event kind", "Acknowledged")
    PROGRESS = "progress", pgettext_lazy("directive event kind", "Progress")
    COMPLETED = "completed", pgettext_lazy("directive event kind", "Completed")
    ESCALATED = "escalated", pgettext_lazy("directive event kind", "Escalated")


class AnswerStanding(models.TextChoices):
    """A locality's answer to a duty check, as the page shows it."""

    ON_TIME = "on_time", pgettext_lazy("answer standing", "Answered in time")
    LATE = "late", pgettext_lazy("answer standing", "Answered late")
    WAITING = "waiting", pgettext_lazy("answer standing", "Waiting")
    MISSED = "missed", pgettext_lazy("answer standing", "No answer")


class ReportKind(models.TextChoices):
    DAILY = "daily", pgettext_lazy("report kind", "Daily report")
    ZERO = "zero", pgettext_lazy("report kind", "Zero report")


class InspectionMethod(models.TextChoices):
    ANNOUNCED = "announced", pgettext_lazy("inspection method", "Announced")
    UNANNOUNCED = "unannounced", pgettext_lazy("inspection method", "Unannounced")


class FindingSeverity(models.TextChoices):
    GENERAL = "general", pgettext_lazy("finding severity", "General")
    SERIOUS = "serious", pgettext_lazy("finding severity", "Serious")
    MAJOR = "major", pgettext_lazy("finding severity", "Major risk")


class FindingStatus(models.TextChoices):
    """Rectification of a finding (R33): open → rectifying → submitted → verified → closed
    (销号); a submission the inspector does not accept goes back to rectifying."""

    OPEN = "open", pgettext_lazy("finding status", "Open")
    RECTIFYING = "rectifying", pgettext_lazy("finding status", "Rectifying")
    SUBMITTED = "submitted", pgettext_lazy("finding status", "Submitted")
    VERIFIED = "verified", pgettext_lazy("finding status", "Verified")
    CLOSED = "closed", pgettext_lazy("finding status", "Closed (struck off)")


class WorkingGroupKind(models.TextChoices):
    """The working groups (专班) of a command body (§6.1)."""

    TESTING = "testing", pgettext_lazy("working group kind", "Testing")
    TRACING = "tracing", pgettext_lazy("working group kind", "Tracing")
    ISOLATION_TRANSFER = (
        "isolation_transfer",
        pgettext_lazy("working group kind", "Isolation and transfer"),
    )
    COMMUNITY = "community", pgettext_lazy("working group kind", "Community control")
    SUPPLIES = "supplies", pgettext_lazy("working group kind", "Supplies")
    MEDICAL = "medical", pgettext_lazy("working group kind", "Medical treatment")
    PUBLICITY = "publicity", pgettext_lazy("working group kind", "Publicity")
    TRAFFIC = "traffic", pgettext_lazy("working group kind", "Traffic control")
