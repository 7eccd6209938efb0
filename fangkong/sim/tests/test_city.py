"""The generator: deterministic, valid identity numbers, and shares close to the targets."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from fangkong.core.addresses import parse_address
from fangkong.core.idcard import check_char, parse_resident_id
from fangkong.core.names import MIDDLE_DOTS
from fangkong.sim import identity, namedata, tree
from fangkong.sim.city import City, city_generate

AS_OF = date(2022, 4, 1)
TOLERANCE = 0.02  # percentage points, as a share


@pytest.fixture(scope="module")
def big() -> City:
    return city_generate(residents=200_000, seed=11, as_of=AS_OF)


@pytest.fixture(scope="module")
def small() -> City:
    return city_generate(residents=3_000, seed=5, as_of=AS_OF)


def _frames(city: City) -> list[pl.DataFrame]:
    return [city.regions, city.households, city.persons, city.documents, city.needs]


def test_same_seed_gives_identical_frames(small):
    again = city_generate(residents=3_000, seed=5, as_of=AS_OF)
    for left, right in zip(_frames(small), _frames(again), strict=True):
        assert_frame_equal(left, right)


def test_a_different_seed_gives_a_different_city(small):
    other = city_generate(residents=3_000, seed=6, as_of=AS_OF)
    assert small.persons["name"].to_list() != other.persons["name"].to_list()
    assert small.documents["number"].to_list() != other.documents["number"].to_list()


def test_exactly_the_requested_number_of_residents_for_odd_sizes():
    for residents in (1, 2, 7, 999):
        city = city_generate(residents=residents, seed=1, as_of=AS_OF)
        assert city.persons.height == residents
        assert city.households["size"].sum() == residents
        assert city.persons["household_key"].max() == city.households.height - 1


def test_refuses_an_empty_city():
    with pytest.raises(ValueError, match="at least one"):
        city_generate(residents=0, seed=1, as_of=AS_OF)


def test_every_resident_id_passes_the_checksum_and_matches_birth_and_sex(big):
    ids = big.documents.filter(pl.col("doc_type") == "01").join(
        big.persons, on="person_key", how="left"
    )
    numbers = ids["number"].to_numpy().astype("U18")
    assert identity.id_checksum_valid(numbers).all()
    births = ids["birth_date"].dt.strftime("%Y%m%d").to_list()
    assert all(number[6:14] == born for number, born in zip(numbers, births, strict=True))
    male = ids["sex"].to_numpy() == "M"
    parity = np.asarray([int(number[16]) % 2 == 1 for number in numbers])
    assert (parity == male).all()
    assert ids["number"].n_unique() == ids.height


def test_resident_ids_agree_with_the_scalar_validator(small):
    rows = small.documents.filter(pl.col("doc_type") == "01").join(small.persons, on="person_key")
    for number, sex, born in rows.select("number", "sex", "birth_date").iter_rows():
        parsed = parse_resident_id(number, declared_sex=sex, declared_birth_date=born)
        assert parsed.warnings == ()
        assert check_char(number[:17]) == number[17]


def test_birth_dates_give_the_stated_age_on_the_reference_date(big):
    persons = big.persons
    born = persons["birth_date"].to_list()
    ages = persons["age"].to_list()
    for birth, age in zip(born[:20_000], ages[:20_000], strict=True):
        had_birthday = (AS_OF.month, AS_OF.day) >= (birth.month, birth.day)
        assert AS_OF.year - birth.year - (0 if had_birthday else 1) == age


def test_household_sizes_follow_the_2020_census(big):
    sizes = big.households["size"].to_numpy()
    targets = {1: 0.25, 2: 0.30, 3: 0.21, 4: 0.13}
    for size, share in targets.items():
        assert abs((sizes == size).mean() - share) < TOLERANCE, size
    assert abs((sizes >= 5).mean() - 0.11) < TOLERANCE
    assert 2.5 < sizes.mean() < 2.7


def test_ages_follow_the_census_pyramid(big):
    ages = big.persons["age"].to_numpy()
    assert abs((ages < 15).mean() - 0.18) < TOLERANCE
    assert abs(((ages >= 15) & (ages < 60)).mean() - 0.63) < TOLERANCE
    assert abs((ages >= 60).mean() - 0.19) < TOLERANCE
    assert ages.max() <= 100


def test_households_are_plausible_families(big):
    persons = big.persons
    heads = persons.filter(pl.col("relation") == "head")
    assert heads.height == big.households.height
    assert heads["age"].min() >= 20
    children = persons.filter(pl.col("relation") == "child").join(
        heads.select("household_key", head_age="age"), on="household_key"
    )
    assert (children["head_age"] - children["age"]).min() >= 20
    alone = big.households.filter(pl.col("size") == 1)
    assert (
        alone["household_key"].is_in(persons.filter(pl.col("age") < 18)["household_key"].implode())
    ).sum() == 0


def test_surnames_follow_the_national_weights(big):
    han = big.persons.filter(~pl.col("minority") & ~pl.col("foreign") & ~pl.col("traditional"))
    names = han["name"]
    weights = dict(namedata.SURNAMES_TOP100 + namedata.SURNAMES_TAIL)
    total = sum(weights.values())
    compound = [s for s in weights if len(s) == 2]
    first_two = names.str.slice(0, 2)
    surname = pl.Series([two if two in compound else two[0] for two in first_two.to_list()])
    shares = dict(surname.value_counts(normalize=True).iter_rows())
    for name, weight in namedata.SURNAMES_TOP100[:10]:
        assert abs(shares[name] - weight / total) < 0.006, name
    assert set(shares) <= set(weights)


def test_minority_traditional_and_foreign_names_have_their_shares(big):
    persons = big.persons
    minority = persons.filter(pl.col("minority"))
    assert 0.005 < minority.height / persons.height < 0.02
    assert minority["name"].str.contains("·", literal=True).all()
    assert all(any(dot in name for dot in MIDDLE_DOTS) for name in minority["name"].head(50))
    assert 0.003 < persons["traditional"].mean() < 0.008
    foreign = persons.filter(pl.col("foreign"))
    assert 0.003 < foreign.height / persons.height < 0.008
    assert foreign["name"].str.contains(r"^[A-Z]+( [A-Z]+)+$").all()
    passports = big.documents.filter(pl.col("doc_type") == "03")
    assert sorted(passports["person_key"].to_list()) == sorted(foreign["person_key"].to_list())
    assert passports["number"].str.contains(r"^[A-Z0-9]{7,10}$").all()
    assert big.documents["person_key"].n_unique() == persons.height


def test_phones_are_valid_mobiles_and_some_are_shared_by_a_household(big):
    persons = big.persons
    phones = persons.filter(pl.col("phone") != "")["phone"]
    assert phones.str.contains(r"^1(3[0-9]|5[0-35-9]|66|7[0-35-8]|8[0-9]|9[13589])[0-9]{8}$").all()
    children = persons.filter(pl.col("age") < 15)
    without = (children["phone"] == "").mean()
    assert 0.05 < without < 0.15
    assert persons.filter(pl.col("age") >= 15)["phone"].str.len_chars().min() == 11
    shared = persons.filter(pl.col("phone") != "").group_by("household_key", "phone").len()
    assert shared.filter(pl.col("len") > 1).height > 0


def test_special_needs_have_their_shares(big):
    persons = big.persons.select("person_key", "age", "sex", "household_key")
    needs = big.needs.join(persons, on="person_key")
    count = {kind: needs.filter(pl.col("kind") == kind).height for kind in needs["kind"].unique()}
    n = persons.height
    elderly = persons.filter(pl.col("age") >= 60).height
    women = persons.filter((pl.col("sex") == "F") & pl.col("age").is_between(20, 40)).height
    sizes = big.households.select("household_key", "size")
    alone_60 = persons.join(sizes, on="household_key").filter(
        (pl.col("size") == 1) & (pl.col("age") >= 60)
    )
    assert abs(count["elderly_alone"] / alone_60.height - 0.9) < 0.03
    assert abs(count["pregnant"] / women - 0.01) < 0.004
    assert abs(count["dialysis"] / n - 0.0005) < 0.0003
    assert abs(count["chronic"] / elderly - 0.15) < TOLERANCE
    assert abs(count["disability"] / n - 0.06) < 0.01
    assert needs.filter(pl.col("kind") == "pregnant")["sex"].unique().to_list() == ["F"]
    assert not big.needs.select("person_key", "kind").is_duplicated().any()


def test_occupations_cover_the_key_groups(big):
    adults = big.persons.filter(pl.col("age").is_between(23, 59))
    kinds = set(adults["occupation"].unique())
    assert {
        "medical",
        "cold_chain",
        "delivery",
        "transport",
        "school_staff",
        "elderly_care",
    } <= kinds
    assert set(big.persons.filter(pl.col("age") < 6)["occupation"].unique()) == {""}


def test_the_tree_has_gb2260_codes_and_realistic_grid_sizes(big):
    regions = big.regions
    assert regions.filter(pl.col("level") == 1)["code"].to_list() == [tree.PROVINCE_CODE]
    assert regions.filter(pl.col("level") == 2)["code"].to_list() == [tree.CITY_CODE]
    lengths = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12, 6: 15}
    for code, level, parent in regions.select("code", "level", "parent_code").iter_rows():
        assert len(code) == lengths[level]
        if level >= 4:
            assert code.startswith(parent)
    assert regions["code"].n_unique() == regions.height
    per_grid = big.households.group_by("region_code").len()["len"]
    assert per_grid.min() >= 300
    assert per_grid.max() <= 1500
    grids = set(regions.filter(pl.col("level") == 6)["code"])
    assert set(big.persons["region_code"].unique()) <= grids
    assert regions.filter(pl.col("level") == 3).height >= 2


def test_addresses_split_exactly_as_parse_address_does(big):
    sample = big.households.sample(2_000, seed=3)
    for address, building, unit, room in sample.select(
        "address", "building", "unit", "room"
    ).iter_rows():
        parts = parse_address(address)
        assert (parts.building, parts.unit, parts.room) == (building, unit, room)
    dwellings = big.households.select("region_code", "compound", "building", "unit", "room")
    assert not dwellings.is_duplicated().any()


def test_passport_numbers_are_distinct_even_when_collisions_are_certain():
    import numpy as np

    from fangkong.sim.identity import passport_numbers

    prefixes = np.asarray(["E"] * 80)
    numbers = passport_numbers(prefixes, np.full(80, 2, dtype=np.int64), np.random.default_rng(1))
    assert len(set(numbers.tolist())) == 80
    assert all(len(number) == 3 and number.startswith("E") for number in numbers)
