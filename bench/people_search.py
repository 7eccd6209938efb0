"""``people_search``: the people-search latency of the person search box at city scale.

Builds a synthetic city of ``--scale`` residents (default 1 M) on a fresh SQLite file or on
PostgreSQL (``--database postgres://…``: a scratch database ``fangkong_bench_people`` is made
on that server and dropped afterwards), then answers sampled queries of four kinds as a
city-level commander through :func:`fangkong.people.selectors.person_search` (the page's and the
API's own path, with its access log row): an identity number, a Simplified name, the same name
in Traditional characters, and toneless pinyin. The baseline is the floor under it: the same
first page read straight off the indexed column (``name_key`` / ``number_index``) with no scope,
no ranking and no access log. Both must find the sampled person.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.harness import Report

KINDS = ("id_number", "simplified", "traditional", "pinyin")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _configure(database: str) -> tuple[str, Any]:
    """Point Django at a fresh database and set it up; returns a label and a cleanup."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    if database:
        import psycopg

        base = database.rsplit("/", 1)[0]
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS fangkong_bench_people")
            connection.execute("CREATE DATABASE fangkong_bench_people")
        os.environ["DATABASE_URL"] = f"{base}/fangkong_bench_people"

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(database, autocommit=True) as connection:
                connection.execute("DROP DATABASE IF EXISTS fangkong_bench_people")

        label = "PostgreSQL"
    else:
        directory = tempfile.mkdtemp(prefix="fk-bench-")
        os.environ["FANGKONG_DATA_DIR"] = directory
        os.environ.pop("DATABASE_URL", None)

        def cleanup() -> None:
            for path in Path(directory).glob("*"):
                path.unlink()
            Path(directory).rmdir()

        label = "SQLite"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return label, cleanup


def run(args: argparse.Namespace) -> Report:
    label, cleanup = _configure(args.database)
    try:
        return _run(args, label)
    finally:
        cleanup()


def _run(args: argparse.Namespace, label: str) -> Report:
    import numpy as np
    import opencc

    from fangkong.accounts.choices import AccessPurpose, Role
    from fangkong.core.actor import SYSTEM, Actor
    from fangkong.core.crypto import blind_index
    from fangkong.core.names import name_key, name_pinyin
    from fangkong.people.models import IdentityDocument, Person
    from fangkong.people.selectors import person_search
    from fangkong.regions.models import Region
    from fangkong.sim.city import city_generate
    from fangkong.sim.load import city_load

    started = time.perf_counter()
    city = city_generate(residents=args.scale, seed=20220404, as_of=date(2022, 4, 4))
    generated = time.perf_counter()
    city_load(city, actor=SYSTEM)
    loaded = time.perf_counter()

    root = (
        Region.objects.filter(level=2).order_by("path").first()
        or Region.objects.order_by("path").first()
    )
    assert root is not None
    actor = Actor(
        user_id=0,
        username="bench",
        role=Role.COMMANDER,
        membership_id=0,
        region_id=root.pk,
        region_path=root.path,
        region_code=root.code,
    )
    rng = np.random.default_rng(7)
    samples = min(args.repeat * 40, 400)
    persons = city.persons.join(city.documents.filter(doc_type="01"), on="person_key")
    picks = persons[rng.choice(persons.height, size=samples, replace=False).tolist()]
    to_traditional = opencc.OpenCC("s2t")
    queries: dict[str, list[str]] = {
        "id_number": picks["number"].to_list(),
        "simplified": picks["name"].to_list(),
        "traditional": [to_traditional.convert(n) for n in picks["name"].to_list()],
        "pinyin": [name_pinyin(n) for n in picks["name"].to_list()],
    }

    ours: dict[str, list[float]] = {kind: [] for kind in KINDS}
    floor: dict[str, list[float]] = {kind: [] for kind in KINDS}
    misses = 0
    for kind in KINDS:
        for query, expected in zip(queries[kind], picks["name"].to_list(), strict=True):
            start = time.perf_counter()
            result = person_search(
                actor=actor, q=query, page_size=20, purpose=AccessPurpose.ADMINISTRATION
            )
            names = [p.name for p in result.page.items]
            ours[kind].append(time.perf_counter() - start)
            start = time.perf_counter()
            if kind == "id_number":
                ids = list(
                    IdentityDocument.objects.filter(
                        number_index=blind_index(query, purpose="id-number")
                    ).values_list("person_id", flat=True)[:20]
                )
                baseline = list(Person.objects.filter(pk__in=ids).values_list("name", flat=True))
            elif kind == "pinyin":
                baseline = list(
                    Person.objects.filter(name_pinyin=query).values_list("name", flat=True)[:20]
                )
            else:
                baseline = list(
                    Person.objects.filter(name_key=name_key(query)).values_list("name", flat=True)[
                        :20
                    ]
                )
            floor[kind].append(time.perf_counter() - start)
            if kind != "pinyin" and expected not in names:
                print(f"  miss: {kind} {query!r} -> {names[:3]}")
                misses += 1
            if kind == "id_number" and expected not in baseline:
                misses += 1
    if misses:
        raise AssertionError(f"{misses} sampled persons were not found")

    report = Report(name="people_search", scale=args.scale)
    report.rows.append(("database", label))
    report.rows.append(
        (
            "generate city",
            f"{generated - started:.1f} s ({args.scale / (generated - started):,.0f} residents/s)",
        )
    )
    report.rows.append(
        (
            "load city",
            f"{loaded - generated:.1f} s ({args.scale / (loaded - generated):,.0f} residents/s)",
        )
    )
    all_ours = [t for kind in KINDS for t in ours[kind]]
    all_floor = [t for kind in KINDS for t in floor[kind]]
    for kind in KINDS:
        report.rows.append(
            (
                f"{kind} (n={len(ours[kind])})",
                f"p50 {statistics.median(ours[kind]) * 1000:.1f} ms, "
                f"p95 {_percentile(ours[kind], 0.95) * 1000:.1f} ms"
                f"  | floor p50 {statistics.median(floor[kind]) * 1000:.2f} ms",
            )
        )
    report.figures = {
        "p50_ms": statistics.median(all_ours) * 1000,
        "p95_ms": _percentile(all_ours, 0.95) * 1000,
        "floor_p50_ms": statistics.median(all_floor) * 1000,
        "load_residents_per_s": args.scale / (loaded - generated),
    }
    report.ratio = statistics.median(all_ours) / statistics.median(all_floor)
    report.notes.append("ratio = our search p50 / indexed-column floor p50 (lower is better)")
    return report
