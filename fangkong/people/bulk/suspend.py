"""Secondary indexes and foreign keys of the people tables set aside around a load in parts.

``people_bulk_load`` rebuilds a table's indexes itself when one load at least doubles the
table (``core.bulk.table_insert``); a registry loaded in many parts doubles its tables only
twice, and every later part then inserts into the live indexes and queues one deferred
foreign-key check per row — each part slower than the one before. Around such a load,
:func:`people_bulk_indexes_suspended` drops them once and rebuilds them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from fangkong.core.bulk import PG_INDEX_MEMORY, pg_indexes_and_keys_drop
from fangkong.people.models import Household, IdentityDocument, Person, PersonNeed

#: The tables of one people load, parents first (their keys are restored in this order).
_MODELS: tuple[type[Model], ...] = (Household, Person, IdentityDocument, PersonNeed)


def _kept(definition: str) -> bool:
    """The documents' plain index on the blind index stays: ``check_stored_numbers`` reads it
    for every part (without it each part would scan every stored document)."""
    column = IdentityDocument._meta.get_field("number_index").column
    return definition.endswith(f"USING btree ({column})")


def _suspend(cursor: Any) -> list[str]:
    """Drop the secondary indexes (but the kept one) and the foreign keys of the people
    tables; return the statements that restore them exactly, with the same names (indexes
    first, then the keys)."""
    indexes: list[str] = []
    keys: list[str] = []
    for model in _MODELS:
        keep = _kept if model is IdentityDocument else (lambda _definition: False)
        dropped, references = pg_indexes_and_keys_drop(cursor, model._meta.db_table, keep=keep)
        indexes += dropped
        keys += references
    return indexes + keys


@contextmanager
def people_bulk_indexes_suspended() -> Iterator[None]:
    """Around many ``people_bulk_load`` calls on PostgreSQL: drop the secondary indexes and
    foreign keys of households, persons, documents and needs before the first, rebuild them
    (and refresh the tables' statistics) after the last, even when a load raised. Primary
    keys, unique constraints and the documents' blind-index index stay, so identity numbers
    already stored are still refused.

    For loading a registry nobody else is using (a synthetic city, a first import): until
    the end, lookups by name, phone or region scan the tables, and the foreign keys are
    checked only when they are restored (a broken reference raises ``IntegrityError`` then).
    Does nothing on SQLite.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        restore = _suspend(cursor)
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_MEMORY}'")
            for statement in restore:
                cursor.execute(statement)
            for model in _MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
