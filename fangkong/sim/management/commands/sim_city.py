"""``manage.py sim_city --residents N --seed S``: generate a synthetic city and load it."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import FangkongError
from fangkong.regions.models import Region
from fangkong.sim import tree
from fangkong.sim.city import city_generate
from fangkong.sim.load import city_load


class Command(BaseCommand):
    help = (
        "Generate a synthetic city (seeded: the same seed gives the same city) and load it "
        "into the configured database through the bulk paths; prints timings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=50_000, help="number of residents")
        parser.add_argument("--seed", type=int, default=20220404, help="random seed")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="reference date for ages (YYYY-MM-DD; default: today)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="worker processes for names and encryption (default: one per core)",
        )
        parser.add_argument(
            "--generate-only", action="store_true", help="generate and time, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        residents: int = options["residents"]
        if residents < 1:
            raise CommandError("--residents must be at least 1")
        as_of: date = options["as_of"] or timezone.localdate()
        if not options["generate_only"] and Region.objects.filter(code=tree.CITY_CODE).exists():
            raise CommandError(
                f"The synthetic city ({tree.CITY_CODE}) is already in this database; "
                "load it into an empty database."
            )
        started = time.perf_counter()
        city = city_generate(residents=residents, seed=options["seed"], as_of=as_of)
        generated = time.perf_counter() - started
        self.stdout.write(
            f"generated {residents:,} residents, {city.households.height:,} households, "
            f"{city.regions.height:,} nodes in {generated:.2f} s "
            f"({residents / generated:,.0f} residents/s)"
        )
        if options["generate_only"]:
            return
        try:
            loaded = city_load(city, actor=SYSTEM, workers=options["workers"])
        except FangkongError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {exc.detail}") from exc
        total = time.perf_counter() - started
        steps = ", ".join(f"{name} {value:.2f} s" for name, value in loaded.seconds.items())
        self.stdout.write(f"loaded into {connection.vendor}: {steps}")
        people = loaded.people
        self.stdout.write(
            f"wrote {loaded.regions:,} nodes, {people.households:,} households, "
            f"{people.persons:,} persons, {people.documents:,} documents, {people.needs:,} needs"
        )
        self.stdout.write(f"generate + load: {total:.2f} s ({residents / total:,.0f} residents/s)")
