"""Statuses and kinds of cases and their investigation."""

from django.db import models
from django.utils.translation import pgettext_lazy


class CaseClassification(models.TextChoices):
    """What the case is; changed only by ``case_classify`` along ``services.TRANSITIONS``."""

    SUSPECTED = "suspected", pgettext_lazy("case classification", "Suspected")
    CONFIRMED = "confirmed", pgettext_lazy("case classification", "Confirmed")
    ASYMPTOMATIC = "asymptomatic", pgettext_lazy("case classification", "Asymptomatic infection")
    DISCARDED = "discarded", pgettext_lazy("case classification", "Ruled out")


class HowFound(models.TextChoices):
    SCREENING = "screening", pgettext_lazy("how found", "Screening")
    POOLED_RETEST = "pooled_retest", pgettext_lazy("how found", "Re-test of a pooled positive")
    FEVER_CLINIC = "fever_clinic", pgettext_lazy("how found", "Fever clinic")
    KEY_GROUP = "key_group", pgettext_lazy("how found", "Key group testing")
    QUARANTINED_CONTACT = (
        "quarantined_contact",
        pgettext_lazy("how found", "Contact under quarantine"),
    )
    ARRIVAL = "arrival", pgettext_lazy("how found", "Arrival test")
    ANTIGEN = "antigen", pgettext_lazy("how found", "Antigen self-test")
    #: Reported in the national direct reporting system before Fangkong was in use (补录).
    DIRECT_REPORT = (
        "direct_report",
        pgettext_lazy("how found", "Imported report (direct reporting system)"),
    )


class Severity(models.TextChoices):
    UNKNOWN = "", pgettext_lazy("severity", "Not assessed")
    MILD = "mild", pgettext_lazy("severity", "Mild")
    MODERATE = "moderate", pgettext_lazy("severity", "Moderate")
    SEVERE = "severe", pgettext_lazy("severity", "Severe")
    CRITICAL = "critical", pgettext_lazy("severity", "Critical")


class Treatment(models.TextChoices):
    UNKNOWN = "", pgettext_lazy("treatment place", "Not placed")
    HOME = "home", pgettext_lazy("treatment place", "Home isolation")
    ISOLATION_SITE = "isolation_site", pgettext_lazy("treatment place", "Central isolation site")
    MAKESHIFT = "makeshift", pgettext_lazy("treatment place", "Makeshift hospital")
    DESIGNATED = "designated", pgettext_lazy("treatment place", "Designated hospital")


class Outcome(models.TextChoices):
    OPEN = "", pgettext_lazy("case outcome", "Under care")
    RECOVERED = "recovered", pgettext_lazy("case outcome", "Recovered, discharged")
    DIED = "died", pgettext_lazy("case outcome", "Died")
    TRANSFERRED = "transferred", pgettext_lazy("case outcome", "Transferred out")


class InvestigationStep(models.TextChoices):
    """The "2+4+24" steps (R18), due in this order."""

    REPORT = "report", pgettext_lazy("investigation step", "Report")
    CORE_FACTS = "core_facts", pgettext_lazy("investigation step", "Core facts")
    FULL = "full", pgettext_lazy("investigation step", "Full investigation")


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("case alert state", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("case alert state", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("case alert state", "Closed")


class VisitSource(models.TextChoices):
    INTERVIEW = "interview", pgettext_lazy("visit source", "Interview")
    VENUE_SCANS = "venue_scans", pgettext_lazy("visit source", "Venue scans")
    CELL_DATA = "cell_data", pgettext_lazy("visit source", "Cell data")
    PAYMENT = "payment", pgettext_lazy("visit source", "Payment records")
    POLICE = "police", pgettext_lazy("visit source", "Police")


class ExposureKind(models.TextChoices):
    HOUSEHOLD = "household", pgettext_lazy("exposure kind", "Household")
    WORK = "work", pgettext_lazy("exposure kind", "Work")
    CLASS = "class", pgettext_lazy("exposure kind", "Class")
    VENUE = "venue", pgettext_lazy("exposure kind", "Venue")
    OTHER = "other", pgettext_lazy("exposure kind", "Other")


class CaseEventKind(models.TextChoices):
    OPENED = "opened", pgettext_lazy("case event", "Opened")
    FINDING = "finding", pgettext_lazy("case event", "Finding linked")
    CLASSIFIED = "classified", pgettext_lazy("case event", "Classified")
    SEVERITY = "severity", pgettext_lazy("case event", "Severity")
    TREATMENT = "treatment", pgettext_lazy("case event", "Place of treatment")
    OUTCOME = "outcome", pgettext_lazy("case event", "Outcome")
    INVESTIGATOR = "investigator", pgettext_lazy("case event", "Investigator")
    STEP = "step", pgettext_lazy("case event", "Investigation step done")
    VISIT_ADDED = "visit_added", pgettext_lazy("case event", "Trajectory visit added")
    VISIT_REMOVED = "visit_removed", pgettext_lazy("case event", "Trajectory visit removed")
    EXPOSURE = "exposure", pgettext_lazy("case event", "Exposure added")
    ALERT = "alert", pgettext_lazy("case event", "Timer breached")
