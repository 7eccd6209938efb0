"""The case–contact graph of the actor's subtree and what ``engine.chains`` says about it.

Nodes are persons: every case's person (a case) and every confirmed close or secondary
contact's person (a contact). Edges run from a case's person to each confirmed contact of
that case; a contact who later became a case is one node, so the chain continues through it
(contact → case). Cases and links are read scoped to the actor's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.utils import timezone

from fangkong.cases.selectors import case_scope
from fangkong.core.actor import AnyActor
from fangkong.engine.chains import Chains, chains_find, chains_growth
from fangkong.tracing.contacts.choices import ContactKind, ContactStatus
from fangkong.tracing.contacts.selectors import contact_scope

#: Days of growth a cluster row shows ("new in the last N days").
GROWTH_DAYS = 7


@dataclass(frozen=True)
class Graph:
    """The graph and its analysis: ``chains`` per person id; per edge (source, target,
    setting); per person, whether a case, the case's code and a day (first positive, onset
    or opening for a case; the confirmation day for a contact)."""

    chains: Chains
    source: list[int]
    target: list[int]
    setting: list[str]
    case_code: dict[int, str]
    day: dict[int, date]

    def cluster_of(self, person_id: int) -> int | None:
        at = int(np.searchsorted(self.chains.node, person_id))
        if at < self.chains.node.shape[0] and int(self.chains.node[at]) == person_id:
            return int(self.chains.cluster[at])
        return None


def chain_graph(*, actor: AnyActor) -> Graph:
    """Build and analyse the graph of the actor's subtree (two queries and the engine)."""
    cases = list(
        case_scope(actor).values_list(
            "person_id", "code", "first_positive_on", "onset_date", "opened_at"
        )
    )
    links = list(
        contact_scope(actor)
        .filter(
            status=ContactStatus.CONFIRMED,
            kind__in=[ContactKind.CLOSE, ContactKind.SECONDARY],
        )
        .values_list("case__person_id", "person_id", "setting", "decided_at")
    )
    case_code: dict[int, str] = {}
    day: dict[int, date] = {}
    for person_id, code, first_positive, onset, opened in cases:
        case_code.setdefault(person_id, str(code))
        found = first_positive or onset or timezone.localdate(opened)
        day[person_id] = min(day.get(person_id, found), found)
    for _source, person_id, _setting, decided_at in links:
        if person_id not in case_code and decided_at is not None:
            day.setdefault(person_id, timezone.localdate(decided_at))
    source = [row[0] for row in links]
    target = [row[1] for row in links]
    chains = chains_find(
        source=np.array(source, dtype=np.int64),
        target=np.array(target, dtype=np.int64),
        nodes=np.array(sorted(case_code), dtype=np.int64),
    )
    return Graph(
        chains=chains,
        source=source,
        target=target,
        setting=[row[2] for row in links],
        case_code=case_code,
        day=day,
    )


@dataclass
class ClusterRow:
    """One cluster: its number, size, cases and contacts, deepest generation, the probable
    sources (root cases' codes), the settings of its edges, and its growth: nodes dated in
    the last :data:`GROWTH_DAYS` days and its size by day."""

    number: int
    size: int
    cases: int
    contacts: int
    depth: int
    sources: list[str]
    settings: dict[str, int] = field(default_factory=dict)
    new_recently: int = 0
    first_case: str = ""


def cluster_rows(graph: Graph) -> list[ClusterRow]:
    """Every cluster, largest first (no personal data: codes and counts)."""
    chains = graph.chains
    depth = chains.depth()
    rows = [
        ClusterRow(
            number=n,
            size=int(chains.cluster_size[n]),
            cases=0,
            contacts=0,
            depth=int(depth[n]),
            sources=[],
        )
        for n in range(chains.clusters)
    ]
    today = timezone.localdate()
    recent = today - timedelta(days=GROWTH_DAYS - 1)
    nodes = chains.node.tolist()
    for person_id, cluster, is_root in zip(
        nodes, chains.cluster.tolist(), chains.root.tolist(), strict=True
    ):
        row = rows[cluster]
        code = graph.case_code.get(person_id)
        if code is not None:
            row.cases += 1
            row.first_case = row.first_case or code
            if is_root:
                row.sources.append(code)
        else:
            row.contacts += 1
        if graph.day.get(person_id, date.min) >= recent:
            row.new_recently += 1
    for person_id, setting in zip(graph.source, graph.setting, strict=True):
        row = rows[graph.cluster_of(person_id) or 0]
        row.settings[setting] = row.settings.get(setting, 0) + 1
    return sorted(rows, key=lambda r: (-r.size, r.number))


def cluster_growth(graph: Graph, cluster: int) -> list[tuple[date, int, int]]:
    """(day, new nodes, cluster size by then) for one cluster, oldest first."""
    chains = graph.chains
    origin = date(2000, 1, 1)
    days = [(graph.day.get(person_id, origin) - origin).days for person_id in chains.node.tolist()]
    frame = chains_growth(chains, day=np.array(days, dtype=np.int64))
    rows = frame.filter(frame["cluster"] == cluster)
    return [
        (origin + timedelta(days=int(d)), int(new), int(size))
        for d, new, size in zip(rows["day"], rows["new"], rows["size"], strict=True)
    ]
