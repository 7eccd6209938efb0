"""Daily life: deterministic days, ordered scans, stays and arrival times as designed, venue
popularity visible in the visits, dwell intervals that agree with the scans."""

from __future__ import annotations

import math
from datetime import date
from statistics import NormalDist

import numpy as np
import polars as pl
import pytest

from fangkong.sim import routine
from fangkong.sim.city import city_generate
from fangkong.sim.life import Life, LifeParams, epoch_of
from fangkong.sim.places import Category, places_generate
from fangkong.sim.plan import DAY, KIND_VISIT
from fangkong.sim.routine import HOURLY, STAY, PersonClass

START = date(2022, 4, 4)  # a Monday


@pytest.fixture(scope="module")
def places():
    return places_generate(city_generate(residents=8_000, seed=31, as_of=START), seed=31)


@pytest.fixture(scope="module")
def week(places):
    life = Life(places, start=START, seed=7)
    days = [life.day(d) for d in range(7)]
    return life, days


def _scans(days):
    return pl.concat([d.scans().with_columns(day=pl.lit(d.day)) for d in days])


def test_same_seed_same_days_and_different_seed_different_days(places, week):
    _, days = week
    again = Life(places, start=START, seed=7)
    other = Life(places, start=START, seed=8)
    for d in range(2):
        mine, same, different = days[d], again.day(d), other.day(d)
        assert mine.scans().equals(same.scans())
        assert mine.dwells().equals(same.dwells())
        assert not mine.scans().equals(different.scans())


def test_plan_days_must_be_a_multiple_of_a_week():
    with pytest.raises(ValueError, match="multiple of 7"):
        LifeParams(plan_days=10)


def test_routine_repeats_every_plan_period_with_a_fresh_shift(places):
    life = Life(places, start=START, seed=3, params=LifeParams(plan_days=7))
    first, second = life.day(0), life.day(7)
    assert first.plan is second.plan
    assert (first.scan_venue == second.scan_venue).all()
    moved = second.scan_arrival - first.scan_arrival - 7 * DAY
    assert np.abs(moved).max() <= 2 * 30 * 60
    assert (moved != 0).mean() > 0.9


def test_times_are_epoch_seconds_from_local_midnight(week):
    life, days = week
    assert life.epoch == epoch_of(START) == 1_649_001_600  # 2022-04-04 00:00 UTC+8
    scans = days[0].scans()
    assert scans["arrival"].min() >= life.epoch - 3600


def test_each_persons_scans_are_ordered_and_do_not_overlap(week):
    _, days = week
    for day in days:
        person, arrival, departure = day.scan_person, day.scan_arrival, day.scan_departure
        assert (departure > arrival).all()
        same = person[1:] == person[:-1]
        assert (np.diff(person) >= 0).all()
        assert (arrival[1:][same] >= departure[:-1][same]).all()


def test_work_and_school_only_on_their_days(week):
    _, days = week
    kinds = [np.bincount(d.scan_kind, minlength=3) for d in days]
    for weekday, count in enumerate(kinds):
        if weekday < 5:
            assert count[2] > 0  # school
        else:
            assert count[2] == 0
        assert count[1] > 0  # shift workers work at weekends too
    assert kinds[0][1] > 2 * kinds[5][1]


def test_visits_per_person_and_day_are_plausible(places, week):
    _, days = week
    visits = np.mean([(d.scan_kind == KIND_VISIT).sum() / places.persons.height for d in days])
    assert 0.8 < visits < 1.6


def _plan_visits(life, places, days: int) -> pl.DataFrame:
    frames = []
    for d in range(days):
        plan = life.plan(d)
        anchored = np.zeros(places.persons.height, dtype=bool)
        anchored[plan.anchor_person] = True
        visit = plan.scan_kind == KIND_VISIT
        frames.append(
            pl.DataFrame(
                {
                    "person": plan.scan_person[visit],
                    "venue": plan.scan_venue[visit],
                    "arrival": plan.scan_arrival[visit],
                    "stay": plan.scan_departure[visit] - plan.scan_arrival[visit],
                    "anchored": anchored[plan.scan_person[visit]],
                }
            )
        )
    categories = places.venues.select("venue", "category", "district", "rank")
    return pl.concat(frames).join(categories, on="venue")


@pytest.fixture(scope="module")
def visits(places):
    life = Life(places, start=START, seed=11)
    return _plan_visits(life, places, 14)


def test_stays_follow_their_capped_log_normal(visits):
    """Stays of people without work or school that day are drawn untouched: quartiles and
    the share at the cap agree with (median, σ, cap) within tolerance."""
    free = visits.filter(~pl.col("anchored"))
    for category, (median, sigma, cap) in STAY.items():
        minutes = free.filter(pl.col("category") == category.name.lower())["stay"].to_numpy() / 60
        if minutes.size < 400:
            continue
        normal = NormalDist(math.log(median), sigma)
        for q in (0.25, 0.5, 0.75):
            expected = min(math.exp(normal.inv_cdf(q)), cap)
            assert np.quantile(minutes, q) == pytest.approx(expected, rel=0.08), (category, q)
        at_cap = (minutes >= cap - 0.5).mean()
        assert at_cap == pytest.approx(1 - normal.cdf(math.log(cap)), abs=0.02), category
        assert minutes.max() <= cap + 0.5


def test_arrivals_follow_the_hourly_profile_of_the_category(visits):
    hour = (visits["arrival"] // 3600).to_numpy()
    category = visits["category"].cast(pl.String).to_numpy()
    for cat in (Category.RESTAURANT, Category.MARKET, Category.TRANSIT, Category.MALL):
        mine = hour[category == cat.name.lower()]
        profile = np.asarray(HOURLY[cat])
        open_hours = profile[np.minimum(mine, 23)] > 0
        assert open_hours.mean() > 0.95, cat  # pushed visits may spill past closing
    restaurant = hour[category == "restaurant"]
    meals = np.isin(restaurant, [11, 12, 13, 17, 18, 19, 20]).mean()
    assert meals > 0.6
    market = hour[category == "market"]
    assert (market < 10).mean() > 0.5
    transit = hour[category == "transit"]
    rush = np.isin(transit, [7, 8, 17, 18]).mean()
    assert rush > 4 / 17  # more than a flat profile over the 17 open hours


def test_visit_counts_follow_venue_popularity(visits):
    """Within a category and district, visits per venue fall with the Zipf rank: the log-log
    slope of counts against rank is close to −1 (the mixture with city-wide visits and
    sampling noise loosen it)."""
    local = visits.filter(pl.col("category") == "restaurant")
    counts = local.group_by("venue", "rank", "district").len()
    slopes = []
    for (_,), group in counts.group_by("district"):
        ranked = group.sort("rank").filter(pl.col("rank") <= 20)
        if ranked.height >= 10:
            slopes.append(
                np.polyfit(np.log(ranked["rank"].to_numpy()), np.log(ranked["len"].to_numpy()), 1)[
                    0
                ]
            )
    assert slopes
    assert -1.3 < float(np.mean(slopes)) < -0.6


def test_anchored_people_visit_only_before_or_after_work(places, week):
    _, days = week
    plan = days[0].plan
    start = np.full(places.persons.height, -1)
    end = np.full(places.persons.height, -1)
    start[plan.anchor_person], end[plan.anchor_person] = plan.anchor_start, plan.anchor_end
    visit = plan.scan_kind == KIND_VISIT
    person = plan.scan_person[visit]
    arrival, departure = plan.scan_arrival[visit], plan.scan_departure[visit]
    anchored = start[person] >= 0
    before = departure <= start[person]
    after = arrival >= end[person]
    assert (before | after)[anchored].all()


def test_every_scan_lies_in_a_dwell_interval_in_the_venue_cell(places, week):
    _, days = week
    """Over the whole period (a visit in the home cell belongs to a night at home emitted on
    the next day out, or at the end)."""
    life, days = week
    cells = places.venues.select("venue", pl.col("cell").alias("venue_cell"))
    scans = _scans(days).join(cells, on="venue").sort("person", "arrival")
    dwells = pl.concat([d.dwells() for d in days] + [life.finish(len(days))])
    matched = scans.join_asof(
        dwells.sort("person", "start"),
        left_on="arrival",
        right_on="start",
        by="person",
        strategy="backward",
        check_sortedness=False,
    )
    assert matched["cell"].null_count() == 0
    assert (matched["cell"] == matched["venue_cell"]).all()
    assert (matched["end"] >= matched["departure"]).all()


def test_dwell_intervals_do_not_overlap_and_cover_most_of_the_time(places):
    life = Life(places, start=START, seed=5)
    days = 5
    frames = [life.day(d).dwells() for d in range(days)]
    frames.append(life.finish(days))
    dwells = pl.concat(frames).sort("person", "start")
    assert (dwells["end"] >= dwells["start"]).all()
    person = dwells["person"].to_numpy()
    start, end = dwells["start"].to_numpy(), dwells["end"].to_numpy()
    same = person[1:] == person[:-1]
    assert (start[1:][same] >= end[:-1][same]).all()
    covered = (end - start).sum() / (places.persons.height * days * DAY)
    assert 0.9 < covered <= 1.0
    home = places.households["cell"].to_numpy()[places.persons["household_key"].to_numpy()]
    first = dwells.group_by("person").agg(pl.col("cell").first(), pl.col("start").first())
    assert (first["start"] == life.epoch).all()
    assert (first["cell"].to_numpy() == home[first["person"].to_numpy()]).all()


def test_people_kept_home_leave_no_scans_and_stay_in_their_home_cell(places):
    life = Life(places, start=START, seed=9)
    home = np.zeros(places.persons.height, dtype=bool)
    home[::3] = True
    day = life.day(0, home=home)
    assert not home[day.scan_person].any()
    assert not home[day.dwell_person].any()
    free = Life(places, start=START, seed=9).day(0)
    assert set(free.scan_person[~home[free.scan_person]]) == set(day.scan_person)
    tail = life.finish(1).filter(pl.col("person") % 3 == 0)
    assert (tail["start"] == life.epoch).all()


def test_behaviour_tables_are_complete():
    assert set(routine.SLOT_USE) == set(PersonClass)
    assert all(len(v) == len(routine.VISIT_CATEGORIES) for v in routine.PREFERENCE.values())
    table = routine.discrete_table(np.asarray([1.0, 0.0, 1e-9, 3.0]), 10)
    assert table.size == 1024
    assert set(np.unique(table).tolist()) == {0, 2, 3}
    assert (table == 3).mean() == pytest.approx(0.75, abs=0.01)
