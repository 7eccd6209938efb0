"""Statuses of rule sets and the vocabularies their parameters use."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleSetStatus(models.TextChoices):
    """A revision is drafted, published (eligible for lookup) or retired (withdrawn)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class QuarantineGroup(models.TextChoices):
    """Who a quarantine plan applies to (domain reference §3.1)."""

    CLOSE_CONTACT = "close_contact", _("Close contacts")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contacts")
    INBOUND = "inbound", _("Inbound travellers")
    HIGH_RISK_AREA_ARRIVAL = "high_risk_area_arrival", _("Arrivals from high-risk areas")
    MEDIUM_RISK_AREA_ARRIVAL = "medium_risk_area_arrival", _("Arrivals from medium-risk areas")
    LOW_RISK_AREA_ARRIVAL = "low_risk_area_arrival", _("Arrivals from low-risk areas")
    CLOSED_LOOP_JOB_LEAVER = "closed_loop_job_leaver", _("High-risk job leavers (closed loop)")


class HomePhaseKind(models.TextChoices):
    """What the phase at home is: strict isolation or health monitoring (§3.3)."""

    HOME_ISOLATION = "home_isolation", _("Home isolation")
    HOME_HEALTH_MONITORING = "home_health_monitoring", _("Home health monitoring")


class SwabSite(models.TextChoices):
    NASOPHARYNGEAL = "nasopharyngeal", _("Nasopharyngeal swab")
    OROPHARYNGEAL = "oropharyngeal", _("Oropharyngeal swab")


class DesignationUnit(models.TextChoices):
    """The smallest unit a risk area may be drawn at (§2.5)."""

    COMPOUND = "compound", _("Residential compound or village")
    BUILDING = "building", _("Building")
    UNIT = "unit", _("Stairwell unit")
    WORKPLACE = "workplace", _("Work or activity place")
    COUNTY_REMAINDER = "county_remainder", _("Rest of the county or district")


class PoolingGroup(models.TextChoices):
    """Population groups with their own pooling ratio (§1.2, R7)."""

    ISOLATION_SITE = "isolation_site", _("Isolation sites")
    KEY_GROUP = "key_group", _("Key groups")
    SEALED_HOUSEHOLD = "sealed_household", _("Sealed compounds and households")


class TestKind(models.TextChoices):
    PCR = "pcr", _("PCR")
    PCR_OR_ANTIGEN = "pcr_or_antigen", _("PCR or antigen")


class TurnaroundCategory(models.TextChoices):
    """Result turnaround categories (§1.4, R13)."""

    FEVER_CLINIC = "fever_clinic", _("Fever clinic")
    EMERGENCY = "emergency", _("Emergency")
    OUTPATIENT = "outpatient", _("Outpatients")
    INPATIENT = "inpatient", _("Inpatients and carers")
    YELLOW_CODE = "yellow_code", _("Yellow-code people")
    VOLUNTARY = "voluntary", _("Voluntary testing")
    POOLED_SCREENING = "pooled_screening", _("Pooled screening")


#: Zone key for people outside any risk area (pooling ratios by zone).
ZONE_OTHER = "other"
