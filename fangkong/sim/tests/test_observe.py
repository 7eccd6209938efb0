"""Observations: a deterministic, truthful subset of what happened — no positive test without
an infection, clinic visits and purchases by the ill or by background fevers, absences of
pupils kept home."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from fangkong.sim.city import city_generate
from fangkong.sim.observe import ObservationParams, PcrPolicy, observations_generate
from fangkong.sim.outbreak import outbreak_run
from fangkong.sim.places import places_generate

START = date(2022, 4, 4)
DAYS = 21
DAY = 86_400


@pytest.fixture(scope="module")
def places():
    return places_generate(city_generate(residents=8_000, seed=51, as_of=START), seed=51)


@pytest.fixture(scope="module")
def result(places):
    return outbreak_run(places, start=START, days=DAYS, seed=6)


@pytest.fixture(scope="module")
def observed(places, result):
    params = ObservationParams(testing=PcrPolicy(screening_share=0.02))
    return observations_generate(places, result, seed=6, params=params)


def test_same_seed_same_observations_different_seed_different(places, result, observed):
    params = ObservationParams(testing=PcrPolicy(screening_share=0.02))
    again = observations_generate(places, result, seed=6, params=params)
    other = observations_generate(places, result, seed=7, params=params)
    for name in ("fever_clinic", "pharmacy", "absences", "tests"):
        assert getattr(observed, name).equals(getattr(again, name)), name
    assert not observed.tests.equals(other.tests)


def test_every_stream_has_events_inside_the_simulated_days(result, observed):
    end = result.epoch + DAYS * DAY
    for frame, column in (
        (observed.fever_clinic, "time"),
        (observed.pharmacy, "time"),
        (observed.tests, "sampled"),
    ):
        assert frame.height > 0
        assert frame[column].min() >= result.epoch
        assert frame[column].max() < end
    assert observed.absences.height > 0


def test_positive_tests_belong_to_people_infected_at_the_time(result, observed):
    courses = result.courses.select("person", "infected", "infectious_start", "infectious_end")
    positive = observed.tests.filter(pl.col("positive")).join(courses, on="person", how="left")
    assert positive["infected"].null_count() == 0
    assert (positive["sampled"] >= positive["infected"]).all()
    tail = int(PcrPolicy().tail_days * DAY)
    assert (positive["sampled"] < positive["infectious_end"] + tail).all()
    never = observed.tests.join(courses, on="person", how="anti")
    assert never.height > 0
    assert not never["positive"].any()
    assert (observed.tests["reported"] > observed.tests["sampled"]).all()


def test_most_tests_inside_the_detectable_window_are_positive(result, observed):
    courses = result.courses.select("person", "infectious_start", "infectious_end")
    tests = observed.tests.join(courses, on="person").filter(
        (pl.col("sampled") >= pl.col("infectious_start"))
        & (pl.col("sampled") < pl.col("infectious_end"))
    )
    assert tests["positive"].mean() == pytest.approx(PcrPolicy().sensitivity, abs=0.05)


def test_clinic_visits_and_purchases_are_by_the_ill_or_the_background(places, result, observed):
    courses = result.courses.select("person", "infected", "onset", "recovered")
    venues = places.venues.select("venue", "category", "fever_clinic")
    for frame in (observed.fever_clinic, observed.pharmacy):
        joined = frame.join(courses, on="person", how="left")
        case = joined.filter(
            pl.col("infected").is_not_null()
            & (pl.col("time") >= pl.col("infected"))
            & (pl.col("recovered").is_null() | (pl.col("time") < pl.col("recovered")))
        )
        # a case seen while infected is seen after onset
        assert case["onset"].null_count() == 0
        assert (case["time"] >= case["onset"]).all()
        hours = ((frame["time"] - result.epoch) % DAY) // 3600
        assert hours.min() >= 8
        assert hours.max() < 21
    clinics = observed.fever_clinic.join(venues, on="venue")
    assert clinics["fever_clinic"].all()
    shops = observed.pharmacy.join(venues, on="venue")
    assert (shops["category"] == "pharmacy").all()


def test_a_share_of_symptomatic_cases_reaches_a_fever_clinic(result, observed):
    sick = result.courses.filter(
        pl.col("symptomatic") & (pl.col("onset") < result.epoch + (DAYS - 5) * DAY)
    )
    seen = sick.join(observed.fever_clinic, on="person", how="semi").height / sick.height
    assert seen == pytest.approx(ObservationParams().fever_clinic_share, abs=0.08)


def test_pupils_kept_home_are_absent_on_school_days(places, result, observed):
    absences = observed.absences
    assert all(d.weekday() < 5 for d in absences["date"].unique().to_list())
    pupils = places.persons.filter(
        (pl.col("occupation").cast(pl.String) == "student") & (pl.col("site") >= 0)
    )
    assert absences.join(pupils, left_on="person", right_on="person_key", how="anti").height == 0
    sites = absences.join(pupils, left_on="person", right_on="person_key")
    assert (sites["site"] == sites["site_right"]).all()
    ill = result.courses.filter(pl.col("stays_home") & pl.col("onset").is_not_null()).join(
        pupils, left_on="person", right_on="person_key", how="semi"
    )
    expected = 0
    for d in range(DAYS):
        day = START + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        noon = result.epoch + d * DAY + DAY // 2
        home = ill.filter((pl.col("onset") <= noon) & (pl.col("recovered") > noon))
        absent = absences.filter(pl.col("date") == day)
        missing = home.join(absent, on="person", how="anti")
        assert missing.height == 0, day
        expected += home.height
    assert expected > 0
    assert absences.filter(pl.col("illness")).height >= expected


def test_screening_tests_a_share_of_everybody_each_day(places, observed):
    screening = observed.tests.filter(pl.col("reason") == "screening")
    per_day = screening.height / DAYS / places.persons.height
    assert per_day == pytest.approx(0.02, rel=0.1)


def test_background_fevers_come_from_people_not_infected(places, result):
    params = ObservationParams(background_fever=0.01, fever_clinic_share=1.0)
    observed = observations_generate(places, result, seed=9, params=params)
    courses = result.courses.select("person", "infected", "recovered")
    visits = observed.fever_clinic.join(courses, on="person", how="left")
    background = visits.filter(
        pl.col("infected").is_null()
        | (pl.col("time") < pl.col("infected"))
        | (pl.col("time") >= pl.col("recovered"))
    )
    expected = 0.01 * places.persons.height * DAYS
    assert background.height == pytest.approx(expected, rel=0.25)
    assert np.isin(
        observed.pharmacy["drug"].cast(pl.String).unique().to_numpy(),
        ["antipyretic", "cough", "antiviral", "antibiotic"],
    ).all()
