"""``supplies``: one day's supply requests of a city under closure aggregated and allocated,
all in on both sides (issue 21 §5).

Setup (not timed): a fresh PostgreSQL database (``--database postgres://…``; scratch database
``fangkong_bench_supplies``, dropped afterwards unless ``FANGKONG_BENCH_KEEP`` is set); the
synthetic city's province and city codes (``fangkong.sim.tree``) with a jurisdiction tree of
``--scale`` residents split over grids of about ``RESIDENTS_PER_COMPOUND`` (one compound each,
the Benxi micro-grid practice: 25 M residents → 50,000 compounds) through
``regions_bulk_load``; the compounds' residents from ``sim.tree.split_sizes`` over seeded
log-normal weights, 8 % of them vulnerable on average, 1 % of compounds supplying an epidemic
facility; the five key items; one city warehouse holding ``STOCK_SHARE`` of the day's need of
each item (so every item is short and the fairness rule decides); a supplies officer over the
city (``accounts.services``). The day's request file is made once: one row per compound per
item (``region,population,vulnerable,epidemic_facility,item,quantity``; 250,000 rows at 25 M).

Ours, timed, all in: ``requests_import`` (the file parsed and checked with Polars, nodes and
items joined, requests and lines written by ``COPY``, history and audit) and
``allocation_propose`` (the open lines read, the stock summed, the rule set's weights,
``engine.supply_allocation``, the allocation and its lines written by ``COPY``), each its own
committed transaction.

Baseline, timed, all in: a capable engineer's SQL on the same PostgreSQL in one transaction:
the same file by ``COPY`` into a temporary table, requests and lines inserted by joining it to
the nodes and items, an allocation row, and the same fairness rule (facilities first in
proportion to need; weighted water-filling with window sums; largest-remainder whole units
with ``row_number``) as one ``INSERT … SELECT`` into the same allocation-line table. Each side
files its repeats on days of its own (the tables, indexes and constraints are the same).

Both must allocate the same units to every (compound, item). Headline ``ratio`` = ours all-in
÷ the baseline all-in (target ≤ 2).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from bench.harness import Report, measure

DATABASE = "fangkong_bench_supplies"
RESIDENTS_PER_COMPOUND = 500
STREETS = 10  # per district
COMMUNITIES = 26  # per street
DISTRICTS = 16
VULNERABLE_SHARE = 0.08
FACILITY_SHARE = 0.01
STOCK_SHARE = 0.7
SEED = 21
FIRST_DAY = date(2022, 4, 10)
#: The key items: code, name, kind, unit, units a resident needs a day (mean).
ITEMS = (
    ("food-pack", "蔬菜包", "food", "pack", 0.35),
    ("medicine-kit", "常用药包", "medicine", "kit", 0.02),
    ("n95", "N95口罩", "protective", "box", 0.05),
    ("antigen-kit", "抗原检测试剂", "test_kit", "box", 0.1),
    ("disinfectant", "消毒液", "disinfectant", "bottle", 0.03),
)


# --------------------------------------------------------------------------- the data


def city_tree(residents: int) -> pl.DataFrame:
    """The nodes: the synthetic city's province and city, ``DISTRICTS`` districts, streets,
    communities and as many grids (compounds) as ``residents`` / ``RESIDENTS_PER_COMPOUND``
    (at least one per community)."""
    from fangkong.sim.tree import CITY_CODE, CITY_NAME, CITY_PREFIX, PROVINCE_CODE, PROVINCE_NAME

    compounds = max(residents // RESIDENTS_PER_COMPOUND, 1)
    communities = DISTRICTS * STREETS * COMMUNITIES
    per_community = max(1, -(-compounds // communities))
    rows: list[tuple[str, str, int, str | None]] = [
        (PROVINCE_CODE, PROVINCE_NAME, 1, None),
        (CITY_CODE, CITY_NAME, 2, PROVINCE_CODE),
    ]
    made = 0
    for d in range(1, DISTRICTS + 1):
        district = f"{CITY_PREFIX}{d:02d}"
        rows.append((district, f"第{d}区", 3, CITY_CODE))
        for s in range(1, STREETS + 1):
            street = f"{district}{s:03d}"
            rows.append((street, f"第{d}区{s}街道", 4, district))
            for c in range(1, COMMUNITIES + 1):
                community = f"{street}{c:03d}"
                rows.append((community, f"{s}街道{c}社区", 5, street))
                for g in range(1, per_community + 1):
                    if made >= compounds:
                        break
                    rows.append((f"{community}{g:03d}", f"{c}社区{g}小区", 6, community))
                    made += 1
    return pl.DataFrame(
        rows, schema=["code", "name", "level", "parent_code"], orient="row"
    ).with_columns(pl.col("level").cast(pl.Int64))


def request_file(compounds: list[str], residents: int, rng: np.random.Generator) -> tuple[str, int]:
    """The day's request file (one row per compound and item) and the rows in it."""
    from fangkong.sim.tree import split_sizes

    count = len(compounds)
    population = split_sizes(residents, count, rng.lognormal(0.0, 0.4, count))
    vulnerable = rng.binomial(population, VULNERABLE_SHARE)
    facility = (rng.random(count) < FACILITY_SHARE).astype(np.int64)
    frames = []
    for sku, _name, _kind, _unit, per_day in ITEMS:
        need = np.maximum(1, rng.poisson(population * per_day))
        frames.append(
            pl.DataFrame(
                {
                    "region": compounds,
                    "population": population,
                    "vulnerable": vulnerable,
                    "epidemic_facility": facility,
                    "item": [sku] * count,
                    "quantity": need,
                }
            )
        )
    frame = pl.concat(frames)
    return frame.write_csv(), frame.height


# --------------------------------------------------------------------------- the baseline

BASELINE_SQL = """
WITH lines AS (
    SELECT l.id, l.request_id, l.item_id, l.quantity AS nq, l.quantity::float8 AS n,
           q.epidemic_facility AS f,
           (q.population + (%(weight)s - 1) * q.vulnerable)::float8 AS w
    FROM supplies_requestline l JOIN supplies_supplyrequest q ON q.id = l.request_id
    WHERE q.day = %(day)s AND q.status = 'open'
),
stock AS (
    SELECT item_id, SUM(quantity) AS s FROM supplies_stocklot
    WHERE warehouse_id = %(warehouse)s AND (expires_on IS NULL OR expires_on >= %(day)s)
    GROUP BY item_id
),
first AS (  -- epidemic facilities first, in proportion to their need
    SELECT l.*, COALESCE(st.s, 0) AS cap, SUM(l.n) OVER (PARTITION BY l.item_id) AS tn
    FROM lines l LEFT JOIN stock st USING (item_id) WHERE l.f AND %(facility_first)s
),
first_x AS (
    SELECT *, CASE WHEN tn <= cap + 1e-9 THEN n ELSE LEAST(n, (cap / tn) * n) END AS x
    FROM first
),
first_units AS (
    SELECT id, item_id, nq, cap, x, fl, rank_in_item, LEAST(cap, tn)::bigint AS target,
           SUM(fl) OVER (PARTITION BY item_id) AS given
    FROM (
        SELECT *, LEAST(floor(x + 1e-9), n)::bigint AS fl,
               ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY
                   CASE WHEN LEAST(floor(x + 1e-9), n) < n THEN x - LEAST(floor(x + 1e-9), n)
                        ELSE -1 END DESC, id) AS rank_in_item,
               CASE WHEN LEAST(floor(x + 1e-9), n) < n THEN x - LEAST(floor(x + 1e-9), n)
                    ELSE -1 END AS frac
        FROM first_x
    ) r
),
first_done AS (
    SELECT f.id, f.item_id,
           f.fl + CASE WHEN f.rank_in_item <= f.target - f.given AND fx.frac >= 0 THEN 1 ELSE 0 END
               AS units
    FROM first_units f JOIN (
        SELECT id, CASE WHEN LEAST(floor(x + 1e-9), n) < n THEN x - LEAST(floor(x + 1e-9), n)
                        ELSE -1 END AS frac FROM first_x
    ) fx USING (id)
),
left_stock AS (
    SELECT st.item_id, st.s - COALESCE(SUM(fd.units), 0) AS cap
    FROM stock st LEFT JOIN first_done fd USING (item_id) GROUP BY st.item_id, st.s
),
rest AS (  -- the others by weighted water-filling
    SELECT l.*, COALESCE(ls.cap, 0)::float8 AS cap, l.n / l.w AS t
    FROM lines l LEFT JOIN left_stock ls USING (item_id)
    WHERE NOT (l.f AND %(facility_first)s)
),
filled AS (
    SELECT *,
           SUM(n) OVER win AS served,
           SUM(w) OVER (PARTITION BY item_id) - SUM(w) OVER win AS w_after,
           SUM(w) OVER (PARTITION BY item_id) AS w_total,
           SUM(n) OVER (PARTITION BY item_id) AS n_total
    FROM rest
    WINDOW win AS (PARTITION BY item_id ORDER BY t, id ROWS UNBOUNDED PRECEDING)
),
levels AS (
    SELECT item_id, MIN(cap) AS cap, MIN(w_total) AS w_total, MIN(n_total) AS n_total,
           (ARRAY_AGG(served ORDER BY t DESC, id DESC)
               FILTER (WHERE served + t * w_after <= cap + 1e-9))[1] AS served_k,
           (ARRAY_AGG(w_after ORDER BY t DESC, id DESC)
               FILTER (WHERE served + t * w_after <= cap + 1e-9))[1] AS w_after_k
    FROM filled GROUP BY item_id
),
level AS (
    SELECT item_id, cap, n_total,
           CASE WHEN served_k IS NULL THEN cap / w_total
                WHEN w_after_k > 0 THEN (cap - served_k) / w_after_k
                ELSE 'Infinity'::float8 END AS lam
    FROM levels
),
rest_x AS (
    SELECT r.id, r.item_id, r.n, LEAST(r.n, lv.lam * r.w) AS x,
           LEAST(lv.cap, lv.n_total)::bigint AS target
    FROM rest r JOIN level lv USING (item_id)
),
rest_units AS (
    SELECT *, SUM(fl) OVER (PARTITION BY item_id) AS given,
           ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY frac DESC, id) AS rank_in_item
    FROM (
        SELECT *, LEAST(floor(x + 1e-9), n)::bigint AS fl,
               CASE WHEN LEAST(floor(x + 1e-9), n) < n THEN x - LEAST(floor(x + 1e-9), n)
                    ELSE -1 END AS frac
        FROM rest_x
    ) r
),
units AS (
    SELECT id, units FROM first_done
    UNION ALL
    SELECT id, fl + CASE WHEN rank_in_item <= target - given AND frac >= 0 THEN 1 ELSE 0 END
    FROM rest_units
)
INSERT INTO supplies_allocationline (allocation_id, line_id, request_id, item_id, needed, allocated)
SELECT %(allocation)s, l.id, l.request_id, l.item_id, l.nq, u.units
FROM lines l JOIN units u USING (id)
"""


def baseline(content: str, day: date, warehouse_id: int, weight: float, first: bool) -> int:
    """The same day's work in SQL, one transaction; returns the allocation's id."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE staging (region text, population int, vulnerable int, "
            "epidemic_facility text, item text, quantity bigint) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY staging FROM STDIN WITH (FORMAT csv, HEADER)") as copy:
            copy.write(content.encode())
        cursor.execute("ANALYZE staging")  # a temporary table has no statistics of its own
        cursor.execute(
            """
            INSERT INTO supplies_supplyrequest (created_at, updated_at, version, code,
                region_id, receiving_point_id, day, population, vulnerable, epidemic_facility,
                status, key, filed_by)
            SELECT now(), now(), 1, gen_random_uuid(), r.id, NULL, %(day)s, s.population,
                   s.vulnerable, s.epidemic_facility IN ('1', 'true', 'yes'), 'open', NULL,
                   'baseline'
            FROM (SELECT DISTINCT ON (region) * FROM staging ORDER BY region) s
            JOIN regions_region r ON r.code = s.region
            """,
            {"day": day},
        )
        cursor.execute(
            """
            INSERT INTO supplies_requestline (request_id, item_id, quantity)
            SELECT q.id, i.id, s.quantity FROM staging s
            JOIN regions_region r ON r.code = s.region
            JOIN supplies_supplyrequest q ON q.region_id = r.id AND q.day = %(day)s
            JOIN supplies_item i ON i.sku = s.item
            """,
            {"day": day},
        )
        cursor.execute(
            """
            INSERT INTO supplies_allocation (created_at, updated_at, version, code, warehouse_id,
                day, status, rule_set, proposed_by, approved_by, approved_at)
            VALUES (now(), now(), 1, gen_random_uuid(), %s, %s, 'draft', 'baseline',
                'baseline', '', NULL) RETURNING id
            """,
            [warehouse_id, day],
        )
        allocation = int(cursor.fetchone()[0])
        cursor.execute(
            BASELINE_SQL,
            {
                "day": day,
                "warehouse": warehouse_id,
                "weight": weight,
                "facility_first": first,
                "allocation": allocation,
            },
        )
    return allocation


# --------------------------------------------------------------------------- the run


def allocated_by_compound(allocation_id: int) -> pl.DataFrame:
    """(compound code, item code, units) of one allocation, sorted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.code, i.sku, a.allocated FROM supplies_allocationline a
            JOIN supplies_supplyrequest q ON q.id = a.request_id
            JOIN regions_region r ON r.id = q.region_id
            JOIN supplies_item i ON i.id = a.item_id
            WHERE a.allocation_id = %s
            """,
            [allocation_id],
        )
        rows = cursor.fetchall()
    return pl.DataFrame(rows, schema=["region", "item", "units"], orient="row").sort(
        "region", "item"
    )


def prepare(residents: int) -> dict[str, Any]:
    """The tree, items, warehouse with stock, officer and the day's file (not timed)."""
    from bench.staff import staff_make
    from fangkong.accounts.choices import Role
    from fangkong.core.actor import SYSTEM
    from fangkong.regions.bulk import regions_bulk_load
    from fangkong.regions.models import Region
    from fangkong.sim.tree import CITY_CODE
    from fangkong.supplies.stock.services import item_create, stock_receive, warehouse_create

    rng = np.random.default_rng(SEED)
    tree = city_tree(residents)
    regions_bulk_load(tree, actor=SYSTEM)
    city = Region.objects.get(code=CITY_CODE)
    officer = staff_make(role=Role.SUPPLIES_OFFICER, region=city, username="bench-supplies")
    compounds = tree.filter(pl.col("level") == 6)["code"].to_list()
    content, rows = request_file(compounds, residents, rng)
    warehouse = warehouse_create(
        actor=officer, region=city, name="市级物资储备库", address="储备路1号"
    )
    frame = pl.read_csv(io.StringIO(content))
    totals = dict(frame.group_by("item").agg(pl.col("quantity").sum()).iter_rows())
    for sku, name, kind, unit, _per_day in ITEMS:
        item = item_create(actor=officer, sku=sku, name=name, kind=kind, unit=unit)
        stock_receive(
            actor=officer,
            warehouse=warehouse,
            item=item,
            batch=f"R-{sku}",
            quantity=max(1, int(totals[sku] * STOCK_SHARE)),
            expires_on=None,
        )
    return {
        "officer": officer,
        "warehouse": warehouse,
        "content": content,
        "rows": rows,
        "compounds": len(compounds),
    }


def round_run(setup: dict[str, Any], *, repeat: int) -> tuple[Any, Any, bool]:
    """Ours and the baseline ``repeat`` times each, on days of their own; returns both
    timings and whether every repeat gave the same units per (compound, item)."""
    from django.db import transaction

    from fangkong.policy.selectors import rules_for
    from fangkong.supplies.allocation.services import allocation_propose, requests_import

    officer, warehouse, content = setup["officer"], setup["warehouse"], setup["content"]
    days = iter(FIRST_DAY + timedelta(days=n) for n in range(2 * repeat))
    ours_ids: list[int] = []
    theirs_ids: list[int] = []

    def ours() -> None:
        day = next(days)
        with transaction.atomic():
            requests_import(actor=officer, day=day, content=content)
        ours_ids.append(allocation_propose(actor=officer, warehouse=warehouse, day=day).pk)

    def theirs() -> None:
        day = next(days)
        settings = rules_for(warehouse.region, day).parameters.supplies
        theirs_ids.append(
            baseline(
                content, day, warehouse.pk, settings.vulnerable_weight, settings.facility_first
            )
        )

    ours_time, _ = measure("ours", ours, repeat=repeat)
    theirs_time, _ = measure("baseline", theirs, repeat=repeat)
    same = all(
        allocated_by_compound(a).equals(allocated_by_compound(b))
        for a, b in zip(ours_ids, theirs_ids, strict=True)
    )
    return ours_time, theirs_time, same


def _configure(database: str) -> Any:
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("supplies runs on PostgreSQL: pass --database postgres://…")
    import psycopg

    base = database.rsplit("/", 1)[0]
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
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


def report_make(setup: dict[str, Any], ours: Any, theirs: Any, same: bool, scale: int) -> Report:
    """The table, the figures and the headline ratio; unequal answers fail the benchmark."""
    if not same:
        raise AssertionError("ours and the baseline allocated different units")
    report = Report(name="supplies", scale=scale)
    report.rows += [
        ("compounds", f"{setup['compounds']:,}"),
        ("request lines", f"{setup['rows']:,}"),
        ("ours all-in (import + allocate, committed)", ours.text()),
        ("baseline all-in (SQL)", theirs.text()),
        ("same units per compound and item", "yes"),
    ]
    report.figures.update(
        {
            "compounds": setup["compounds"],
            "lines": setup["rows"],
            "ours_s": ours.median,
            "baseline_s": theirs.median,
        }
    )
    report.ratio = ours.median / theirs.median
    return report


def run(args: argparse.Namespace) -> Report:
    cleanup = _configure(args.database)
    try:
        setup = prepare(args.scale)
        ours, theirs, same = round_run(setup, repeat=args.repeat)
        return report_make(setup, ours, theirs, same, args.scale)
    finally:
        if os.environ.get("FANGKONG_BENCH_KEEP"):
            print(f"kept the database {DATABASE} (FANGKONG_BENCH_KEEP)", file=sys.stderr)
        else:
            cleanup()
