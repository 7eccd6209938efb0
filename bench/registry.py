"""The benchmarks by name, and the command line that runs one (``python -m bench``).

The imports go one way: this module imports the benchmarks and the harness, the benchmarks
import the harness, and the harness imports neither.
"""

from __future__ import annotations

import argparse
import os

from bench import (
    allocation,
    binding_api,
    chains,
    companions,
    contacts,
    pages,
    people_search,
    screening,
    simulate,
    store,
    supplies,
)
from bench.harness import Runner, peak_memory_mb, report_print, report_save

#: name → (the benchmark, its default ``--scale``).
BENCHMARKS: dict[str, tuple[Runner, int]] = {
    "allocation": (allocation.run, 10_000),
    "binding_api": (binding_api.run, 200_000),
    "chains": (chains.run, 1_000_000),
    "companions": (companions.run, 10_000_000),
    "contacts": (contacts.run, 100_000_000),
    "pages": (pages.run, 1_000_000),
    "people_search": (people_search.run, 1_000_000),
    "screening": (screening.run, 1_000_000),
    "simulate": (simulate.run, 100_000),
    "simulate_city": (simulate.run_city, 10_000_000),
    "supplies": (supplies.run, 25_000_000),
    "store": (store.run, 100_000_000),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--scale", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://… (default: a fresh SQLite file)",
    )
    parser.add_argument(
        "--record", action="store_true", help="append the figures to docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    function, default_scale = BENCHMARKS[args.name]
    args.scale = args.scale or default_scale
    report = function(args)
    report.figures.setdefault("peak_mb", peak_memory_mb())
    report_print(report)
    report_save(report, record=args.record)
    return 0
