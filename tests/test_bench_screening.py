"""The screening benchmark's path end to end at a small scale on the test database (issue 18
§3): ours stores through the binding service, transports, records through ``results_apply``
and reads coverage as the command view; the SQL baseline does the same work; both (and the
DuckDB script) give the same answers, and the headline is all-in on both sides. Also: the
benchmarks use no test code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def test_the_benchmarks_import_no_test_code():
    imported: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if "tests" in parts or "conftest" in parts or parts[-1] == "factories":
                    imported.setdefault(path.name, []).append(name)
    assert imported == {}


def _count(table: str, where: str = "TRUE") -> int:
    """Rows of one of the baseline's tables (names from the benchmark, no input)."""
    from bench.screening_setup import BASELINE

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {BASELINE}.{table} WHERE {where}")  # noqa: S608
        return int(cursor.fetchone()[0])


@pytest.mark.slow  # about 10 s: a city of 2,500 loaded, two rounds on both sides
@pytest.mark.django_db
def test_a_small_round_runs_all_in_on_both_sides_with_the_same_answers(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the screening benchmark and its SQL baseline run on PostgreSQL")
    from bench.screening import report_make, round_run
    from bench.screening_setup import PhasePeaks, parquet_write, prepare
    from fangkong.core.models import AuditEntry
    from fangkong.lab.models import Package, Tube

    phases = PhasePeaks()
    # two parts, so the documents kept by part are put back together
    setup = prepare(2_500, prevalence=0.05, phases=phases, part_residents=1_500)
    assert setup.parts == 2
    paths = parquet_write(setup, str(tmp_path))
    rounds = [round_run(setup, attempt, paths, phases) for attempt in range(2)]

    tubes, bindings = setup.tubes.height, setup.bindings.height
    for attempt, times in enumerate(rounds):
        assert times.bindings == bindings
        assert set(times.ours) == {"store", "transport", "results", "coverage", "total"}
        assert times.ours["total"] == pytest.approx(
            sum(times.ours[k] for k in ("store", "transport", "results", "coverage"))
        )
        assert times.baseline["total"] >= times.baseline["store"] > 0
        prefix = f"R{attempt}"
        # every tube went the product's way: bound, packaged, received, resulted
        ours = Tube.objects.filter(barcode__startswith=prefix)
        assert ours.count() == tubes
        assert not ours.exclude(status="resulted").exists()
        assert not ours.filter(package__isnull=True).exists()
        assert Package.objects.filter(code__startswith=prefix).count() == times.packages
    answers = rounds[-1].answers
    assert answers["held"][0] > 0  # pooled positives, so the follow-up was exercised
    assert answers["tasks"][0] >= answers["held"][0]
    assert 0 < answers["untested"] < 2_500
    assert AuditEntry.objects.filter(action="tube_bind").count() == 2 * tubes
    assert AuditEntry.objects.filter(action="package_receive").exists()
    # the baseline wrote the same rows into its own tables, each round
    assert _count("tube") == 2 * tubes
    assert _count("binding") == 2 * bindings
    assert _count("tube", "result = 'pending'") == 0
    written = _count("retest")
    assert written == sum(r.answers["tasks"][0] for r in rounds)

    report = report_make(2_500, setup, rounds, phases)
    figures = report.figures
    assert report.ratio == pytest.approx(figures["ours_s"] / figures["baseline_s"])
    assert figures["ours_s"] >= figures["store_s"] + figures["results_s"]
    assert figures["bindings"] == bindings
