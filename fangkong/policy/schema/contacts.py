"""Close contacts and the quarantine plans of each group (§2.2, R2, R3)."""

from __future__ import annotations

from pydantic import StrictBool, model_validator

from fangkong.policy.choices import HomePhaseKind, SwabSite
from fangkong.policy.schema.base import DayNumber, Days, FrozenModel


def _check_days(test_days: tuple[int, ...], days: int, label: str) -> None:
    if list(test_days) != sorted(set(test_days)):
        raise ValueError(f"{label} test days must be strictly increasing")
    if test_days and test_days[-1] > days:
        raise ValueError(f"{label} test day {test_days[-1]} is after the last day ({days})")


class ContactRules(FrozenModel):
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


class QuarantinePlan(FrozenModel):
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
