"""The people bulk load: check the frames, derive the values, write the rows.

Rows go in through :func:`fangkong.core.bulk.table_insert` (``executemany`` on SQLite,
``COPY`` on PostgreSQL) inside one transaction with one audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl
import pyarrow as pa
from django.db import transaction
from django.db.models import Model

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import (
    ChunkWorkers,
    StepClock,
    random_uuids,
    table_fill_defaults,
    table_insert,
    table_reserve_ids,
)
from fangkong.people.access import require_person_role
from fangkong.people.bulk.checks import (
    RowErrors,
    check_documents,
    check_fields,
    check_stored_numbers,
    frames_prepared,
    place,
)
from fangkong.people.bulk.derive import (
    DOCUMENT_CHUNK,
    NAME_CHUNK,
    derive_documents,
    derive_names,
    from_documents,
    household_values,
    name_values,
    phone_values,
    warm_up,
)
from fangkong.people.models import Household, IdentityDocument, Person, PersonNeed


@dataclass(frozen=True)
class PeopleLoaded:
    """Rows written; ids are consecutive from the first id, in frame order."""

    households: int
    persons: int
    documents: int
    needs: int
    household_first_id: int
    person_first_id: int
    seconds: dict[str, float] = field(default_factory=dict)


@transaction.atomic
def people_bulk_load(
    households: pl.DataFrame | pa.Table,
    persons: pl.DataFrame | pa.Table,
    documents: pl.DataFrame | pa.Table,
    needs: pl.DataFrame | pa.Table,
    *,
    actor: AnyActor,
    workers: int | None = None,
) -> PeopleLoaded:
    """Insert households, persons, documents and needs in one transaction; one audit row.

    Frames (Polars or Arrow; extra columns are ignored):

    * ``households``: ``household_key``, ``region_code``, ``address``.
    * ``persons``: ``person_key``, ``household_key`` (nullable), ``name``, ``sex`` (M/F/U),
      ``birth_date``, ``phone``, ``occupation``; optional ``region_code`` (used when there is
      no household) and ``note``.
    * ``documents``: ``person_key``, ``doc_type``, ``number``; optional ``issuing_country``
      and ``is_primary`` (default: the person's first document).
    * ``needs``: ``person_key``, ``kind``; optional ``note``.

    1. Check the role (``PERSON_WRITE_ROLES`` or the system) and that every node exists and
       lies in the actor's subtree (``PermissionDenied``).
    2. Validate every field (``ValidationFailed``; errors name frame, column and 1-based row),
       including GB 11643 for resident numbers; start the per-name and per-document work in
       worker processes.
    3. Insert households and persons (names derived first) while workers still encrypt.
    4. Refuse identity numbers someone already holds, insert documents and needs, and write
       one ``people_bulk_load`` audit row with the counts. Any failure rolls everything back.

    Returns :class:`PeopleLoaded` with step timings. ``workers`` sets the number of worker
    processes (default: one per core for loads of 50,000 rows or more, none below).
    """
    clock = StepClock()
    require_person_role(actor, write=True)
    house, people, docs, wants = frames_prepared(households, persons, documents, needs)
    errors = RowErrors()
    frames = {"households": house, "persons": people, "documents": docs, "needs": wants}
    check_fields(frames, errors)
    house, people = place(actor, house, people, errors)
    docs = check_documents(docs, people, errors)
    wants = wants.join(people.select("person_key", "person_pos"), on="person_key", how="left")
    errors.rows(wants, pl.col("person_pos").is_null(), "needs.person_key", "person_not_found")
    errors.raise_any()
    pool = ChunkWorkers(people.height + docs.height, workers, warm_up=warm_up)
    try:
        names = people["name"].unique(maintain_order=True).to_list()
        names_ready = pool.submit(derive_names, names, NAME_CHUNK)
        pairs = list(zip(docs["doc_type"].to_list(), docs["number"].to_list(), strict=True))
        docs_ready = pool.submit(derive_documents, pairs, DOCUMENT_CHUNK)
        house = household_values(house)
        people = phone_values(people, errors)
        errors.raise_any()
        clock.lap("validate")
        first_household = _write_households(house)
        clock.lap("insert_households")
        people = name_values(people, names, [v for part in names_ready() for v in part], errors)
        errors.raise_any()
        people = from_documents(people, docs)
        clock.lap("names")
        first_person = _write_persons(people, first_household)
        clock.lap("insert_persons")
        derived = docs_ready()
        clock.lap("documents")
    finally:
        pool.close()
    docs = docs.with_columns(
        pl.Series(name, [v for part in derived for v in part[i].split("\n")], dtype=pl.String)
        for i, name in enumerate(("number_encrypted", "number_index", "masked"))
    )
    check_stored_numbers(docs["number_index"].to_list(), docs, errors)
    errors.raise_any()
    written = _write_documents(docs, wants, first_person)
    loaded = PeopleLoaded(
        households=house.height,
        persons=people.height,
        documents=written[0],
        needs=written[1],
        household_first_id=first_household,
        person_first_id=first_person,
    )
    audit_record(
        actor=actor,
        action="people_bulk_load",
        object_type="person",
        object_id=f"{first_person}+{people.height}",
        fields=["households", "persons", "documents", "needs"],
        extra={k: v for k, v in loaded.__dict__.items() if k != "seconds"},
    )
    clock.lap("insert_documents")
    return replace(loaded, seconds=clock.seconds)


def _write_households(house: pl.DataFrame) -> int:
    """Reserve ids and insert the households; returns the first id."""
    first_household = table_reserve_ids(Household._meta.db_table, house.height)
    house_rows = house.select(
        id=pl.col("household_pos").cast(pl.Int64) + first_household,
        code=random_uuids(house.height),
        region_id="region_id",
        address="address",
        building="building",
        unit="unit",
        room="room",
        address_key="address_key",
    )
    _insert(Household, house_rows)
    return first_household


def _write_persons(people: pl.DataFrame, first_household: int) -> int:
    """Reserve ids and insert the persons; returns the first id."""
    first_person = table_reserve_ids(Person._meta.db_table, people.height)
    people_rows = people.select(
        id=pl.col("person_pos").cast(pl.Int64) + first_person,
        code=random_uuids(people.height),
        region_id="region_id",
        household_id=pl.col("household_pos").cast(pl.Int64) + first_household,
        name="name_clean",
        name_key="name_key",
        name_pinyin="name_pinyin",
        sex="sex",
        birth_date="birth_date",
        phone="phone",
        occupation="occupation",
        note="note",
        flags="flags",
    )
    _insert(Person, people_rows)
    return first_person


def _write_documents(docs: pl.DataFrame, wants: pl.DataFrame, first_person: int) -> tuple[int, int]:
    """Insert documents and needs (their ids are left to the database)."""
    person_id = pl.col("person_pos").cast(pl.Int64) + first_person
    doc_rows = docs.select(
        person_id=person_id,
        doc_type="doc_type",
        number_encrypted="number_encrypted",
        number_index="number_index",
        masked="masked",
        legacy_number_encrypted=pl.lit(""),
        issuing_country="issuing_country",
        is_primary="is_primary",
    )
    need_rows = wants.select(person_id=person_id, kind="kind", note="note")
    return _insert(IdentityDocument, doc_rows), _insert(PersonNeed, need_rows)


def _insert(model: type[Model], rows: pl.DataFrame) -> int:
    """Insert ``rows`` into ``model``'s table, the columns they lack at their defaults."""
    return table_insert(model._meta.db_table, table_fill_defaults(model, rows))
