"""Statuses and kinds of the screening chain."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TubeKind(models.TextChoices):
    """A screening tube of the round, or a single-tube re-test of someone held."""

    SCREENING = "screening", _("Screening")
    RETEST = "retest", _("Single re-test")


class TubeStatus(models.TextChoices):
    """Where a tube is in 采、送、检、报 (sample, transport, test, report)."""

    CLOSED = "closed", _("Sampled")
    PACKAGED = "packaged", _("Packaged")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received at the lab")
    RESULTED = "resulted", _("Resulted")


class TubeResult(models.TextChoices):
    """Result values (R11); a pooled positive goes out as 混管可疑阳性."""

    PENDING = "pending", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POOLED_POSITIVE = "pooled_positive", _("Pooled suspected positive")
    POSITIVE = "positive", _("Single-tube positive")
    INVALID = "invalid", _("Invalid, re-test")


#: Results that end a tube's story; a later, different report is refused.
FINAL_RESULTS = frozenset({TubeResult.NEGATIVE, TubeResult.POOLED_POSITIVE, TubeResult.POSITIVE})


class MemberOutcome(models.TextChoices):
    """What a binding means for its person so far."""

    PENDING = "pending", _("Awaiting result")
    NEGATIVE = "negative", _("Negative")
    HELD = "held", _("Pooled positive — hold in place")
    CLEARED = "cleared", _("Cleared by single re-test")
    POSITIVE = "positive", _("Positive")
    RETEST = "retest", _("To be re-sampled (invalid tube)")


#: What a tube's result makes of its members. Results write it on the members of every tube
#: except a negative one: a negative tube's members keep ``pending`` and read as negative
#: through :func:`person_outcome` (a Shanghai day is 23 M members, nearly all negative, and
#: writing each of them again cost more than any other step of reporting the results).
MEMBER_OUTCOME = {
    TubeResult.NEGATIVE: MemberOutcome.NEGATIVE,
    TubeResult.POOLED_POSITIVE: MemberOutcome.HELD,
    TubeResult.POSITIVE: MemberOutcome.POSITIVE,
    TubeResult.INVALID: MemberOutcome.RETEST,
}
#: The results whose members are written one by one (see ``MEMBER_OUTCOME``).
WRITTEN_OUTCOME_RESULTS = frozenset(MEMBER_OUTCOME) - {TubeResult.NEGATIVE}


def person_outcome(stored: str, tube_result: str) -> str:
    """A binding's outcome for its person: the one written on it, else what its tube's result
    makes of its members (``pending`` while the tube has none)."""
    if stored != MemberOutcome.PENDING:
        return stored
    return MEMBER_OUTCOME.get(TubeResult(tube_result), MemberOutcome.PENDING)


class EntryMethod(models.TextChoices):
    """How the person was identified at the point (R36: ID card or typed ID when codes fail)."""

    SAMPLING_CODE = "code", _("Personal sampling code")
    ID_CARD = "id_card", _("ID card scan")
    MANUAL = "manual", _("Typed identity number")


class PackageStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")


class AnomalyKind(models.TextChoices):
    """Problems found at receipt (R10)."""

    TUBE_WITHOUT_PACKAGE = "tube_without_package", _("Tube received without a package")
    COUNT_MISMATCH = "count_mismatch", _("Package tube count differs from what was sealed")
    RECEIVED_TWICE = "received_twice", _("Tube received twice")
    UNKNOWN_TUBE = "unknown_tube", _("Unknown tube barcode")
    WRONG_PACKAGE = "wrong_package", _("Tube scanned with a package it was not sealed in")


class RetestReason(models.TextChoices):
    POOLED_POSITIVE = "pooled_positive", _("Member of a pooled positive tube")
    INVALID = "invalid", _("Tube invalid")
    ANTIGEN = "antigen", _("Antigen result needs PCR")


class RetestStatus(models.TextChoices):
    OPEN = "open", _("To sample")
    SAMPLED = "sampled", _("Sampled")
    DONE = "done", _("Resulted")


class Recipient(models.TextChoices):
    """Who is told of a pooled positive at once (R12)."""

    WORKING_GROUP = "working_group", _("Testing working group")
    EMERGENCY_SQUAD = "emergency_squad", _("Emergency sampling squad")
    COMMUNITY = "community", _("Community of the members")
    POLICE = "police", _("Police")


class AlertKind(models.TextChoices):
    LATE_RESULT = "late_result", _("Result later than its turnaround target")
    LATE_NOTIFICATION = "late_notification", _("Pooled-positive notification later than target")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ExemptionReason(models.TextChoices):
    """Why someone is not on the should-test list (§1.6)."""

    VACCINATED_48H = "vaccinated_48h", _("Vaccinated within 48 hours")
    ISOLATED = "isolated", _("Already isolated or under control")
    KEY_GROUP = "key_group", _("Tested on a key-group schedule")
    UNDER_TWO = "under_two", _("Child under two")
    NEGATIVE_48H = "negative_48h", _("Negative result within 48 hours")
    AWAY = "away", _("Not in the area")
    OTHER = "other", _("Other (see note)")


class AntigenSource(models.TextChoices):
    SELF = "self", _("Self-test")
    CLINIC = "clinic", _("Clinic")


class AntigenResult(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")


class ExportPurpose(models.TextChoices):
    """Purpose codes an export of the not-yet-tested list must carry (R14)."""

    DOOR_TO_DOOR = "door_to_door", _("Door-to-door follow-up (补检)")
    REPORT = "report", _("Report to the command")


class ExportTarget(models.TextChoices):
    """Where results go out in batches (R17)."""

    HEALTH_CODE = "health_code", _("Health-code / personal result service")
    PROVINCIAL = "provincial", _("Provincial platform")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")
