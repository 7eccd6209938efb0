"""Statuses and kinds of the screening chain."""

from django.db import models
from django.utils.translation import pgettext_lazy


class RoundStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("round status", "Open")
    CLOSED = "closed", pgettext_lazy("round status", "Closed")


class RoundKind(models.TextChoices):
    """What a round is for, which decides whether the rules in force let it open (§1.1,
    R1): screening of a designated area in an outbreak, routine all-resident testing of an
    area (常态化), or targeted testing of named people (key groups, arrivals, voluntary
    testing and the re-tests they lead to), which is not area screening."""

    OUTBREAK = "outbreak", pgettext_lazy("round kind", "Outbreak area screening")
    ROUTINE = "routine", pgettext_lazy("round kind", "Routine area testing")
    TARGETED = (
        "targeted",
        pgettext_lazy("round kind", "Targeted testing (key groups, arrivals, voluntary)"),
    )


class TubeKind(models.TextChoices):
    """A screening tube of the round, or a single-tube re-test of someone held."""

    SCREENING = "screening", pgettext_lazy("tube kind", "Screening")
    RETEST = "retest", pgettext_lazy("tube kind", "Single re-test")


class TubeStatus(models.TextChoices):
    """Where a tube is in 采、送、检、报 (sample, transport, test, report)."""

    CLOSED = "closed", pgettext_lazy("tube status", "Sampled")
    PACKAGED = "packaged", pgettext_lazy("tube status", "Packaged")
    IN_TRANSIT = "in_transit", pgettext_lazy("tube status", "In transit")
    RECEIVED = "received", pgettext_lazy("tube status", "Received at the lab")
    RESULTED = "resulted", pgettext_lazy("tube status", "Resulted")


class TubeResult(models.TextChoices):
    """Result values (R11); a pooled positive goes out as 混管可疑阳性."""

    PENDING = "pending", pgettext_lazy("tube result", "Pending")
    NEGATIVE = "negative", pgettext_lazy("tube result", "Negative")
    POOLED_POSITIVE = "pooled_positive", pgettext_lazy("tube result", "Pooled suspected positive")
    POSITIVE = "positive", pgettext_lazy("tube result", "Single-tube positive")
    INVALID = "invalid", pgettext_lazy("tube result", "Invalid, re-test")


#: Results that end a tube's story; a later, different report is refused.
FINAL_RESULTS = frozenset({TubeResult.NEGATIVE, TubeResult.POOLED_POSITIVE, TubeResult.POSITIVE})


class MemberOutcome(models.TextChoices):
    """What a binding means for its person so far."""

    PENDING = "pending", pgettext_lazy("member outcome", "Awaiting result")
    NEGATIVE = "negative", pgettext_lazy("member outcome", "Negative")
    HELD = "held", pgettext_lazy("member outcome", "Pooled positive — hold in place")
    CLEARED = "cleared", pgettext_lazy("member outcome", "Cleared by single re-test")
    POSITIVE = "positive", pgettext_lazy("member outcome", "Positive")
    RETEST = "retest", pgettext_lazy("member outcome", "To be re-sampled (invalid tube)")


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

    SAMPLING_CODE = "code", pgettext_lazy("entry method", "Personal sampling code")
    ID_CARD = "id_card", pgettext_lazy("entry method", "ID card scan")
    MANUAL = "manual", pgettext_lazy("entry method", "Typed identity number")


class PackageStatus(models.TextChoices):
    SEALED = "sealed", pgettext_lazy("package status", "Sealed")
    IN_TRANSIT = "in_transit", pgettext_lazy("package status", "In transit")
    RECEIVED = "received", pgettext_lazy("package status", "Received")


class AnomalyKind(models.TextChoices):
    """Problems found at receipt (R10)."""

    TUBE_WITHOUT_PACKAGE = (
        "tube_without_package",
        pgettext_lazy("anomaly kind", "Tube received without a package"),
    )
    COUNT_MISMATCH = (
        "count_mismatch",
        pgettext_lazy("anomaly kind", "Package tube count differs from what was sealed"),
    )
    RECEIVED_TWICE = "received_twice", pgettext_lazy("anomaly kind", "Tube received twice")
    UNKNOWN_TUBE = "unknown_tube", pgettext_lazy("anomaly kind", "Unknown tube barcode")
    WRONG_PACKAGE = (
        "wrong_package",
        pgettext_lazy("anomaly kind", "Tube scanned with a package it was not sealed in"),
    )


class RetestReason(models.TextChoices):
    POOLED_POSITIVE = (
        "pooled_positive",
        pgettext_lazy("retest reason", "Member of a pooled positive tube"),
    )
    INVALID = "invalid", pgettext_lazy("retest reason", "Tube invalid")
    ANTIGEN = "antigen", pgettext_lazy("retest reason", "Antigen result needs PCR")
    #: A day-numbered test of an isolation or quarantine plan (``isolation`` asks for it).
    QUARANTINE = "quarantine", pgettext_lazy("retest reason", "Quarantine plan test")
    #: A release test of a patient in treatment (Fangcang, designated hospital; R25).
    TREATMENT = "treatment", pgettext_lazy("retest reason", "Release test in treatment")


class SamplingPlace(models.TextChoices):
    """Where a person's test task is sampled: at the isolation site or at home."""

    SITE = "site", pgettext_lazy("test place", "At the site")
    HOME = "home", pgettext_lazy("test place", "At home")


class PointKind(models.TextChoices):
    """What a sampling point is: a fixed place people come to, or a door-to-door team that
    samples people who cannot go out (a community sweep lists them)."""

    FIXED = "fixed", pgettext_lazy("sampling point kind", "Fixed point")
    DOOR_TO_DOOR = "door_to_door", pgettext_lazy("sampling point kind", "Door-to-door team")


class RetestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("retest status", "To sample")
    SAMPLED = "sampled", pgettext_lazy("retest status", "Sampled")
    DONE = "done", pgettext_lazy("retest status", "Resulted")
    #: Closed unsampled by whoever asked for it (a quarantine order released or re-planned).
    CLOSED = "closed", pgettext_lazy("retest status", "Closed unsampled")


class Recipient(models.TextChoices):
    """Who is told of a pooled positive at once (R12)."""

    WORKING_GROUP = "working_group", pgettext_lazy("recipient", "Testing working group")
    EMERGENCY_SQUAD = "emergency_squad", pgettext_lazy("recipient", "Emergency sampling squad")
    COMMUNITY = "community", pgettext_lazy("recipient", "Community of the members")
    POLICE = "police", pgettext_lazy("recipient", "Police")


class AlertKind(models.TextChoices):
    LATE_RESULT = (
        "late_result",
        pgettext_lazy("alert kind", "Result later than its turnaround target"),
    )
    LATE_NOTIFICATION = (
        "late_notification",
        pgettext_lazy("alert kind", "Pooled-positive notification later than target"),
    )


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    CLOSED = "closed", pgettext_lazy("alert status", "Closed")


class ExemptionReason(models.TextChoices):
    """Why someone is not on the should-test list (§1.6)."""

    VACCINATED_48H = (
        "vaccinated_48h",
        pgettext_lazy("exemption reason", "Vaccinated within 48 hours"),
    )
    ISOLATED = "isolated", pgettext_lazy("exemption reason", "Already isolated or under control")
    KEY_GROUP = "key_group", pgettext_lazy("exemption reason", "Tested on a key-group schedule")
    UNDER_TWO = "under_two", pgettext_lazy("exemption reason", "Child under two")
    NEGATIVE_48H = (
        "negative_48h",
        pgettext_lazy("exemption reason", "Negative result within 48 hours"),
    )
    AWAY = "away", pgettext_lazy("exemption reason", "Not in the area")
    OTHER = "other", pgettext_lazy("exemption reason", "Other (see note)")


class AntigenSource(models.TextChoices):
    SELF = "self", pgettext_lazy("antigen source", "Self-test")
    CLINIC = "clinic", pgettext_lazy("antigen source", "Clinic")


class AntigenResult(models.TextChoices):
    NEGATIVE = "negative", pgettext_lazy("antigen result", "Negative")
    POSITIVE = "positive", pgettext_lazy("antigen result", "Positive")
    INVALID = "invalid", pgettext_lazy("antigen result", "Invalid")


class ExportPurpose(models.TextChoices):
    """Purpose codes an export of the not-yet-tested list must carry (R14)."""

    DOOR_TO_DOOR = "door_to_door", pgettext_lazy("export purpose", "Door-to-door follow-up (补检)")
    REPORT = "report", pgettext_lazy("export purpose", "Report to the command")


class ExportTarget(models.TextChoices):
    """Where results go out in batches (R17)."""

    HEALTH_CODE = (
        "health_code",
        pgettext_lazy("export target", "Health-code / personal result service"),
    )
    PROVINCIAL = "provincial", pgettext_lazy("export target", "Provincial platform")


class ExportStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("export status", "Waiting to be sent")
    SENT = "sent", pgettext_lazy("export status", "Sent")
    FAILED = "failed", pgettext_lazy("export status", "Failed, will be retried")
