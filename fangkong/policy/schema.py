"""The typed shape of a rule set's ``parameters`` (pydantic), and the helpers that merge,
flatten and validate parameter dicts.

Every edition states every value (no defaults hide in code): a field an edition did not change
is carried over explicitly in its data file. ``None`` means "the edition has no such rule" (for
example no quarantine for close contacts under the 10th edition), never "use a default".
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.policy.choices import (
    ZONE_OTHER,
    CareCategory,
    DesignationUnit,
    HomePhaseKind,
    PoolingGroup,
    QuarantineGroup,
    SwabSite,
    TestKind,
    TurnaroundCategory,
)

#: Hard cap on people per tube (R7): no rule set may allow more.
MAX_POOL_RATIO = 20

Days = Annotated[int, Field(ge=0, le=60, strict=True)]
DayNumber = Annotated[int, Field(ge=1, le=60, strict=True)]
Hours = Annotated[int, Field(ge=1, le=720, strict=True)]
Count = Annotated[int, Field(ge=1, le=10_000_000, strict=True)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
RuleSetKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")]
ShortText = Annotated[str, Field(min_length=1, max_length=120)]
Ratio = Annotated[int, Field(ge=1, le=MAX_POOL_RATIO, strict=True)]


def _one_of(choices: type[TextChoices]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices.values:
            raise ValueError(f"expected one of {', '.join(choices.values)}")
        return value

    return AfterValidator(check)


#: Dict keys stay plain strings (``rules.quarantine["close_contact"]``) but must be known.
GroupKey = Annotated[str, _one_of(QuarantineGroup)]
PoolingGroupKey = Annotated[str, _one_of(PoolingGroup)]
TurnaroundKey = Annotated[str, _one_of(TurnaroundCategory)]
DesignationUnitKey = Annotated[str, _one_of(DesignationUnit)]
CareCategoryKey = Annotated[str, _one_of(CareCategory)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_days(test_days: tuple[int, ...], days: int, label: str) -> None:
    if list(test_days) != sorted(set(test_days)):
        raise ValueError(f"{label} test days must be strictly increasing")
    if test_days and test_days[-1] > days:
        raise ValueError(f"{label} test day {test_days[-1]} is after the last day ({days})")


# --- contacts -------------------------------------------------------------------------------


class ContactRules(_Model):
    """Close-contact identification and window (§2.2, R2, R3)."""

    close_contact_identification: StrictBool
    #: Days before symptom onset (or first positive sampling) the close-contact window opens.
    close_contact_window_days: Days | None
    #: Whether secondary contacts (密接的密接) are identified at all.
    secondary_contacts_enabled: StrictBool

    @model_validator(mode="after")
    def _consistent(self) -> ContactRules:
        if self.close_contact_identification and self.close_contact_window_days is None:
            raise ValueError("a close-contact window is required when identification is on")
        if not self.close_contact_identification and (
            self.close_contact_window_days is not None or self.secondary_contacts_enabled
        ):
            raise ValueError(
                "without close-contact identification there is no window and no secondary contacts"
            )
        return self


# --- quarantine -----------------------------------------------------------------------------


class QuarantinePlan(_Model):
    """A central phase followed by a home phase; test days are numbered within each phase
    (day 1 is the day after day 0 of the plan)."""

    central_days: Days
    central_test_days: tuple[DayNumber, ...]
    home_days: Days
    home_kind: HomePhaseKind | None
    home_test_days: tuple[DayNumber, ...]
    double_sampling_before_release: StrictBool
    swab_site: SwabSite | None

    @model_validator(mode="after")
    def _consistent(self) -> QuarantinePlan:
        if self.central_days + self.home_days < 1:
            raise ValueError("a plan lasts at least one day")
        if (self.home_days > 0) != (self.home_kind is not None):
            raise ValueError("home_kind is required exactly when there are home days")
        _check_days(self.central_test_days, self.central_days, "central")
        _check_days(self.home_test_days, self.home_days, "home")
        return self

    @property
    def total_days(self) -> int:
        return self.central_days + self.home_days


# --- risk areas -----------------------------------------------------------------------------


class LiftRule(_Model):
    """When an area at a level steps down to ``to_level`` (``None``: back to routine control).

    All stated conditions must hold together (R5, R6).
    """

    to_level: Code | None
    days_without_new_infection: DayNumber | None
    #: 9th edition: the screening round on this day of the clock must be all negative.
    round_all_negative_on_day: DayNumber | None
    #: Legacy zones: an all-negative round within this many days before lifting.
    round_within_days_before_lift: Days | None
    #: Legacy zones (R6): the last close contact's exposure more than this many days ago
    #: (strictly: 14 means day 15 at the earliest), tested negative.
    last_close_contact_more_than_days: DayNumber | None
    #: The level lifts only when no area of a higher level is left in the county.
    when_higher_levels_lifted: StrictBool

    @model_validator(mode="after")
    def _consistent(self) -> LiftRule:
        if self.days_without_new_infection is None and not self.when_higher_levels_lifted:
            raise ValueError("a lifting rule needs a clock or the higher-levels condition")
        day = self.round_all_negative_on_day
        if day is not None and (
            self.days_without_new_infection is None or day > self.days_without_new_infection
        ):
            raise ValueError("the screening day must fall within the clock")
        return self


class RiskLevel(_Model):
    """One level of risk area (§2.5); levels are listed highest first. A level's code is a
    zone of a screening round; a round over a level with ``first_screening_within_hours``
    is due within those hours at the latest."""

    code: Code
    name_zh: ShortText
    name_en: ShortText
    #: What an area at this level may be drawn over (§2.5): 9th edition high areas by
    #: compound (or village) and the places frequented, 二十条 only by building or stairwell
    #: unit ("not enlarged at will"), a low area is the rest of the county.
    designation_units: tuple[DesignationUnitKey, ...] = Field(min_length=1)
    first_screening_within_hours: Hours | None
    lift: LiftRule | None
    #: The rule when the area reached this level by stepping down from a higher one.
    lift_after_step_down: LiftRule | None
    #: A new infection inside turns the area into this (higher) level (R6: 管控区 → 封控区).
    new_infection_becomes: Code | None


class RiskAreas(_Model):
    """Risk-area levels and their lifting clocks; ``enabled`` is false when an edition has no
    risk areas (10th edition)."""

    enabled: StrictBool
    levels: tuple[RiskLevel, ...]
    #: Under 新十条 an infection in a person already under strict home isolation (or a close
    #: contact) marked as no community risk does not reset the clock: this is then false.
    isolated_infection_resets_clock: StrictBool

    @model_validator(mode="after")
    def _consistent(self) -> RiskAreas:
        if self.enabled != bool(self.levels):
            raise ValueError("levels are listed exactly when risk areas are enabled")
        codes = [level.code for level in self.levels]
        if len(set(codes)) != len(codes) or ZONE_OTHER in codes:
            raise ValueError(f"level codes must be unique and not {ZONE_OTHER!r}")
        for index, level in enumerate(self.levels):
            if len(set(level.designation_units)) != len(level.designation_units):
                raise ValueError(f"{level.code}: designation units repeat")
            for rule in (level.lift, level.lift_after_step_down):
                if rule and rule.to_level and rule.to_level not in codes[index + 1 :]:
                    raise ValueError(f"{level.code}: lifting must go to a lower listed level")
            target = level.new_infection_becomes
            if target is not None and target not in codes[:index]:
                raise ValueError(f"{level.code}: a new infection can only raise the level")
        return self

    def level(self, code: str) -> RiskLevel:
        """The level with ``code``; ``KeyError`` when the edition has no such level."""
        for level in self.levels:
            if level.code == code:
                return level
        raise KeyError(code)


# --- testing --------------------------------------------------------------------------------


class PoolRule(_Model):
    """People per tube; with ``per_household`` one tube per household holding at most
    ``ratio`` people."""

    ratio: Ratio
    per_household: StrictBool


class Pooling(_Model):
    """Pool ratios by zone (risk level code or ``other``) and by population group (R7)."""

    max_ratio: Ratio
    by_zone: dict[Code, PoolRule]
    by_group: dict[PoolingGroupKey, PoolRule]

    @model_validator(mode="after")
    def _consistent(self) -> Pooling:
        if ZONE_OTHER not in self.by_zone:
            raise ValueError(f"a ratio for zone {ZONE_OTHER!r} is required")
        missing = set(PoolingGroup.values) - set(self.by_group)
        if missing:
            raise ValueError(f"ratios missing for groups: {', '.join(sorted(missing))}")
        for rule in [*self.by_zone.values(), *self.by_group.values()]:
            if rule.ratio > self.max_ratio:
                raise ValueError(f"ratio {rule.ratio} is above the maximum {self.max_ratio}")
        return self


class KeyGroupSchedule(_Model):
    """How often a key group (重点人员) is tested: every N days, N times a week, or a rolling
    share of the group each day (R15). Exactly one of the three is set."""

    name_zh: ShortText
    name_en: ShortText
    interval_days: Annotated[int, Field(ge=1, le=30, strict=True)] | None
    times_per_week: Annotated[int, Field(ge=1, le=7, strict=True)] | None
    rolling_share_per_day: Annotated[float, Field(gt=0, le=1)] | None
    test_kind: TestKind

    @model_validator(mode="after")
    def _one_cadence(self) -> KeyGroupSchedule:
        cadence = (self.interval_days, self.times_per_week, self.rolling_share_per_day)
        if sum(value is not None for value in cadence) != 1:
            raise ValueError(
                "set exactly one of interval_days, times_per_week, rolling_share_per_day"
            )
        return self


class TurnaroundTarget(_Model):
    target_hours: Hours


class Turnaround(_Model):
    """Result turnaround targets by category (R13), the pooled-positive notification target
    and whether the police are among those told (R12: configurable; they are unless a rule set
    says otherwise)."""

    targets: dict[TurnaroundKey, TurnaroundTarget]
    pooled_positive_notify_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    pooled_positive_notify_police: StrictBool = True


class DeadlineTier(_Model):
    """Rounds for populations up to ``population_up_to`` (``None``: any size) finish within
    ``hours``."""

    population_up_to: Count | None
    hours: Hours


class Screening(_Model):
    """Area screening (§1.1): whether rounds over areas may be opened, their deadlines,
    sampling-point and sampler sizing.

    ``area_screening_enabled`` false (10th edition): no round over an area, outbreak or
    routine; targeted rounds (key groups, arrivals, voluntary testing) still open.
    ``routine_area_testing`` false (二十条 on): no routine all-resident round by
    administrative area, only outbreak screening of a designated area.
    """

    area_screening_enabled: StrictBool
    routine_area_testing: StrictBool
    round_deadline: tuple[DeadlineTier, ...] = Field(min_length=1)
    people_per_sampling_point_min: Count
    people_per_sampling_point_max: Count
    people_per_sampler: Count

    @model_validator(mode="after")
    def _consistent(self) -> Screening:
        tiers = self.round_deadline
        if tiers[-1].population_up_to is not None:
            raise ValueError("the last deadline tier must cover any population (null)")
        bounds = [tier.population_up_to for tier in tiers[:-1]]
        if None in bounds or bounds != sorted(set(bounds)):  # type: ignore[type-var]
            raise ValueError("deadline tiers must be in increasing population order")
        if self.people_per_sampling_point_min > self.people_per_sampling_point_max:
            raise ValueError("people per sampling point: min is above max")
        return self


class Arrivals(_Model):
    """Landing tests (落地检, §1.9): an arrival registered while the rules have one is due a
    test within ``test_within_hours``; ``None`` when the edition has no landing test (before
    the Sep 2022 notice, and from 新十条 on: "不再开展落地检")."""

    test_within_hours: Hours | None


class Antigen(_Model):
    """What an antigen result sets off (R16; antigen application plan, March 2022): a PCR task
    after a positive, and after a negative in a suspected person (symptoms, or held in place
    after a pooled positive). Antigen never confirms a case, whatever these say. Editions that
    leave the section out keep both."""

    pcr_after_positive: StrictBool = True
    pcr_after_negative_if_suspected: StrictBool = True


class Investigation(_Model):
    """Investigation timers of a new case (R18, "2+4+24"): from the moment the case is opened,
    the network report is due within ``report_hours``, the core facts within
    ``core_facts_hours`` and the full investigation within ``full_hours``. ``None`` when the
    edition investigates no case one by one (10th edition): no timer for that step."""

    report_hours: Hours | None
    core_facts_hours: Hours | None
    full_hours: Hours | None

    @model_validator(mode="after")
    def _ordered(self) -> Investigation:
        hours = [h for h in (self.report_hours, self.core_facts_hours, self.full_hours) if h]
        if hours != sorted(hours):
            raise ValueError("investigation steps are due in order: report, core facts, full")
        return self


# --- isolation sites -------------------------------------------------------------------------


class ActivationStage(_Model):
    """One stage of activating a reserve site: ``percent`` of its rooms ready within ``hours``
    of the order to activate (R23)."""

    hours: Hours
    percent: Annotated[int, Field(ge=1, le=100, strict=True)]


class IsolationSites(_Model):
    """Central isolation capacity (§3.2, R23): the staged targets a site's activation is
    measured against (empty: the rules set none) and the reserve of isolation rooms per
    10,000 residents a jurisdiction keeps (``None``: no reserve target)."""

    activation_stages: tuple[ActivationStage, ...]
    reserve_rooms_per_10k_residents: Count | None

    @model_validator(mode="after")
    def _consistent(self) -> IsolationSites:
        hours = [stage.hours for stage in self.activation_stages]
        percents = [stage.percent for stage in self.activation_stages]
        if hours != sorted(set(hours)) or percents != sorted(set(percents)):
            raise ValueError("activation stages must rise in hours and in percent")
        if percents and percents[-1] != 100:
            raise ValueError("the last activation stage readies every room (100 percent)")
        return self


class TracingRetention(_Model):
    """How long venue-code scans and cell dwell intervals are kept (security reference T24,
    the CAC notice of Feb 2020: data collected for epidemic control serves that purpose only,
    so it is kept no longer than the longest look-back the rules need). ``tracing_purge``
    deletes every day partition older than the window."""

    #: Days of venue-code scans kept, counting today.
    scan_retention_days: Annotated[int, Field(ge=1, le=60, strict=True)]
    #: Days of 800 m cell dwell intervals kept, counting today.
    dwell_retention_days: Annotated[int, Field(ge=1, le=60, strict=True)]


class Companions(_Model):
    """Spatiotemporal companions (时空伴随者, domain reference §2.3, R20): persons who shared an
    800 m cell with a case. They feed lead lists for checking, never a status change."""

    #: A companion has **more than** this many minutes in one cell with the case.
    overlap_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    #: Days of dwell intervals searched, counting today.
    window_days: DayNumber
    #: The optional filter (Chengdu police): either party's own stay in that cell within the
    #: window is at least this many hours; ``null``: no such filter.
    cumulative_stay_hours: Annotated[int, Field(ge=1, le=1440, strict=True)] | None


class LeadLists(_Model):
    """Lead lists (协查, §2.6, §2.8, R21) pushed to the district where a person lives."""

    #: Hours the receiving district has to check each person; past it the person counts as
    #: "not checked".
    deadline_hours: Hours


class Monitoring(_Model):
    """Health checks of persons under an order (§3.2, §3.3, R24): temperature and symptoms
    at each local hour of ``check_hours`` (morning and evening); a check still missing
    ``missed_check_grace_minutes`` after its hour raises a missed-check alert; a temperature
    at or above ``fever_celsius`` is a fever."""

    check_hours: tuple[Annotated[int, Field(ge=0, le=23, strict=True)], ...]
    missed_check_grace_minutes: Annotated[int, Field(ge=1, le=720, strict=True)]
    fever_celsius: Annotated[float, Field(ge=36.0, le=40.0)]

    @model_validator(mode="after")
    def _consistent(self) -> Monitoring:
        if not self.check_hours or list(self.check_hours) != sorted(set(self.check_hours)):
            raise ValueError("check hours must be at least one and strictly increasing")
        return self


class Transfers(_Model):
    """Closed-loop transfer (§3.5, issue 20 §4): the pickup window a generated transfer task
    gets (to the site after allocation, home at release), and the shorter one of a transfer
    to hospital after an abnormal check (R24)."""

    pickup_window_minutes: Annotated[int, Field(ge=10, le=2880, strict=True)]
    urgent_pickup_window_minutes: Annotated[int, Field(ge=10, le=2880, strict=True)]


# --- community ------------------------------------------------------------------------------

Minutes = Annotated[int, Field(ge=1, le=1440, strict=True)]
HourOfDay = Annotated[int, Field(ge=0, le=23, strict=True)]


class RestrictionMeasures(_Model):
    """What a restriction of residential places at one risk level means (§2.5, §4.1):
    ``closure`` is 封控 ("足不出户、服务上门", residents stay home), ``control`` 管控 ("人不出区",
    staggered pick-up); ``gate_log`` asks for the compound gate's entry and exit log."""

    kind: Annotated[str, Field(pattern=r"^(closure|control)$")]
    stay_home: StrictBool
    gate_log: StrictBool


class Community(_Model):
    """Grids, door-to-door sweeps, restricted compounds and residents' requests (§4, R26–R28).

    ``restrictions`` maps a risk level's code to the measures a compound (building, unit)
    under that level gets; a level not listed restricts nobody's movement (a low-risk area).
    """

    #: R26: households each responsible person covers (Longchuan: 20–40).
    households_per_worker_min: Count
    households_per_worker_max: Count
    #: Hours a door-to-door sweep (排查) has from its opening to its deadline.
    sweep_hours: Hours
    #: R28: minutes from filing to an emergency medical exit (the dedicated vehicle leaving).
    emergency_exit_minutes: Minutes
    #: R28: hours for planned medical care (dialysis, chemotherapy, childbirth).
    medical_request_hours: Hours
    #: R27: daily needs filed by this local hour are delivered by ``daily_delivery_hour`` the
    #: next morning; later ones a day after.
    daily_cutoff_hour: HourOfDay
    daily_delivery_hour: HourOfDay
    #: An overdue request escalates one level more after each of these many minutes.
    escalate_every_minutes: Minutes
    restrictions: dict[Code, RestrictionMeasures]

    @model_validator(mode="after")
    def _consistent(self) -> Community:
        if self.households_per_worker_min > self.households_per_worker_max:
            raise ValueError("households per worker: the minimum is above the maximum")
        return self


# --- supplies and essential services -------------------------------------------------------

PowerTierCode = Literal[
    "hospital",
    "isolation_site",
    "lab",
    "utility",
    "closed_compound",
    "agriculture",
    "industry",
]
RestoreMinutes = Annotated[int, Field(ge=1, le=10_080, strict=True)]
POWER_TIER_CODES: tuple[str, ...] = typing.get_args(PowerTierCode)


class IncidentDeadline(_Model):
    """Minutes to restore a service at a priority user of ``tier``."""

    tier: PowerTierCode
    minutes: RestoreMinutes


class Supplies(_Model):
    """Unified allocation of key supplies and orderly power use (§4.2, issue 21 §5–6).

    ``vulnerable_weight``: a vulnerable resident counts this many residents when stock is
    shared (``engine.supply_allocation``); ``facility_first``: requests of epidemic
    facilities are served before the rest. Days of cover are stock ÷ the mean daily issue of
    the last ``cover_window_days``; below ``shortage_cover_days`` an item shows as short.
    ``power_tiers`` is the order in which users keep power (first: the last to be cut);
    ``incident_deadlines`` the minutes to restore a service per tier, and a power outage
    at a ``critical_power_tiers`` site is most urgent, due in ``critical_power_minutes``."""

    vulnerable_weight: Annotated[float, Field(ge=1, le=10)] = 2.0
    facility_first: StrictBool = True
    cover_window_days: DayNumber = 7
    shortage_cover_days: DayNumber = 3
    power_tiers: tuple[PowerTierCode, ...] = POWER_TIER_CODES  # type: ignore[assignment]
    incident_deadlines: tuple[IncidentDeadline, ...] = tuple(
        IncidentDeadline(tier=tier, minutes=minutes)  # type: ignore[arg-type]
        for tier, minutes in zip(POWER_TIER_CODES, (30, 30, 60, 60, 120, 240, 480), strict=True)
    )
    critical_power_tiers: tuple[PowerTierCode, ...] = ("hospital", "isolation_site")
    critical_power_minutes: Minutes = 15

    @model_validator(mode="after")
    def _consistent(self) -> Supplies:
        if sorted(self.power_tiers) != sorted(POWER_TIER_CODES):
            raise ValueError("power tiers list every tier once")
        tiers = [deadline.tier for deadline in self.incident_deadlines]
        if sorted(tiers) != sorted(POWER_TIER_CODES):
            raise ValueError("one incident deadline for every tier")
        return self


class Positives(_Model):
    """Release of positives treated in a Fangcang shelter hospital or a designated hospital, or
    isolated at home (domain reference §3.4, R25): the day count from the start of their
    isolation, the Ct threshold both genes must reach in each of the last tests (a negative
    result counts as reaching it), how many such consecutive tests and how far apart, and the
    days of home health monitoring after discharge (``None``: none)."""

    #: Discharge no earlier than isolation day 0 + this many days (tests on the last days).
    release_after_days: DayNumber
    #: Ct value of the N gene each release test must reach (≥).
    release_ct_min_n: Annotated[float, Field(ge=20, le=45)]
    #: Ct value of the ORF1ab gene each release test must reach (≥).
    release_ct_min_orf1ab: Annotated[float, Field(ge=20, le=45)]
    #: How many consecutive tests (the latest ones) must reach the thresholds.
    release_tests: Annotated[int, Field(ge=1, le=5, strict=True)]
    #: Hours at least between the sampling of consecutive release tests.
    release_tests_min_hours_apart: Hours
    #: Days of home health monitoring after discharge (an order of that kind); ``None``: none.
    home_monitoring_days: DayNumber | None


class CareDeadline(_Model):
    """How long one category of care request has for an answer."""

    hours: Hours


class CareRequests(_Model):
    """Requests of persons under an order or their families (人文关怀, issue 20 §7): the hours
    each category of request has to be answered in; past it the request is overdue."""

    deadlines: dict[CareCategoryKey, CareDeadline]

    @model_validator(mode="after")
    def _complete(self) -> CareRequests:
        missing = set(CareCategory.values) - set(self.deadlines)
        if missing:
            raise ValueError(f"care categories without a deadline: {', '.join(sorted(missing))}")
        return self


class CommandDuty(_Model):
    """Duty rules of the command system (§6.1, R31): a duty check (值班抽查) is answered by
    the locality's officer on duty within ``duty_check_answer_minutes``; a unit's daily or
    zero report for a day is due at ``daily_report_due_hour`` (local time) the next day."""

    duty_check_answer_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    daily_report_due_hour: Annotated[int, Field(ge=0, le=23, strict=True)]
    #: Duty rosters (R32): at most this many shifts in a row for one person ...
    roster_max_consecutive_shifts: Annotated[int, Field(ge=1, le=10, strict=True)]
    #: ... and this many hours in a row ...
    roster_max_consecutive_hours: Annotated[int, Field(ge=1, le=72, strict=True)]
    #: ... then at least this many hours of rest.
    roster_min_rest_hours: Annotated[int, Field(ge=0, le=48, strict=True)]


class RuleParameters(_Model):
    """Everything a rule set decides. Every quarantine group is listed (``null`` when the
    edition has no plan for it)."""

    contacts: ContactRules
    quarantine: dict[GroupKey, QuarantinePlan | None]
    risk_areas: RiskAreas
    pooling: Pooling
    key_groups: dict[Code, KeyGroupSchedule]
    turnaround: Turnaround
    screening: Screening
    arrivals: Arrivals
    investigation: Investigation
    antigen: Antigen = Antigen()
    tracing: TracingRetention
    #: ``null`` where the rules search no companions (the 10th edition).
    companions: Companions | None
    leads: LeadLists
    isolation_sites: IsolationSites
    monitoring: Monitoring
    transfers: Transfers
    community: Community
    supplies: Supplies = Supplies()
    #: ``null`` where positives are not isolated (the 10th edition: 乙类乙管).
    positives: Positives | None
    care: CareRequests
    command: CommandDuty

    @model_validator(mode="after")
    def _consistent(self) -> RuleParameters:
        missing = set(QuarantineGroup.values) - set(self.quarantine)
        if missing:
            raise ValueError(f"quarantine groups missing (use null): {', '.join(sorted(missing))}")
        if not self.contacts.close_contact_identification and self.plan(
            QuarantineGroup.CLOSE_CONTACT
        ):
            raise ValueError("a close-contact plan needs close-contact identification")
        if not self.contacts.secondary_contacts_enabled and self.plan(
            QuarantineGroup.SECONDARY_CONTACT
        ):
            raise ValueError("a secondary-contact plan needs secondary contacts enabled")
        levels = {level.code for level in self.risk_areas.levels}
        unknown = set(self.pooling.by_zone) - levels - {ZONE_OTHER}
        if unknown:
            raise ValueError(
                f"pooling zones that are not risk levels: {', '.join(sorted(unknown))}"
            )
        without = levels - set(self.pooling.by_zone)
        if without:
            raise ValueError(f"risk levels without a pooling ratio: {', '.join(sorted(without))}")
        return self

    def plan(self, group: str) -> QuarantinePlan | None:
        """The quarantine plan for ``group`` (``None`` when the edition has none)."""
        return self.quarantine.get(group)


class SourceNote(_Model):
    """Where a value came from: a parameter area, the page it was read from, and remarks
    (local practice, carried over from the previous edition, ...)."""

    topic: Annotated[str, Field(min_length=1, max_length=120)]
    source: Annotated[str, Field(min_length=1, max_length=400)]
    note: Annotated[str, Field(max_length=1000)]


class EditionFile(_Model):
    """One shipped edition (``fangkong/policy/editions/*.json``)."""

    key: RuleSetKey
    name_zh: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    effective_from: date
    source_notes: tuple[SourceNote, ...] = Field(min_length=1)
    parameters: RuleParameters


# --- dict helpers ---------------------------------------------------------------------------


def parameters_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``patch`` laid over it: nested objects merge key by key; lists, scalars
    and ``null`` in the patch replace the base value. Neither input is modified."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = parameters_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parameters_flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path. Lists of objects with a ``code`` are keyed by it
    (``risk_areas.levels[high].lift.to_level``); other lists are leaves."""
    flat: dict[str, Any] = {}
    if isinstance(value, Mapping):
        if not value and prefix:
            flat[prefix] = {}
        for key in sorted(value):
            flat.update(parameters_flatten(value[key], f"{prefix}.{key}" if prefix else key))
    elif (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(item, Mapping) and "code" in item for item in value)
    ):
        for item in value:
            flat.update(parameters_flatten(item, f"{prefix}[{item['code']}]"))
    else:
        flat[prefix] = list(value) if isinstance(value, tuple) else value
    return flat


def parameters_validate(data: Any, *, field: str = "parameters") -> RuleParameters:
    """Parse ``data`` into :class:`RuleParameters`; raises ``ValidationFailed`` naming each bad
    field as ``parameters.<path>``."""
    try:
        return RuleParameters.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors()[:100]:
            path = ".".join(str(part) for part in error["loc"])
            errors.append(
                field_error(f"{field}.{path}" if path else field, error["type"], error["msg"])
            )
        raise ValidationFailed(_("The rule parameters are not valid."), errors=errors) from None


def parameters_dump(parameters: RuleParameters) -> dict[str, Any]:
    """JSON-ready dict of typed parameters (enums as strings, tuples as lists)."""
    return parameters.model_dump(mode="json")
