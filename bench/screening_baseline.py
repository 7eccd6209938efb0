"""The screening benchmark's baselines: the same round's work as one set-based SQL script into
the schema ``BASELINE`` (one transaction), and the old comparison's DuckDB script over the same
rows in Parquet (resolution + coverage, writing excluded). See ``bench.screening``."""

from __future__ import annotations

import time
from typing import Any

from bench.screening_setup import BASELINE, HOUSEHOLD_GROUP, Setup

_OUTCOMES = (
    "CASE t.result WHEN 'pooled_positive' THEN 'held' WHEN 'positive' THEN 'positive' "
    "WHEN 'invalid' THEN 'retest' END"
)


def baseline(setup: Setup, round_id: int, prefix: str) -> tuple[dict[str, Any], dict[str, float]]:
    """The same round's work in set-based SQL into ``bench_baseline``, one transaction;
    returns the same answers as :func:`bench.screening_ours.answers_read` and the seconds of
    its parts."""
    from django.db import connection, transaction

    from fangkong.people.documents import number_index

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    tubes = setup.tubes
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        cursor.execute("SELECT now(), now() + interval '24 hours'")
        now, due = cursor.fetchone()
        # 1. the tubes, as received at the lab
        with raw.copy(
            f'COPY {BASELINE}.tube (barcode, round_id, point_id, kind, zone, "group", ratio, '
            "per_household, category, swab_site, sampled_at, member_count, status, received_at, "
            "result, due_at, rule_set, lab_id, retests_open) FROM STDIN"
        ) as copy:
            for barcode, ratio, group, count in zip(
                tubes["barcode"].to_list(),
                tubes["ratio"].to_list(),
                tubes["group"].to_list(),
                tubes["member_count"].to_list(),
                strict=True,
            ):
                copy.write_row(
                    (
                        prefix + barcode,
                        round_id,
                        setup.point.id,
                        "screening",
                        "other",
                        group,
                        ratio or 20,
                        group == HOUSEHOLD_GROUP,
                        "pooled_screening",
                        "oropharyngeal",
                        now,
                        count,
                        "received",
                        now,
                        "pending",
                        due,
                        setup.rule_set,
                        setup.lab.id,
                        0,
                    )
                )
        # 2. the members: numbers blind-indexed, staged, joined to documents and persons
        # inside an outer transaction (the tests') ON COMMIT DROP comes too late
        cursor.execute("DROP TABLE IF EXISTS base_member, base_result")
        cursor.execute(
            "CREATE TEMP TABLE base_member (barcode varchar(32), position smallint, "
            "doc_type varchar(2), number_index varchar(64)) ON COMMIT DROP"
        )
        with raw.copy("COPY base_member FROM STDIN") as copy:
            for barcode, members in zip(tubes["barcode"].to_list(), setup.members, strict=True):
                for position, (doc_type, number) in enumerate(members):
                    copy.write_row(
                        (prefix + barcode, position, doc_type, number_index(doc_type, number))
                    )
        cursor.execute("ANALYZE base_member")
        cursor.execute(
            f"INSERT INTO {BASELINE}.binding (tube_id, round_id, person_id, region_id, "  # noqa: S608 - constants
            "household_id, doc_type, method, position, scanned_at, outcome, retest) "
            "SELECT t.id, t.round_id, p.id, p.region_id, p.household_id, m.doc_type, 'id_card', "
            f"m.position, t.sampled_at, 'pending', false FROM base_member m "
            f"JOIN {BASELINE}.tube t ON t.barcode = m.barcode "
            "JOIN people_identitydocument d ON d.number_index = m.number_index "
            "JOIN people_person p ON p.id = d.person_id"
        )
        if cursor.rowcount != setup.bindings.height:
            raise AssertionError(f"baseline bound {cursor.rowcount} of {setup.bindings.height}")
        stored = time.perf_counter()
        seconds["store"] = stored - started
        # 3. the results, 4. the members' outcomes, 5. the re-test tasks
        cursor.execute(
            "CREATE TEMP TABLE base_result (barcode varchar(32), result varchar(16)) ON COMMIT DROP"
        )
        with raw.copy("COPY base_result FROM STDIN") as copy:
            for barcode, result in zip(
                tubes["barcode"].to_list(), tubes["result"].to_list(), strict=True
            ):
                copy.write_row((prefix + barcode, result))
        cursor.execute("ANALYZE base_result")
        cursor.execute(
            f"UPDATE {BASELINE}.tube t SET result = r.result, status = 'resulted', "  # noqa: S608 - constants
            "reported_at = now() FROM base_result r "
            "WHERE t.barcode = r.barcode AND t.result = 'pending'"
        )
        if cursor.rowcount != tubes.height:
            raise AssertionError(f"baseline resulted {cursor.rowcount} of {tubes.height}")
        cursor.execute(
            f"UPDATE {BASELINE}.binding b SET outcome = {_OUTCOMES} FROM {BASELINE}.tube t "  # noqa: S608 - constants
            "WHERE b.tube_id = t.id AND t.round_id = %s "
            "AND t.result IN ('pooled_positive', 'positive', 'invalid')",
            [round_id],
        )
        cursor.execute(
            f"INSERT INTO {BASELINE}.retest (created_at, updated_at, version, code, reason, "  # noqa: S608 - constants
            "status, outcome, rule_set, person_id, region_id, source_tube_id) "
            "SELECT now(), now(), 0, gen_random_uuid(), t.result, 'open', '', t.rule_set, "
            f"b.person_id, b.region_id, t.id FROM {BASELINE}.binding b "
            f"JOIN {BASELINE}.tube t ON t.id = b.tube_id WHERE t.round_id = %s "
            "AND t.result IN ('pooled_positive', 'invalid')",
            [round_id],
        )
        resulted = time.perf_counter()
        seconds["results"] = resulted - stored
        # 6. the answers: people held, re-test tasks, coverage per grid, untested
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(b.person_id), 0) FROM {BASELINE}.binding b "  # noqa: S608 - constants
            f"JOIN {BASELINE}.tube t ON t.id = b.tube_id "
            "WHERE t.round_id = %s AND t.result = 'pooled_positive' AND b.outcome = 'held'",
            [round_id],
        )
        held = tuple(int(v) for v in cursor.fetchone())
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(r.person_id), 0) FROM {BASELINE}.retest r "  # noqa: S608 - constants
            f"JOIN {BASELINE}.tube t ON t.id = r.source_tube_id WHERE t.round_id = %s",
            [round_id],
        )
        tasks = tuple(int(v) for v in cursor.fetchone())
        cursor.execute(
            "SELECT p.region_id, COUNT(*), COUNT(b.person_id) FROM people_person p "  # noqa: S608 - constants
            f"LEFT JOIN {BASELINE}.binding b ON b.person_id = p.id AND b.round_id = %s "
            "AND NOT b.retest GROUP BY p.region_id",
            [round_id],
        )
        coverage = {int(r): (int(n), int(t)) for r, n, t in cursor.fetchall()}
        cursor.execute("DROP TABLE base_member, base_result")
    seconds["coverage"] = time.perf_counter() - resulted  # with the commit's checks
    seconds["total"] = time.perf_counter() - started
    untested = sum(n - t for n, t in coverage.values())
    return (
        {"held": held, "tasks": tasks, "coverage": coverage, "untested": untested},
        seconds,
    )


DUCKDB_SCRIPT = """
CREATE OR REPLACE TEMP TABLE resolved AS
SELECT b.person_id, b.region_id, r.result FROM '{bindings}' b JOIN '{results}' r USING (tube_index);
SELECT COUNT(*), COALESCE(SUM(person_id), 0) FROM resolved WHERE result = 'pooled_positive';
SELECT COUNT(*), COALESCE(SUM(person_id), 0) FROM resolved
  WHERE result IN ('pooled_positive', 'invalid');
SELECT p.region_id, COUNT(*), COUNT(t.person_id) FROM '{persons}' p
  LEFT JOIN (SELECT DISTINCT person_id FROM resolved) t USING (person_id) GROUP BY p.region_id;
SELECT COUNT(*) FROM '{persons}' p ANTI JOIN resolved t USING (person_id);
"""


def duckdb_answers(paths: dict[str, str]) -> dict[str, Any]:
    import duckdb

    statements = [s for s in DUCKDB_SCRIPT.format(**paths).split(";") if s.strip()]
    with duckdb.connect() as con:
        con.execute(statements[0])
        held = tuple(int(v) for v in con.execute(statements[1]).fetchone() or (0, 0))
        tasks = tuple(int(v) for v in con.execute(statements[2]).fetchone() or (0, 0))
        coverage = {int(r): (int(n), int(t)) for r, n, t in con.execute(statements[3]).fetchall()}
        untested = int((con.execute(statements[4]).fetchone() or (0,))[0])
    return {"held": held, "tasks": tasks, "coverage": coverage, "untested": untested}
