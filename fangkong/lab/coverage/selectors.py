"""Coverage of a screening round (应检尽检、不漏一户一人, R14), counted live from the tables.

Definitions, always inside the round's areas and the actor's subtree:

* **population**: persons whose node (``Person.region``) lies in one of the round's areas;
* **exempt**: those of them with an exemption in force (not revoked, ``valid_until`` after
  now, for every round or for this one);
* **should-test** = population − exempt;
* **tested**: distinct persons with a binding of the round, counted at the binding's node
  (the person's node at sampling) — a direct count over the bindings;
* **untested**: should-test persons with no binding of the round at all (the not-yet-tested
  list, 补检); **covered** = should-test − untested.

The numbers per node come from one row per node kept exact by the database (``NodePopulation``,
``RoundTally``: see ``lab.coverage.tallies``) and the few rows the tallies leave out (exemptions
in force, persons with only re-test bindings), so a city of 25 M reads a few thousand rows, not
25 M persons and 23 M bindings. The per-node rows are then summed up the tree in Python over the
nodes (via the materialised paths). Households, buildings and the not-yet-tested list are
counted directly: they are read a grid or a page at a time. The person's test history (PCR
bindings, antigen results, re-test tasks) is read here too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.lab.coverage.tallies import round_tally_read
from fangkong.lab.models import (
    AntigenTest,
    Binding,
    Exemption,
    RetestTask,
    RoundArea,
    ScreeningRound,
)
from fangkong.lab.results.retests import person_retest_tasks
from fangkong.people.models import IdentityDocument, NodePopulation, Person
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, path_in_subtree

#: The levels coverage is shown by, as the API names them.
LEVELS: dict[str, int] = {
    "district": RegionLevel.COUNTY,
    "street": RegionLevel.STREET,
    "community": RegionLevel.COMMUNITY,
    "grid": RegionLevel.GRID,
}
#: Most rows one export may hold; a larger list is exported node by node.
EXPORT_MAX_ROWS = 50_000


@dataclass
class Counts:
    """Coverage numbers of one node, household, building or of the whole round."""

    population: int = 0
    exempt: int = 0
    untested: int = 0
    tested: int = 0

    @property
    def should_test(self) -> int:
        return self.population - self.exempt

    @property
    def covered(self) -> int:
        return self.should_test - self.untested

    @property
    def percent(self) -> float | None:
        """Covered share of the should-test persons, in per cent (``None`` when nobody)."""
        if self.should_test <= 0:
            return None
        return round(100 * self.covered / self.should_test, 1)

    def add(self, other: Counts) -> None:
        self.population += other.population
        self.exempt += other.exempt
        self.untested += other.untested
        self.tested += other.tested


@dataclass
class NodeCoverage(Counts):
    """Coverage of one jurisdiction node (the part of it inside the round's areas)."""

    region_id: int = 0
    code: str = ""
    name: str = ""
    level: int = 0
    path: str = ""
    parent_code: str = ""


@dataclass
class RoundCoverage:
    """Every node of the round's areas in the actor's scope (and their ancestors in scope),
    with the numbers summed up the tree, and the totals."""

    nodes: dict[str, NodeCoverage]
    totals: Counts = field(default_factory=Counts)

    def at_level(self, level: int, *, within: str = "") -> list[NodeCoverage]:
        """Nodes of ``level`` (a :class:`RegionLevel`), optionally below the node with path
        ``within``, in path order."""
        return sorted(
            (
                node
                for node in self.nodes.values()
                if node.level == level and path_in_subtree(node.path, within)
            ),
            key=lambda node: node.path,
        )

    def node(self, code: str) -> NodeCoverage | None:
        return self.nodes.get(code)


@dataclass(frozen=True)
class GroupCoverage:
    """Coverage of one household or one building of a node."""

    key: str
    label: str
    counts: Counts


def round_areas(screening_round: ScreeningRound) -> list[RoundArea]:
    """The round's areas with their nodes, in path order (one query)."""
    return list(
        RoundArea.objects.filter(round=screening_round)
        .select_related("region")
        .order_by("region__path")
    )


def _area_paths(screening_round: ScreeningRound) -> list[str]:
    return list(
        RoundArea.objects.filter(round=screening_round).values_list("region__path", flat=True)
    )


def _scope_q(
    paths: Sequence[str], actor: AnyActor, region: Region | None, *, field_name: str = "path"
) -> Q:
    """Nodes inside one of the area ``paths``, inside the actor's subtree and inside
    ``region`` when given. An empty list of areas matches nothing."""
    areas = Q(pk__in=[])
    for path in paths:
        areas |= in_subtree(path, field=field_name)
    query = areas
    if actor.region_path:
        query &= in_subtree(actor.region_path, field=field_name)
    if region is not None:
        query &= in_subtree(region.path, field=field_name)
    return query


def _nodes_in(paths: Sequence[str], actor: AnyActor, region: Region | None) -> QuerySet[Region]:
    return Region.objects.filter(_scope_q(paths, actor, region))


def _exemptions_in_force(screening_round: ScreeningRound, now: datetime) -> QuerySet[Exemption]:
    return Exemption.objects.filter(valid_until__gt=now, revoked_at__isnull=True).filter(
        Q(round__isnull=True) | Q(round=screening_round)
    )


def _exempt_in_force(screening_round: ScreeningRound, now: datetime) -> Exists:
    return Exists(_exemptions_in_force(screening_round, now).filter(person=OuterRef("pk")))


def _bound_in(screening_round: ScreeningRound) -> Exists:
    return Exists(Binding.objects.filter(round=screening_round, person=OuterRef("pk")))


def _persons_in(
    screening_round: ScreeningRound, actor: AnyActor, region: Region | None
) -> QuerySet[Person]:
    """Persons whose node lies in the round's areas, the actor's subtree and ``region``."""
    nodes = _nodes_in(_area_paths(screening_round), actor, region).values("id")
    return Person.objects.filter(region_id__in=nodes)


def _node_counts(
    screening_round: ScreeningRound,
    node_ids: QuerySet[Region, Any],
    in_scope: set[int],
    now: datetime,
) -> list[tuple[int, int, int, int, int]]:
    """(node, population, exempt, untested, tested) for the nodes in ``node_ids`` (their ids:
    ``in_scope``) that have any, from one row per node and the few rows that the tallies
    leave out:

    * population per node and the round's screening bindings per node (``NodePopulation``,
      ``RoundTally`` and its deltas: kept exact by the database, see ``lab.coverage.tallies``);
    * exemptions in force, the only ones that are exempt (few: read from the exemption
      side), and those of them bound anyway, who are exempt and not untested;
    * persons with only re-test bindings in the round (few: a partial index holds them),
      who are tested at the re-test's node and not untested where they live.

    untested = population − exempt − bound where they live + bound and exempt;
    tested = screening bindings at the node + persons re-tested there without one.
    """
    rows: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # pop, exempt, untested, tested
    for region_id, persons in NodePopulation.objects.filter(region_id__in=node_ids).values_list(
        "region_id", "persons"
    ):
        rows[region_id][0] += persons
        rows[region_id][2] += persons
    for region_id, (sampled, residing) in round_tally_read(screening_round.id).items():
        if region_id in in_scope:  # a round's tally has a row per grid sampled at most
            rows[region_id][3] += sampled
            rows[region_id][2] -= residing
    bound = Exists(Binding.objects.filter(round=screening_round, person=OuterRef("person_id")))
    for region_id, exempt, bound_exempt in (
        _exemptions_in_force(screening_round, now)
        .filter(person__region_id__in=node_ids)
        .values("person__region_id")
        .annotate(
            exempt=Count("person_id", distinct=True),
            bound=Count("person_id", distinct=True, filter=Q(bound)),
        )
        .values_list("person__region_id", "exempt", "bound")
        .order_by()
    ):
        rows[region_id][1] += exempt
        rows[region_id][2] -= exempt - bound_exempt
    retests = Binding.objects.filter(round=screening_round, retest=True)
    screened = Binding.objects.filter(
        round=screening_round, retest=False, person=OuterRef("person_id")
    )
    for region_id, persons in (
        retests.filter(region_id__in=node_ids)
        .exclude(Exists(screened.filter(region=OuterRef("region_id"))))
        .values("region_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("region_id", "n")
        .order_by()
    ):
        rows[region_id][3] += persons
    for region_id, persons in (
        retests.filter(person__region_id__in=node_ids)
        .exclude(Exists(screened))
        .values("person__region_id")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("person__region_id", "n")
        .order_by()
    ):
        rows[region_id][2] -= persons
    return [(region_id, p, e, u, t) for region_id, (p, e, u, t) in rows.items()]


def round_coverage(
    *, actor: AnyActor, screening_round: ScreeningRound, region: Region | None = None
) -> RoundCoverage:
    """Coverage of the round per node in the actor's scope (optionally below ``region``).

    1. The round's areas (one query) and the nodes in scope with their ancestors in scope
       (two queries).
    2. Per node: population, exempt, untested and tested (``_node_counts``: five queries
       over tallies, exemptions and re-test bindings, none over all persons or bindings).
    3. Each per-node row is added to the node and every ancestor on its path that is shown.
    """
    now = timezone.now()
    paths = _area_paths(screening_round)
    scope = _scope_q(paths, actor, region)
    rows = list(
        Region.objects.filter(scope).values_list("id", "code", "name", "level", "path", "parent_id")
    )
    ancestor_codes = {code for row in rows for code in row[4].split(".")[:-1]}
    ancestor_rows = list(
        Region.objects.filter(code__in=ancestor_codes)
        .exclude(scope)
        .values_list("id", "code", "name", "level", "path", "parent_id")
    )
    path_of: dict[int, str] = {}
    code_of: dict[int, str] = {}
    nodes: dict[str, NodeCoverage] = {}
    for region_id, code, _name, _level, path, _parent in [*rows, *ancestor_rows]:
        path_of[region_id] = path
        code_of[region_id] = code
    floor = actor.region_path or ""
    for region_id, code, name, level, path, parent_id in [*rows, *ancestor_rows]:
        if not path_in_subtree(path, floor):
            continue  # an ancestor above the actor's node: not theirs to see
        if region is not None and not path_in_subtree(path, region.path):
            continue
        nodes[code] = NodeCoverage(
            region_id=region_id,
            code=code,
            name=name,
            level=level,
            path=path,
            parent_code=code_of.get(parent_id or 0, ""),
        )
    totals = Counts()

    def spread(region_id: int, counts: Counts) -> None:
        totals.add(counts)
        for code in path_of.get(region_id, "").split("."):
            node = nodes.get(code)
            if node is not None:
                node.add(counts)

    node_ids = Region.objects.filter(scope).values("id")
    in_scope = {row[0] for row in rows}
    for row in _node_counts(screening_round, node_ids, in_scope, now):
        spread(row[0], Counts(population=row[1], exempt=row[2], untested=row[3], tested=row[4]))
    return RoundCoverage(nodes=nodes, totals=totals)


def coverage_by_household(
    *, actor: AnyActor, screening_round: ScreeningRound, region: Region, limit: int = 500
) -> list[GroupCoverage]:
    """Households of ``region`` (a grid, usually) with untested members, by address: one
    ``GROUP BY`` over persons. Persons without a household are not listed here."""
    exempt, bound = _exempt_in_force(screening_round, timezone.now()), _bound_in(screening_round)
    rows = (
        _persons_in(screening_round, actor, region)
        .filter(household__isnull=False)
        .values("household__code", "household__address")
        .annotate(
            population=Count("id"),
            exempt=Count("id", filter=Q(exempt)),
            untested=Count("id", filter=Q(~exempt) & Q(~bound)),
        )
        .filter(untested__gt=0)
        .order_by("household__address", "household__code")[:limit]
    )
    return [
        GroupCoverage(
            key=str(row["household__code"]),
            label=row["household__address"],
            counts=Counts(
                population=row["population"], exempt=row["exempt"], untested=row["untested"]
            ),
        )
        for row in rows
    ]


def coverage_by_building(
    *, actor: AnyActor, screening_round: ScreeningRound, region: Region
) -> list[GroupCoverage]:
    """Coverage per building (``Household.building``) of ``region``: one ``GROUP BY`` over
    persons; persons without a household or building fall under the empty key."""
    exempt, bound = _exempt_in_force(screening_round, timezone.now()), _bound_in(screening_round)
    rows = (
        _persons_in(screening_round, actor, region)
        .values("household__building")
        .annotate(
            population=Count("id"),
            exempt=Count("id", filter=Q(exempt)),
            untested=Count("id", filter=Q(~exempt) & Q(~bound)),
        )
        .order_by("household__building")
    )
    return [
        GroupCoverage(
            key=row["household__building"] or "",
            label=row["household__building"] or "",
            counts=Counts(
                population=row["population"], exempt=row["exempt"], untested=row["untested"]
            ),
        )
        for row in rows
    ]


def untested_queryset(
    *, actor: AnyActor, screening_round: ScreeningRound, region: Region | None = None
) -> QuerySet[Person]:
    """The not-yet-tested persons (should-test, no binding of the round) in the actor's
    scope, optionally below ``region``, ordered by node path, household address, name; with
    node, household, documents and needs loaded for :func:`person_row`."""
    return (
        _persons_in(screening_round, actor, region)
        .filter(~_exempt_in_force(screening_round, timezone.now()), ~_bound_in(screening_round))
        .select_related("region", "household")
        .prefetch_related(
            Prefetch("documents", queryset=IdentityDocument.objects.order_by("-is_primary", "id")),
            "needs",
        )
        .order_by("region__path", "household__address", "name", "id")
    )


def untested_page(
    *,
    actor: AnyActor,
    screening_round: ScreeningRound,
    region: Region | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Page[Person]:
    """One page of :func:`untested_queryset` (constant queries whatever the page size);
    logs one read-access row with the codes of the persons shown."""
    result = paginate(
        untested_queryset(actor=actor, screening_round=screening_round, region=region),
        page=page,
        page_size=page_size,
    )
    access_record(
        actor=actor,
        purpose=AccessPurpose.SCREENING,
        action="round_untested_view",
        subject_type="person",
        subject_ids=[person.code for person in result.items],
    )
    return result


def untested_for_export(
    *, actor: AnyActor, screening_round: ScreeningRound, region: Region | None = None
) -> list[Person]:
    """Every not-yet-tested person in scope for an export, at most ``EXPORT_MAX_ROWS + 1``
    (the caller refuses a longer list rather than cutting it silently)."""
    queryset = untested_queryset(actor=actor, screening_round=screening_round, region=region)
    return list(queryset[: EXPORT_MAX_ROWS + 1])


def area_population(regions: Iterable[Region]) -> int:
    """Persons whose node lies in the subtree of one of ``regions`` (one query over the
    persons per node, ``NodePopulation``)."""
    paths = [region.path for region in regions]
    if not paths:
        return 0
    query = Q(pk__in=[])
    for path in paths:
        query |= in_subtree(path)
    nodes = Region.objects.filter(query).values("id")
    total = NodePopulation.objects.filter(region_id__in=nodes).aggregate(n=Sum("persons"))["n"]
    return int(total or 0)


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class PersonTests:
    """A person's tests: PCR bindings (newest first) with tube, round and point; antigen
    results apart (never a confirming result, R16); re-test tasks."""

    bindings: list[Binding]
    antigen: list[AntigenTest]
    retests: list[RetestTask]


def person_tests(*, person: Person, limit: int = 200) -> PersonTests:
    """The test history of ``person`` (already checked and logged by ``access_person``):
    four queries whatever its length."""
    bindings = list(
        Binding.objects.filter(person=person)
        .select_related("tube", "tube__point", "round")
        .order_by("-scanned_at", "-id")[:limit]
    )
    antigen = list(AntigenTest.objects.filter(person=person).order_by("-tested_at")[:limit])
    retests = person_retest_tasks(person, limit=limit)
    return PersonTests(bindings=bindings, antigen=antigen, retests=retests)
