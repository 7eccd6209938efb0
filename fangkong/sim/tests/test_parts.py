"""The city in parts: one tree the parts fill together, keys over the whole city, identity
numbers unique across parts, deterministic parts, and a load of several parts."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from django.db import connection
from django.db.models import Count
from polars.testing import assert_frame_equal

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import ValidationFailed
from fangkong.core.idcard import parse_resident_id
from fangkong.core.models import AuditEntry
from fangkong.people.documents import number_index
from fangkong.people.models import Household, IdentityDocument, NodePopulation, Person, PersonNeed
from fangkong.regions.models import Region
from fangkong.sim import identity
from fangkong.sim.city import City, city_generate
from fangkong.sim.load import city_parts_load
from fangkong.sim.parts import CityParts, city_parts

AS_OF = date(2022, 4, 1)


@pytest.fixture(scope="module")
def planned() -> CityParts:
    return city_parts(residents=60_000, seed=17, as_of=AS_OF, part_residents=7_000)


@pytest.fixture(scope="module")
def parts(planned) -> list[City]:
    return list(planned)


def _whole(parts: list[City], name: str) -> pl.DataFrame:
    frames: list[pl.DataFrame] = [getattr(part, name) for part in parts]
    return pl.concat(frames)


def test_parts_are_cut_at_household_boundaries_near_the_part_size(planned, parts):
    assert len(planned) == len(parts) == 9
    sizes = np.diff(planned.person_bounds)
    assert sizes.sum() == planned.residents == 60_000
    assert (np.abs(sizes[:-1] - 7_000) < 8).all()  # a household holds at most 8 people
    assert 0 < sizes[-1] <= 7_000 + 7
    bounds = planned.household_bounds.tolist()
    for index, (part, size) in enumerate(zip(parts, sizes, strict=True)):
        start, stop = bounds[index], bounds[index + 1]
        assert part.persons.height == part.residents == size
        assert part.households.height == stop - start
        assert part.households["household_key"].to_list() == list(range(start, stop))


def test_keys_run_over_the_whole_city_and_stay_inside_their_part(planned, parts):
    households, persons = _whole(parts, "households"), _whole(parts, "persons")
    assert households["household_key"].to_list() == list(range(planned.households))
    assert persons["person_key"].to_list() == list(range(planned.residents))
    for part in parts:
        keys = part.persons["person_key"].implode()
        assert part.persons["household_key"].is_in(part.households["household_key"].implode()).all()
        assert part.documents["person_key"].is_in(keys).all()
        assert part.needs["person_key"].is_in(keys).all()
    members = persons.group_by("household_key").len().sort("household_key")
    assert members["len"].to_list() == households["size"].cast(pl.UInt32).to_list()
    placed = persons.join(households, on="household_key", suffix="_house")
    assert (placed["region_code"] == placed["region_code_house"]).all()
    assert persons.filter(pl.col("relation") == "head").height == planned.households


def test_identity_numbers_are_unique_and_valid_across_all_parts(parts):
    documents, persons = _whole(parts, "documents"), _whole(parts, "persons")
    assert documents["number"].n_unique() == documents.height
    assert documents["person_key"].n_unique() == documents.height == persons.height
    resident = documents.filter(pl.col("doc_type") == "01").join(persons, on="person_key")
    assert identity.id_checksum_valid(resident["number"].to_numpy().astype("U18")).all()
    for number, sex, born in resident.select("number", "sex", "birth_date").head(3_000).iter_rows():
        assert parse_resident_id(number, declared_sex=sex, declared_birth_date=born).warnings == ()
    passports = documents.filter(pl.col("doc_type") == "03")
    foreign = persons.filter(pl.col("foreign"))
    assert sorted(passports["person_key"].to_list()) == sorted(foreign["person_key"].to_list())
    assert passports.height > 100


def test_every_part_carries_the_one_tree_and_together_they_fill_its_grids(planned, parts):
    assert all(part.regions is planned.regions for part in parts)
    grids = planned.regions.filter(pl.col("level") == 6)["code"]
    per_grid = _whole(parts, "households").group_by("region_code").len()
    assert set(per_grid["region_code"]) == set(grids)
    assert per_grid["len"].is_between(300, 1500).all()
    dwellings = _whole(parts, "households").select(
        "region_code", "compound", "building", "unit", "room"
    )
    assert not dwellings.is_duplicated().any()


def test_household_sizes_tree_and_dwellings_are_those_of_city_generate(planned, parts):
    whole = city_generate(residents=60_000, seed=17, as_of=AS_OF)
    assert_frame_equal(planned.regions, whole.regions)
    assert_frame_equal(_whole(parts, "households"), whole.households)


def test_the_same_arguments_give_the_same_parts(planned, parts):
    again = city_parts(residents=60_000, seed=17, as_of=AS_OF, part_residents=7_000)
    for mine, theirs in zip(parts, list(again), strict=True):
        for name in ("households", "persons", "documents", "needs"):
            assert_frame_equal(getattr(mine, name), getattr(theirs, name))
    replay = next(iter(planned))  # a new iteration starts a fresh ledger
    assert_frame_equal(replay.documents, parts[0].documents)
    other = next(iter(city_parts(residents=60_000, seed=18, as_of=AS_OF, part_residents=7_000)))
    assert other.documents["number"].to_list() != parts[0].documents["number"].to_list()


def test_a_single_part_holds_the_whole_city():
    planned = city_parts(residents=999, seed=1, as_of=AS_OF)
    (only,) = list(planned)
    assert only.persons.height == 999
    assert only.households["size"].sum() == 999


def test_refuses_an_empty_city_or_an_empty_part():
    with pytest.raises(ValueError, match="at least one resident"):
        city_parts(residents=0, seed=1, as_of=AS_OF)
    with pytest.raises(ValueError, match="a part needs"):
        city_parts(residents=10, seed=1, as_of=AS_OF, part_residents=0)


def test_the_ledger_continues_a_block_across_calls_and_refuses_a_501st_person():
    ledger = identity.IdentityLedger()
    rng = np.random.default_rng(3)
    county = np.full(250, 447102, dtype=np.int64)
    born = np.full(250, np.datetime64("1990-05-06"), dtype="datetime64[D]")
    men = np.ones(250, dtype=bool)
    first = ledger.resident_ids(county, born, men, rng)
    second = ledger.resident_ids(county, born, men, rng)
    numbers = np.concatenate([first, second]).view("S18").ravel()
    assert np.unique(numbers).size == 500
    sequences = np.asarray([int(n[14:17]) for n in numbers])
    assert (sequences % 2 == 1).all()
    assert identity.id_checksum_valid(numbers.astype("U18")).all()
    women = ledger.resident_ids(county, born, ~men, rng)  # another block: the women's
    assert (np.asarray([int(n[14:17]) for n in women.view("S18").ravel()]) % 2 == 0).all()
    with pytest.raises(ValueError, match="more than 500"):
        ledger.resident_ids(county[:1], born[:1], men[:1], rng)


def test_the_ledger_draws_a_passport_issued_before_again():
    ledger = identity.IdentityLedger()
    rng = np.random.default_rng(4)
    first = ledger.passport_numbers(np.asarray(["E"] * 60), np.full(60, 2, dtype=np.int64), rng)
    second = ledger.passport_numbers(np.asarray(["E"] * 30), np.full(30, 2, dtype=np.int64), rng)
    assert len(set(first.tolist()) | set(second.tolist())) == 90


@pytest.mark.django_db
def test_two_parts_load_into_the_database_under_one_tree():
    planned = city_parts(residents=3_000, seed=9, as_of=AS_OF, part_residents=1_600)
    parts = list(planned)
    seen: list[int] = []
    loaded = city_parts_load(planned, actor=SYSTEM, workers=1, on_part=lambda i, _p: seen.append(i))

    assert seen == [0, 1]
    assert loaded.regions == planned.regions.height == Region.objects.count()
    assert loaded.persons == Person.objects.count() == 3_000
    assert [part.persons for part in loaded.parts] == [p.persons.height for p in parts]
    assert Household.objects.count() == planned.households
    assert IdentityDocument.objects.count() == sum(p.documents.height for p in parts)
    assert PersonNeed.objects.count() == sum(p.needs.height for p in parts)
    assert AuditEntry.objects.filter(action="regions_bulk_load").count() == 1
    assert AuditEntry.objects.filter(action="people_bulk_load").count() == 2
    assert {"generate", "regions", "insert_persons"} <= set(loaded.seconds)
    # The database kept the persons per node through both parts' bulk inserts.
    counted = dict(Person.objects.values_list("region_id").annotate(n=Count("id")).order_by())
    assert dict(NodePopulation.objects.values_list("region_id", "persons")) == counted

    second = loaded.parts[1]
    assert second.person_first_id == loaded.parts[0].person_first_id + parts[0].persons.height
    last = parts[1].persons.join(parts[1].documents, on="person_key").row(-1, named=True)
    document = IdentityDocument.objects.select_related("person__household__region").get(
        number_index=number_index(last["doc_type"], last["number"])
    )
    assert document.person.name == last["name"]
    assert document.person.pk == second.person_first_id + second.persons - 1
    household = document.person.household
    assert household is not None
    assert household.region.code == last["region_code"]


@pytest.mark.django_db
def test_loading_the_parts_again_is_refused_by_their_stored_identity_numbers():
    planned = city_parts(residents=1_200, seed=10, as_of=AS_OF, part_residents=700)
    city_parts_load(planned, actor=SYSTEM, workers=1)
    with pytest.raises(ValidationFailed) as refused:
        city_parts_load(planned, actor=SYSTEM, workers=1)
    assert {error["code"] for error in refused.value.errors} == {"identity_exists"}
    assert Person.objects.count() == 1_200


def _people_schema() -> set[str]:
    """Index and constraint definitions of the four people tables."""
    tables = [model._meta.db_table for model in (Household, Person, IdentityDocument, PersonNeed)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return indexes | {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_a_load_in_parts_sets_the_people_indexes_aside_and_rebuilds_them():
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are set aside on PostgreSQL only")
    before = _people_schema()
    during: list[set[str]] = []
    planned = city_parts(residents=1_500, seed=12, as_of=AS_OF, part_residents=800)

    def look(_index: int, _people: object) -> None:
        during.append(_people_schema())

    city_parts_load(planned, actor=SYSTEM, workers=1, on_part=look)

    assert _people_schema() == before
    assert during[0] < before
    kept = [d for d in during[0] if d.endswith("USING btree (number_index)")]
    assert len(kept) == 1
    assert not any("FOREIGN KEY" in d for d in during[0])
    assert any("UNIQUE" in d for d in during[0])  # unique constraints and primary keys stay


@pytest.mark.django_db
def test_the_people_indexes_come_back_when_a_part_fails():
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are set aside on PostgreSQL only")
    before = _people_schema()
    planned = city_parts(residents=1_500, seed=13, as_of=AS_OF, part_residents=800)

    def stop(index: int, _people: object) -> None:
        raise RuntimeError(f"stopped after part {index}")

    with pytest.raises(RuntimeError, match="after part 0"):
        city_parts_load(planned, actor=SYSTEM, workers=1, on_part=stop)
    assert _people_schema() == before
    assert Person.objects.count() == int(planned.person_bounds[1])
