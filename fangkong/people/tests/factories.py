"""Builders for persons, households and valid identity numbers in tests."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.idcard import check_char
from fangkong.people.choices import DocumentType
from fangkong.people.models import Household, Person
from fangkong.people.services import DocumentInput, household_create, person_create
from fangkong.regions.models import Region

_sequence = itertools.count(11)


def id_number_make(
    *, address: str = "110105", born: date = date(1980, 5, 17), sequence: int | None = None
) -> str:
    """A valid 18-character resident ID; a fresh sequence number each call unless given."""
    number = sequence if sequence is not None else next(_sequence) % 1000
    first17 = f"{address}{born:%Y%m%d}{number:03d}"
    return first17 + check_char(first17)


def household_make(
    *, region: Region, address: str = "幸福里小区3号楼2单元501", actor: AnyActor = SYSTEM
) -> Household:
    return household_create(actor=actor, region=region, address=address)


def person_make(
    *,
    region: Region | None = None,
    household: Household | None = None,
    name: str = "张三",
    id_number: str | None = "",
    doc_type: str = DocumentType.RESIDENT_ID,
    actor: AnyActor = SYSTEM,
    **fields: Any,
) -> Person:
    """A person through ``person_create`` (so keys, documents and audit are real).

    ``id_number=""`` (the default) generates a fresh valid resident ID; ``None`` gives none.
    """
    if id_number == "":
        id_number = id_number_make()
    documents = [DocumentInput(doc_type=doc_type, number=id_number)] if id_number else []
    return person_create(
        actor=actor,
        name=name,
        region=region,
        household=household,
        documents=documents,
        **fields,
    ).person
