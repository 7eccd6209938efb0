"""What a chain page shows of one cluster: the graph to draw (names of cases and contacts, or
above :data:`NODE_LIMIT` one aggregate node per generation and kind) and a page of its members;
one access row names every person shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import access_record
from fangkong.core.paging import Page, paginate_list
from fangkong.people.models import Person
from fangkong.tracing.chains.selectors import Graph

PURPOSE = "investigation"
#: Above this many persons a cluster is drawn by generation, not person by person.
NODE_LIMIT = 1500


@dataclass(frozen=True)
class MemberRow:
    person_code: str
    name: str
    is_case: bool
    case_code: str
    generation: int
    root: bool
    day: date | None


def _members(graph: Graph, cluster: int) -> list[tuple[int, int, bool]]:
    chains = graph.chains
    return [
        (person_id, generation, root)
        for person_id, number, generation, root in zip(
            chains.node.tolist(),
            chains.cluster.tolist(),
            chains.generation.tolist(),
            chains.root.tolist(),
            strict=True,
        )
        if number == cluster
    ]


def cluster_view(
    actor: AnyActor, graph: Graph, cluster: int, *, page: int, page_size: int = 100
) -> tuple[dict[str, Any], Page[MemberRow]]:
    """The elements to draw (Cytoscape.js JSON) and one page of members, generation order.

    Up to :data:`NODE_LIMIT` persons every person is a node (named) and every edge drawn;
    above it, one node per (generation, case or contact) with its count and one edge per
    pair of generations — the member table pages through the persons. The access row names
    the persons drawn or listed."""
    members = sorted(_members(graph, cluster), key=lambda m: (m[1] < 0, m[1], m[0]))
    shown_page = paginate_list(members, page=page, page_size=page_size)
    drawn_ids = [m[0] for m in members] if len(members) <= NODE_LIMIT else []
    wanted = {m[0] for m in shown_page.items} | set(drawn_ids)
    persons = {p.pk: p for p in Person.objects.filter(pk__in=wanted).only("pk", "code", "name")}
    elements: list[dict[str, Any]] = []
    if drawn_ids:
        in_cluster = set(drawn_ids)
        for person_id, generation, root in members:
            person = persons[person_id]
            elements.append(
                {
                    "data": {
                        "id": f"p{person_id}",
                        "label": person.name,
                        "kind": "case" if person_id in graph.case_code else "contact",
                        "generation": generation,
                        "root": root,
                    }
                }
            )
        for n, (source, target) in enumerate(zip(graph.source, graph.target, strict=True)):
            if source in in_cluster:
                elements.append(
                    {"data": {"id": f"e{n}", "source": f"p{source}", "target": f"p{target}"}}
                )
    else:
        counts: dict[tuple[int, str], int] = {}
        for person_id, generation, _root in members:
            kind = "case" if person_id in graph.case_code else "contact"
            counts[(generation, kind)] = counts.get((generation, kind), 0) + 1
        for (generation, kind), count in sorted(counts.items()):
            label = (
                _("Generation %(g)d: %(n)d cases")
                if kind == "case"
                else _("Generation %(g)d: %(n)d contacts")
            ) % {"g": generation, "n": count}
            elements.append(
                {
                    "data": {
                        "id": f"g{generation}{kind}",
                        "label": label,
                        "kind": kind,
                        "generation": generation,
                        "root": generation == 0,
                        "count": count,
                    }
                }
            )
        for generation, kind in counts:
            if generation > 0 and (generation - 1, "case") in counts:
                elements.append(
                    {
                        "data": {
                            "id": f"ge{generation}{kind}",
                            "source": f"g{generation - 1}case",
                            "target": f"g{generation}{kind}",
                        }
                    }
                )
    rows = [
        MemberRow(
            person_code=str(persons[person_id].code),
            name=persons[person_id].name,
            is_case=person_id in graph.case_code,
            case_code=graph.case_code.get(person_id, ""),
            generation=generation,
            root=root,
            day=graph.day.get(person_id),
        )
        for person_id, generation, root in shown_page.items
    ]
    shown: Sequence[str] = sorted(
        {str(persons[i].code) for i in drawn_ids} | {row.person_code for row in rows}
    )
    access_record(
        actor=actor,
        purpose=PURPOSE,
        action="chain_read",
        subject_type="person",
        subject_ids=list(shown),
    )
    return {"elements": elements, "aggregated": not drawn_ids}, shown_page.with_items(rows)
