"""Risk-area levels and their lifting clocks (§2.5, R5, R6)."""

from __future__ import annotations

from pydantic import Field, StrictBool, model_validator

from fangkong.policy.choices import ZONE_OTHER
from fangkong.policy.schema.base import (
    Code,
    DayNumber,
    Days,
    DesignationUnitKey,
    FrozenModel,
    Hours,
    ShortText,
)


class LiftRule(FrozenModel):
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


class RiskLevel(FrozenModel):
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


class RiskAreas(FrozenModel):
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
