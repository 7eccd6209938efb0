"""Pure rule helpers: what the rules in force say about dates, contacts, quarantine tests,
risk-area lifting and screening sizes.

No database access here: every function takes the typed parameters (or an
:class:`EffectiveRules` from ``selectors.rules_for``) and plain values, so the later modules
(tracing, isolation, screening) and the engine can call them in bulk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from fangkong.policy.choices import ZONE_OTHER, HomePhaseKind, TurnaroundCategory
from fangkong.policy.schema import QuarantinePlan, RiskLevel, RuleParameters


@dataclass(frozen=True)
class EffectiveRules:
    """The rules that hold for one node on one date.

    ``labels`` lists the version labels that contributed, national edition first, then the
    overrides from the least to the most specific node; ``label`` joins them with ``+`` for
    recording next to a rule-driven status change. ``skipped`` lists overrides that applied by
    date and node but were left out because they would have made the parameters invalid.
    """

    parameters: RuleParameters
    labels: tuple[str, ...]
    on: date
    region_code: str
    skipped: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "+".join(self.labels)

    @property
    def national_label(self) -> str:
        return self.labels[0]


RulesLike = RuleParameters | EffectiveRules


def _params(rules: RulesLike) -> RuleParameters:
    return rules.parameters if isinstance(rules, EffectiveRules) else rules


# --- contacts (R2, R3) ----------------------------------------------------------------------


def contact_window_start(onset_or_sampling_date: date, rules: RulesLike) -> date | None:
    """First day of the close-contact window: N days before symptom onset (symptomatic) or
    the first positive sampling (asymptomatic); ``None`` when close contacts are not
    identified under these rules."""
    contacts = _params(rules).contacts
    if not contacts.close_contact_identification or contacts.close_contact_window_days is None:
        return None
    return onset_or_sampling_date - timedelta(days=contacts.close_contact_window_days)


def in_contact_window(
    exposure_date: date,
    onset_or_sampling_date: date,
    rules: RulesLike,
    *,
    case_isolated_on: date | None = None,
) -> bool:
    """True when an exposure on ``exposure_date`` falls inside the close-contact window (R2).

    The window opens ``close_contact_window_days`` before onset/sampling and, when
    ``case_isolated_on`` is given, closes on the day the case was isolated. Always false when
    the rules do not identify close contacts.
    """
    start = contact_window_start(onset_or_sampling_date, rules)
    if start is None or exposure_date < start:
        return False
    return case_isolated_on is None or exposure_date <= case_isolated_on


def secondary_contacts_enabled(rules: RulesLike) -> bool:
    """Whether secondary contacts (密接的密接) are derived at all (R3)."""
    return _params(rules).contacts.secondary_contacts_enabled


def in_secondary_contact_window(
    exposure_date: date,
    close_contact_first_exposure: date,
    close_contact_isolated_on: date | None,
    rules: RulesLike,
) -> bool:
    """True when an exposure to a close contact makes a secondary contact (R3): secondary
    contacts are enabled and the exposure lies between the close contact's first exposure to
    the case and the close contact's isolation (open-ended while not yet isolated)."""
    if not secondary_contacts_enabled(rules) or exposure_date < close_contact_first_exposure:
        return False
    return close_contact_isolated_on is None or exposure_date <= close_contact_isolated_on


# --- quarantine (R4) ------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarantineTestTask:
    """One scheduled test: the phase (``central`` or the home-phase kind), the day number
    within that phase, the calendar date, whether it is the double-sampled release test, and
    the swab the plan asks for (``""`` when it names none)."""

    phase: str
    day: int
    on: date
    double_sampling: bool = False
    swab_site: str = ""


def quarantine_test_dates(plan: QuarantinePlan, day0: date) -> list[QuarantineTestTask]:
    """Day-numbered test tasks of ``plan`` starting from ``day0`` (R4).

    1. Central day ``n`` falls on ``day0 + n``.
    2. Home day ``n`` falls on ``day0 + central_days + n``.
    3. When the plan asks for double sampling before release, the last test before release
       from central quarantine (or the last test, for a plan with no central tests) is marked.
    4. Every task carries the plan's swab site (8th edition nasopharyngeal, 9th
       oropharyngeal).
    """
    swab = str(plan.swab_site or "")
    central = [
        QuarantineTestTask("central", n, day0 + timedelta(days=n), swab_site=swab)
        for n in plan.central_test_days
    ]
    home_kind = str(plan.home_kind or HomePhaseKind.HOME_ISOLATION)
    home = [
        QuarantineTestTask(
            home_kind, n, day0 + timedelta(days=plan.central_days + n), swab_site=swab
        )
        for n in plan.home_test_days
    ]
    if plan.double_sampling_before_release:
        phase = central or home
        if phase:
            last = phase[-1]
            phase[-1] = QuarantineTestTask(
                last.phase, last.day, last.on, double_sampling=True, swab_site=swab
            )
    return central + home


def quarantine_end_date(plan: QuarantinePlan, day0: date) -> date:
    """The last day of the plan (central plus home days after ``day0``)."""
    return day0 + timedelta(days=plan.total_days)


# --- risk areas (R5, R6) --------------------------------------------------------------------


@dataclass(frozen=True)
class AreaStep:
    """Outcome of a lifting check: the level after it (``None`` = lifted to routine control),
    whether it changed, and the codes of conditions still unmet."""

    level: str | None
    changed: bool
    unmet: tuple[str, ...] = ()


def _level(rules: RulesLike, code: str) -> RiskLevel:
    areas = _params(rules).risk_areas
    if not areas.enabled:
        raise ValueError("these rules have no risk areas")
    return areas.level(code)


def risk_area_next_level(
    rules: RulesLike,
    level: str,
    days_without_new_infection: int,
    day7_round_all_negative: bool = False,
    *,
    stepped_down: bool = False,
    last_close_contact_days: int | None = None,
    last_close_contact_negative: bool = False,
    higher_levels_remaining: int = 0,
) -> AreaStep:
    """Where an area at ``level`` goes today under ``rules`` (R5, R6).

    ``days_without_new_infection`` is the clock (consecutive days since the last infection
    that resets it). ``day7_round_all_negative`` says the screening round the rule requires
    came back all negative: the round on the rule's day (day 7 under the 9th edition) or, for
    the legacy zones, a round within the days before lifting. ``stepped_down`` selects the
    rule for areas that reached this level from a higher one (9th: medium → low after 3 days).
    Legacy zones also need the last close contact's exposure ``last_close_contact_days`` ago,
    *more than* the rule's days (R6: "> 14 days", so day 15 at the earliest), with a negative
    test; a level that lifts with the higher levels needs ``higher_levels_remaining == 0``.

    Raises ``ValueError`` when the rules have no risk areas and ``KeyError`` for an unknown
    level.
    """
    spec = _level(rules, level)
    rule = (spec.lift_after_step_down if stepped_down else None) or spec.lift
    if rule is None:
        return AreaStep(level, False, ("no_lifting_rule",))
    unmet: list[str] = []
    if (
        rule.days_without_new_infection is not None
        and days_without_new_infection < rule.days_without_new_infection
    ):
        unmet.append("days_without_new_infection")
    needs_round = (
        rule.round_all_negative_on_day is not None or rule.round_within_days_before_lift is not None
    )
    if needs_round and not day7_round_all_negative:
        unmet.append("screening_round_all_negative")
    if rule.last_close_contact_more_than_days is not None and (
        last_close_contact_days is None
        or last_close_contact_days <= rule.last_close_contact_more_than_days
        or not last_close_contact_negative
    ):
        unmet.append("last_close_contact")
    if rule.when_higher_levels_lifted and higher_levels_remaining > 0:
        unmet.append("higher_levels_remaining")
    if unmet:
        return AreaStep(level, False, tuple(unmet))
    return AreaStep(rule.to_level, True)


def risk_area_new_infection(
    rules: RulesLike,
    level: str,
    *,
    in_isolated_person: bool = False,
    community_risk_excluded: bool = False,
) -> tuple[str, bool]:
    """``(level, clock_reset)`` after a new infection in an area at ``level`` (R5, R6).

    A level with ``new_infection_becomes`` turns into that level (管控区 → 封控区). The clock
    resets, except where the rules say an infection in a person already under strict home
    isolation (or a close contact) who is marked as posing no community risk does not (新十条).
    """
    spec = _level(rules, level)
    areas = _params(rules).risk_areas
    new_level = spec.new_infection_becomes or level
    exempt = (
        in_isolated_person and community_risk_excluded and not areas.isolated_infection_resets_clock
    )
    return new_level, not exempt


# --- screening (§1.1) -----------------------------------------------------------------------


def screening_round_deadline_hours(rules: RulesLike, population: int) -> int:
    """Hours within which a round over ``population`` people must finish."""
    for tier in _params(rules).screening.round_deadline:
        if tier.population_up_to is None or population <= tier.population_up_to:
            return tier.hours
    raise AssertionError("the schema guarantees an open-ended last tier")  # pragma: no cover


def sampling_points_needed(rules: RulesLike, population: int) -> tuple[int, int]:
    """``(fewest, most)`` sampling points for ``population`` (one per 2,000–3,000 people)."""
    screening = _params(rules).screening
    return (
        math.ceil(population / screening.people_per_sampling_point_max),
        math.ceil(population / screening.people_per_sampling_point_min),
    )


def samplers_needed(rules: RulesLike, population: int) -> int:
    """Samplers needed to finish a round in time: population ÷ people per sampler (360)."""
    return math.ceil(population / _params(rules).screening.people_per_sampler)


def pool_ratio(rules: RulesLike, *, zone: str, group: str | None = None) -> tuple[int, bool]:
    """``(people per tube, one tube per household)`` for a zone (risk-level code or
    ``other``) and an optional population group; the group's rule wins (R7)."""
    pooling = _params(rules).pooling
    if group is not None and group in pooling.by_group:
        rule = pooling.by_group[group]
    else:
        rule = pooling.by_zone.get(zone) or pooling.by_zone["other"]
    return rule.ratio, rule.per_household


def risk_level_name(rules: RulesLike, code: str, *, language: str) -> str:
    """The name of zone ``code`` in ``language`` (Chinese names for ``zh*``, else English):
    the risk level's name, "Other areas" (translated) for people outside any risk area, the
    code itself for a level these rules do not have (a round opened under earlier rules)."""
    chinese = language.lower().startswith("zh")
    if code == ZONE_OTHER:
        return str(_("Other areas"))
    for level in _params(rules).risk_areas.levels:
        if level.code == code:
            return level.name_zh if chinese else level.name_en
    return code


def first_screening_hours(rules: RulesLike, zones: Iterable[str]) -> int | None:
    """The tightest first-screening limit of the risk levels among ``zones`` (8th edition:
    封控区 24 h, 管控区 48 h), ``None`` when none of them sets one."""
    hours = [
        level.first_screening_within_hours
        for level in _params(rules).risk_areas.levels
        if level.code in set(zones) and level.first_screening_within_hours is not None
    ]
    return min(hours) if hours else None


def turnaround_hours(rules: RulesLike, category: str) -> int:
    """Hours within which a result of ``category`` is due (R13); a category the rules do not
    state takes the pooled-screening target."""
    targets = _params(rules).turnaround.targets
    target = targets.get(category) or targets.get(TurnaroundCategory.POOLED_SCREENING)
    if target is None:
        raise KeyError(f"no turnaround target for {category} or pooled screening")
    return target.target_hours
