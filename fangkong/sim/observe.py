"""What a command centre would see of an outbreak: event streams, apart from the ground truth.

Pure NumPy/Polars (no Django). :func:`observations_generate` turns an
:class:`~fangkong.sim.outbreak.OutbreakResult` into four frames (times in int64 epoch
seconds, dates as ``pl.Date`` in China Standard Time) that later modules ingest through their
own services:

* ``fever_clinic``: person, venue (a hospital with a fever clinic in the home district,
  by popularity), time — a share of symptomatic cases a few days after onset, plus people
  with a non-COVID fever (a daily background rate);
* ``pharmacy``: person, venue (a pharmacy in the home district), time, drug — registered
  purchases of the four watched drug classes (antipyretics, cough medicine, antivirals,
  antibiotics) by cases after onset and by the background fevers;
* ``absences``: person, site, date, illness — pupils and students missing school on a school
  day: everyone kept home by the outbreak (ill and staying in, in hospital) and a background
  of absences (some for a fever);
* ``tests``: person, sampled, reported, positive, reason — symptomatic cases tested after a
  delay (``PcrPolicy``), every fever-clinic visitor at the visit, and a daily random
  screening share; positive only inside the detectable window (with a sensitivity), never
  for someone not infected.

Rates here are assumptions, set as parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from fangkong.sim.course import lognormal
from fangkong.sim.life import UTC_OFFSET
from fangkong.sim.outbreak import OutbreakResult
from fangkong.sim.places import Places, SiteKind
from fangkong.sim.plan import DAY

Int64 = npt.NDArray[np.int64]
DRUGS = ("antipyretic", "cough", "antiviral", "antibiotic")
TEST_REASONS = ("symptomatic", "fever_clinic", "screening")
OPEN_HOURS = (8 * 3600, 21 * 3600)


@dataclass(frozen=True)
class PcrPolicy:
    """Who gets a PCR test: ``symptomatic_share`` of symptomatic cases, ``delay`` (mean, sd
    days, log-normal) after onset; fever-clinic visitors always; ``screening_share`` of
    everybody each day. Results after ``turnaround_hours`` (uniform); positive with
    ``sensitivity`` from ``lead_days`` before infectiousness to ``tail_days`` after it."""

    symptomatic_share: float = 0.6
    delay: tuple[float, float] = (1.5, 1.0)
    screening_share: float = 0.0
    turnaround_hours: tuple[float, float] = (6.0, 24.0)
    sensitivity: float = 0.95
    lead_days: float = 0.5
    tail_days: float = 5.0


@dataclass(frozen=True)
class ObservationParams:
    """Care-seeking and background rates (assumptions)."""

    testing: PcrPolicy = field(default_factory=PcrPolicy)
    fever_clinic_share: float = 0.3
    fever_clinic_delay: tuple[float, float] = (1.0, 0.8)
    pharmacy_share: float = 0.4
    pharmacy_delay: tuple[float, float] = (0.8, 0.6)
    drug_shares: tuple[float, ...] = (0.6, 0.25, 0.1, 0.05)
    background_fever: float = 0.0005  # new non-COVID fevers per person per day
    background_fever_days: int = 2
    background_absence: float = 0.004  # per pupil per school day, other reasons


@dataclass(frozen=True)
class Observations:
    """The four observed event streams (see the module docstring)."""

    fever_clinic: pl.DataFrame
    pharmacy: pl.DataFrame
    absences: pl.DataFrame
    tests: pl.DataFrame


def _choose_venues(
    places: Places, mask: npt.NDArray[np.bool_], district: Int64, rng: np.random.Generator
) -> Int64:
    """A venue among ``mask`` for each district index, by popularity, preferring the district."""
    venues = places.venues
    ids = np.flatnonzero(mask)
    out = np.zeros(district.shape[0], dtype=np.int64)
    if ids.size == 0:
        raise ValueError("the city has no venue of the kind needed")
    weight = venues["popularity"].to_numpy()[ids].astype(np.float64)
    venue_district = (
        venues["district"].cast(pl.Enum(places.districts)).to_physical().to_numpy()[ids]
    )
    for d in np.unique(district):
        rows = np.flatnonzero(district == d)
        local = venue_district == d
        pool, w = (ids[local], weight[local]) if local.any() else (ids, weight)
        out[rows] = rng.choice(pool, rows.size, p=w / w.sum())
    return out


def _in_hours(time: Int64, rng: np.random.Generator) -> Int64:
    """Move a time to opening hours on its day (or the next morning if after closing)."""
    day = time // DAY
    second = time - day * DAY
    low, high = OPEN_HOURS
    late = second >= high
    day = day + late
    drawn = low + (rng.random((time.shape[0],)) * (high - low)).astype(np.int64)
    second = np.where(late | (second < low), drawn, second)
    return np.asarray(day * DAY + second, dtype=np.int64)


def observations_generate(
    places: Places,
    result: OutbreakResult,
    *,
    seed: int,
    params: ObservationParams | None = None,
) -> Observations:
    """The observed event streams of ``result`` over its days (see the module docstring).

    1. Background fevers: a Poisson number a day among people not infected at the time.
    2. Fever-clinic visits and pharmacy purchases: shares of symptomatic cases after onset
       (before recovery), and of background fevers.
    3. School absences: pupils kept home on school days, plus background absences.
    4. Tests: symptomatic testing, fever-clinic testing, screening; results from the truth.
    """
    params = params or ObservationParams()
    policy = params.testing
    rng = np.random.default_rng([seed, 5])
    epoch, days, n = result.epoch, result.days, result.residents
    end = days * DAY
    courses = result.courses
    person_case = np.full(n, -1, dtype=np.int64)
    case_person = courses["person"].to_numpy().astype(np.int64)
    person_case[case_person] = np.arange(case_person.size)

    def times(name: str, fill: int) -> Int64:
        return np.asarray(courses[name].fill_null(fill + epoch).to_numpy() - epoch, dtype=np.int64)

    infected = times("infected", end + DAY)
    infectious_start = times("infectious_start", end + DAY)
    infectious_end = times("infectious_end", end + DAY)
    onset = times("onset", end + DAY)
    recovered = times("recovered", 10 * end + 10 * DAY)
    hospitalised = times("hospitalised", 10 * end + 10 * DAY)
    died = times("died", 10 * end + 10 * DAY)
    symptomatic = courses["symptomatic"].to_numpy()
    stays_home = courses["stays_home"].to_numpy()
    district = places.persons["district"].to_numpy().astype(np.int64)

    def infected_at(person: Int64, time: Int64) -> npt.NDArray[np.bool_]:
        """Whether ``person`` is between infection and recovery at ``time``."""
        case = person_case[person]
        safe = np.maximum(case, 0)
        return (case >= 0) & (infected[safe] <= time) & (time < recovered[safe])

    # 1. background fevers
    per_day = rng.poisson(params.background_fever * n, days)
    bg_person = rng.integers(0, n, int(per_day.sum())).astype(np.int64)
    bg_start = np.repeat(np.arange(days, dtype=np.int64) * DAY, per_day) + (
        rng.random(bg_person.size) * DAY
    ).astype(np.int64)
    healthy = ~infected_at(bg_person, bg_start) & ~infected_at(
        bg_person, bg_start + params.background_fever_days * DAY
    )
    bg_person, bg_start = bg_person[healthy], bg_start[healthy]

    # 2. fever clinics and pharmacies
    sick = np.flatnonzero(symptomatic & (onset < end))

    def after_onset(share: float, delay: tuple[float, float]) -> tuple[Int64, Int64]:
        chosen = sick[rng.random(sick.size) < share]
        when = onset[chosen] + (lognormal(rng, delay, chosen.size) * DAY).astype(np.int64)
        when = _in_hours(np.minimum(when, recovered[chosen] - DAY // 2), rng)
        when = np.maximum(when, onset[chosen])
        ok = (when >= 0) & (when < recovered[chosen]) & (when < hospitalised[chosen]) & (when < end)
        return case_person[chosen[ok]], when[ok]

    def background(share: float) -> tuple[Int64, Int64]:
        chosen = rng.random(bg_person.size) < share
        return bg_person[chosen], _in_hours(bg_start[chosen], rng)

    venues = places.venues
    fever_mask = venues["fever_clinic"].to_numpy()
    pharmacy_mask = (venues["category"] == "pharmacy").to_numpy()
    f_person, f_time = (
        np.concatenate(parts)
        for parts in zip(
            after_onset(params.fever_clinic_share, params.fever_clinic_delay),
            background(params.fever_clinic_share),
            strict=True,
        )
    )
    keep = f_time < end
    f_person, f_time = f_person[keep], f_time[keep]
    fever_clinic = pl.DataFrame(
        {
            "person": f_person.astype(np.int32),
            "venue": _choose_venues(places, fever_mask, district[f_person], rng).astype(np.int32),
            "time": f_time + epoch,
        }
    ).sort("time", "person")
    p_person, p_time = (
        np.concatenate(parts)
        for parts in zip(
            after_onset(params.pharmacy_share, params.pharmacy_delay),
            background(params.pharmacy_share),
            strict=True,
        )
    )
    keep = p_time < end
    p_person, p_time = p_person[keep], p_time[keep]
    shares = np.asarray(params.drug_shares)
    pharmacy = pl.DataFrame(
        {
            "person": p_person.astype(np.int32),
            "venue": _choose_venues(places, pharmacy_mask, district[p_person], rng).astype(
                np.int32
            ),
            "time": p_time + epoch,
            "drug": pl.Series(
                np.asarray(DRUGS)[rng.choice(len(DRUGS), p_person.size, p=shares / shares.sum())]
            ).cast(pl.Enum(DRUGS)),
        }
    ).sort("time", "person")

    # 3. school absences
    start_day = date(1970, 1, 1) + timedelta(seconds=epoch + UTC_OFFSET)
    site = places.persons["site"].to_numpy().astype(np.int64)
    site_kind = places.sites["kind"].to_numpy()
    occupation = places.persons["occupation"].cast(pl.String).to_numpy()
    pupil = (site >= 0) & (site_kind[np.maximum(site, 0)] == SiteKind.SCHOOL)
    pupil &= occupation == "student"
    pupils = np.flatnonzero(pupil)
    absent_person: list[Int64] = []
    absent_day: list[Int64] = []
    absent_ill: list[npt.NDArray[np.bool_]] = []
    case_of_pupil = person_case[pupils]
    ill_pupils = pupils[case_of_pupil >= 0]
    ill_case = case_of_pupil[case_of_pupil >= 0]
    bg_pupil = bg_person[pupil[bg_person]]
    bg_pupil_start = bg_start[pupil[bg_person]]
    for d in range(days):
        if (start_day + timedelta(days=d)).weekday() >= 5:
            continue
        noon = d * DAY + DAY // 2
        home = (
            (stays_home[ill_case] & (onset[ill_case] <= noon) & (recovered[ill_case] > noon))
            | ((hospitalised[ill_case] <= noon) & (recovered[ill_case] > noon))
            | (died[ill_case] <= noon)
        )
        feverish = bg_pupil[
            (bg_pupil_start <= noon) & (noon < bg_pupil_start + params.background_fever_days * DAY)
        ]
        other = pupils[rng.random(pupils.size) < params.background_absence]
        people = np.concatenate([ill_pupils[home], feverish, other])
        ill = np.concatenate(
            [np.ones(int(home.sum()) + feverish.size, dtype=bool), np.zeros(other.size, bool)]
        )
        people, first = np.unique(people, return_index=True)
        absent_person.append(people)
        absent_day.append(np.full(people.size, d, dtype=np.int64))
        absent_ill.append(ill[first])
    a_person = np.concatenate(absent_person) if absent_person else np.zeros(0, np.int64)
    a_day = np.concatenate(absent_day) if absent_day else np.zeros(0, np.int64)
    absences = pl.DataFrame(
        {
            "person": a_person.astype(np.int32),
            "site": site[a_person].astype(np.int32),
            "date": pl.Series((np.datetime64(start_day, "D") + a_day).astype("datetime64[D]")).cast(
                pl.Date
            ),
            "illness": np.concatenate(absent_ill) if absent_ill else np.zeros(0, bool),
        }
    )

    # 4. tests
    tested = sick[rng.random(sick.size) < policy.symptomatic_share]
    s_time = onset[tested] + (lognormal(rng, policy.delay, tested.size) * DAY).astype(np.int64)
    keep = (
        (s_time >= 0) & (s_time < end) & (s_time < hospitalised[tested]) & (s_time < died[tested])
    )
    screen_count = (
        rng.binomial(n, policy.screening_share, days)
        if policy.screening_share
        else np.zeros(days, np.int64)
    )
    screened = rng.integers(0, n, int(screen_count.sum())).astype(np.int64)
    screen_time = np.repeat(np.arange(days, dtype=np.int64) * DAY, screen_count) + (
        rng.random(screened.size) * DAY
    ).astype(np.int64)
    t_person = np.concatenate([case_person[tested[keep]], f_person, screened])
    t_time = np.concatenate([s_time[keep], f_time, screen_time])
    t_reason = np.repeat(np.arange(3), [int(keep.sum()), f_person.size, screened.size])
    case = person_case[t_person]
    safe = np.maximum(case, 0)
    detectable = (
        (case >= 0)
        & (t_time >= infectious_start[safe] - int(policy.lead_days * DAY))
        & (t_time < infectious_end[safe] + int(policy.tail_days * DAY))
    )
    positive = detectable & (rng.random(t_person.size) < policy.sensitivity)
    low, high = policy.turnaround_hours
    reported = t_time + ((low + rng.random(t_person.size) * (high - low)) * 3600).astype(np.int64)
    tests = pl.DataFrame(
        {
            "person": t_person.astype(np.int32),
            "sampled": t_time + epoch,
            "reported": reported + epoch,
            "positive": positive,
            "reason": pl.Series(np.asarray(TEST_REASONS)[t_reason]).cast(pl.Enum(TEST_REASONS)),
        }
    ).sort("sampled", "person")
    return Observations(
        fever_clinic=fever_clinic, pharmacy=pharmacy, absences=absences, tests=tests
    )
