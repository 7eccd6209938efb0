"""Places: a deterministic map, venues with codes and Zipf popularity, sites for everybody."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fangkong.sim.city import city_generate
from fangkong.sim.places import (
    CELL_METRES,
    LOCAL_WORK_SHARE,
    SCHOOL_BANDS,
    VENUE_DENSITY,
    ZIPF_EXPONENT,
    Places,
    hilbert_xy,
    places_generate,
)

AS_OF = date(2022, 4, 1)


@pytest.fixture(scope="module")
def city():
    return city_generate(residents=6_000, seed=21, as_of=AS_OF)


@pytest.fixture(scope="module")
def places(city) -> Places:
    return places_generate(city, seed=4)


@pytest.fixture(scope="module")
def large() -> Places:
    return places_generate(city_generate(residents=60_000, seed=8, as_of=AS_OF), seed=8)


def _frames(p: Places) -> list[pl.DataFrame]:
    return [p.households, p.persons, p.venues, p.sites, p.cells]


def test_same_seed_gives_the_same_places(city, places):
    again = places_generate(city, seed=4)
    for left, right in zip(_frames(places), _frames(again), strict=True):
        assert_frame_equal(left, right)


def test_a_different_seed_gives_different_places(city, places):
    other = places_generate(city, seed=5)
    assert not places.venues["x"].equals(other.venues["x"])
    assert not places.persons["site"].equals(other.persons["site"])


def test_hilbert_curve_visits_every_square_once_with_unit_steps():
    x, y = hilbert_xy(3, np.arange(64))
    assert len(set(zip(x.tolist(), y.tolist(), strict=True))) == 64
    steps = np.abs(np.diff(x)) + np.abs(np.diff(y))
    assert (steps == 1).all()


def test_households_and_venues_lie_in_the_800_m_cells_of_the_map(places):
    assert places.cells.height == places.columns * places.rows
    for frame in (places.households, places.venues):
        x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
        assert (x >= 0).all()
        assert (x < places.width).all()
        assert (y >= 0).all()
        assert (y < places.height).all()
        cell = (y // CELL_METRES).astype(int) * places.columns + (x // CELL_METRES).astype(int)
        assert (cell == frame["cell"].to_numpy()).all()


def test_density_is_about_the_target(large):
    # a Hilbert prefix fills its bounding box only partly: between a third and all of it
    area_km2 = large.width * large.height / 1e6
    density = large.persons.height / area_km2
    assert 4_000 < density < 12_500


def test_districts_occupy_compact_areas(large):
    houses = large.households
    spread = houses.group_by("district").agg(pl.col("x").std(), pl.col("y").std())
    assert spread["x"].max() < large.width / 2
    assert spread["y"].max() < large.height / 2


def test_venue_codes_are_unique_and_name_the_district(places):
    venues = places.venues
    assert venues["code"].n_unique() == venues.height
    assert venues["code"].str.contains(r"^V\d{12}$").all()
    assert (venues["code"].str.slice(1, 6) == venues["district"]).all()


def test_every_district_has_each_visited_category_in_proportion(large):
    venues = large.venues
    for category, density in VENUE_DENSITY.items():
        count = venues.filter(pl.col("category") == category.name.lower()).height
        expected = large.persons.height * density / 10_000
        assert count >= len(large.districts)
        assert abs(count - expected) <= max(0.15 * expected, len(large.districts)), category


def test_popularity_is_zipf_within_category_and_district(large):
    visited = [c.name.lower() for c in VENUE_DENSITY]
    venues = large.venues.filter(pl.col("category").cast(pl.String).is_in(visited))
    for (_, _), group in venues.group_by("category", "district"):
        ranks = np.sort(group["rank"].to_numpy())
        assert (ranks == np.arange(1, ranks.size + 1)).all()
    restaurants = venues.filter(pl.col("category") == "restaurant")
    slope = np.polyfit(
        np.log(restaurants["rank"].to_numpy()), np.log(restaurants["popularity"].to_numpy()), 1
    )[0]
    assert slope == pytest.approx(-ZIPF_EXPONENT, abs=1e-6)


def test_every_worker_and_pupil_has_a_site_and_a_team(places):
    persons = places.persons.with_columns(pl.col("occupation").cast(pl.String))
    working = persons.filter(~pl.col("occupation").is_in(["", "none", "retired", "student"]))
    assert (working["site"] >= 0).all()
    assert (working["team"] >= 0).all()
    pupils = persons.filter((pl.col("age") >= 6) & (pl.col("age") <= 17))
    assert (pupils["site"] >= 0).all()
    idle = persons.filter(pl.col("occupation").is_in(["", "none", "retired"]))
    assert (idle["site"] == -1).all()


def test_pupils_attend_a_school_of_their_age_band(large):
    joined = large.persons.filter(pl.col("occupation").cast(pl.String) == "student").join(
        large.sites.select("site", "sector", "kind"), on="site"
    )
    assert (joined["kind"] == 1).all()
    for band, low, high, _, _, _ in SCHOOL_BANDS:
        ages = joined.filter(pl.col("sector") == band)["age"]
        assert ages.len() > 0
        assert ages.min() >= low, band
        assert ages.max() <= high, band


def test_classes_have_one_age_and_at_most_the_class_size(large):
    pupils = large.persons.filter(pl.col("occupation").cast(pl.String) == "student")
    classes = pupils.group_by("team").agg(pl.col("age").n_unique(), pl.len())
    assert (classes["age"] == 1).all()
    assert classes["len"].max() <= max(band[4] for band in SCHOOL_BANDS)


def test_site_sizes_match_their_people_and_firms_are_heavy_tailed(large):
    counted = large.persons.filter(pl.col("site") >= 0).group_by("site").len()
    sizes = large.sites.join(counted, on="site", how="left").fill_null(0)
    assert (sizes["size"] == sizes["len"]).all()
    firms = large.sites.filter(pl.col("sector") == "office")["size"].to_numpy()
    assert np.median(firms) <= 4
    assert firms.max() >= 50 * np.median(firms)
    # the complementary distribution falls like s^-1.06 (Axtell 2001): fit on 2…200
    s = np.arange(2, 201)
    ccdf = np.asarray([(firms >= k).mean() for k in s])
    slope = np.polyfit(np.log(s), np.log(ccdf), 1)[0]
    assert -1.35 < slope < -0.8


def test_most_workers_work_in_their_home_district(large):
    workers = large.persons.filter(
        (pl.col("site") >= 0) & (pl.col("occupation").cast(pl.String) != "student")
    ).join(large.sites.select("site", site_district="district"), on="site")
    home = np.asarray(large.districts)[workers["district"].to_numpy()]
    local = (home == workers["site_district"].to_numpy()).mean()
    assert local > LOCAL_WORK_SHARE - 0.1


def test_sites_are_hosted_by_venues_of_the_right_category(large):
    hosted = large.sites.join(large.venues.select("venue", "category"), on="venue").with_columns(
        pl.col("category").cast(pl.String), pl.col("sector").cast(pl.String)
    )
    expected = {
        "hospital": {"hospital"},
        "market": {"market"},
        "transit": {"transit"},
        "care_home": {"care_home"},
        "office": {"office"},
        "retail": {"supermarket", "restaurant", "mall", "gym", "entertainment", "pharmacy"},
    }
    for band in SCHOOL_BANDS:
        expected[band[0]] = {"school"}
    for sector, categories in expected.items():
        found = set(hosted.filter(pl.col("sector") == sector)["category"].unique().to_list())
        assert found <= categories, sector


def test_fever_clinics_are_hospitals_and_every_city_has_one(places):
    clinics = places.venues.filter(pl.col("fever_clinic"))
    assert clinics.height >= 1
    assert (clinics["category"] == "hospital").all()
