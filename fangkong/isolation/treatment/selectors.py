"""Reads of treatment beds and admissions, scoped to the actor's subtree, and the capacity and
occupancy of every site in it (rooms and beds total, occupied and free, per site and per
district), counted in the database with grouped queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum

from fangkong.core.actor import AnyActor
from fangkong.isolation.choices import AdmissionStatus, FacilityKind, OrderStatus, RoomStatus
from fangkong.isolation.facilities.selectors import facility_scope
from fangkong.isolation.models import Admission, Facility, IsolationOrder, Room, TreatmentTest
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

#: Sites whose rooms are treatment beds (levels of care).
TREATMENT_KINDS = (FacilityKind.FANGCANG, FacilityKind.DESIGNATED_HOSPITAL)
#: Room states a bed can be used in (a room being cleaned or out of service holds none).
USABLE = (RoomStatus.FREE, RoomStatus.OCCUPIED)


def admission_scope(actor: AnyActor) -> QuerySet[Admission]:
    """Admissions whose node (the facility's) lies in the actor's subtree."""
    admissions = Admission.objects.all()
    if actor.region_path:
        admissions = admissions.filter(in_subtree(actor.region_path, field="region__path"))
    return admissions


def admission_list(
    *, actor: AnyActor, status: str = AdmissionStatus.ADMITTED, facility_id: int | None = None
) -> QuerySet[Admission]:
    """The actor's admissions (admitted by default), by facility and room, with the case,
    person, facility and room loaded (persons are shown through ``presentation``)."""
    admissions = admission_scope(actor).select_related(
        "case", "person", "region", "facility", "room", "monitoring_order"
    )
    if status:
        admissions = admissions.filter(status=status)
    if facility_id is not None:
        admissions = admissions.filter(facility_id=facility_id)
    return admissions.order_by("facility__name", "room__number", "id")


def admission_tests(admissions: list[Admission]) -> dict[int, list[TreatmentTest]]:
    """The tests of the given admissions by admission id, in sampling order: one query."""
    found: dict[int, list[TreatmentTest]] = defaultdict(list)
    for test in TreatmentTest.objects.filter(admission__in=admissions).order_by("sampled_at", "id"):
        found[test.admission_id].append(test)
    return found


def bed_rooms(*, actor: AnyActor) -> QuerySet[Room]:
    """The ready rooms of the actor's active or activating treatment sites, each with
    ``occupied`` (admitted patients) and ``free`` beds, in one query."""
    return (
        Room.objects.filter(
            facility__in=facility_scope(actor).filter(kind__in=TREATMENT_KINDS),
            ready_at__isnull=False,
        )
        .select_related("facility")
        .annotate(
            occupied=Count("admissions", filter=Q(admissions__status=AdmissionStatus.ADMITTED))
        )
        .order_by("facility__name", "floor", "number")
    )


@dataclass
class Capacity:
    """Rooms and beds of one site or one district: total, occupied, free (ready, usable and
    not taken) and out of use (cleaning, out of service or not ready)."""

    name: str
    kind: str = ""
    sites: int = 0
    rooms_total: int = 0
    rooms_occupied: int = 0
    rooms_free: int = 0
    beds_total: int = 0
    beds_occupied: int = 0
    beds_free: int = 0

    @property
    def kind_label(self) -> str:
        return str(FacilityKind(self.kind).label) if self.kind else ""

    @property
    def rooms_out_of_use(self) -> int:
        return self.rooms_total - self.rooms_occupied - self.rooms_free

    def add(self, other: Capacity) -> None:
        self.sites += other.sites
        for name in (
            "rooms_total",
            "rooms_occupied",
            "rooms_free",
            "beds_total",
            "beds_occupied",
            "beds_free",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CapacityReport:
    """Capacity per site and per district (the county-level node above each site; a site at
    the city or above counts under its own node), and the total."""

    sites: list[Capacity] = field(default_factory=list)
    districts: list[Capacity] = field(default_factory=list)
    total: Capacity = field(default_factory=lambda: Capacity(name=""))


def capacity_report(*, actor: AnyActor) -> CapacityReport:
    """Rooms and beds total, occupied and free of every site in the actor's subtree, live.

    1. One grouped query over rooms per facility: rooms and beds total, rooms occupied,
       rooms free (ready and free) and the beds in usable ready rooms.
    2. One grouped query each for the occupants: open orders holding a room and admitted
       patients, per facility.
    3. Beds occupied are the occupants; beds free are the beds of usable ready rooms less
       the occupants (never below zero).
    4. Sites are summed per district in Python: the facilities of one jurisdiction are few
       (tens to hundreds), their rooms many.
    """
    facilities = list(
        facility_scope(actor).select_related("region").order_by("region__path", "name")
    )
    ids = [facility.pk for facility in facilities]
    usable = Q(ready_at__isnull=False, status__in=USABLE)
    rooms: dict[int, dict[str, int]] = {
        row["facility_id"]: {key: int(value or 0) for key, value in row.items()}  # type: ignore[call-overload]
        for row in Room.objects.filter(facility_id__in=ids)
        .values("facility_id")
        .annotate(
            total=Count("id"),
            beds_sum=Sum("beds"),
            occupied=Count("id", filter=Q(status=RoomStatus.OCCUPIED)),
            free=Count("id", filter=Q(status=RoomStatus.FREE, ready_at__isnull=False)),
            usable_beds=Sum("beds", filter=usable),
        )
    }
    held: defaultdict[int, int] = defaultdict(int)
    for held_row in (
        IsolationOrder.objects.filter(status=OrderStatus.OPEN, room__facility_id__in=ids)
        .values("room__facility_id")
        .annotate(n=Count("id"))
    ):
        held[held_row["room__facility_id"]] += held_row["n"]
    for admitted_row in (
        Admission.objects.filter(status=AdmissionStatus.ADMITTED, facility_id__in=ids)
        .values("facility_id")
        .annotate(n=Count("id"))
    ):
        held[admitted_row["facility_id"]] += admitted_row["n"]
    districts = _districts([facility.region for facility in facilities])
    report = CapacityReport()
    by_district: dict[int, Capacity] = {}
    for facility in facilities:
        counts = rooms.get(facility.pk, {})
        occupants = held[facility.pk]
        site = Capacity(
            name=facility.name,
            kind=facility.kind,
            sites=1,
            rooms_total=counts.get("total", 0),
            rooms_occupied=counts.get("occupied", 0),
            rooms_free=counts.get("free", 0),
            beds_total=counts.get("beds_sum", 0),
            beds_occupied=occupants,
            beds_free=max(0, counts.get("usable_beds", 0) - occupants),
        )
        report.sites.append(site)
        district = districts[facility.region_id]
        if district.pk not in by_district:
            by_district[district.pk] = Capacity(name=district.name)
        by_district[district.pk].add(site)
        report.total.add(site)
    report.districts = sorted(by_district.values(), key=lambda item: item.name)
    return report


def _districts(regions: list[Region]) -> dict[int, Region]:
    """Each node's county-level ancestor (itself when at or above that level), one query."""
    codes = {code for region in regions for code in region.ancestor_codes}
    counties = {
        county.code: county
        for county in Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY)
    }
    return {
        region.pk: next(
            (counties[code] for code in region.ancestor_codes if code in counties), region
        )
        for region in regions
    }


def bed_free(*, actor: AnyActor, facility: Facility) -> Room | None:
    """The first room of ``facility`` (in the actor's subtree) with a free bed, or ``None``:
    ready, in use or free, fewer admitted patients than beds. The admission checks it again
    under a row lock."""
    return (
        bed_rooms(actor=actor)
        .filter(facility=facility, status__in=USABLE, occupied__lt=F("beds"))  # type: ignore[misc]
        .first()
    )
