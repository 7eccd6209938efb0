"""``pages``: the web under realistic data — the command picture and the case list at
``--scale`` cases (default 1 M).

Builds a synthetic city of ``--scale`` residents (``fangkong.sim``, loaded through the
product's bulk paths) on a fresh SQLite file or on PostgreSQL (``--database postgres://…``: a
scratch database ``fangkong_bench_pages`` is made on that server and dropped afterwards), then
one case per resident (confirmed, asymptomatic or suspected, onset along a 60-day epidemic
curve, reported one to three days later, the older ones closed) written with ``COPY`` as a
benchmark fixture, and the command figures computed by ``figures_refresh`` (timed: the job's
cost at this scale). A city commander then requests, through Django's request handler with a
signed-in session (middleware, guard, template, everything but the socket):

- the command picture of the city (``/command/picture/``) and of its first district;
- the case list (``/cases/``), its first page, a later page and a classification filter;
- the baseline: a no-op request on the same stack (the sign-in page's redirect for a signed-in
  user would do more; ``/static/`` is not served by Django in production), here the 404 page
  of an unknown path — the framework's floor with session and middleware.

Figures: p50/p95 per page in ms, queries per page at two page sizes (must be equal), the
refresh time. Headline ratio: the picture's p95 ÷ the 500 ms target (≤ 1 meets it); the case
list's p95 is reported against its 200 ms target.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.harness import Report

PICTURE_TARGET_MS = 500.0
LIST_TARGET_MS = 200.0


def _configure(database: str) -> tuple[str, Any]:
    """Point Django at a fresh database and migrate it; returns a label and a cleanup."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    if database:
        import psycopg

        base = database.rsplit("/", 1)[0]
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS fangkong_bench_pages WITH (FORCE)")
            connection.execute("CREATE DATABASE fangkong_bench_pages")
        os.environ["DATABASE_URL"] = f"{base}/fangkong_bench_pages"

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(database, autocommit=True) as connection:
                connection.execute("DROP DATABASE IF EXISTS fangkong_bench_pages WITH (FORCE)")

        label = "PostgreSQL"
    else:
        directory = tempfile.mkdtemp(prefix="fk-bench-pages-")
        os.environ["FANGKONG_DATA_DIR"] = directory
        os.environ.pop("DATABASE_URL", None)

        def cleanup() -> None:
            for path in sorted(Path(directory).rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
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


def _cases_insert(today: date, seed: int) -> int:
    """One case per resident, ``COPY``-ed (a fixture: the product opens cases one finding at
    a time, which is not what this benchmark measures)."""
    import numpy as np
    import polars as pl
    from django.db import connection
    from django.utils import timezone

    from fangkong.cases.models import Case
    from fangkong.core.bulk import db_datetime, random_uuids, table_insert
    from fangkong.people.models import Person

    people = pl.DataFrame(
        list(Person.objects.values_list("pk", "region_id").order_by("pk")),
        schema={"person_id": pl.Int64, "region_id": pl.Int64},
        orient="row",
    )
    count = people.height
    rng = np.random.default_rng(seed)
    # An epidemic curve over 60 days: days before today drawn from a bell around day 20.
    onset_back = np.clip(rng.normal(20, 9, count).round(), 0, 59).astype(np.int64)
    report_back = np.maximum(onset_back - rng.integers(1, 4, count), 0)
    kind = rng.choice(["confirmed", "asymptomatic", "suspected"], size=count, p=[0.8, 0.15, 0.05])
    today64 = np.datetime64(today, "D")
    onset = today64 - onset_back.astype("timedelta64[D]")
    opened_day = today64 - report_back.astype("timedelta64[D]")
    opened = opened_day.astype("datetime64[ms]") + rng.integers(
        3_600_000, 72_000_000, count
    ).astype("timedelta64[ms]")
    closed = np.where(
        onset_back > 21,
        (opened + np.timedelta64(14, "D")).astype("datetime64[ms]"),
        np.datetime64("NaT"),
    )
    now = db_datetime(timezone.now())
    stamp = "%Y-%m-%d %H:%M:%S" + ("+00:00" if connection.vendor == "postgresql" else "")
    frame = pl.DataFrame(
        {
            "code": random_uuids(count),
            "person_id": people["person_id"],
            "region_id": people["region_id"],
            "episode": 1,
            "classification": kind,
            "how_found": "screening",
            "onset_date": pl.Series(np.where(kind == "asymptomatic", np.datetime64("NaT"), onset)),
            "first_positive_on": pl.Series(opened_day),
            "severity": "",
            "treatment": "",
            "outcome": pl.Series(np.where(onset_back > 21, "recovered", "")),
            "opened_at": pl.Series(opened).dt.strftime(stamp),
            "closed_at": pl.Series(closed).dt.strftime(stamp),
            "rule_set": "",
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
    )
    return table_insert(Case._meta.db_table, frame)


def _client(actor: Any) -> Any:
    """A signed-in session for the actor's user, past MFA (what the sign-in steps leave)."""
    from django.test import Client

    from fangkong.accounts.middleware import (
        SESSION_EPOCH,
        SESSION_LOGIN_AT,
        SESSION_MEMBERSHIP,
        SESSION_MFA_OK,
        SESSION_SEEN_AT,
    )
    from fangkong.accounts.models import User

    client = Client()
    user = User.objects.get(pk=actor.user_id)
    client.force_login(user)
    session = client.session
    now = time.time()
    session[SESSION_EPOCH] = user.session_epoch
    session[SESSION_LOGIN_AT] = now
    session[SESSION_SEEN_AT] = now
    session[SESSION_MFA_OK] = True
    session[SESSION_MEMBERSHIP] = actor.membership_id
    session.save()
    return client


def _timed(client: Any, url: str, *, times: int, status: int = 200) -> tuple[list[float], int]:
    """Request ``url`` ``times`` times; the seconds of each and the queries of the last."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seconds = []
    queries = 0
    for _ in range(times):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        if response.status_code != status:
            raise AssertionError(f"{url} answered {response.status_code}")
        queries = len(captured.captured_queries)
    return seconds, queries


def _ms(seconds: list[float], share: float) -> float:
    ordered = sorted(seconds)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _run(args: argparse.Namespace, label: str) -> Report:
    from django.utils import timezone

    from bench.staff import staff_make
    from fangkong.accounts.choices import Role
    from fangkong.cases.models import Case
    from fangkong.command_center.picture.services import figures_refresh
    from fangkong.core.actor import SYSTEM
    from fangkong.regions.models import Region
    from fangkong.sim import tree
    from fangkong.sim.city import city_generate
    from fangkong.sim.load import city_load
    from fangkong.sim.outlines import city_outlines

    started = time.perf_counter()
    today = timezone.localdate()
    city_load(city_generate(residents=args.scale, seed=20220404, as_of=today), actor=SYSTEM)
    loaded = time.perf_counter()
    cases = _cases_insert(today, seed=7)
    cases_done = time.perf_counter()
    city = Region.objects.get(code=tree.CITY_CODE)
    districts = {
        d.code: list(Region.objects.filter(parent=d).values_list("code", flat=True))
        for d in Region.objects.filter(parent=city).order_by("code")
    }
    import json

    from fangkong.regions.services import region_boundaries_import

    region_boundaries_import(
        actor=SYSTEM,
        file=json.dumps(city_outlines(city_code=city.code, districts=districts, seed=1)).encode(),
    )
    refresh_started = time.perf_counter()
    refresh = figures_refresh(actor=SYSTEM, days=60)
    refresh_seconds = time.perf_counter() - refresh_started

    commander = _client(staff_make(role=Role.COMMANDER, region=city, username="bench-commander"))
    epidemiologist = _client(
        staff_make(role=Role.EPIDEMIOLOGIST, region=city, username="bench-epidemiologist")
    )
    district = Region.objects.filter(parent=city).order_by("code").first()
    assert district is not None
    times = max(20, args.repeat * 10)
    pages = {
        "picture_city": (commander, "/command/picture/"),
        "picture_district": (commander, f"/command/picture/{district.code}/"),
        "picture_data": (commander, f"/command/picture/{city.code}/data/"),
        "cases_first": (epidemiologist, "/cases/"),
        "cases_page_50": (epidemiologist, "/cases/?page=50"),
        "cases_confirmed": (epidemiologist, "/cases/?classification=confirmed&page=3"),
    }
    for client, url in pages.values():
        client.get(url)  # warm: templates, rule sets, navigation
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the floor's 404s are expected
    floor_seconds, _floor_queries = _timed(commander, "/no-such-page/", times=times, status=404)
    report = Report(name=f"pages ({label})", scale=cases)
    report.rows.append(("cases", f"{cases:,} ({Case.objects.count():,} stored)"))
    report.rows.append(
        ("city + load", f"{loaded - started:.1f} s; cases COPY {cases_done - loaded:.1f} s")
    )
    report.rows.append(
        ("figures_refresh (60 days)", f"{refresh_seconds:.2f} s, {refresh.rows:,} rows")
    )
    report.figures["refresh_s"] = refresh_seconds
    report.figures["floor_p50_ms"] = _ms(floor_seconds, 0.5)
    for name, (client, url) in pages.items():
        seconds, queries = _timed(client, url, times=times)
        p50, p95 = _ms(seconds, 0.5), _ms(seconds, 0.95)
        report.rows.append((name, f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, {queries} queries ({url})"))
        report.figures[f"{name}_p95_ms"] = p95
        report.figures[f"{name}_queries"] = queries
    # Query counts constant: the picture of the city and of one district (subtrees of very
    # different sizes), the list's first and fiftieth page.
    for first, second in (("picture_city", "picture_district"), ("cases_first", "cases_page_50")):
        if report.figures[f"{first}_queries"] != report.figures[f"{second}_queries"]:
            report.notes.append(f"query counts differ: {first} and {second}")
    report.rows.append(("no-op floor", f"p50 {_ms(floor_seconds, 0.5):.1f} ms (404 page)"))
    picture_p95 = max(
        report.figures["picture_city_p95_ms"], report.figures["picture_district_p95_ms"]
    )
    list_p95 = max(
        report.figures[f"{name}_p95_ms"]
        for name in ("cases_first", "cases_page_50", "cases_confirmed")
    )
    report.rows.append(("picture p95 / 500 ms target", f"{picture_p95 / PICTURE_TARGET_MS:.3f}"))
    report.rows.append(("case list p95 / 200 ms target", f"{list_p95 / LIST_TARGET_MS:.3f}"))
    report.figures["list_target_ratio"] = list_p95 / LIST_TARGET_MS
    report.ratio = picture_p95 / PICTURE_TARGET_MS
    report.notes.append(
        "ratio = the command picture's p95 ÷ its 500 ms target (≤ 1 meets it); "
        "list_target_ratio = the case list's p95 ÷ 200 ms"
    )
    return report
