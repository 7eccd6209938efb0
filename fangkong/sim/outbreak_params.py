"""Parameters of the outbreak model: infection layers, per-venue hazards, transmission and
behaviour (:class:`OutbreakParams`). Published values are cited; the rest are labelled
assumptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from fangkong.sim.course import CourseParams
from fangkong.sim.places import Category


class Layer(IntEnum):
    """Where an infection happened (seeds and imports come from outside)."""

    SEED = 0
    HOUSEHOLD = 1
    WORK = 2
    SCHOOL = 3
    VENUE = 4


LAYER_NAMES = tuple(layer.name.lower() for layer in Layer)

#: Per-hour hazard of close co-presence with an infectious person, over a whole course, and
#: how many of the people present count as close (assumptions: enclosed places where people
#: eat, exercise or sit together higher; large halls lower).
VENUE_HAZARD: dict[Category, float] = {
    Category.SUPERMARKET: 0.15,
    Category.MARKET: 0.2,
    Category.RESTAURANT: 0.3,
    Category.TRANSIT: 0.4,
    Category.HOSPITAL: 0.15,
    Category.PHARMACY: 0.15,
    Category.GYM: 0.3,
    Category.MALL: 0.1,
    Category.ENTERTAINMENT: 0.25,
    Category.CARE_HOME: 0.3,
}
CLOSE_CONTACTS: dict[Category, float] = {
    Category.SUPERMARKET: 8,
    Category.MARKET: 10,
    Category.RESTAURANT: 10,
    Category.TRANSIT: 20,
    Category.HOSPITAL: 8,
    Category.PHARMACY: 4,
    Category.GYM: 8,
    Category.MALL: 10,
    Category.ENTERTAINMENT: 15,
    Category.CARE_HOME: 8,
}


@dataclass(frozen=True)
class OutbreakParams:
    """Transmission and behaviour; ``course`` holds the natural history.

    * ``household_sar`` 0.427: Omicron household secondary attack rate, Madewell et al., JAMA
      Netw Open 2022 — here the average chance that a fully susceptible member present all
      along is infected over an infectious person's course (:func:`course_beta`).
    * ``team_probability`` 0.2, ``class_probability`` 0.08, ``site_contacts`` 3 per day at
      ``site_probability`` 0.03: the same for a work-team member, a classmate and a random
      person of the same site met that day (assumptions).
    * ``venue_hazard`` and ``close_contacts`` per venue category (see ``VENUE_HAZARD``): in a
      crowd larger than ``close_contacts`` the hazard per pair is scaled by close / crowd, so
      a visit exposes about ``close_contacts`` people closely however big the hall.
    * ``transmissibility`` scales every layer.
    * ``stay_home`` 0.5: symptomatic people who stay home (assumption).
    * ``seeds`` infected before day 0, ``imports`` a day (Poisson) after.
    """

    course: CourseParams = field(default_factory=CourseParams)
    transmissibility: float = 1.0
    household_sar: float = 0.427
    team_probability: float = 0.2
    class_probability: float = 0.08
    site_contacts: float = 3.0
    site_probability: float = 0.03
    venue_hazard: tuple[float, ...] = tuple(VENUE_HAZARD.get(c, 0.0) for c in Category)
    close_contacts: tuple[float, ...] = tuple(CLOSE_CONTACTS.get(c, 1.0) for c in Category)
    stay_home: float = 0.5
    seeds: int = 20
    imports: float = 0.0
