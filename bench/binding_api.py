"""``binding_api``: the sampling-site write path over HTTP against a production server.

Setup (not timed): a fresh PostgreSQL database (``--database postgres://…``; a scratch
database ``fangkong_bench_binding`` is made on that server and dropped afterwards), a
synthetic city of ``--scale`` residents loaded through the bulk paths, a city-wide local rule
override that pools 20 to a tube (today's national edition samples singly), one round over the
city, ``POINTS`` sampling points in distinct communities, each with a sampler on its staff and
an API token. Every resident with a resident ID is dealt into tubes of 10–20 people, one tube
per request body, with an ``Idempotency-Key``; 5 % of the requests are sent a second time with
the same key and body, a few hundred requests later.

Run: ``fangkong serve`` (gunicorn gthread, production settings) on 127.0.0.1 and ``wrk`` (Debian
package, the Lua script ``bench/binding_api.lua``) with ``CONNECTIONS`` connections for
``FANGKONG_BENCH_SECONDS`` (60) seconds, loopback only, after a 5 s warm-up with tubes of its
own (every server thread opens its database connection; not measured). Afterwards the
database is counted: *lost* = bindings of tubes answered 2xx (warm-up included) that are not
stored; *duplicated* = persons stored twice in the round or tubes stored twice; both must be
0. People bound per second = bindings stored during the measured window ÷ the window;
p50/p99 latency come from wrk for that window.

Baseline (same run): the same tubes and bindings written straight into ``lab_tube`` and
``lab_binding`` of a second round with ``COPY`` from this one process (live indexes and
constraints, like the server's inserts), ``--repeat`` times; ratio = our people per second ÷
COPY's rows per second.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Report, Timing
from bench.staff import staff_make, staff_token

DATABASE = "fangkong_bench_binding"
POINTS = 24
CONNECTIONS = int(os.environ.get("FANGKONG_BENCH_CONNECTIONS", "32"))
WRK_THREADS = 2
RETRY_SHARE = 0.05
WARMUP_SECONDS = 5
FLOOR_SECONDS = 10
WARMUP_LINES = 3000  # more than a warm-up sends; the rest of them are never sent
RETRY_LAG = 400  # a retry goes out this many requests after the first send
SEED = 20220404
PORT = 18431
KEYS = {
    "FANGKONG_SECRET_KEY": "bench-secret-key-" + "k" * 40,
    "FANGKONG_FIELD_KEY": "YmVuY2gtZmllbGQta2V5LWZvci1iaW5kaW5nLWFwaSE=",
    "FANGKONG_BLIND_INDEX_KEY": "bench-blind-index-key-binding-api",
}


def _seconds() -> int:
    return int(os.environ.get("FANGKONG_BENCH_SECONDS", "60"))


def _configure(database: str) -> tuple[str, Any]:
    """Point Django at a fresh PostgreSQL database; returns its URL and a cleanup."""
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("binding_api runs on PostgreSQL: pass --database postgres://…")
    import psycopg

    base = database.rsplit("/", 1)[0]
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    url = f"{base}/{DATABASE}"
    os.environ.update(KEYS)
    os.environ["DATABASE_URL"] = url
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

    return url, cleanup


def run(args: argparse.Namespace) -> Report:
    url, cleanup = _configure(args.database)
    try:
        return _run(args, url)
    finally:
        cleanup()


def _setup(residents: int) -> dict[str, Any]:
    """City, rule override, round, points, samplers and tokens; the tubes to send."""
    import numpy as np
    import polars as pl

    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User
    from fangkong.core.actor import SYSTEM
    from fangkong.lab.rounds.services import point_staff_add, round_open, sampling_point_create
    from fangkong.policy.services import rule_set_override_create
    from fangkong.regions.choices import RegionLevel
    from fangkong.regions.models import Region
    from fangkong.sim.city import city_generate
    from fangkong.sim.load import city_load

    city = city_generate(residents=residents, seed=SEED, as_of=date(2022, 4, 4))
    city_load(city, actor=SYSTEM)
    root = Region.objects.filter(level=RegionLevel.CITY).order_by("path").first()
    assert root is not None
    commander = staff_make(role=Role.COMMANDER, region=root, username="bench-commander")
    today = date.today()
    rule_set_override_create(
        actor=SYSTEM,
        key="bench-pooling-20",
        region=root,
        name_zh="基准测试混采20合1",
        name_en="Benchmark 20-in-1 pooling",
        effective_from=today - timedelta(days=1),
        parameters={
            "pooling": {"by_zone": {"other": {"ratio": 20, "per_household": False}}},
            "screening": {"area_screening_enabled": True},
        },
        reason="binding_api benchmark: a mass-screening round pools 20 to a tube",
    )
    screening_round = round_open(actor=commander, name="基准轮次", areas=[(root, "other")])
    communities = list(Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("path"))
    picked = [communities[i * len(communities) // POINTS] for i in range(POINTS)]
    points: list[tuple[str, str]] = []
    for number, community in enumerate(picked):
        point = sampling_point_create(
            actor=commander, region=community, name=f"基准采样点{number + 1}"
        )
        sampler = staff_make(
            role=Role.SAMPLER, region=community, username=f"bench-sampler-{number + 1}"
        )
        point_staff_add(actor=commander, point=point, user=User.objects.get(pk=sampler.user_id))
        points.append((str(point.code), staff_token(sampler)))

    numbers = (
        city.documents.filter(pl.col("doc_type") == "01")
        .join(city.persons.select("person_key", "household_key"), on="person_key")
        .sort(["household_key", "person_key"])["number"]
        .to_list()
    )
    rng = np.random.default_rng(SEED)
    tubes: list[dict[str, Any]] = []
    start = 0
    while start < len(numbers):
        size = int(rng.integers(10, 21))
        members = numbers[start : start + size]
        start += size
        code, token = points[len(tubes) % POINTS]
        tubes.append(
            {
                "token": token,
                "key": str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | len(tubes))),
                "body": {
                    "round": str(screening_round.code),
                    "point": code,
                    "barcode": f"BA{len(tubes):010d}",
                    "members": [{"id_number": n, "method": "id_card"} for n in members],
                },
            }
        )
    return {"round": screening_round, "tubes": tubes, "root": root, "commander": commander}


def _request_lines(tubes: list[dict[str, Any]]) -> tuple[list[str], int]:
    """One line per request, retries (5 %) inserted ``RETRY_LAG`` requests after the first."""
    import numpy as np

    rng = np.random.default_rng(SEED + 1)
    lines = [
        f"{t['token']}\t{t['key']}\t{json.dumps(t['body'], ensure_ascii=False)}" for t in tubes
    ]
    retried = sorted(
        rng.choice(len(lines), size=int(len(lines) * RETRY_SHARE), replace=False).tolist()
    )
    out: list[str] = []
    pending = list(retried)
    for index, line in enumerate(lines):
        out.append(line)
        while pending and pending[0] + RETRY_LAG <= index:
            out.append(lines[pending.pop(0)])
    out.extend(lines[i] for i in pending)
    return out, len(retried)


def _server_log() -> Any:
    """``FANGKONG_BENCH_SERVER_LOG``: a file that keeps the server's errors with their
    tracebacks (open for the server's lifetime); otherwise nothing is kept."""
    path = os.environ.get("FANGKONG_BENCH_SERVER_LOG")
    return open(path, "ab") if path else subprocess.DEVNULL


def _serve(url: str, workers: int, threads: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **KEYS,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "FANGKONG_SECURE_SSL_REDIRECT": "false",
        "FANGKONG_HSTS_SECONDS": "0",
        "FANGKONG_LOG_LEVEL": "ERROR",
    }
    server = subprocess.Popen(  # noqa: S603 - our own command line, no user input
        [
            str(ROOT / ".venv" / "bin" / "fangkong"),
            "serve",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=_server_log(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{PORT}/api/v1/lab/sampling-codes/public-key", timeout=2
            ):
                return server
        except urllib.error.HTTPError:
            return server  # any HTTP answer means it is up
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the server exited while starting") from None
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("the server did not answer within 60 s")


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (its master and workers) and by PostgreSQL's
    processes (the whole cluster), read from ``/proc``: each process's own and that of its
    children it has reaped, so backends that end meanwhile (connections are recycled after
    ``CONN_MAX_AGE``) still count, through the postmaster."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = sum(int(value) for value in fields[11:15]) / tick  # u/s time, reaped u/s
        if int(entry.name) == server_pid or int(fields[1]) == server_pid:
            used["server"] += seconds
        elif name.startswith("postgres"):
            used["postgres"] += seconds
    return used


def _load(
    lines: list[str], seconds: int, workdir: Path, name: str = "answers", token: str = ""
) -> tuple[dict[str, Any], list[str]]:
    """Drive the server with wrk; returns its summary and every ``status\\tbarcode`` line.
    Without lines every request is the no-op GET, with ``token``."""
    requests_path = workdir / f"{name}.tsv"
    requests_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = workdir / name
    env = {
        **os.environ,
        "FK_REQUESTS": str(requests_path),
        "FK_LOG": str(log),
        "FK_THREADS": str(WRK_THREADS),
        **({"FK_TOKEN": token} if token else {}),
    }
    subprocess.run(  # noqa: S603 - fixed arguments, loopback only
        [  # noqa: S607 - wrk from the Debian package, found on PATH
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "binding_api.lua"),
            f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=seconds + 120,
    )
    summary = json.loads((workdir / f"{name}.summary").read_text())
    answers: list[str] = []
    for k in range(WRK_THREADS):
        answers.extend((workdir / f"{name}.{k}").read_text(encoding="utf-8").splitlines())
    return summary, answers


def _stored(round_id: int) -> tuple[int, int]:
    """Tubes and bindings stored in the round so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM lab_tube WHERE round_id = %s), "
            "(SELECT COUNT(*) FROM lab_binding WHERE round_id = %s)",
            [round_id, round_id],
        )
        tubes, bindings = cursor.fetchone()
        return int(tubes), int(bindings)


def _count(round_id: int, answered: set[str], sizes: dict[str, int]) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.barcode, COUNT(b.id) FROM lab_tube t LEFT JOIN lab_binding b "
            "ON b.tube_id = t.id WHERE t.round_id = %s GROUP BY t.barcode",
            [round_id],
        )
        stored = dict(cursor.fetchall())
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT person_id FROM lab_binding WHERE round_id = %s "
            "GROUP BY person_id HAVING COUNT(*) > 1) d",
            [round_id],
        )
        twice = int(cursor.fetchone()[0])
    lost = sum(sizes[b] - int(stored.get(b, 0)) for b in answered)
    return {
        "tubes": len(stored),
        "bindings": sum(int(v) for v in stored.values()),
        "lost": lost,
        "duplicated": twice,
        "unanswered_stored": sum(1 for b in stored if b not in answered),
    }


def _copy_baseline(tubes: list[dict[str, Any]], repeat: int) -> Timing:
    """COPY the same tubes and bindings into a fresh round, ``repeat`` times."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.core.actor import SYSTEM
    from fangkong.core.crypto import blind_index
    from fangkong.lab.rounds.services import round_open
    from fangkong.people.models import IdentityDocument, Person
    from fangkong.regions.models import Region

    numbers = [m["id_number"] for t in tubes for m in t["body"]["members"]]
    by_index = dict(
        IdentityDocument.objects.filter(doc_type="01").values_list("number_index", "person_id")
    )
    person_ids = [by_index[blind_index(n, purpose="id-number")] for n in numbers]
    homes = {
        pid: (region, household)
        for pid, region, household in Person.objects.values_list("id", "region_id", "household_id")
    }
    root = Region.objects.filter(level=2).order_by("path").first()
    assert root is not None
    point_ids = dict(
        connection.cursor().execute("SELECT code::text, id FROM lab_samplingpoint").fetchall()
    )
    seconds: list[float] = []
    for attempt in range(repeat):
        screening_round = round_open(actor=SYSTEM, name=f"COPY {attempt}", areas=[(root, "other")])
        now = timezone.now()
        due = now + timedelta(hours=24)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM lab_tube")
            first_tube = int(cursor.fetchone()[0]) + 1
        tube_rows = io.StringIO()
        binding_rows = io.StringIO()
        cursor_position = 0
        for offset, tube in enumerate(tubes):
            tube_id = first_tube + offset
            size = len(tube["body"]["members"])
            tube_rows.write(
                f"{tube_id}\tC{attempt}{tube['body']['barcode']}\t{screening_round.id}\t"
                f"{point_ids[tube['body']['point']]}\tscreening\tother\t\t20\tf\t"
                f"pooled_screening\toropharyngeal\t{now.isoformat()}\t{size}\tclosed\t"
                f"pending\t{due.isoformat()}\tbench\n"
            )
            for position in range(size):
                pid = person_ids[cursor_position + position]
                region, household = homes[pid]
                binding_rows.write(
                    f"{tube_id}\t{screening_round.id}\t{pid}\t{region}\t"
                    f"{household if household is not None else chr(92) + 'N'}\t01\tid_card\t"
                    f"{position}\t{now.isoformat()}\tpending\tf\n"
                )
            cursor_position += size
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                'COPY lab_tube (id, barcode, round_id, point_id, kind, zone, "group", ratio, '
                "per_household, category, swab_site, sampled_at, member_count, status, result, "
                "due_at, rule_set) FROM STDIN"
            ) as copy:
                copy.write(tube_rows.getvalue())
            with raw.copy(
                "COPY lab_binding (tube_id, round_id, person_id, region_id, household_id, "
                "doc_type, method, position, scanned_at, outcome, retest) FROM STDIN"
            ) as copy:
                copy.write(binding_rows.getvalue())
        seconds.append(time.perf_counter() - started)
    return Timing("COPY", seconds)


def _run(args: argparse.Namespace, url: str) -> Report:
    from django.db import connections

    seconds = _seconds()
    workers = int(os.environ.get("FANGKONG_BENCH_WORKERS", "2"))
    threads = int(os.environ.get("FANGKONG_BENCH_THREADS", "16"))
    started = time.perf_counter()
    made = _setup(args.scale)
    tubes = made["tubes"]
    lines, retried = _request_lines(tubes)
    prepared = time.perf_counter() - started
    connections.close_all()
    sizes = {t["body"]["barcode"]: len(t["body"]["members"]) for t in tubes}
    with tempfile.TemporaryDirectory(prefix="fk-binding-") as directory:
        server = _serve(url, workers, threads)
        try:
            # Warm-up (not measured): every server thread opens its database connection and
            # fills its process's caches; then the measured window with the other tubes.
            _warm, answers = _load(lines[:WARMUP_LINES], WARMUP_SECONDS, Path(directory), "warm")
            tubes_before, before = _stored(made["round"].id)
            used = _cpu_seconds(server.pid)
            summary, measured = _load(lines[WARMUP_LINES:], seconds, Path(directory))
            after = _cpu_seconds(server.pid)
            answers += measured
            tubes_after, bindings_after = _stored(made["round"].id)
            during, tubes_during = bindings_after - before, tubes_after - tubes_before
            # The framework's floor on the same server: the no-op GET the script sends once
            # it has no tubes left (token auth, middleware, routing, a small JSON answer).
            floor, _idle = _load(
                [], FLOOR_SECONDS, Path(directory), "floor", token=tubes[0]["token"]
            )
            floor_cpu = _cpu_seconds(server.pid)["server"] - after["server"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    statuses: dict[str, int] = {}
    answered: set[str] = set()
    failures: list[str] = []
    idle = 0
    for line in answers:
        status, _tab, barcode = line.partition("\t")
        statuses[status] = statuses.get(status, 0) + 1
        if barcode == "-":
            idle += 1
        elif status.startswith("2"):
            answered.add(barcode)
        elif len(failures) < 5:
            failures.append(f"{status} {barcode}")
    # Every answer must be in the log, or a lost binding could go unchecked.
    logged = len(measured) == summary["requests"]
    counts = _count(made["round"].id, answered, sizes)
    people_per_s = during / summary["seconds"]
    sent = [t for t in tubes if t["body"]["barcode"] in answered]
    copy_timing = _copy_baseline(sent or tubes[:1000], max(1, args.repeat))
    copy_rows = sum(len(t["body"]["members"]) for t in (sent or tubes[:1000]))
    copy_per_s = copy_rows / copy_timing.median

    # Where the CPU went: per tube stored in the window, and per no-op request. The ceiling is
    # what this machine's cores would bind if a tube cost the server no more than the no-op
    # request and the database what it cost here.
    server_ms = 1000 * (after["server"] - used["server"]) / max(1.0, tubes_during)
    database_ms = 1000 * (after["postgres"] - used["postgres"]) / max(1.0, tubes_during)
    floor_ms = 1000 * floor_cpu / max(1, floor["requests"])
    cores = os.cpu_count() or 1
    ceiling = cores / ((floor_ms + database_ms) / 1000) * (during / max(1.0, tubes_during))

    report = Report(name="binding_api", scale=args.scale)
    report.rows.append(("setup (city, round, points, bodies)", f"{prepared:.1f} s"))
    report.rows.append(
        (
            "server, load",
            f"fangkong serve {workers} workers × {threads} threads; wrk {WRK_THREADS} threads, "
            f"{CONNECTIONS} connections, {summary['seconds']:.1f} s",
        )
    )
    report.rows.append(("tubes prepared, retried", f"{len(tubes):,}, {retried:,}"))
    report.rows.append(("answers by status", json.dumps(statuses, sort_keys=True)))
    report.rows.append(("tubes, bindings stored", f"{counts['tubes']:,}, {counts['bindings']:,}"))
    report.rows.append(("lost, duplicated", f"{counts['lost']}, {counts['duplicated']}"))
    report.rows.append(("people bound per second", f"{people_per_s:,.0f}"))
    report.rows.append(
        (
            "latency p50 / p90 / p99 / max",
            f"{summary['p50_us'] / 1000:.1f} / {summary['p90_us'] / 1000:.1f} / "
            f"{summary['p99_us'] / 1000:.1f} / {summary['max_us'] / 1000:.1f} ms",
        )
    )
    report.rows.append(
        (
            "CPU per tube stored",
            f"server {server_ms:.2f} ms, PostgreSQL {database_ms:.2f} ms "
            f"({(after['server'] - used['server']) / summary['seconds']:.2f} and "
            f"{(after['postgres'] - used['postgres']) / summary['seconds']:.2f} cores)",
        )
    )
    report.rows.append(
        (
            "no-op request floor",
            f"{floor['requests'] / floor['seconds']:,.0f}/s, {floor_ms:.2f} ms server CPU each",
        )
    )
    report.rows.append(
        (
            "ceiling (a tube at the floor)",
            f"{ceiling:,.0f} people/s on {cores} cores = {ceiling / copy_per_s:.3f} of COPY",
        )
    )
    report.rows.append(
        ("COPY baseline", f"{copy_rows:,} bindings in {copy_timing.text()} ({copy_per_s:,.0f}/s)")
    )
    for failure in failures:
        report.notes.append(f"refused: {failure}")
    if not logged:
        report.notes.append(
            f"ANSWERS MISSING FROM THE LOG: {len(measured):,} logged, wrk counted "
            f"{summary['requests']:,} (the lost count checks only logged answers)"
        )
    if idle:
        report.notes.append(f"the request list ran out: {idle} idle GETs (raise --scale)")
    if any(status.startswith("5") for status in statuses):
        report.notes.append("SERVER ERRORS (5xx) — see FANGKONG_BENCH_SERVER_LOG")
    if counts["lost"] or counts["duplicated"]:
        report.notes.append("LOST OR DUPLICATED BINDINGS — the write path is wrong")
    report.notes.append(
        "ratio = people bound per second over HTTP ÷ COPY rows per second "
        "(targets: ≥ 6,000/s, p99 ≤ 250 ms, ratio ≥ 0.3)"
    )
    report.figures = {
        "people_per_s": people_per_s,
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "lost": float(counts["lost"]),
        "duplicated": float(counts["duplicated"]),
        "server_errors": float(sum(n for status, n in statuses.items() if status.startswith("5"))),
        "copy_rows_per_s": copy_per_s,
        "server_ms_per_tube": server_ms,
        "db_ms_per_tube": database_ms,
        "floor_ms": floor_ms,
        "ceiling_ratio": ceiling / copy_per_s,
    }
    report.ratio = people_per_s / copy_per_s
    return report
