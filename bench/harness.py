"""What every benchmark shares: timing over repeats, peak memory, the table, the RESULT line,
JSON results under ``bench/results/`` and a history row in ``docs/benchmarks.md``.

A benchmark is a function ``run(args) -> Report``, listed with its default scale in
``bench/registry.py`` (which imports the benchmarks; this module imports none of them). It
times our path and its baseline in the same process run with :func:`measure`, checks that both
give the same answer, and returns the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
HISTORY = ROOT / "docs" / "benchmarks.md"


@dataclass
class Timing:
    """Seconds of each repeat; reported as median (min–max)."""

    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def text(self, unit: str = "s", scale: float = 1.0) -> str:
        values = [s * scale for s in self.seconds]
        return f"{statistics.median(values):.4g} ({min(values):.4g}–{max(values):.4g}) {unit}"


@dataclass
class Report:
    name: str
    scale: int
    rows: list[tuple[str, str]] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)


def measure(label: str, function: Callable[[], Any], *, repeat: int) -> tuple[Timing, Any]:
    """Run ``function`` ``repeat`` times; return the timings and the last answer."""
    seconds = []
    answer: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        answer = function()
        seconds.append(time.perf_counter() - start)
    return Timing(label, seconds), answer


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (the kernel's ``ru_maxrss``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: What the command line passes a benchmark and what it answers.
Runner = Callable[[argparse.Namespace], Report]


def machine() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory_gb:.0f} GB, Python {platform.python_version()}"


def report_print(report: Report) -> None:
    width = max((len(label) for label, _ in report.rows), default=10)
    print(f"\n{report.name} at scale {report.scale:,} on {machine()}")
    for label, value in report.rows:
        print(f"  {label.ljust(width)}  {value}")
    for note in report.notes:
        print(f"  note: {note}")
    figures = " ".join(f"{k}={v:.6g}" for k, v in report.figures.items())
    ratio = f" ratio={report.ratio:.4g}" if report.ratio is not None else ""
    print(f"RESULT {report.name} {figures}{ratio}")


def report_save(report: Report, *, record: bool) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC)
    payload = {
        "name": report.name,
        "scale": report.scale,
        "machine": machine(),
        "at": stamp.isoformat(),
        "figures": report.figures,
        "ratio": report.ratio,
        "rows": report.rows,
        "notes": report.notes,
    }
    (RESULTS / f"{report.name}-{stamp:%Y%m%dT%H%M%S}.json").write_text(
        json.dumps(payload, indent=2, ensure_ascii=False)
    )
    if record:
        figures = ", ".join(f"{k}={v:.4g}" for k, v in report.figures.items())
        ratio = f"{report.ratio:.3g}" if report.ratio is not None else "—"
        cells = [f"{stamp:%Y-%m-%d}", report.name, machine(), f"{report.scale:,}", figures, ratio]
        line = "| " + " | ".join(cells) + " |\n"
        with HISTORY.open("a", encoding="utf-8") as handle:
            handle.write(line)
