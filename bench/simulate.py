"""``simulate`` and ``simulate_city``: the synthetic city and its outbreak.

``simulate`` (default 100,000 residents, 60 days) runs our simulator and Covasim side by side
on the same population size, duration and number of initial infections, ``--repeat`` times
each, and reports person-days per second:

* **ours**: build = ``city_generate`` + ``places_generate`` + the day plans and their indexes
  (``Life.prepare``) + the outbreak's group indexes (``Outbreak(...)``); run = what
  ``outbreak_run`` does next: the seeds, then every day the venue-code scans of every resident
  (materialised arrays), who stays home, and transmission in households, work teams, classes
  and venues, then the ground-truth frames;
* **Covasim** 4.x: build = ``cv.Sim(pop_type="hybrid", …)`` + ``sim.init()`` (population,
  contact layers and seed infections); run = ``sim.run()`` (with its results). Covasim 4.0.1
  has no Omicron preset, so it gets the Omicron-like values ours uses where it has the
  parameter: a 3.4-day incubation (exposed → infectious 2.3 days + Covasim's 1.1 days to
  symptoms), severity × 0.4; its own defaults otherwise.

One small run of each first (Covasim compiles its Numba kernels, ours fills its one-off
caches), outside the timings. Covasim steps through day 0 to day ``days`` inclusive, so it is
credited with ``days + 1`` days of person-days.

The two models differ, so there is no identical answer to check: both must produce an epidemic
(attack rate > 1 %), and both attack rates are reported. ``ratio`` (the headline) = our
person-days/s end to end (build + run, our build including the 14 days of day plans Covasim's
``init()`` has no counterpart for) ÷ Covasim's end to end (build + run); ``run_ratio`` = the run
alone on both sides, an extra figure (until 2026-12-07 the headline was run-only).

``simulate_city`` (default 10 M residents, 30 days, run it with ``--repeat 1``) times the whole
chain at city scale — city, places, day plans, then 30 days of scans and cell dwell intervals
with the outbreak running — against the 5-minute target (no baseline fits in memory beside
it: ``ratio`` = 300 s ÷ our time, ≥ 1 meets the target).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import statistics
import time
from datetime import date
from typing import Any

from bench.harness import Report, Timing, peak_memory_mb

DAYS = 60
CITY_DAYS = 30
SEEDS = 20
START = date(2022, 4, 4)
TARGET_SECONDS = 300.0


def _ours(residents: int, days: int, seed: int) -> tuple[float, float, float]:
    """Build and run our simulator once: (build seconds, run seconds, attack rate)."""
    from fangkong.sim.city import city_generate
    from fangkong.sim.life import Life
    from fangkong.sim.outbreak import Outbreak
    from fangkong.sim.outbreak_params import OutbreakParams
    from fangkong.sim.places import places_generate

    started = time.perf_counter()
    city = city_generate(residents=residents, seed=seed, as_of=START)
    places = places_generate(city, seed=seed)
    del city
    life = Life(places, start=START, seed=seed)
    life.prepare(days, index=True)
    outbreak = Outbreak(places, life, seed=seed, params=OutbreakParams(seeds=SEEDS))
    built = time.perf_counter()
    # what outbreak_run does, after the outbreak's layers are built (as Covasim's sim.init())
    outbreak.seed_cases()
    for _ in range(days):
        day = outbreak.step()
    day.materialise()
    result = outbreak.result()
    ran = time.perf_counter()
    return built - started, ran - built, result.attack_rate


def _covasim() -> Any:
    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    return importlib.import_module("covasim")


def _covasim_once(residents: int, days: int, seed: int) -> tuple[float, float, float, int]:
    """Build and run Covasim once with Omicron-like values: (build s, run s, attack rate,
    days simulated — Covasim steps through day 0 to day ``days`` inclusive, one more than
    ``days``, and is credited with every one)."""
    cv = _covasim()
    started = time.perf_counter()
    sim = cv.Sim(
        pop_size=residents,
        n_days=days,
        pop_type="hybrid",
        pop_infected=SEEDS,
        rand_seed=seed,
        verbose=0,
        rel_severe_prob=0.4,
        rel_death_prob=0.4,
    )
    sim["dur"]["exp2inf"] = {"dist": "lognormal_int", "par1": 2.3, "par2": 1.0}
    sim.init()
    built = time.perf_counter()
    sim.run()
    ran = time.perf_counter()
    infected = float(sim.results["cum_infections"][-1])
    steps = len(sim.results["cum_infections"])
    return built - started, ran - built, min(infected / residents, 1.0), steps


def run(args: argparse.Namespace) -> Report:
    residents, days, repeat = args.scale, DAYS, args.repeat
    cv = _covasim()
    # warm-up, the same for both, outside the timings: Covasim compiles its Numba kernels, ours
    # fills its one-off caches (behaviour tables, the kernel's location)
    _covasim_once(2_000, 5, 0)
    _ours(2_000, 5, seed=0)
    ours: list[tuple[float, float, float]] = []
    theirs: list[tuple[float, float, float]] = []
    covasim_days = days
    for k in range(repeat):
        ours.append(_ours(residents, days, seed=k + 1))
        gc.collect()
        *timings, covasim_days = _covasim_once(residents, days, seed=k + 1)
        theirs.append((timings[0], timings[1], timings[2]))
        gc.collect()
    report = Report(name="simulate", scale=residents)
    report.rows.append(("population, days, seeds", f"{residents:,}, {days}, {SEEDS}"))
    report.rows.append(("days simulated: ours, Covasim", f"{days}, {covasim_days}"))
    figures: dict[str, float] = {}
    for label, runs, simulated in (("ours", ours, days), ("covasim", theirs, covasim_days)):
        person_days = residents * simulated
        build = Timing(f"{label} build", [r[0] for r in runs])
        run_ = Timing(f"{label} run", [r[1] for r in runs])
        total = Timing(f"{label} build+run", [r[0] + r[1] for r in runs])
        attack = [r[2] for r in runs]
        report.rows.append((f"{label} build", build.text()))
        report.rows.append((f"{label} run", run_.text()))
        report.rows.append((f"{label} person-days/s (run)", _rate_text(person_days, run_)))
        report.rows.append((f"{label} person-days/s (build+run)", _rate_text(person_days, total)))
        report.rows.append((f"{label} attack rate", ", ".join(f"{a:.1%}" for a in attack)))
        if min(attack) <= 0.01:
            raise AssertionError(f"{label}: no epidemic (attack rates {attack})")
        figures[f"{label}_pd_per_s"] = person_days / run_.median
        figures[f"{label}_e2e_pd_per_s"] = person_days / total.median
        figures[f"{label}_attack"] = statistics.median(attack)
    figures["run_ratio"] = figures["ours_pd_per_s"] / figures["covasim_pd_per_s"]
    report.figures = figures
    report.ratio = figures["ours_e2e_pd_per_s"] / figures["covasim_e2e_pd_per_s"]
    report.notes.append(
        f"Covasim {cv.__version__} (pop_type=hybrid, Omicron-like incubation and severity); "
        "ratio = our build + run person-days/s ÷ Covasim's build + run (target ≥ 5); "
        "run_ratio = the runs alone"
    )
    report.notes.append(
        "our run materialises every resident's venue-code scans each day; dwell intervals are "
        "built on demand (timed in simulate_city)"
    )
    return report


def _rate_text(person_days: int, timing: Timing) -> str:
    rates = [person_days / s / 1e6 for s in timing.seconds]
    return f"{statistics.median(rates):.3g} ({min(rates):.3g}–{max(rates):.3g}) M"


def run_city(args: argparse.Namespace) -> Report:
    from fangkong.sim.city import city_generate
    from fangkong.sim.life import Life
    from fangkong.sim.outbreak import Outbreak
    from fangkong.sim.outbreak_params import OutbreakParams
    from fangkong.sim.places import places_generate

    residents, days = args.scale, CITY_DAYS
    phases: dict[str, list[float]] = {"city": [], "places": [], "plans": [], "days": []}
    totals: list[float] = []
    scans = dwells = infections = 0
    for k in range(args.repeat):
        started = time.perf_counter()
        city = city_generate(residents=residents, seed=k + 1, as_of=START)
        made = time.perf_counter()
        places = places_generate(city, seed=k + 1)
        del city
        gc.collect()
        placed = time.perf_counter()
        life = Life(places, start=START, seed=k + 1)
        life.prepare(days, index=True)
        planned = time.perf_counter()
        outbreak = Outbreak(places, life, seed=k + 1, params=OutbreakParams(seeds=SEEDS))
        outbreak.seed_cases()
        scans = dwells = 0
        for _ in range(days):
            day = outbreak.step()
            scans += int(day.scan_person.shape[0])
            dwells += int(day.dwell_person.shape[0])
            del day
        dwells += life.finish(days).height
        infections = outbreak.count
        finished = time.perf_counter()
        phases["city"].append(made - started)
        phases["places"].append(placed - made)
        phases["plans"].append(planned - placed)
        phases["days"].append(finished - planned)
        totals.append(finished - started)
        del outbreak, life, places
        gc.collect()
    total = Timing("total", totals)
    report = Report(name="simulate_city", scale=residents)
    report.rows.append(("residents, days", f"{residents:,}, {days}"))
    for name, seconds in phases.items():
        report.rows.append((name, Timing(name, seconds).text()))
    report.rows.append(("total", total.text()))
    report.rows.append(("scans, dwell intervals", f"{scans:,}, {dwells:,}"))
    report.rows.append(("infections (ground truth)", f"{infections:,}"))
    report.rows.append(("peak memory", f"{peak_memory_mb() / 1024:.1f} GB"))
    report.figures = {
        "seconds": total.median,
        "scans": float(scans),
        "dwells": float(dwells),
        "person_days_per_s": residents * days / statistics.median(phases["days"]),
    }
    report.ratio = TARGET_SECONDS / total.median
    report.notes.append(
        "city generation included; scans and dwell intervals materialised every day with the "
        "outbreak running; ratio = 300 s target ÷ total (≥ 1 meets it)"
    )
    return report
