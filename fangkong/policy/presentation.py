"""Turning typed rule parameters into readable, translated table rows for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from fangkong.core.chinese import in_script, localised_name
from fangkong.policy import choices as vocabularies
from fangkong.policy.choices import (
    ZONE_OTHER,
    HomePhaseKind,
    PoolingGroup,
    QuarantineGroup,
    SwabSite,
    TestKind,
    TurnaroundCategory,
)
from fangkong.policy.schema import (
    KeyGroupSchedule,
    LiftRule,
    QuarantinePlan,
    RuleParameters,
    parameters_flatten,
)

Text = str | Promise


@dataclass(frozen=True)
class PlanRow:
    group: Text
    plan: QuarantinePlan | None
    home_kind: Text
    central_tests: str
    home_tests: str
    swab: Text
    notes: str


@dataclass(frozen=True)
class LevelRow:
    name: str
    code: str
    first_screening: str
    lift: str
    lift_after_step_down: str
    on_new_infection: str


@dataclass(frozen=True)
class Sections:
    """Everything the detail and effective pages show, in display order."""

    contacts: list[tuple[Text, str]]
    plans: list[PlanRow]
    risk_enabled: bool
    levels: list[LevelRow]
    risk_notes: list[tuple[Text, str]]
    pool_zones: list[tuple[str, str]]
    pool_groups: list[tuple[Text, str]]
    pool_notes: list[tuple[Text, str]]
    key_groups: list[tuple[str, str, Text]]
    turnaround: list[tuple[Text, str]]
    turnaround_notes: list[tuple[Text, str]]
    screening: list[tuple[Text, str]]
    tests: list[tuple[Text, str]]


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _days(values: tuple[int, ...]) -> str:
    return ", ".join(str(day) for day in values) or "—"


def _opt(value: object, template: str | None = None) -> str:
    if value is None:
        return "—"
    return template % {"value": value} if template else str(value)


def lift_text(rule: LiftRule | None, names: dict[str, str]) -> str:
    """One sentence for a lifting rule, e.g. "7 days without new infection; an all-negative
    round on day 7 → 中风险区"."""
    if rule is None:
        return "—"
    parts = []
    if rule.days_without_new_infection is not None:
        parts.append(
            _("%(days)s days without new infection") % {"days": rule.days_without_new_infection}
        )
    if rule.round_all_negative_on_day is not None:
        parts.append(
            _("an all-negative round on day %(day)s") % {"day": rule.round_all_negative_on_day}
        )
    if rule.round_within_days_before_lift is not None:
        parts.append(
            _("an all-negative round within %(days)s days before lifting")
            % {"days": rule.round_within_days_before_lift}
        )
    if rule.last_close_contact_more_than_days is not None:
        parts.append(
            _("last close contact exposed more than %(days)s days ago, tested negative")
            % {"days": rule.last_close_contact_more_than_days}
        )
    if rule.when_higher_levels_lifted:
        parts.append(_("all higher-level areas of the county lifted"))
    target = names.get(rule.to_level or "", "") if rule.to_level else _("routine control")
    return _("%(conditions)s → %(target)s") % {"conditions": "; ".join(parts), "target": target}


def cadence_text(schedule: KeyGroupSchedule) -> str:
    if schedule.interval_days is not None:
        if schedule.interval_days == 1:
            return _("every day")
        return _("every %(days)s days") % {"days": schedule.interval_days}
    if schedule.times_per_week is not None:
        return _("%(times)s times a week") % {"times": schedule.times_per_week}
    share = round((schedule.rolling_share_per_day or 0) * 100)
    return _("%(share)s%% of the group each day, rolling") % {"share": share}


def _plan_row(group: str, plan: QuarantinePlan | None) -> PlanRow:
    label = QuarantineGroup(group).label
    if plan is None:
        return PlanRow(label, None, "—", "—", "—", "—", "")
    notes = []
    if plan.double_sampling_before_release:
        notes.append(_("double sampling and testing before release"))
    return PlanRow(
        group=label,
        plan=plan,
        home_kind=HomePhaseKind(plan.home_kind).label if plan.home_kind else "—",
        central_tests=_days(plan.central_test_days),
        home_tests=_days(plan.home_test_days),
        swab=SwabSite(plan.swab_site).label if plan.swab_site else "—",
        notes="; ".join(notes),
    )


def sections(parameters: RuleParameters) -> Sections:
    """All display rows for one complete parameter set."""
    contacts = parameters.contacts
    areas = parameters.risk_areas
    names = {level.code: localised_name(level.name_zh, level.name_en) for level in areas.levels}
    pooling = parameters.pooling
    screening = parameters.screening
    deadline = "; ".join(
        (
            _("up to %(people)s people: %(hours)s h")
            % {"people": f"{tier.population_up_to:,}", "hours": tier.hours}
            if tier.population_up_to is not None
            else _("any size: %(hours)s h") % {"hours": tier.hours}
        )
        for tier in screening.round_deadline
    )
    return Sections(
        contacts=[
            (_("Close contacts identified"), _yes(contacts.close_contact_identification)),
            (
                _("Window before onset or sampling"),
                _opt(contacts.close_contact_window_days, _("%(value)s days")),
            ),
            (_("Secondary contacts identified"), _yes(contacts.secondary_contacts_enabled)),
        ],
        plans=[_plan_row(group, parameters.plan(group)) for group in QuarantineGroup.values],
        risk_enabled=areas.enabled,
        levels=[
            LevelRow(
                name=localised_name(level.name_zh, level.name_en),
                code=level.code,
                first_screening=_opt(level.first_screening_within_hours, _("%(value)s h")),
                lift=lift_text(level.lift, names),
                lift_after_step_down=lift_text(level.lift_after_step_down, names),
                on_new_infection=names.get(level.new_infection_becomes or "", "—"),
            )
            for level in areas.levels
        ],
        risk_notes=[
            (
                _("An infection in a person already isolated resets the clock"),
                _yes(areas.isolated_infection_resets_clock),
            )
        ],
        pool_zones=[
            (
                names.get(zone, _("Other areas") if zone == ZONE_OTHER else zone),
                _pool(rule.ratio, rule.per_household),
            )
            for zone, rule in pooling.by_zone.items()
        ],
        pool_groups=[
            (PoolingGroup(group).label, _pool(rule.ratio, rule.per_household))
            for group, rule in pooling.by_group.items()
        ],
        pool_notes=[
            (_("Most people per tube"), str(pooling.max_ratio)),
        ],
        key_groups=[
            (
                localised_name(schedule.name_zh, schedule.name_en),
                cadence_text(schedule),
                TestKind(schedule.test_kind).label,
            )
            for schedule in parameters.key_groups.values()
        ],
        turnaround=[
            (TurnaroundCategory(category).label, f"{target.target_hours} h")
            for category, target in parameters.turnaround.targets.items()
        ],
        turnaround_notes=[
            (
                _("Pooled positive notified within"),
                _("%(minutes)s min")
                % {"minutes": parameters.turnaround.pooled_positive_notify_minutes},
            ),
            (
                _("Police told of a pooled positive"),
                _yes(parameters.turnaround.pooled_positive_notify_police),
            ),
        ],
        screening=[
            (_("Area screening"), _yes(screening.area_screening_enabled)),
            (_("Routine all-resident testing by area"), _yes(screening.routine_area_testing)),
            (_("Round deadline"), deadline),
            (
                _("People per sampling point"),
                f"{screening.people_per_sampling_point_min:,}–"
                f"{screening.people_per_sampling_point_max:,}",
            ),
            (_("People per sampler"), f"{screening.people_per_sampler:,}"),
        ],
        tests=[
            (
                _("Landing test of an arrival within"),
                _opt(parameters.arrivals.test_within_hours, _("%(value)s h")),
            ),
            (
                _("PCR after a positive antigen test"),
                _yes(parameters.antigen.pcr_after_positive),
            ),
            (
                _("PCR after a negative antigen test of a suspected person"),
                _yes(parameters.antigen.pcr_after_negative_if_suspected),
            ),
            (
                _("A new case reported within"),
                _opt(parameters.investigation.report_hours, _("%(value)s h")),
            ),
            (
                _("Its core facts within"),
                _opt(parameters.investigation.core_facts_hours, _("%(value)s h")),
            ),
            (
                _("Its full investigation within"),
                _opt(parameters.investigation.full_hours, _("%(value)s h")),
            ),
        ],
    )


def _pool(ratio: int, per_household: bool) -> str:
    if per_household:
        return _("one tube per household (at most %(ratio)s)") % {"ratio": ratio}
    if ratio == 1:
        return _("single tube")
    return _("%(ratio)s in 1") % {"ratio": ratio}


def flat_rows(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """A partial (override) parameter set as ``(path, value shown)`` rows."""
    names = level_names(parameters)
    return [
        (path, value_text(value, names))
        for path, value in sorted(parameters_flatten(parameters).items())
    ]


def _vocabulary() -> dict[str, Text]:
    """Every value of the rule sets' vocabularies (``pcr_or_antigen``, ``home_isolation``…)
    with its label."""
    labels: dict[str, Text] = {}
    for item in vars(vocabularies).values():
        if isinstance(item, type) and issubclass(item, models.Choices):
            labels.update({str(value): label for value, label in item.choices})
    labels[ZONE_OTHER] = _("Other areas")
    return labels


@dataclass(frozen=True)
class ComparedRow:
    """One parameter of a comparison as shown: both values through :func:`value_text`."""

    path: str
    a: str
    b: str
    changed: bool


def compared_rows(diffs: list[Any], names: dict[str, str]) -> list[ComparedRow]:
    """``rule_set_compare``'s rows with their values as a page shows them."""
    return [
        ComparedRow(
            path=diff.path,
            a=value_text(diff.a, names) if diff.in_a else "—",
            b=value_text(diff.b, names) if diff.in_b else "—",
            changed=diff.changed,
        )
        for diff in diffs
    ]


def level_names(*parameter_sets: dict[str, Any]) -> dict[str, str]:
    """Risk-level code → name in the page's language, from raw parameter sets (whole or
    partial)."""
    names: dict[str, str] = {}
    for parameters in parameter_sets:
        for level in (parameters.get("risk_areas") or {}).get("levels") or []:
            if isinstance(level, dict) and level.get("code"):
                names[str(level["code"])] = localised_name(
                    str(level.get("name_zh", "")), str(level.get("name_en", ""))
                ) or str(level["code"])
    return names


def value_text(value: Any, names: dict[str, str] | None = None) -> str:
    """One rule value as a page shows it: 是/否 for a flag, a vocabulary value by its label,
    a risk level by its name (``names``: code → name), lists joined, Chinese text in the
    page's script; never ``True``, ``False``, ``None`` or a raw code."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item, names) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {value_text(item, names)}" for key, item in value.items()) or "—"
    if isinstance(value, str):
        if names and value in names:
            return names[value]
        label = _vocabulary().get(value)
        return str(label) if label is not None else in_script(value)
    return str(value)
