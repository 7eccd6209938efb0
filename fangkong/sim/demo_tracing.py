"""The tracing side of ``fangkong demo``: the synthetic city's venues, venue-code scans and
cell dwell intervals, loaded through the tracing app's own paths.

Venues go in through ``tracing.services.venues_bulk_register``; every simulated day's scans and
dwell intervals through ``tracing.services.batch_ingest`` — the function the API, the upload
page and ``tracing_load`` call — as one batch each (source ``demo``, key ``scans-<day>``), with
person codes and venue codes as a feed would send them. The day arrives from the outbreak
(``outbreak_run(on_day=…)``), so nothing is simulated twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import polars as pl

from fangkong.cases.choices import VisitSource
from fangkong.cases.selectors import case_scope
from fangkong.cases.services.investigation import trajectory_visit_add
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.errors import ValidationFailed
from fangkong.people.models import Person
from fangkong.sim.day import Day
from fangkong.sim.demo_groups import demo_groups_load
from fangkong.sim.places import Places
from fangkong.tracing.choices import FeedKind
from fangkong.tracing.contacts.services import contacts_derive
from fangkong.tracing.leads.services import lead_lists_push
from fangkong.tracing.models import Venue
from fangkong.tracing.selectors import scans_for_person
from fangkong.tracing.services import batch_ingest, venues_bulk_register

SOURCE = "demo"


@dataclass
class TracingFeed:
    """Feeds the demo city's days into the tracing store; counts what it stored.

    ``start`` is the simulation's first day (day 0); ``person_first_id`` the id of the city's
    first person (``PeopleLoaded``): the people bulk load gives the persons consecutive ids in
    ``person_key`` order. ``actor`` is who feeds (the demo's administrator at the city)."""

    places: Places
    person_first_id: int
    start: date
    actor: AnyActor = SYSTEM
    scans: int = 0
    dwells: int = 0
    groups: int = 0
    group_members: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0
    _person_codes: pl.Series | None = None
    _venue_codes: pl.Series | None = None

    def prepare(self) -> int:
        """Register the city's venues (once), read the persons' codes and load the city's
        work teams and classes into the people register (``sim.demo_groups``); returns the
        number of venues registered."""
        started = time.perf_counter()
        venues = self.places.venues
        registered = 0
        if not Venue.objects.filter(code=venues["code"][0]).exists():
            registered = venues_bulk_register(
                actor=self.actor,
                venues=venues.select(
                    "code",
                    name=pl.col("category").cast(pl.String) + " " + pl.col("code"),
                    region_code=pl.col("district"),
                    kind=pl.col("category").cast(pl.String),
                ),
            )
        count = self.places.persons.height
        codes = list(
            Person.objects.filter(id__gte=self.person_first_id, id__lt=self.person_first_id + count)
            .order_by("id")
            .values_list("code", flat=True)
        )
        self._person_codes = pl.Series([str(code) for code in codes], dtype=pl.String)
        self._venue_codes = venues["code"]
        loaded = demo_groups_load(self.places, self._person_codes, actor=self.actor)
        self.groups, self.group_members = loaded.groups, loaded.members
        self.seconds += time.perf_counter() - started
        return registered

    def _ingest(self, kind: str, frame: pl.DataFrame, key: str) -> int:
        frame = _observed(frame, kind)
        try:
            answer = batch_ingest(
                actor=self.actor, kind=kind, frame=frame, source=SOURCE, batch_key=key
            )
        except ValidationFailed as exc:
            self.refused.append(f"{key}: {exc.message}")
            return 0
        return answer.rows_accepted

    def day(self, day: Day) -> None:
        """Store one simulated day's scans and dwell intervals (a batch each)."""
        assert self._person_codes is not None
        assert self._venue_codes is not None
        started = time.perf_counter()
        scans = day.scans()
        self.scans += self._ingest(
            FeedKind.SCANS,
            pl.DataFrame(
                {
                    "person": self._person_codes.gather(scans["person"]),
                    "venue": self._venue_codes.gather(scans["venue"]),
                    "scanned_at": pl.from_epoch(scans["arrival"], time_unit="s"),
                    "left_at": pl.from_epoch(scans["departure"], time_unit="s"),
                }
            ).with_columns(pl.col("scanned_at", "left_at").dt.replace_time_zone("UTC")),
            f"scans-{self._date(day)}",
        )
        self.dwells += self._ingest(
            FeedKind.DWELLS, self._dwells(day.dwells()), f"dwells-{self._date(day)}"
        )
        self.seconds += time.perf_counter() - started

    def finish(self, nights: pl.DataFrame, last_day: date) -> None:
        """Store the nights at home still open after the last day (``Life.finish``)."""
        started = time.perf_counter()
        self.dwells += self._ingest(
            FeedKind.DWELLS, self._dwells(nights), f"dwells-{last_day.isoformat()}-nights"
        )
        self.seconds += time.perf_counter() - started

    def _date(self, day: Day) -> str:
        return (self.start + timedelta(days=day.day)).isoformat()

    def _dwells(self, frame: pl.DataFrame) -> pl.DataFrame:
        assert self._person_codes is not None
        return pl.DataFrame(
            {
                "person": self._person_codes.gather(frame["person"]),
                "cell": frame["cell"].cast(pl.Int64),
                "start": pl.from_epoch(frame["start"], time_unit="s"),
                "end": pl.from_epoch(frame["end"], time_unit="s"),
            }
        ).with_columns(pl.col("start", "end").dt.replace_time_zone("UTC"))


def _observed(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """What a feed could have sent by now: the simulated days run on UTC midnights, so in the
    hours after midnight in China the last day still lies partly ahead. Rows that begin later
    are left out and stays still going end now (ingestion refuses future times)."""
    now = datetime.now(UTC)
    begin, end = ("scanned_at", "left_at") if kind == FeedKind.SCANS else ("start", "end")
    limit = pl.lit(now).dt.cast_time_unit("us")
    return frame.filter(pl.col(begin) < limit).with_columns(
        pl.when(pl.col(end) > limit).then(limit).otherwise(pl.col(end)).alias(end)
    )


@dataclass
class DemoInvestigation:
    """What the demo's first investigations found: cases investigated, trajectory visits added
    from their venue scans, candidates derived, the slowest derivation, and the case with the
    most candidates (for the click path in docs/tracing.md)."""

    cases: int = 0
    visits: int = 0
    candidates: int = 0
    slowest_seconds: float = 0.0
    best_case: str = ""
    best_candidates: int = 0
    lead_items: dict[str, int] = field(default_factory=dict)

    @property
    def lead_lists_text(self) -> str:
        """The lead lists pushed, per receiving district: ``name (persons)``."""
        return ", ".join(f"{name} ({count:,})" for name, count in sorted(self.lead_items.items()))


def demo_investigate(*, actor: AnyActor, limit: int = 5, days: int = 7) -> DemoInvestigation:
    """The demo epidemiologist investigates the newest ``limit`` open cases of their district:
    the person's venue scans of the last ``days`` days become trajectory visits (source
    venue scans, through ``cases``' service), then the contact candidates are derived
    (``tracing.contacts``) and those living in another district are pushed there as lead
    lists (``tracing.leads``), as an investigator would from the pages."""
    found = DemoInvestigation()
    cases = case_scope(actor).filter(closed_at__isnull=True).select_related("person", "region")
    for case in cases.order_by("-opened_at", "-id")[:limit]:
        for scan in scans_for_person(actor=actor, person=case.person, days=days)[:40]:
            trajectory_visit_add(
                actor=actor,
                case=case,
                place=scan.venue_name,
                venue_code=scan.venue_code,
                started_at=scan.scanned_at,
                ended_at=scan.left_at,
                source=VisitSource.VENUE_SCANS,
            )
            found.visits += 1
        started = time.monotonic()
        derived = contacts_derive(actor=actor, case=case)
        found.slowest_seconds = max(found.slowest_seconds, time.monotonic() - started)
        found.cases += 1
        found.candidates += derived.total_created
        if derived.total_created > found.best_candidates:
            found.best_case, found.best_candidates = str(case.code), derived.total_created
        for pushed in lead_lists_push(actor=actor, case=case):
            found.lead_items[pushed.district] = (
                found.lead_items.get(pushed.district, 0) + pushed.persons
            )
    return found
