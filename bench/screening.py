"""``screening``: one mass-screening round end to end at ``--scale`` residents (default 1 M),
all in on both sides.

Setup (not timed): a fresh PostgreSQL database (``--database postgres://…``; scratch database
``fangkong_bench_screening``, dropped afterwards unless ``FANGKONG_BENCH_KEEP`` is set, to look
at the pages over a loaded round), the synthetic city loaded through the bulk paths in parts of
``PART_RESIDENTS`` (``fangkong.sim.parts``, ``city_parts_load``; each part's identity documents
— the plain numbers a sampler scans — kept as the part goes by), the persons read back by
``COPY`` with their documents' blind index, a rule override (area screening on, 20 to a tube
outside risk areas), one sampling point with a sampler, a transfer dispatcher, one lab with a
technician, and a commander over the city — accounts made through ``accounts.services``. Each
grid gets a zone by its id: 1 in 20 grids samples singly, 3 in 20 one tube per household (the
``sealed_household`` group's rule), 6 in 20 ten to a tube, the rest twenty (the 1 / household /
10 / 20 ratios); 10 % of residents stay away (the not-yet-tested list). ``PREVALENCE`` of
residents are infected; a tube holding one is pooled positive (single tubes: positive); 0.05 %
of the others come back invalid. An empty schema ``bench_baseline`` gets tables shaped like
ours (``LIKE … INCLUDING ALL``: columns, checks, the same indexes) with the same foreign keys.

Ours, timed, all in:

* *store*: the sampling service the binding API runs (:func:`fangkong.lab.sampling.services.
  tubes_bind`: the API's batcher gathers concurrent posts into batches of up to 64 tubes), in
  batches of ``BIND_BATCH`` tubes, each inside ``transaction.atomic()``, as the sampler on the
  point's staff; members by document type and number (ID numbers validated, persons found by
  blind index, the round's busy check, ratios from the rule set, history, audit, access log);
* *transport*: packages of ``MAX_TUBES_PER_PACKAGE`` tubes sealed at the point, handed over to
  transport and received at the lab (``lab.transport.services``) — results are accepted only
  for tubes received at the lab (``results_apply``'s ``tube_not_received``);
* *results*: the results as a lab's files bring them, ``MAX_UPLOAD_ROWS`` tubes per call of the
  service uploads use (``results_apply``: rows checked, tube results, member outcomes, derived
  re-test tasks, notifications, history, audit; each call its own transaction), timed around
  whole calls — the service carries no timing of its own;
* *coverage*: coverage per grid and the untested count as the round's command view reads them
  (``round_coverage`` as a commander over the city), people held, the round's re-test tasks.

Baseline, timed, all in: the same work as a capable engineer would write it without Fangkong,
one set-based SQL script on the same PostgreSQL into ``bench_baseline``: the same tubes by
``COPY`` (as received at the lab), the members' numbers blind-indexed in Python and ``COPY``-ed
into a temporary table, bindings inserted by joining them to the identity documents and
persons; the results by ``COPY`` into a temporary table + ``UPDATE … FROM``; member outcomes;
re-test task rows written; coverage per grid and the untested count by counting persons against
bindings; one transaction, foreign keys checked at commit. It writes no packages, history,
audit or access rows (ours does). Both must give the same people held, re-test tasks (count and
id sum), coverage per grid and untested count. Headline ``ratio`` = ours all-in ÷ the baseline
all-in (target ≤ 1.5); target for ours all-in at 25.7 M: ≤ 600 s; peak memory ≤ 8 GB.

Extra figures: each side's parts, and the old comparison's DuckDB script (resolution + coverage
over the same rows in Parquet, writing excluded) alone, with our results + coverage ÷ DuckDB.
The old "resolution + coverage" of our side was timed inside ``results_apply``; with the
timing hooks out of the product it is no longer measurable from outside and is not reported.
Peak memory is the process's ``ru_maxrss``; the rows ``peak memory: <phase>`` sample the
resident memory during each phase.

After each round, untimed by the figures above, the city's open re-test task list is read as
the task API reads it (the 500 newest), and then the round's follow-up is done (every task
written and closed), so each later round has the earlier ones behind it as history.

Modules: ``screening_setup`` (setup, the Parquet files, memory by phase), ``screening_ours``,
``screening_baseline`` (the SQL script and the DuckDB script); this one runs the rounds,
checks that the answers agree and makes the report.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from bench.harness import Report, Timing
from bench.screening_baseline import baseline, duckdb_answers
from bench.screening_ours import (
    BIND_BATCH,
    answers_read,
    results_report,
    store,
    task_list_read,
    transport,
)
from bench.screening_setup import PhasePeaks, Setup, memory_gb, parquet_write, prepare

DATABASE = "fangkong_bench_screening"


def _configure(database: str) -> Any:
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("screening runs on PostgreSQL: pass --database postgres://…")
    import psycopg

    base = database.rsplit("/", 1)[0]
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{base}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    return cleanup


def run(args: argparse.Namespace) -> Report:
    cleanup = _configure(args.database)
    try:
        return _run(args)
    finally:
        if os.environ.get("FANGKONG_BENCH_KEEP"):
            print(f"kept the database {DATABASE} (FANGKONG_BENCH_KEEP)", file=sys.stderr)
        else:
            cleanup()


def _differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return [key for key in ours if ours[key] != theirs[key]]


# --------------------------------------------------------------------------- one round


@dataclass
class RoundTimes:
    """Seconds of one round on each side, by part, and what both sides answered."""

    ours: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    duckdb: float = 0.0
    task_list: float = 0.0
    bindings: int = 0
    packages: int = 0
    answers: dict[str, Any] = field(default_factory=dict)


def round_run(
    setup: Setup, attempt: int, paths: dict[str, str], phases: PhasePeaks | None = None
) -> RoundTimes:
    """One round: ours all in, then the baseline all in, then the DuckDB script; the answers
    must agree (``AssertionError`` naming what differs)."""
    from fangkong.lab.rounds.services import round_open

    phases = phases or PhasePeaks()
    times = RoundTimes()
    screening_round = round_open(
        actor=setup.commander, name=f"基准轮次{attempt + 1}", areas=[(setup.root, "other")]
    )
    prefix = f"R{attempt}"
    phases.enter("ours: store")
    t0 = time.perf_counter()
    times.bindings = store(setup, screening_round, prefix)
    t1 = time.perf_counter()
    phases.enter("ours: transport")
    times.packages = transport(setup, screening_round, prefix)
    t2 = time.perf_counter()
    phases.enter("ours: results")
    results_report(setup, prefix)
    t3 = time.perf_counter()
    ours = answers_read(setup, screening_round.id)
    t4 = time.perf_counter()
    times.ours = {
        "store": t1 - t0,
        "transport": t2 - t1,
        "results": t3 - t2,
        "coverage": t4 - t3,
        "total": t4 - t0,
    }
    phases.enter("baseline")
    theirs, times.baseline = baseline(setup, screening_round.id, f"B{attempt}")
    phases.enter("DuckDB")
    t5 = time.perf_counter()
    duck = duckdb_answers(paths)
    times.duckdb = time.perf_counter() - t5
    for name, other in (("the SQL baseline", theirs), ("DuckDB", duck)):
        differ = _differences(ours, other)
        if differ:
            raise AssertionError(f"ours and {name} differ: {', '.join(differ)}")
    times.answers = ours
    times.task_list = task_list_read(screening_round.id)
    return times


def _run(args: argparse.Namespace) -> Report:
    phases = PhasePeaks()
    setup = prepare(args.scale, phases=phases)
    rounds: list[RoundTimes] = []
    with tempfile.TemporaryDirectory(prefix="fk-screening-") as directory:
        phases.enter("Parquet files")
        paths = parquet_write(setup, directory)
        for attempt in range(args.repeat):
            rounds.append(round_run(setup, attempt, paths, phases))
    return report_make(args.scale, setup, rounds, phases)


def report_make(scale: int, setup: Setup, rounds: list[RoundTimes], phases: PhasePeaks) -> Report:
    def ours(part: str) -> Timing:
        return Timing(part, [r.ours[part] for r in rounds])

    def base(part: str) -> Timing:
        return Timing(part, [r.baseline[part] for r in rounds])

    duck = Timing("duckdb", [r.duckdb for r in rounds])
    results_coverage = Timing(
        "results+coverage", [r.ours["results"] + r.ours["coverage"] for r in rounds]
    )
    answers = rounds[-1].answers
    report = Report(name="screening", scale=scale)
    report.rows.append(
        (
            "setup (city, accounts, frames; not timed)",
            f"{setup.seconds:.1f} s (city in {setup.parts} part(s): {setup.load_seconds:.1f} s)",
        )
    )
    report.rows.append(
        (
            "tubes, bindings, packages",
            f"{setup.tubes.height:,}, {rounds[-1].bindings:,}, {rounds[-1].packages:,} "
            "(PostgreSQL)",
        )
    )
    report.rows.append(
        (
            "people held, re-test tasks, untested",
            f"{answers['held'][0]:,}, {answers['tasks'][0]:,}, {answers['untested']:,}",
        )
    )
    report.rows.append(("grids in coverage", f"{len(answers['coverage']):,}"))
    report.rows.append(
        ("OURS ALL-IN (store + transport + results + coverage)", ours("total").text())
    )
    report.rows.append((f"  store (tubes_bind, {BIND_BATCH} tubes a batch)", ours("store").text()))
    report.rows.append(("  transport (seal, hand over, receive)", ours("transport").text()))
    report.rows.append(("  results (results_apply, by file)", ours("results").text()))
    report.rows.append(("  coverage, held, tasks (as the command view)", ours("coverage").text()))
    report.rows.append(("BASELINE ALL-IN (set-based SQL, same PostgreSQL)", base("total").text()))
    report.rows.append(("  store (COPY tubes, members joined to documents)", base("store").text()))
    report.rows.append(("  results, outcomes, re-test rows", base("results").text()))
    report.rows.append(("  coverage, held, tasks (+ commit)", base("coverage").text()))
    report.rows.append(("DuckDB script alone: resolve + coverage (Parquet)", duck.text()))
    report.rows.append(
        (
            "ours all-in by round (1, 2, …)",
            ", ".join(f"{r.ours['total']:.1f}" for r in rounds) + " s",
        )
    )
    report.rows.append(
        (
            "open re-test task list, city-wide, 500 newest (after round 1, 2, …)",
            ", ".join(f"{r.task_list * 1000:.0f}" for r in rounds) + " ms",
        )
    )
    report.rows.extend(phases.stop())
    report.rows.append(("peak memory", memory_gb()))
    report.notes.append(
        "identical on all three: people held, re-test tasks (count and id sum), coverage per "
        "grid, untested"
    )
    report.notes.append(
        "ratio = ours all-in ÷ the SQL baseline all-in (target ≤ 1.5); ours all-in at 25.7 M "
        "≤ 600 s. The baseline writes no packages, history, audit or access rows"
    )
    report.notes.append(
        f"our results + coverage ÷ the DuckDB script: {results_coverage.median / duck.median:.1f}×"
    )
    report.figures = {
        "ours_s": ours("total").median,
        "store_s": ours("store").median,
        "transport_s": ours("transport").median,
        "results_s": ours("results").median,
        "coverage_read_s": ours("coverage").median,
        "baseline_s": base("total").median,
        "baseline_store_s": base("store").median,
        "baseline_results_s": base("results").median,
        "baseline_coverage_s": base("coverage").median,
        "duckdb_s": duck.median,
        "results_coverage_vs_duckdb": results_coverage.median / duck.median,
        "task_list_last_s": rounds[-1].task_list,
        "bindings": float(rounds[-1].bindings),
        "setup_s": setup.seconds,
    }
    report.ratio = ours("total").median / base("total").median
    return report
