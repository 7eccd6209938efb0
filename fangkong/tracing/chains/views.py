"""Chain pages: the clusters of the actor's subtree (size, cases, contacts, generations,
probable sources, settings, recent growth) and one cluster drawn with Cytoscape.js."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.cases.access import access_case
from fangkong.core.errors import NotFound
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate_list
from fangkong.tracing.chains import presentation, selectors
from fangkong.tracing.chains.roles import CHAIN_ROLES


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*sorted(CHAIN_ROLES))
def clusters_view(request: HttpRequest) -> HttpResponse:
    """Clusters, largest first (codes and counts only)."""
    graph = selectors.chain_graph(actor=actor_of(request))
    rows = selectors.cluster_rows(graph)
    page = paginate_list(rows, page=_page_number(request), page_size=50)
    return render(
        request,
        "tracing/clusters.html",
        {"page": page, "growth_days": selectors.GROWTH_DAYS},
    )


@actor_required(*sorted(CHAIN_ROLES))
def chain_view(request: HttpRequest, code: str) -> HttpResponse:
    """The cluster of the case ``code``: drawn, its growth by day and a page of members."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=CHAIN_ROLES)
    graph = selectors.chain_graph(actor=actor)
    cluster = graph.cluster_of(case.person_id)
    if cluster is None:  # cannot happen for a case in scope; answered as missing all the same
        raise NotFound("No such case.", code="case_not_found")
    drawing, members = presentation.cluster_view(actor, graph, cluster, page=_page_number(request))
    return render(
        request,
        "tracing/chain.html",
        {
            "case": case,
            "drawing": drawing,
            "page": members,
            "size": int(graph.chains.cluster_size[cluster]),
            "growth": selectors.cluster_growth(graph, cluster),
            "node_limit": presentation.NODE_LIMIT,
        },
    )
