"""Statuses of rule sets and the vocabularies their parameters use."""

from django.db import models
from django.utils.translation import pgettext_lazy


class RuleSetStatus(models.TextChoices):
    """A revision is drafted, published (eligible for lookup) or retired (withdrawn)."""

    DRAFT = "draft", pgettext_lazy("rule set status", "Draft")
    PUBLISHED = "published", pgettext_lazy("rule set status", "Published")
    RETIRED = "retired", pgettext_lazy("rule set status", "Retired")


class QuarantineGroup(models.TextChoices):
    """Who a quarantine plan applies to (domain reference §3.1)."""

    CLOSE_CONTACT = "close_contact", pgettext_lazy("quarantine group", "Close contacts")
    SECONDARY_CONTACT = "secondary_contact", pgettext_lazy("quarantine group", "Secondary contacts")
    INBOUND = "inbound", pgettext_lazy("quarantine group", "Inbound travellers")
    HIGH_RISK_AREA_ARRIVAL = (
        "high_risk_area_arrival",
        pgettext_lazy("quarantine group", "Arrivals from high-risk areas"),
    )
    MEDIUM_RISK_AREA_ARRIVAL = (
        "medium_risk_area_arrival",
        pgettext_lazy("quarantine group", "Arrivals from medium-risk areas"),
    )
    LOW_RISK_AREA_ARRIVAL = (
        "low_risk_area_arrival",
        pgettext_lazy("quarantine group", "Arrivals from low-risk areas"),
    )
    CLOSED_LOOP_JOB_LEAVER = (
        "closed_loop_job_leaver",
        pgettext_lazy("quarantine group", "High-risk job leavers (closed loop)"),
    )


class HomePhaseKind(models.TextChoices):
    """What the phase at home is: strict isolation or health monitoring (§3.3)."""

    HOME_ISOLATION = "home_isolation", pgettext_lazy("home phase kind", "Home isolation")
    HOME_HEALTH_MONITORING = (
        "home_health_monitoring",
        pgettext_lazy("home phase kind", "Home health monitoring"),
    )


class SwabSite(models.TextChoices):
    NASOPHARYNGEAL = "nasopharyngeal", pgettext_lazy("swab site", "Nasopharyngeal swab")
    OROPHARYNGEAL = "oropharyngeal", pgettext_lazy("swab site", "Oropharyngeal swab")


class DesignationUnit(models.TextChoices):
    """The smallest unit a risk area may be drawn at (§2.5)."""

    COMPOUND = "compound", pgettext_lazy("designation unit", "Residential compound or village")
    BUILDING = "building", pgettext_lazy("designation unit", "Building")
    UNIT = "unit", pgettext_lazy("designation unit", "Stairwell unit")
    WORKPLACE = "workplace", pgettext_lazy("designation unit", "Work or activity place")
    COUNTY_REMAINDER = (
        "county_remainder",
        pgettext_lazy("designation unit", "Rest of the county or district"),
    )


class PoolingGroup(models.TextChoices):
    """Population groups with their own pooling ratio (§1.2, R7)."""

    ISOLATION_SITE = "isolation_site", pgettext_lazy("pooling group", "Isolation sites")
    KEY_GROUP = "key_group", pgettext_lazy("pooling group", "Key groups")
    SEALED_HOUSEHOLD = (
        "sealed_household",
        pgettext_lazy("pooling group", "Sealed compounds and households"),
    )


class TestKind(models.TextChoices):
    PCR = "pcr", pgettext_lazy("test kind", "PCR")
    PCR_OR_ANTIGEN = "pcr_or_antigen", pgettext_lazy("test kind", "PCR or antigen")


class TurnaroundCategory(models.TextChoices):
    """Result turnaround categories (§1.4, R13)."""

    FEVER_CLINIC = "fever_clinic", pgettext_lazy("turnaround category", "Fever clinic")
    EMERGENCY = "emergency", pgettext_lazy("turnaround category", "Emergency")
    OUTPATIENT = "outpatient", pgettext_lazy("turnaround category", "Outpatients")
    INPATIENT = "inpatient", pgettext_lazy("turnaround category", "Inpatients and carers")
    YELLOW_CODE = "yellow_code", pgettext_lazy("turnaround category", "Yellow-code people")
    VOLUNTARY = "voluntary", pgettext_lazy("turnaround category", "Voluntary testing")
    POOLED_SCREENING = "pooled_screening", pgettext_lazy("turnaround category", "Pooled screening")


#: Zone key for people outside any risk area (pooling ratios by zone).
ZONE_OTHER = "other"


class CareCategory(models.TextChoices):
    """What a person under an order (or their family) asks for (人文关怀, issue 20 §7); the rule
    set gives each category its answer deadline (``care.deadlines``)."""

    MEDICINE = "medicine", pgettext_lazy("care category", "Medicine")
    SPECIAL_DIET = "special_diet", pgettext_lazy("care category", "Special diet")
    CARER = "carer", pgettext_lazy("care category", "A carer")
    COMPLAINT = "complaint", pgettext_lazy("care category", "Complaint")
    APPEAL = "appeal", pgettext_lazy("care category", "Appeal against the order")
