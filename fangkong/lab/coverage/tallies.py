"""Screening bindings per round and node (``RoundTally``), kept exact by the database so that
coverage (``lab.coverage.selectors``) reads one row per node, not millions of bindings and persons.

Installed by migration ``lab.0010``:

* a screening binding inserted adds one to ``sampled`` at its node and to ``residing`` at
  the same node (the person's node at sampling is where they live at that moment); on
  PostgreSQL once per statement from its transition table, so a ``COPY`` of a round's
  bindings costs one grouped insert; on SQLite row by row;
* a screening binding deleted takes one off ``sampled`` at its node and ``residing`` at the
  person's node now;
* a person moving to another node moves their ``residing`` in every round they were sampled
  in (rare: once per row). This trigger sits on ``people``'s table, so it is declared there,
  with the joins below (:mod:`fangkong.people.dependents`; a test keeps the list true);
* a binding's round, person, node and kind never change: a trigger refuses the update
  (results change ``outcome`` only, a column the trigger does not watch).

Re-test bindings are not tallied: coverage reads them directly (a partial index holds them).
On PostgreSQL the triggers append ``RoundTallyDelta`` rows rather than update the tally row:
concurrent batches of many sampling points touch the same grids, and updating one counter
row makes each wait for the other's commit (alternated binding runs over HTTP: 3,837–6,267
bindings/s with such a counter row, 6,015–6,176 without any tally). Appending takes no such
lock. :func:`round_tally_read` adds the deltas to the tally in one statement, and
:func:`round_tally_fold` (every minute, by the worker) folds them in. SQLite has one writer
at a time and updates the tally in place.

:func:`round_tally_check` recounts a round directly and reports any difference (tests and
the periodic check use it); :func:`round_tally_rebuild` repairs one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from fangkong.core.dbguard import vendor_statements_run

_UPSERT = (
    "ON CONFLICT (round_id, region_id) DO UPDATE SET "
    "sampled = lab_roundtally.sampled + EXCLUDED.sampled, "
    "residing = lab_roundtally.residing + EXCLUDED.residing"
)
_TALLY = "INSERT INTO lab_roundtally (round_id, region_id, sampled, residing)"
_DELTA = "INSERT INTO lab_roundtallydelta (round_id, region_id, sampled, residing)"
_FIXED = "the round, person, node and kind of a binding are fixed"
_CHANGED = (
    "OLD.round_id IS DISTINCT FROM NEW.round_id OR OLD.person_id IS DISTINCT FROM NEW.person_id "
    "OR OLD.region_id IS DISTINCT FROM NEW.region_id OR OLD.retest IS DISTINCT FROM NEW.retest"
)
#: A person's node now (a deleted binding's ``residing`` is where they live).
_HOME = "(SELECT region_id FROM people_person WHERE id = OLD.person_id)"
#: The rounds the moving person was sampled in (one screening binding a round at most).
_SAMPLED_IN = "FROM lab_binding WHERE person_id = NEW.id AND NOT retest"

# PostgreSQL: every change is an appended delta (no row lock between concurrent batches).
PG_UP = [
    f"""CREATE OR REPLACE FUNCTION lab_tally_binding_insert() RETURNS trigger AS $$
    BEGIN
      {_DELTA} SELECT round_id, region_id, count(*), count(*) FROM new_rows
      WHERE NOT retest GROUP BY round_id, region_id;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE FUNCTION lab_tally_binding_delete() RETURNS trigger AS $$
    BEGIN
      {_DELTA} VALUES (OLD.round_id, OLD.region_id, -1, 0), (OLD.round_id, {_HOME}, 0, -1);
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE FUNCTION lab_tally_person_move() RETURNS trigger AS $$
    BEGIN
      {_DELTA} SELECT round_id, OLD.region_id, 0, -1 {_SAMPLED_IN}
      UNION ALL SELECT round_id, NEW.region_id, 0, 1 {_SAMPLED_IN};
      RETURN NULL;
    END; $$ LANGUAGE plpgsql;""",
    f"""CREATE OR REPLACE FUNCTION lab_binding_fixed() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{_FIXED}'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER lab_tally_binding_insert AFTER INSERT ON lab_binding "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION lab_tally_binding_insert();",
    "CREATE TRIGGER lab_tally_binding_delete AFTER DELETE ON lab_binding FOR EACH ROW "
    "WHEN (NOT OLD.retest) EXECUTE FUNCTION lab_tally_binding_delete();",
    "CREATE TRIGGER lab_tally_person_move AFTER UPDATE OF region_id ON people_person "
    "FOR EACH ROW WHEN (OLD.region_id IS DISTINCT FROM NEW.region_id) "
    "EXECUTE FUNCTION lab_tally_person_move();",
    "CREATE TRIGGER lab_binding_fixed BEFORE UPDATE OF round_id, person_id, region_id, retest "
    f"ON lab_binding FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION lab_binding_fixed();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS lab_tally_binding_insert ON lab_binding;",
    "DROP TRIGGER IF EXISTS lab_tally_binding_delete ON lab_binding;",
    "DROP TRIGGER IF EXISTS lab_tally_person_move ON people_person;",
    "DROP TRIGGER IF EXISTS lab_binding_fixed ON lab_binding;",
    "DROP FUNCTION IF EXISTS lab_tally_binding_insert();",
    "DROP FUNCTION IF EXISTS lab_tally_binding_delete();",
    "DROP FUNCTION IF EXISTS lab_tally_person_move();",
    "DROP FUNCTION IF EXISTS lab_binding_fixed();",
]
# SQLite has one writer at a time: the tally rows are updated in place.
SQLITE_UP = [
    "CREATE TRIGGER lab_tally_binding_insert AFTER INSERT ON lab_binding WHEN NOT NEW.retest "
    f"BEGIN {_TALLY} VALUES (NEW.round_id, NEW.region_id, 1, 1) {_UPSERT}; END;",
    "CREATE TRIGGER lab_tally_binding_delete AFTER DELETE ON lab_binding WHEN NOT OLD.retest "
    "BEGIN UPDATE lab_roundtally SET sampled = sampled - 1 "
    "WHERE round_id = OLD.round_id AND region_id = OLD.region_id; "
    "UPDATE lab_roundtally SET residing = residing - 1 "
    f"WHERE round_id = OLD.round_id AND region_id = {_HOME}; END;",
    "CREATE TRIGGER lab_tally_person_move AFTER UPDATE OF region_id ON people_person "
    "WHEN OLD.region_id IS NOT NEW.region_id BEGIN "
    "UPDATE lab_roundtally SET residing = residing - 1 WHERE region_id = OLD.region_id "
    f"AND round_id IN (SELECT round_id {_SAMPLED_IN}); "
    f"{_TALLY} SELECT round_id, NEW.region_id, 0, 1 {_SAMPLED_IN} {_UPSERT}; END;",
    "CREATE TRIGGER lab_binding_fixed BEFORE UPDATE OF round_id, person_id, region_id, retest "
    f"ON lab_binding WHEN {_CHANGED} BEGIN SELECT RAISE(ABORT, '{_FIXED}'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS lab_tally_binding_insert;",
    "DROP TRIGGER IF EXISTS lab_tally_binding_delete;",
    "DROP TRIGGER IF EXISTS lab_tally_person_move;",
    "DROP TRIGGER IF EXISTS lab_binding_fixed;",
]
#: Folds every delta into the tally in one statement: the rows deleted are the rows added.
PG_FOLD = (
    "WITH folded AS (DELETE FROM lab_roundtallydelta "
    "RETURNING round_id, region_id, sampled, residing) "
    f"{_TALLY} SELECT round_id, region_id, SUM(sampled), SUM(residing) FROM folded "
    f"GROUP BY round_id, region_id ORDER BY round_id, region_id {_UPSERT}"
)
#: The tallies of the rounds matching ``{where}`` (on the bindings ``b``), counted directly.
_COUNTED = (
    "SELECT round_id, region_id, SUM(s), SUM(r) FROM ("
    "SELECT b.round_id, b.region_id, 1 AS s, 0 AS r FROM lab_binding b "
    "WHERE NOT b.retest AND {where} UNION ALL "
    "SELECT b.round_id, p.region_id, 0, 1 FROM lab_binding b "
    "JOIN people_person p ON p.id = b.person_id WHERE NOT b.retest AND {where}"
    ") x GROUP BY round_id, region_id"
)


def tally_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers and tally the bindings already there (migration lab 0010)."""
    backfill = f"{_TALLY} {_COUNTED.format(where='1 = 1')}"
    vendor_statements_run(connection, postgresql=[*PG_UP, backfill], sqlite=[*SQLITE_UP, backfill])


def tally_triggers_remove(connection: BaseDatabaseWrapper) -> None:
    vendor_statements_run(connection, postgresql=PG_DOWN, sqlite=SQLITE_DOWN)


@dataclass(frozen=True)
class TallyDifference:
    """A node whose tally differs from the direct count: (kept, counted) of each column."""

    round_id: int
    region_id: int
    sampled: tuple[int, int]
    residing: tuple[int, int]


def round_tally_read(round_id: int) -> dict[int, tuple[int, int]]:
    """(sampled, residing) per node of the round: the tally plus the deltas not folded in
    yet, in one statement (one snapshot, so a fold committing meanwhile is seen whole)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT region_id, SUM(sampled), SUM(residing) FROM ("
            "SELECT region_id, sampled, residing FROM lab_roundtally WHERE round_id = %s "
            "UNION ALL SELECT region_id, sampled, residing FROM lab_roundtallydelta "
            "WHERE round_id = %s) x GROUP BY region_id",
            [round_id, round_id],
        )
        return {int(region): (int(s), int(r)) for region, s, r in cursor.fetchall()}


def round_tally_fold() -> int:
    """Fold the deltas appended on PostgreSQL (by the triggers for bindings, by the services
    for tubes) into the tallies; returns how many delta rows were folded (SQLite keeps
    none)."""
    if connection.vendor != "postgresql":
        return 0
    waiting = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table, fold in (("lab_roundtallydelta", PG_FOLD), ("lab_tubetallydelta", PG_TUBE_FOLD)):
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            (rows,) = cursor.fetchone()
            if rows:
                cursor.execute(fold)
                waiting += int(rows)
    return waiting


def round_tally_check(round_id: int) -> list[TallyDifference]:
    """Count the round's screening bindings per node directly (the full scan the tally
    saves) and list every node where the tally and its deltas differ; empty when they agree.
    One statement, so bindings stored meanwhile are on both sides or on neither."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT region_id, SUM(ks), SUM(kr), SUM(cs), SUM(cr) FROM ("
            "SELECT region_id, sampled AS ks, residing AS kr, 0 AS cs, 0 AS cr "
            "FROM lab_roundtally WHERE round_id = %s UNION ALL "
            "SELECT region_id, sampled, residing, 0, 0 FROM lab_roundtallydelta "
            "WHERE round_id = %s UNION ALL "
            "SELECT region_id, 0, 0, 1, 0 FROM lab_binding WHERE round_id = %s AND NOT retest "
            "UNION ALL SELECT p.region_id, 0, 0, 0, 1 FROM lab_binding b "
            "JOIN people_person p ON p.id = b.person_id WHERE b.round_id = %s AND NOT b.retest"
            ") x GROUP BY region_id HAVING SUM(ks) <> SUM(cs) OR SUM(kr) <> SUM(cr) "
            "ORDER BY region_id",
            [round_id] * 4,
        )
        return [
            TallyDifference(
                round_id=round_id,
                region_id=int(region),
                sampled=(int(ks), int(cs)),
                residing=(int(kr), int(cr)),
            )
            for region, ks, kr, cs, cr in cursor.fetchall()
        ]


def _rebuild(round_id: int, *, tally: str, counted: str, lock: str, params: int) -> None:
    """Replace a round's rows of ``tally`` and its deltas by the direct count ``counted``,
    with the tables it counts locked against writes on PostgreSQL (a row stored meanwhile
    would be counted twice or not at all)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {lock} IN SHARE MODE")
        for table in (tally, f"{tally}delta"):
            cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_id])
        cursor.execute(counted, [round_id] * params)


def round_tally_rebuild(round_id: int) -> None:
    """Replace the round's tally by a direct count (a repair; the triggers keep it after)."""
    counted = f"{_TALLY} {_COUNTED.format(where='b.round_id = %s')}"
    _rebuild(
        round_id,
        tally="lab_roundtally",
        counted=counted,
        lock="lab_binding, people_person",
        params=2,
    )


# --------------------------------------------------------------------------- tubes by status

_TUBE_COUNTED = (
    "SELECT round_id, point_id, status, COUNT(*) FROM lab_tube WHERE {where} "
    "GROUP BY round_id, point_id, status"
)
#: Fills the tube tally from the tubes (the migration's backfill; a repair).
TUBE_BACKFILL = (
    "INSERT INTO lab_tubetally (round_id, point_id, status, tubes) "
    + _TUBE_COUNTED.format(where="1 = 1")
)
PG_TUBE_FOLD = (
    "WITH folded AS (DELETE FROM lab_tubetallydelta RETURNING round_id, point_id, status, tubes) "
    "INSERT INTO lab_tubetally (round_id, point_id, status, tubes) "
    "SELECT round_id, point_id, status, SUM(tubes) FROM folded GROUP BY round_id, point_id, "
    "status ORDER BY round_id, point_id, status ON CONFLICT (round_id, point_id, status) "
    "DO UPDATE SET tubes = lab_tubetally.tubes + EXCLUDED.tubes"
)


def tube_tally_change(changes: Iterable[tuple[int, int, str, int]]) -> None:
    """Count tubes into (+n) or out of (−n) a status at a round and point: one statement.
    Every service that stores tubes or changes their status calls it in its transaction."""
    summed: Counter[tuple[int, int, str]] = Counter()
    for round_id, point_id, status, tubes in changes:
        summed[(round_id, point_id, status)] += tubes
    rows = [(*key, tubes) for key, tubes in sorted(summed.items()) if tubes]
    if not rows:
        return
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO lab_tubetallydelta (round_id, point_id, status, tubes) "
                f"VALUES {values}",
                params,
            )
            return
        cursor.execute(
            f"INSERT INTO lab_tubetally (round_id, point_id, status, tubes) VALUES {values} "
            "ON CONFLICT (round_id, point_id, status) "
            "DO UPDATE SET tubes = lab_tubetally.tubes + EXCLUDED.tubes",
            params,
        )


def tube_tally_move(tubes: Iterable[tuple[int, int, str]], status: str) -> None:
    """Count tubes (round, point, status before) moving to ``status``: summed per (round,
    point, status before) first, so a file of 100,000 tubes makes a few rows."""
    moved = Counter(tube for tube in tubes if tube[2] != status)
    tube_tally_change(
        change
        for (round_id, point_id, before), tubes_moved in moved.items()
        for change in (
            (round_id, point_id, before, -tubes_moved),
            (round_id, point_id, status, tubes_moved),
        )
    )


def tube_tally_read(round_id: int) -> dict[tuple[int, str], int]:
    """Tubes of the round per (point, status): the tally plus the deltas, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT point_id, status, SUM(tubes) FROM ("
            "SELECT point_id, status, tubes FROM lab_tubetally WHERE round_id = %s UNION ALL "
            "SELECT point_id, status, tubes FROM lab_tubetallydelta WHERE round_id = %s"
            ") x GROUP BY point_id, status",
            [round_id, round_id],
        )
        return {(int(point), str(status)): int(n) for point, status, n in cursor.fetchall()}


def tube_tally_check(round_id: int) -> list[tuple[int, str, int, int]]:
    """(point, status, kept, counted) wherever the tube tally and a direct count of the
    round's tubes differ, in one statement; empty when they agree."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT point_id, status, SUM(k), SUM(c) FROM ("
            "SELECT point_id, status, tubes AS k, 0 AS c FROM lab_tubetally WHERE round_id = %s "
            "UNION ALL SELECT point_id, status, tubes, 0 FROM lab_tubetallydelta "
            "WHERE round_id = %s UNION ALL SELECT point_id, status, 0, 1 FROM lab_tube "
            "WHERE round_id = %s) x GROUP BY point_id, status HAVING SUM(k) <> SUM(c) "
            "ORDER BY point_id, status",
            [round_id] * 3,
        )
        return [(int(p), str(s), int(k), int(c)) for p, s, k, c in cursor.fetchall()]


def tube_tally_rebuild(round_id: int) -> None:
    """Replace the round's tube tally by a direct count (a repair)."""
    counted = "INSERT INTO lab_tubetally (round_id, point_id, status, tubes) " + (
        _TUBE_COUNTED.format(where="round_id = %s")
    )
    _rebuild(round_id, tally="lab_tubetally", counted=counted, lock="lab_tube", params=1)
