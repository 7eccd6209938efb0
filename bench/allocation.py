"""``allocation``: isolation intake in bulk — ``--scale`` new orders (default 10,000) into
``ROOMS_PER_ORDER`` × as many rooms (150,000) across up to ``SITES`` sites (60), all in on both
sides, on PostgreSQL (issue 20 §9).

Setup (not timed): a scratch database ``fangkong_bench_allocation`` (dropped afterwards unless
``FANGKONG_BENCH_KEEP`` is set), a synthetic city of 1.3 × ``--scale`` residents loaded through
the bulk path (with its special needs: a disability asks for an accessible room), a city
override that quarantines close contacts centrally as the 9th edition did (today's national
edition has no such plan), an epidemiologist and an isolation-site manager over the city made
through ``accounts.services``, and the sites registered, activated and given their rooms through
the facility services (room files of at most 10,000 rooms): 1,000–6,000 rooms each in
proportion, 85 % single rooms, 10 % with two beds, 5 % with three, 4 % accessible, 3 % without
their own bathroom. The orders are for the first ``--scale`` residents; a household's chosen
members with a minor among them form a declared group (a minor with a guardian, a carer with
dependants) of at most three who share one room.

Ours, timed, all in: the persons read as the API reads them, orders issued by
``orders.services.orders_issue`` (close contacts, day 0 yesterday, in calls of ``BULK_MAX``:
plans from the rule set, test tasks, history, audit), rooms allocated by
``allocation.services.rooms_allocate`` (in calls of ``ALLOCATE_MAX`` that never split a group:
the engine's choice, the rooms locked in ascending id, conditional updates, history, audit),
each call committed, then the closed-loop transfer task of every placed order
(``transfers.requesting.transfers_create_for_orders``: pickup at home, the room's site as
destination, the rule set's pickup window, history and audit).

Baseline, timed, all in: what a capable engineer would write without Fangkong, on the same
PostgreSQL into the schema ``bench_allocation`` (tables ``LIKE`` ours, with their indexes and
the rooms copied before each repeat): the plan computed once from the same rule set, the orders
and their test tasks written by ``COPY``, the free rooms read once, a greedy assignment in NumPy
(accessible rooms to those who need them, groups to rooms with enough beds, persons alone to
single rooms with their own bathroom, sites taken round-robin so load spreads), applied by
``COPY`` into a temporary table and two ``UPDATE … FROM``, the transfer tasks by one
``INSERT … SELECT`` over the placed orders; one transaction. It writes no history or audit
rows (ours does).

Both outputs are checked against the same invariants: every person placed, no room holding two
units, never more persons than beds, a group in one room, accessible rooms for those who need
them, a person alone in a room with its own bathroom, exactly the used rooms marked occupied,
one transfer task to its site per placed order.
Headline ``ratio`` = ours all-in ÷ baseline all-in (target ≤ 2; ours ≤ 10 s at 10,000).

Modules: ``allocation_setup`` (setup, reset), ``allocation_ours``, ``allocation_baseline``,
``allocation_checks`` (the invariants); this one runs the rounds and makes the report.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

from bench.allocation_baseline import baseline
from bench.allocation_checks import invariants
from bench.allocation_ours import ours
from bench.allocation_setup import BASELINE, Setup, prepare, reset
from bench.harness import Report, Timing

__all__ = ["BASELINE", "invariants", "prepare", "report_make", "round_run", "run"]

DATABASE = "fangkong_bench_allocation"


def _configure(database: str) -> Any:
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("allocation runs on PostgreSQL: pass --database postgres://…")
    import psycopg

    base = database.rsplit("/", 1)[0]
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{base}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(database, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    return cleanup


def run(args: argparse.Namespace) -> Report:
    cleanup = _configure(args.database)
    try:
        setup = prepare(args.scale)
        return report_make(setup, [round_run(setup) for _ in range(args.repeat)])
    finally:
        if os.environ.get("FANGKONG_BENCH_KEEP"):
            print(f"kept the database {DATABASE} (FANGKONG_BENCH_KEEP)", file=sys.stderr)
        else:
            cleanup()


@dataclass
class Round:
    ours: dict[str, Any]
    baseline: dict[str, Any]
    answers: dict[str, dict[str, int]]


def round_run(setup: Setup) -> Round:
    """One repeat: reset, ours, the baseline, both checked; the same answer or it fails."""
    reset()
    mine = ours(setup)
    theirs = baseline(setup)
    answers = {"ours": invariants(setup, "public"), "baseline": invariants(setup, BASELINE)}
    if answers["ours"] != answers["baseline"]:
        raise SystemExit(f"the answers differ: {answers}")
    return Round(mine, theirs, answers)


def report_make(setup: Setup, rounds: list[Round]) -> Report:
    orders = len(setup.person_ids)
    ours_t = Timing("ours all-in", [r.ours["total"] for r in rounds])
    base_t = Timing("baseline all-in", [r.baseline["total"] for r in rounds])
    parts = {
        "issue": Timing("ours: orders issued", [r.ours["issue_s"] for r in rounds]),
        "allocate": Timing("ours: rooms allocated", [r.ours["allocate_s"] for r in rounds]),
        "transfers": Timing("ours: transfer tasks", [r.ours["transfers_s"] for r in rounds]),
        "base_write": Timing("baseline: orders written", [r.baseline["write_s"] for r in rounds]),
        "base_allocate": Timing(
            "baseline: rooms assigned", [r.baseline["allocate_s"] for r in rounds]
        ),
    }
    report = Report(name="allocation", scale=orders)
    answer = rounds[-1].answers["ours"]
    report.rows = [
        ("orders / rooms / sites", f"{orders:,} / {setup.rooms:,} / {setup.sites}"),
        ("declared groups", f"{len(setup.groups):,}"),
        ("setup (not timed)", f"{setup.seconds:.1f} s"),
        (ours_t.label, ours_t.text()),
        *[(t.label, t.text()) for t in parts.values()],
        (base_t.label, base_t.text()),
        ("placed / rooms used", f"{answer['placed']:,} / {answer['rooms']:,}"),
        ("transfer tasks", f"{answer['transfers']:,}"),
    ]
    report.figures = {
        "ours_s": ours_t.median,
        "baseline_s": base_t.median,
        "issue_s": parts["issue"].median,
        "allocate_s": parts["allocate"].median,
        "transfers_s": parts["transfers"].median,
        "orders": orders,
        "rooms": setup.rooms,
        "sites": setup.sites,
    }
    report.ratio = ours_t.median / base_t.median
    return report
