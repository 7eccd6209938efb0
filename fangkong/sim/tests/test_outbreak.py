"""Transmission: deterministic, nothing without transmissibility, the serial interval of its
parameter, attack rates rising with transmissibility, and a ground truth the scans support."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
import pytest

from fangkong.sim import course
from fangkong.sim.city import city_generate
from fangkong.sim.contacts import course_beta, pick
from fangkong.sim.course import CourseParams, courses_draw, kernel_location, truncated_mean
from fangkong.sim.day import Day
from fangkong.sim.life import Life
from fangkong.sim.outbreak import outbreak_run
from fangkong.sim.outbreak_params import OutbreakParams
from fangkong.sim.parquet import read_table, simulation_write
from fangkong.sim.places import places_generate

START = date(2022, 4, 4)


@pytest.fixture(scope="module")
def places():
    return places_generate(city_generate(residents=6_000, seed=41, as_of=START), seed=41)


@pytest.fixture(scope="module")
def run(places):
    days: list[Day] = []
    result = outbreak_run(places, start=START, days=21, seed=3, on_day=days.append)
    return result, days


def test_same_seed_same_outbreak_and_different_seed_different(places, run):
    result, _ = run
    again = outbreak_run(places, start=START, days=21, seed=3)
    other = outbreak_run(places, start=START, days=21, seed=4)
    assert result.infections.equals(again.infections)
    assert result.courses.equals(again.courses)
    assert not result.infections.equals(other.infections)


def test_zero_transmissibility_infects_nobody_beyond_the_seeds(places):
    params = OutbreakParams(transmissibility=0.0, seeds=25)
    result = outbreak_run(places, start=START, days=30, seed=1, params=params)
    assert result.infections.height == 25
    assert (result.infections["layer"] == "seed").all()
    assert result.daily["infections"].sum() == 0


def test_an_outbreak_spreads_through_every_layer(run):
    result, _ = run
    layers = set(result.infections["layer"].cast(pl.String).unique().to_list())
    assert layers == {"seed", "household", "work", "school", "venue"}
    assert 0.05 < result.attack_rate < 1.0


def test_attack_rate_grows_with_transmissibility():
    places = places_generate(city_generate(residents=10_000, seed=42, as_of=START), seed=42)
    rates = [
        outbreak_run(
            places,
            start=START,
            days=30,
            seed=2,
            params=OutbreakParams(transmissibility=t, seeds=20),
        ).attack_rate
        for t in (0.4, 0.8, 1.6)
    ]
    assert rates[0] < rates[1] < rates[2]
    assert rates[2] > 0.3


def test_the_observed_serial_interval_matches_its_parameter():
    """Pairs seeded on day 0 → their symptomatic infectees, at low transmissibility (no
    depletion) and with nobody staying home: the mean onset-to-onset interval is the
    parameter's. (Repeated contact, as at home, shortens realised intervals at high
    transmissibility, as observed in household studies.)"""
    places = places_generate(city_generate(residents=30_000, seed=43, as_of=START), seed=43)
    params = OutbreakParams(transmissibility=0.3, seeds=1_500, stay_home=0.0)
    intervals = []
    for seed in (1, 2):
        result = outbreak_run(places, start=START, days=16, seed=seed, params=params)
        onsets = result.courses.select("person", "onset", "symptomatic")
        seeds = result.infections.filter(pl.col("layer") == "seed")["person"].implode()
        pairs = (
            result.infections.filter(pl.col("infector").is_in(seeds))
            .join(
                onsets.rename({"person": "infector", "onset": "o1", "symptomatic": "s1"}),
                on="infector",
            )
            .join(onsets, on="person")
            .filter(pl.col("s1") & pl.col("symptomatic"))
        )
        intervals.append(((pairs["onset"] - pairs["o1"]) / 86_400).to_numpy())
    si = np.concatenate(intervals)
    assert si.size > 800
    assert si.mean() == pytest.approx(params.course.serial_interval_mean, abs=0.3)
    assert si.std() == pytest.approx(params.course.serial_interval_sd, abs=0.5)


def test_kernel_location_solves_for_the_serial_interval():
    params = CourseParams()
    location = kernel_location(params)
    rng = np.random.default_rng(0)
    incubation = course.lognormal(rng, (params.incubation_mean, params.incubation_sd), 200_000)
    low = params.latent_min - incubation
    mean_tau = truncated_mean(location, params.kernel_scale, low, params.after_onset).mean()
    assert mean_tau + params.incubation_mean == pytest.approx(params.serial_interval_mean, abs=0.02)
    share = course.infectiousness(
        params, np.zeros(1, dtype=np.int64), np.asarray([low[0]]), -20 * 86_400, 20 * 86_400
    )
    assert share[0] == pytest.approx(1.0)


def test_courses_follow_the_published_omicron_values():
    params = CourseParams()
    rng = np.random.default_rng(1)
    age = rng.integers(0, 90, 100_000)
    drawn = courses_draw(params, np.zeros(age.size, dtype=np.int64), age, rng)
    incubation = drawn.onset / 86_400
    assert incubation.mean() == pytest.approx(3.42, abs=0.05)
    assert incubation.std() == pytest.approx(1.52, abs=0.05)
    # a census-shaped population: about a third asymptomatic (Shang et al. 2022: 32.4 %)
    census = np.concatenate([np.full(18, 5), np.full(63, 35), np.full(19, 70)])
    symptomatic = course.by_age(course.SYMPTOMATIC, census).mean()
    assert 1 - symptomatic == pytest.approx(0.324, abs=0.03)
    assert (drawn.severity[~drawn.symptomatic] == 0).all()
    assert (drawn.hospitalised[drawn.severity >= 2] < course.NEVER).all()
    assert (drawn.died[drawn.severity == 4] > drawn.hospitalised[drawn.severity == 4]).all()
    assert drawn.relative.mean() == pytest.approx(
        symptomatic_mean(drawn.symptomatic, params), rel=0.05
    )


def symptomatic_mean(symptomatic: np.ndarray, params: CourseParams) -> float:
    return float(np.where(symptomatic, 1.0, params.asymptomatic_infectiousness).mean())


def test_household_hazard_gives_the_household_attack_rate_on_average():
    params = CourseParams()
    beta = course_beta(0.427, params)
    rng = np.random.default_rng(2)
    symptomatic = rng.random(400_000) < float(np.mean(course.SYMPTOMATIC))
    k = params.dispersion
    relative = rng.gamma(k, 1 / k, symptomatic.size) * np.where(
        symptomatic, 1.0, params.asymptomatic_infectiousness
    )
    assert (-np.expm1(-beta * relative)).mean() == pytest.approx(0.427, abs=0.005)


def test_poisson_thinning_gives_each_member_its_own_chance():
    rng = np.random.default_rng(3)
    groups = 20_000
    size = np.full(groups, 5, dtype=np.int64)
    first = np.arange(groups, dtype=np.int64) * 5
    hazard = np.full(groups, 0.4)
    own = np.tile(np.asarray([0.4, 0.3, 0.2, 0.1, 0.0]), groups)  # hazard of each member
    draw = pick(first, size, hazard, rng)
    hit = draw.accept(own[draw.slot])
    infected = np.zeros(groups * 5, dtype=bool)
    infected[draw.slot[hit]] = True
    share = infected.reshape(groups, 5).mean(axis=0)
    np.testing.assert_allclose(share, 1 - np.exp(-np.asarray([0.4, 0.3, 0.2, 0.1, 0.0])), atol=0.01)


def test_the_ground_truth_is_supported_by_places_and_scans(places, run):
    result, days = run
    infections = result.infections.filter(pl.col("infector").is_not_null())
    household = places.persons.select("person_key", "household_key", "site")
    joined = infections.join(
        household.rename({"person_key": "person", "household_key": "h2", "site": "s2"}),
        on="person",
    ).join(
        household.rename({"person_key": "infector", "household_key": "h1", "site": "s1"}),
        on="infector",
    )
    home = joined.filter(pl.col("layer") == "household")
    assert (home["h1"] == home["h2"]).all()
    assert (home["place"] == home["h1"]).all()
    sites = joined.filter(pl.col("layer").is_in(["work", "school"]))
    assert (sites["s1"] == sites["place"]).all()
    assert (sites["s2"] == sites["place"]).all()
    # venue infections: both scanned the venue, with stays covering the infection time
    scans = pl.concat([d.scans() for d in days])
    venue = joined.filter(pl.col("layer") == "venue").select("person", "infector", "place", "time")
    for who in ("infector", "person"):
        covered = venue.join(
            scans.rename({"person": who, "venue": "place"}), on=[who, "place"]
        ).filter((pl.col("arrival") <= pl.col("time")) & (pl.col("time") < pl.col("departure")))
        assert covered.select("person", "time").unique().height == venue.height, who
    # infections happen while the infector is infectious, after the infector's own infection
    times = result.courses.select("person", "infectious_start", "infectious_end")
    check = infections.join(times.rename({"person": "infector"}), on="infector")
    assert (check["time"] >= check["infectious_start"]).all()
    assert (check["time"] < check["infectious_end"]).all()


def test_people_kept_home_do_not_scan(run, places):
    result, days = run
    ill = result.courses.filter(pl.col("stays_home") & pl.col("onset").is_not_null())
    for day in days[5:8]:
        noon = day.epoch + day.day * 86_400 + 43_200
        home = ill.filter((pl.col("onset") <= noon) & (pl.col("recovered") > noon))["person"]
        assert not np.isin(day.scan_person, home.to_numpy()).any()


def test_parameters_are_a_frozen_dataclass():
    params = OutbreakParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.transmissibility = 2.0  # type: ignore[misc]
    assert params.course.incubation_mean == 3.42


def test_everything_is_written_to_parquet(places, tmp_path):
    rows = simulation_write(places, tmp_path, start=START, days=3, seed=5)
    for name in ("scans", "dwells", "venues", "infections", "courses", "tests", "absences"):
        table = read_table(tmp_path, name)
        assert table.num_rows == rows[name], name
    scans = read_table(tmp_path, "scans")
    assert scans.schema.field("person").type == "int32"
    assert scans.schema.field("arrival").type == "int64"
    life = Life(places, start=START, seed=5)
    assert rows["scans"] >= sum(life.day(d).scan_person.size for d in range(3)) * 0.9


def test_the_dead_and_the_hospitalised_leave_daily_life(places):
    grave = OutbreakParams(
        course=CourseParams(severe_scale=20.0, death_scale=200.0, onset_to_severe=(1.0, 0.5)),
        seeds=60,
    )
    days: list[Day] = []
    result = outbreak_run(places, start=START, days=21, seed=8, params=grave, on_day=days.append)
    died = result.courses.filter(pl.col("died").is_not_null())
    assert died.height > 0
    admitted = result.courses.filter(pl.col("hospitalised").is_not_null())
    for day in days:
        start = day.epoch + day.day * 86_400
        gone = died.filter(pl.col("died") <= start)["person"].to_numpy()
        inside = admitted.filter(
            (pl.col("hospitalised") <= start)
            & (pl.col("recovered").is_null() | (pl.col("recovered") > start + 86_400))
        )["person"].to_numpy()
        assert not np.isin(day.scan_person, gone).any()
        assert not np.isin(day.scan_person, inside).any()
