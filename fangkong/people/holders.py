"""Who holds an identity number, who has a person code: the lookups another app's intake
makes for a whole batch at once (``lab.sampling.members`` binds the persons a sampler
scanned, wherever they are registered).

Not scoped to an actor, on purpose: a sampler may swab anyone registered, and the caller's
own rules decide what it shows of them (``lab.presentation`` masks and logs). The answers
carry only the columns an intake needs, never names shown to a reader without that check.

Raw SQL, owned here with the tables it reads: the sampling intake asks this for every batch,
and compiling the ORM's query cost more than running it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from fangkong.core.lookups import sql_in
from fangkong.people.models import Person

#: The person columns a :class:`PersonKey` takes, in its order.
_COLUMNS = "p.id, p.code, p.name, p.region_id, p.household_id"
#: Converts the person code as raw SQL returns it and takes it (SQLite keeps 32 hex digits).
_CODE = Person._meta.get_field("code")


@dataclass(frozen=True)
class PersonKey:
    """A registered person as an intake needs them: ids, name, node and household."""

    id: int
    code: uuid.UUID
    name: str
    region_id: int
    household_id: int | None


def _key(columns: Sequence[Any]) -> PersonKey:
    person_id, code, name, region_id, household_id = columns
    return PersonKey(int(person_id), _CODE.to_python(code), name, int(region_id), household_id)


def document_holders(indexes: Collection[str]) -> list[tuple[str, PersonKey]]:
    """Every (blind index, person) pair of the identity documents whose number has one of
    ``indexes`` (``documents.document_validate`` gives the index). Several persons may hold
    one number (a duplicate not yet resolved): each pair is listed. One query."""
    if not indexes:
        return []
    condition, params = sql_in("d.number_index", indexes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.number_index, {_COLUMNS} FROM people_identitydocument d "  # noqa: S608 (placeholders only)
            f"JOIN people_person p ON p.id = d.person_id WHERE {condition}",
            params,
        )
        return [(index, _key(columns)) for index, *columns in cursor.fetchall()]


def persons_by_code(codes: Collection[uuid.UUID]) -> list[PersonKey]:
    """The persons whose code is one of ``codes`` (unknown codes are left out). One query."""
    if not codes:
        return []
    condition, params = sql_in(
        "p.code", [_CODE.get_db_prep_value(code, connection) for code in codes]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS} FROM people_person p WHERE {condition}",  # noqa: S608 (placeholders only)
            params,
        )
        return [_key(columns) for columns in cursor.fetchall()]
