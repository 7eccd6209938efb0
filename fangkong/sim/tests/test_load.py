"""The bulk load paths: a small city round-trips, stored values equal the services', and bad
input or a wrong actor writes nothing."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from django.db import connection

from fangkong.accounts.choices import Role
from fangkong.core import bulk as core_bulk
from fangkong.core.actor import SYSTEM
from fangkong.core.addresses import parse_address
from fangkong.core.crypto import blind_index, decrypt
from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.idcard import check_char, mask_number
from fangkong.core.models import AuditEntry
from fangkong.core.names import name_key, name_pinyin
from fangkong.people.bulk import people_bulk_load
from fangkong.people.documents import number_index
from fangkong.people.models import Household, IdentityDocument, Person, PersonNeed
from fangkong.people.services import DocumentInput, household_create, person_create
from fangkong.regions.bulk import regions_bulk_load
from fangkong.regions.models import Region
from fangkong.sim.city import City, city_generate
from fangkong.sim.load import city_load
from fangkong.sim.occupations import register_occupations

AS_OF = date(2022, 4, 1)


@pytest.fixture(scope="module")
def city() -> City:
    return city_generate(residents=2_000, seed=3, as_of=AS_OF)


def _codes(frame: pl.DataFrame) -> list[str]:
    return frame["code"].to_list()


def _id(address: str, born: date, sequence: int) -> str:
    first17 = f"{address}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


@pytest.mark.django_db
@pytest.mark.parametrize("workers", [1, 2])
def test_a_small_city_round_trips(city, workers):
    loaded = city_load(city, actor=SYSTEM, workers=workers)

    assert loaded.regions == city.regions.height
    assert Region.objects.filter(code__in=_codes(city.regions)).count() == city.regions.height
    assert Household.objects.count() == city.households.height == loaded.people.households
    assert Person.objects.count() == city.persons.height == loaded.people.persons
    assert IdentityDocument.objects.count() == city.documents.height
    assert PersonNeed.objects.count() == city.needs.height
    grid = Region.objects.get(code=city.regions["code"][-1])
    assert grid.path.split(".")[-1] == grid.code
    assert grid.parent is not None
    assert grid.path == f"{grid.parent.path}.{grid.code}"

    registered = register_occupations(city.persons)
    sample = registered.join(city.documents, on="person_key").sample(60, seed=1)
    for row in sample.iter_rows(named=True):
        document = IdentityDocument.objects.select_related(
            "person__household", "person__region"
        ).get(number_index=number_index(row["doc_type"], row["number"]))
        person = document.person
        assert person.name == row["name"]
        assert person.name_key == name_key(row["name"])
        assert person.name_pinyin == name_pinyin(row["name"])
        assert (person.sex, person.birth_date, person.phone) == (
            row["sex"],
            row["birth_date"],
            row["phone"],
        )
        assert person.occupation == row["occupation"]
        assert person.region.code == row["region_code"]
        assert person.flags == []
        assert decrypt(document.number_encrypted, purpose="id-number") == row["number"]
        assert document.masked == mask_number(row["number"])
        assert document.is_primary
        household = person.household
        assert household is not None
        parts = parse_address(household.address)
        assert (household.building, household.unit, household.room) == (
            parts.building,
            parts.unit,
            parts.room,
        )
        assert household.address_key == parts.key
        assert household.region_id == person.region_id

    resident = city.documents.filter(pl.col("doc_type") == "01").row(0, named=True)
    found = IdentityDocument.objects.get(
        number_index=blind_index(resident["number"], purpose="id-number")
    )
    assert found.issuing_country == "CHN"
    assert found.masked == resident["number"][:4] + "*" * 10 + resident["number"][-4:]

    audit = AuditEntry.objects.get(action="people_bulk_load")
    assert audit.extra["persons"] == city.persons.height
    assert audit.extra["documents"] == city.documents.height
    assert AuditEntry.objects.filter(action="regions_bulk_load").count() == 1
    assert AuditEntry.objects.filter(object_type="person").count() == 1


@pytest.mark.django_db
def test_stored_values_equal_what_the_services_store(city):
    regions_bulk_load(city.regions, actor=SYSTEM)
    grid = Region.objects.get(code=city.households["region_code"][0])
    address = "锦绣花园二期3号楼2单元501室"
    by_service = household_create(actor=SYSTEM, region=grid, address=address)
    name = "張三（二）"  # Traditional, with brackets: a name warning
    born = date(1985, 3, 9)
    number_a, number_b = _id("447102", born, 12), _id("447102", born, 14)  # even: a woman's
    person_a = person_create(
        actor=SYSTEM,
        name=name,
        household=by_service,
        sex="M",
        birth_date=born,
        phone="+86 138-0013-8000",
        occupation=" delivery ",
        documents=[DocumentInput(doc_type="01", number=number_a)],
    ).person
    households = pl.DataFrame(
        {"household_key": [1], "region_code": [grid.code], "address": [address]}
    )
    persons = pl.DataFrame(
        {
            "person_key": [1],
            "household_key": [1],
            "name": [name],
            "sex": ["M"],
            "birth_date": [born],
            "phone": ["+86 138-0013-8000"],
            "occupation": [" delivery "],
        }
    )
    documents = pl.DataFrame({"person_key": [1], "doc_type": ["01"], "number": [number_b]})
    needs = pl.DataFrame({"person_key": [1], "kind": ["chronic"], "note": ["高血压"]})
    loaded = people_bulk_load(households, persons, documents, needs, actor=SYSTEM)

    person_b = Person.objects.get(pk=loaded.person_first_id)
    fields = [
        "name",
        "name_key",
        "name_pinyin",
        "sex",
        "birth_date",
        "phone",
        "occupation",
        "flags",
    ]
    assert [getattr(person_b, f) for f in fields] == [getattr(person_a, f) for f in fields]
    assert "id_sex_mismatch" in person_b.flags
    assert "name_has_brackets" in person_b.flags
    by_bulk = Household.objects.get(pk=loaded.household_first_id)
    for field in ("address", "building", "unit", "room", "address_key", "region_id"):
        assert getattr(by_bulk, field) == getattr(by_service, field)
    doc_a, doc_b = person_a.documents.get(), person_b.documents.get()
    assert (doc_b.doc_type, doc_b.issuing_country, doc_b.is_primary) == (
        doc_a.doc_type,
        doc_a.issuing_country,
        doc_a.is_primary,
    )
    assert doc_a.masked == mask_number(number_a)
    assert doc_b.masked == mask_number(number_b)
    assert doc_b.number_index == number_index("01", number_b)
    assert doc_b.legacy_number_encrypted == doc_a.legacy_number_encrypted == ""
    assert person_b.needs.get().note == "高血压"


@pytest.mark.django_db
def test_rows_written_later_through_the_orm_get_new_ids(city):
    loaded = city_load(city, actor=SYSTEM).people
    grid = Region.objects.get(code=city.households["region_code"][0])
    later = person_create(actor=SYSTEM, name="王五", region=grid).person
    assert later.pk == loaded.person_first_id + loaded.persons
    household = household_create(actor=SYSTEM, region=grid, address="1号楼1单元101")
    assert household.pk == loaded.household_first_id + loaded.households


@pytest.mark.django_db
def test_arrow_tables_and_persons_without_a_household_are_accepted(city):
    regions_bulk_load(city.regions, actor=SYSTEM)
    grid_code = city.households["region_code"][0]
    persons = pl.DataFrame(
        {
            "person_key": [7],
            "household_key": pl.Series([None], dtype=pl.Int64),
            "region_code": [grid_code],
            "name": ["KIM MINJUN"],
            "sex": ["M"],
            "birth_date": [date(1990, 1, 2)],
            "phone": [""],
            "occupation": ["other"],
        }
    )
    documents = pl.DataFrame(
        {
            "person_key": [7],
            "doc_type": ["03"],
            "number": ["m1234 5678"],
            "issuing_country": ["kor"],
        }
    )
    empty_houses = city.households.head(0)
    empty_needs = city.needs.head(0)
    people_bulk_load(
        empty_houses.to_arrow(), persons.to_arrow(), documents.to_arrow(), empty_needs, actor=SYSTEM
    )
    person = Person.objects.get(name="KIM MINJUN")
    assert person.household is None
    assert person.region.code == grid_code
    assert person.name_pinyin == name_pinyin("KIM MINJUN")
    document = person.documents.get()
    assert (document.doc_type, document.issuing_country) == ("03", "KOR")
    assert decrypt(document.number_encrypted, purpose="id-number") == "M12345678"
    assert document.number_index == number_index("03", "M12345678")
    assert document.masked == mask_number("M12345678")


@pytest.mark.django_db
def test_bad_rows_refuse_the_whole_load_and_name_field_and_row(city):
    documents = city.documents.with_columns(
        number=pl.when(pl.col("person_key") == 4)
        .then(pl.col("number").str.slice(0, 17) + pl.lit("0"))
        .otherwise(pl.col("number"))
    )
    row = documents["person_key"].to_list().index(4) + 1
    needs = pl.concat(
        [city.needs, pl.DataFrame({"person_key": [0], "kind": ["bored"], "note": [""]})]
    )
    if check_char(city.documents.filter(pl.col("person_key") == 4)["number"][0][:17]) == "0":
        pytest.skip("the altered check character happens to be right")
    regions_bulk_load(city.regions, actor=SYSTEM)
    with pytest.raises(ValidationFailed) as caught:
        people_bulk_load(city.households, city.persons, documents, needs, actor=SYSTEM)
    errors = caught.value.errors
    assert {"field": "documents.number", "code": "id_check_digit", "row": row} in [
        {k: e[k] for k in ("field", "code", "row")} for e in errors
    ]
    assert any(e["field"] == "needs.kind" and e["code"] == "invalid_choice" for e in errors)
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_identity_numbers_already_held_are_refused(city):
    city_load(city, actor=SYSTEM)
    persons = city.persons.head(1).with_columns(person_key=pl.lit(99, pl.Int64))
    documents = city.documents.head(1).with_columns(person_key=pl.lit(99, pl.Int64))
    households = city.households.head(1)
    persons = persons.with_columns(household_key=households["household_key"])
    with pytest.raises(ValidationFailed) as caught:
        people_bulk_load(households, persons, documents, city.needs.head(0), actor=SYSTEM)
    assert caught.value.errors[0]["code"] == "identity_exists"
    assert Person.objects.count() == city.persons.height


@pytest.mark.django_db
def test_numbers_repeated_in_the_frame_are_refused(city):
    regions_bulk_load(city.regions, actor=SYSTEM)
    first = city.documents["number"][0]
    documents = city.documents.with_columns(
        number=pl.when(pl.col("person_key") == 1).then(pl.lit(first)).otherwise(pl.col("number"))
    )
    with pytest.raises(ValidationFailed) as caught:
        people_bulk_load(city.households, city.persons, documents, city.needs, actor=SYSTEM)
    assert {e["code"] for e in caught.value.errors} == {"identity_exists"}


@pytest.mark.django_db
def test_an_actor_outside_the_city_or_in_a_wrong_role_is_refused(city, tree, make_actor):
    regions_bulk_load(city.regions, actor=SYSTEM)
    frames = (city.households, city.persons, city.documents, city.needs)
    outsider = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    with pytest.raises(PermissionDenied) as caught:
        people_bulk_load(*frames, actor=outsider)
    assert caught.value.code == "region_out_of_scope"
    city_node = Region.objects.get(code="447100")
    lab = make_actor(Role.LAB_TECHNICIAN, city_node)
    with pytest.raises(PermissionDenied):
        people_bulk_load(*frames, actor=lab)
    with pytest.raises(PermissionDenied):
        regions_bulk_load(city.regions, actor=make_actor(Role.GRID_WORKER, city_node))
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_regions_keep_identical_nodes_and_refuse_conflicts(city, tree, make_actor):
    assert regions_bulk_load(city.regions, actor=SYSTEM) == city.regions.height
    assert regions_bulk_load(city.regions, actor=SYSTEM) == 0
    renamed = city.regions.with_columns(
        name=pl.when(pl.col("level") == 3).then(pl.lit("别的区")).otherwise(pl.col("name"))
    )
    with pytest.raises(ValidationFailed) as caught:
        regions_bulk_load(renamed, actor=SYSTEM)
    assert caught.value.errors[0]["code"] == "region_conflict"
    orphan = pl.DataFrame(
        {"code": ["110105998001"], "name": ["孤社区"], "level": [5], "parent_code": ["110105998"]}
    )
    with pytest.raises(ValidationFailed) as caught:
        regions_bulk_load(orphan, actor=SYSTEM)
    assert caught.value.errors[0]["code"] == "region_parent_missing"
    malformed = pl.DataFrame(
        {"code": ["1101"], "name": ["x"], "level": [3], "parent_code": ["110100"]}
    )
    with pytest.raises(ValidationFailed) as caught:
        regions_bulk_load(malformed, actor=SYSTEM)
    assert caught.value.errors[0]["code"] == "region_code_invalid"
    below = pl.DataFrame(
        {"code": ["110105001009"], "name": ["新社区"], "level": [5], "parent_code": ["110105001"]}
    )
    admin = make_actor(Role.ADMINISTRATOR, tree["district_a"])
    assert regions_bulk_load(below, actor=admin) == 1
    assert Region.objects.get(code="110105001009").path == f"{tree['street_a'].path}.110105001009"
    elsewhere = below.with_columns(code=pl.lit("110108001009"), parent_code=pl.lit("110108001"))
    with pytest.raises(PermissionDenied):
        regions_bulk_load(elsewhere, actor=admin)


@pytest.mark.django_db
def test_large_loads_rebuild_the_indexes_and_keys_they_dropped(city, monkeypatch):
    monkeypatch.setattr(core_bulk, "REBUILD_MIN_ROWS", 10)
    if connection.vendor == "sqlite":
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name LIKE 'people_%'"
        )
    else:
        sql = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'people_%%' "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text LIKE 'people_%%'"
        )

    def schema() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return set(cursor.fetchall())

    before = schema()
    city_load(city, actor=SYSTEM)
    assert schema() == before
    assert len(before) > 10
    assert Person.objects.filter(name_key=name_key(city.persons["name"][5])).exists()


@pytest.mark.django_db
def test_every_document_type_and_missing_fields_match_person_create(city):
    regions_bulk_load(city.regions, actor=SYSTEM)
    grid = Region.objects.get(code=city.households["region_code"][0])
    permit_first17 = "81000019900101123"
    cases = [  # (name, sex, birth, doc_type, number, country)
        ("李四", "U", None, "01", _id("110105", date(1970, 2, 3), 21), ""),
        ("陳大文", "U", None, "08", permit_first17 + check_char(permit_first17), ""),
        ("黄小明", "F", date(2001, 1, 1), "06", "h1234567 8", ""),
        ("Anna SMITH", "F", date(1988, 8, 8), "03", "c0123456", "usa"),
        ("赵六", "M", date(1999, 9, 9), "01", _id("999999", date(1999, 9, 10), 33), ""),
    ]
    by_service = []
    for position, (name, sex, born, doc_type, number, country) in enumerate(cases):
        if doc_type == "01":  # a distinct but equivalent number for the service's person
            number_s = number[:14] + f"{int(number[14:17]) + 2:03d}"
            number_s += check_char(number_s)
        elif doc_type == "08":
            number_s = "81000019900101125" + check_char("81000019900101125")
        else:
            number_s = {"06": "H87654321", "03": "C7654321"}[doc_type]
        created = person_create(
            actor=SYSTEM,
            name=name,
            region=grid,
            sex=sex,
            birth_date=born,
            documents=[DocumentInput(doc_type=doc_type, number=number_s, issuing_country=country)],
        ).person
        by_service.append((created, number_s))
        assert position == len(by_service) - 1
    persons = pl.DataFrame(
        {
            "person_key": list(range(len(cases))),
            "household_key": pl.Series([None] * len(cases), dtype=pl.Int64),
            "region_code": [grid.code] * len(cases),
            "name": [c[0] for c in cases],
            "sex": [c[1] for c in cases],
            "birth_date": pl.Series([c[2] for c in cases], dtype=pl.Date),
            "phone": [""] * len(cases),
            "occupation": [""] * len(cases),
        }
    )
    documents = pl.DataFrame(
        {
            "person_key": list(range(len(cases))),
            "doc_type": [c[3] for c in cases],
            "number": [c[4] for c in cases],
            "issuing_country": [c[5] for c in cases],
        }
    )
    loaded = people_bulk_load(
        city.households.head(0), persons, documents, city.needs.head(0), actor=SYSTEM
    )
    for position, (created, _other_number) in enumerate(by_service):
        bulk = Person.objects.get(pk=loaded.person_first_id + position)
        for field in ("name", "name_key", "name_pinyin", "sex", "flags"):
            assert getattr(bulk, field) == getattr(created, field), (position, field)
        if cases[position][3] == "01" and cases[position][2] is None:
            assert bulk.birth_date == created.birth_date
        ours, theirs = bulk.documents.get(), created.documents.get()
        assert (ours.doc_type, ours.issuing_country) == (theirs.doc_type, theirs.issuing_country)
        clear = decrypt(ours.number_encrypted, purpose="id-number")
        assert ours.number_index == number_index(ours.doc_type, clear)
        assert ours.masked == mask_number(clear)
        assert len(ours.masked) == len(theirs.masked)
    assert Person.objects.get(pk=loaded.person_first_id + 1).birth_date == date(1990, 1, 1)
    assert "id_address_code" in Person.objects.get(pk=loaded.person_first_id + 4).flags
    assert "id_birth_date_mismatch" in Person.objects.get(pk=loaded.person_first_id + 4).flags
