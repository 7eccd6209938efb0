"""Persons per node (``NodePopulation``), kept exact by the database on every insert, delete
and change of node of a person, whatever path writes them (services, imports, ``COPY``).

Installed by migration ``people.0005``. On PostgreSQL inserts and deletes are counted once
per statement from its transition table (a ``COPY`` of a million persons costs one grouped
insert); a move, which is rare, once per row. SQLite counts row by row.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from fangkong.core.dbguard import vendor_statements_run

_ADD_ONE = (
    "INSERT INTO people_nodepopulation (region_id, persons) VALUES (NEW.region_id, 1) "
    "ON CONFLICT (region_id) DO UPDATE SET persons = people_nodepopulation.persons + 1;"
)
_TAKE_ONE = (
    "UPDATE people_nodepopulation SET persons = persons - 1 WHERE region_id = OLD.region_id;"
)

PG_UP = [
    """CREATE OR REPLACE FUNCTION people_population_insert() RETURNS trigger AS $$
    BEGIN
      INSERT INTO people_nodepopulation (region_id, persons)
      SELECT region_id, count(*) FROM new_rows GROUP BY region_id ORDER BY region_id
      ON CONFLICT (region_id) DO UPDATE
        SET persons = people_nodepopulation.persons + EXCLUDED.persons;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE OR REPLACE FUNCTION people_population_delete() RETURNS trigger AS $$
    BEGIN
      UPDATE people_nodepopulation p SET persons = p.persons - d.n
      FROM (SELECT region_id, count(*) AS n FROM old_rows GROUP BY region_id) d
      WHERE p.region_id = d.region_id;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE FUNCTION people_population_move() RETURNS trigger AS $$
    BEGIN {_TAKE_ONE} {_ADD_ONE} RETURN NULL; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER people_population_insert AFTER INSERT ON people_person "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION people_population_insert();",
    "CREATE TRIGGER people_population_delete AFTER DELETE ON people_person "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION people_population_delete();",
    "CREATE TRIGGER people_population_move AFTER UPDATE OF region_id ON people_person "
    "FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) "
    "EXECUTE FUNCTION people_population_move();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS people_population_insert ON people_person;",
    "DROP TRIGGER IF EXISTS people_population_delete ON people_person;",
    "DROP TRIGGER IF EXISTS people_population_move ON people_person;",
    "DROP FUNCTION IF EXISTS people_population_insert();",
    "DROP FUNCTION IF EXISTS people_population_delete();",
    "DROP FUNCTION IF EXISTS people_population_move();",
]
SQLITE_UP = [
    f"CREATE TRIGGER people_population_insert AFTER INSERT ON people_person BEGIN {_ADD_ONE} END;",
    f"CREATE TRIGGER people_population_delete AFTER DELETE ON people_person BEGIN {_TAKE_ONE} END;",
    "CREATE TRIGGER people_population_move AFTER UPDATE OF region_id ON people_person "
    f"WHEN OLD.region_id IS NOT NEW.region_id BEGIN {_TAKE_ONE} {_ADD_ONE} END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS people_population_insert;",
    "DROP TRIGGER IF EXISTS people_population_delete;",
    "DROP TRIGGER IF EXISTS people_population_move;",
]
#: Rebuilds the counts from the persons (the migration's backfill; a repair).
REBUILD = [
    "DELETE FROM people_nodepopulation;",
    "INSERT INTO people_nodepopulation (region_id, persons) "
    "SELECT region_id, COUNT(*) FROM people_person GROUP BY region_id;",
]


def population_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and count the persons already there (migration people 0005)."""
    vendor_statements_run(connection, postgresql=[*PG_UP, *REBUILD], sqlite=[*SQLITE_UP, *REBUILD])


def population_triggers_remove(connection: BaseDatabaseWrapper) -> None:
    vendor_statements_run(connection, postgresql=PG_DOWN, sqlite=SQLITE_DOWN)
