"""Reads of risk areas, scoped to the actor's subtree, and the lifting assessment.

An area is in scope when the node holding it lies in the actor's subtree
(:mod:`fangkong.regions.subtree`). The assessment reads the clock from the area and the
screening rounds over it from the lab's bindings and tube results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.lab.choices import MemberOutcome, TubeResult
from fangkong.lab.models import Binding, RoundArea
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.rules import EffectiveRules, risk_area_next_level
from fangkong.policy.schema import LiftRule
from fangkong.policy.selectors import rules_for
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.risk_areas.choices import RiskAreaStatus
from fangkong.risk_areas.models import AreaInfection, RiskArea, RiskAreaEvent


def risk_area_scope(actor: AnyActor) -> QuerySet[RiskArea]:
    """Areas whose node lies in the actor's subtree (every area for the system actor)."""
    return RiskArea.objects.select_related("region").filter(
        in_subtree(actor.region_path, field="region__path")
    )


def risk_area_list(
    *, actor: AnyActor, level: str = "", status: str = "", region: Region | None = None
) -> QuerySet[RiskArea]:
    """Areas in scope, newest designation first, optionally at one level, in one status, or
    under one node (the one filter of the list page and the API)."""
    queryset = risk_area_scope(actor)
    if level:
        queryset = queryset.filter(level=level)
    if status:
        queryset = queryset.filter(status=status)
    if region is not None:
        queryset = queryset.filter(in_subtree(region.path, field="region__path"))
    return queryset.order_by("-designated_at", "-id")


def risk_area_events(area: RiskArea) -> QuerySet[RiskAreaEvent]:
    """The area's history, oldest first."""
    return RiskAreaEvent.objects.filter(area=area).order_by("at", "id")


def risk_area_infections(area: RiskArea) -> QuerySet[AreaInfection]:
    """Infections found in the area, latest first."""
    return AreaInfection.objects.filter(area=area).order_by("-found_on", "-id")


def risk_areas_covering(
    region: Region, *, building: str = "", unit: str = ""
) -> QuerySet[RiskArea]:
    """The open (designated) areas a place lies in: a residence at node ``region`` in
    ``building`` and stairwell ``unit`` (as households store them). An area covers it when
    its node is ``region`` or an ancestor and, for a building or a unit, the building (and
    unit) match. Not scoped to an actor: the callers are services acting on a case the
    actor may already see (``cases``). One query; oldest designation first."""
    whole = [
        DesignationUnit.COMPOUND,
        DesignationUnit.WORKPLACE,
        DesignationUnit.COUNTY_REMAINDER,
    ]
    places = Q(unit__in=whole)
    if building:
        places |= Q(unit=DesignationUnit.BUILDING, building=building)
        if unit:
            places |= Q(unit=DesignationUnit.UNIT, building=building, stairwell=unit)
    return (
        RiskArea.objects.select_related("region")
        .filter(
            places,
            status=RiskAreaStatus.DESIGNATED,
            region__path__in=_ancestor_paths(region.path),
        )
        .order_by("designated_at", "id")
    )


def area_today(region: Region, now: datetime | None = None) -> date:
    """Today in the node's time zone (the lifting clock counts local days)."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(region.time_zone)).date()


# --- the screening round over an area -------------------------------------------------------


@dataclass(frozen=True)
class RoundCheck:
    """A screening round's bindings in an area: when its sampling there began, how many
    people it sampled there and how many of them are negative (a negative tube, or cleared by
    single re-test)."""

    round_code: str
    round_name: str
    sampled_on: date
    sampled: int
    negative: int

    @property
    def all_negative(self) -> bool:
        return self.sampled > 0 and self.negative == self.sampled


def _ancestor_paths(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: index + 1]) for index in range(len(parts))]


def area_rounds(area: RiskArea, *, since: date, until: date) -> list[RoundCheck]:
    """Screening rounds over ``area`` whose sampling in it began between ``since`` and
    ``until`` (local days, both included), latest first.

    1. A round covers the area when one of its areas is the area's node, an ancestor of it
       (a round over the district) or a node below it (a round over the compound's grid).
    2. Its bindings in the area are the screening bindings (not re-tests) of people sampled
       at the area's node or below; for a building or a stairwell unit, only households with
       that building (and unit).
    3. Per round: the first scan, the people sampled and the negatives, in one grouped query.
    """
    zone = ZoneInfo(area.region.time_zone)
    start = datetime.combine(since, time.min, tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    covering = RoundArea.objects.filter(
        Q(region__path__in=_ancestor_paths(area.region.path))
        | in_subtree(area.region.path, field="region__path")
    ).values("round_id")
    # the area's nodes as ids: the (round, region) index of the bindings answers both keys
    nodes = Region.objects.filter(in_subtree(area.region.path)).values("id")
    bindings = Binding.objects.filter(round_id__in=covering, region_id__in=nodes, retest=False)
    if area.unit in (DesignationUnit.BUILDING, DesignationUnit.UNIT):
        bindings = bindings.filter(household__building=area.building)
    if area.unit == DesignationUnit.UNIT:
        bindings = bindings.filter(household__unit=area.stairwell)
    negative = Q(outcome__in=[MemberOutcome.NEGATIVE, MemberOutcome.CLEARED]) | Q(
        outcome=MemberOutcome.PENDING, tube__result=TubeResult.NEGATIVE
    )
    rows = (
        bindings.values("round_id", "round__code", "round__name")
        .annotate(
            first=Min("scanned_at"), sampled=Count("id"), negative=Count("id", filter=negative)
        )
        .filter(first__gte=start, first__lt=end)
        .order_by("-first")
    )
    return [
        RoundCheck(
            round_code=str(row["round__code"]),
            round_name=row["round__name"],
            sampled_on=timezone.localtime(row["first"], zone).date(),
            sampled=row["sampled"],
            negative=row["negative"],
        )
        for row in rows
    ]


# --- the lifting assessment -----------------------------------------------------------------


@dataclass(frozen=True)
class LiftingAssessment:
    """Where an area stands against the lifting rule of the rules in force today.

    ``target`` is the level it steps down to (``None``: lifted to routine control);
    ``unmet`` the conditions still missing (``days_without_new_infection``,
    ``screening_round_all_negative``, ``last_close_contact``, ``higher_levels_remaining``,
    ``no_lifting_rule``, ``level_not_in_rules``); ``due`` when none is. Under rules without
    risk areas (10th edition) every area is due to be lifted. ``next_possible_on`` is the
    first day the clock (and the close-contact condition) allows, ``round`` the round that
    meets the screening condition or, failing one, the latest round in its window.
    """

    rules_label: str
    enabled: bool
    level: str
    target: str | None
    days_clean: int
    days_required: int | None
    next_possible_on: date | None
    round_required: bool
    round_window: tuple[date, date] | None
    round: RoundCheck | None
    round_all_negative: bool
    contact_days: int | None
    contact_more_than_days: int | None
    higher_levels_remaining: int
    unmet: tuple[str, ...]

    @property
    def due(self) -> bool:
        return not self.unmet


def _rule_of(rules: EffectiveRules, area: RiskArea) -> LiftRule | None:
    spec = rules.parameters.risk_areas.level(area.level)
    return (spec.lift_after_step_down if area.stepped_down else None) or spec.lift


def _round_window(rule: LiftRule, clock_from: date, today: date) -> tuple[date, date] | None:
    """The days the required round's sampling may begin on: from day N of the clock (9th
    edition: "an all-negative round on day 7"), or within the days before lifting and after
    the last infection (legacy zones: "within the 2 days before lifting")."""
    if rule.round_all_negative_on_day is not None:
        return clock_from + timedelta(days=rule.round_all_negative_on_day), today
    if rule.round_within_days_before_lift is not None:
        earliest = today - timedelta(days=rule.round_within_days_before_lift)
        return max(earliest, clock_from + timedelta(days=1)), today
    return None


def higher_levels_in_county(area: RiskArea, rules: EffectiveRules) -> int:
    """Designated areas of a higher level than ``area``'s in the same county (a level that
    lifts with the higher ones waits for them)."""
    codes = [level.code for level in rules.parameters.risk_areas.levels]
    if area.level not in codes:
        return 0
    higher = codes[: codes.index(area.level)]
    if not higher:
        return 0
    parts = area.region.path.split(".")
    county = ".".join(parts[: RegionLevel.COUNTY]) if len(parts) >= RegionLevel.COUNTY else ""
    return (
        RiskArea.objects.filter(status=RiskAreaStatus.DESIGNATED, level__in=higher)
        .filter(in_subtree(county, field="region__path"))
        .exclude(pk=area.pk)
        .count()
    )


def lifting_assess(area: RiskArea, *, today: date | None = None) -> LiftingAssessment:
    """The assessment of ``area`` under the rules in force at its node today (no scope
    check: the services and the periodic job call it; interfaces use
    :func:`risk_area_lifting_assess`).

    1. Rules without risk areas: due, to routine control.
    2. A level the rules do not have (designated under an earlier edition): not due until
       someone sets a level of these rules (``level_not_in_rules``).
    3. Otherwise the clock (today − ``clock_from``), the round the rule asks for over the
       area, the last close contact (legacy zones, "more than" N days) and the higher levels
       left in the county go to :func:`fangkong.policy.rules.risk_area_next_level`.
    """
    today = today or area_today(area.region)
    rules = rules_for(area.region, today)
    days_clean = (today - area.clock_from).days
    areas = rules.parameters.risk_areas
    contact_days = (
        (today - area.last_contact_exposure_on).days if area.last_contact_exposure_on else None
    )
    if not areas.enabled or area.level not in {level.code for level in areas.levels}:
        # no rule to read: no risk areas at all (lift), or a level of earlier rules (set one)
        return LiftingAssessment(
            rules_label=rules.label,
            enabled=areas.enabled,
            level=area.level,
            target=None,
            days_clean=days_clean,
            days_required=None,
            next_possible_on=None if areas.enabled else today,
            round_required=False,
            round_window=None,
            round=None,
            round_all_negative=False,
            contact_days=contact_days,
            contact_more_than_days=None,
            higher_levels_remaining=0,
            unmet=("level_not_in_rules",) if areas.enabled else (),
        )
    rule = _rule_of(rules, area)
    window = _round_window(rule, area.clock_from, today) if rule else None
    rounds = area_rounds(area, since=window[0], until=window[1]) if window else []
    passed = next((check for check in rounds if check.all_negative), None)
    higher = higher_levels_in_county(area, rules)
    step = risk_area_next_level(
        rules,
        area.level,
        days_clean,
        passed is not None,
        stepped_down=area.stepped_down,
        last_close_contact_days=contact_days,
        last_close_contact_negative=area.last_contact_negative,
        higher_levels_remaining=higher,
    )
    next_on: date | None = None
    if rule is not None:
        candidates = [today]
        if rule.days_without_new_infection is not None:
            candidates.append(area.clock_from + timedelta(days=rule.days_without_new_infection))
        if rule.last_close_contact_more_than_days is not None and area.last_contact_exposure_on:
            candidates.append(
                area.last_contact_exposure_on
                + timedelta(days=rule.last_close_contact_more_than_days + 1)
            )
        next_on = max(candidates)
    return LiftingAssessment(
        rules_label=rules.label,
        enabled=True,
        level=area.level,
        target=rule.to_level if rule else area.level,
        days_clean=days_clean,
        days_required=rule.days_without_new_infection if rule else None,
        next_possible_on=next_on,
        round_required=window is not None,
        round_window=window,
        round=passed or (rounds[0] if rounds else None),
        round_all_negative=passed is not None,
        contact_days=contact_days,
        contact_more_than_days=rule.last_close_contact_more_than_days if rule else None,
        higher_levels_remaining=higher,
        unmet=step.unmet,
    )


def risk_area_lifting_assess(
    *, actor: AnyActor, area: RiskArea, today: date | None = None
) -> LiftingAssessment:
    """The lifting assessment of an area the actor reached through ``access_risk_area``
    (days clean, next possible lifting date, the round over the area all negative or not)."""
    del actor  # the area came through access_risk_area, which checked role and scope
    return lifting_assess(area, today=today)
