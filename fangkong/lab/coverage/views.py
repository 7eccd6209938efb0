"""Command pages of the screening chain: a round's command view (progress, 采、送、检、报,
pooled positives, late results, notifications, coverage drill-down, the not-yet-tested list
and its export), and a person's test history.

Views parse input, call ``access``/selectors/services and render. Every page runs a fixed
number of queries whatever the size of the round (tests assert it).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language

from fangkong.core.actor import Actor
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.lab.access import access_round
from fangkong.lab.choices import ExportPurpose, RoundStatus
from fangkong.lab.coverage.dashboard import (
    late_results,
    packages_in_transit,
    pooled_positives,
    round_notifications,
    tube_status_counts,
)
from fangkong.lab.coverage.selectors import (
    LEVELS,
    coverage_by_building,
    coverage_by_household,
    person_tests,
    round_areas,
    round_coverage,
    untested_page,
)
from fangkong.lab.coverage.services import coverage_export
from fangkong.lab.roles import (
    COVERAGE_WRITE_ROLES,
    HISTORY_ROLES,
    MANAGE_ROLES,
    ROUND_VIEW_ROLES,
    UNTESTED_ROLES,
)
from fangkong.lab.rounds.selectors import round_suggestion
from fangkong.people.access import access_person
from fangkong.people.presentation import person_row, shows_identity
from fangkong.policy.rules import risk_level_name
from fangkong.policy.selectors import rules_for
from fangkong.regions.access import access_region
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region

#: Next level down in the drill-down.
_CHILD_LEVEL = {
    "district": "street",
    "street": "community",
    "community": "grid",
}


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def _drill(request: HttpRequest, actor: Actor) -> tuple[str, Region | None]:
    level = request.GET.get("level", "district")
    if level not in LEVELS:
        level = "district"
    within = request.GET.get("within", "").strip()
    return level, access_region(actor, within) if within else None


@actor_required(*sorted(ROUND_VIEW_ROLES))
def round_view(request: HttpRequest, code: str) -> HttpResponse:
    """The round's command view; an htmx request with ``part=counters`` gets only the live
    counters."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=ROUND_VIEW_ROLES)
    level, within = _drill(request, actor)
    coverage = round_coverage(actor=actor, screening_round=screening_round)
    counters = {
        "round": screening_round,
        "totals": coverage.totals,
        "tubes": tube_status_counts(actor=actor, screening_round=screening_round),
        "late": late_results(actor=actor, screening_round=screening_round),
        "notes": round_notifications(actor=actor, screening_round=screening_round),
        "now": timezone.now(),
    }
    if request.headers.get("HX-Request") and request.GET.get("part") == "counters":
        return render(request, "lab/round_counters.html", counters)
    areas = round_areas(screening_round)
    # Zones read as the risk levels of the rules the round opened under, in the page's language.
    opened_under = rules_for(screening_round.region, timezone.localdate(screening_round.starts_at))
    language = get_language() or "en"
    area_tags = [
        (area.region.name, risk_level_name(opened_under, area.zone, language=language))
        for area in areas
    ]
    nodes = coverage.at_level(LEVELS[level], within=within.path if within else "")
    households: list[Any] = []
    buildings: list[Any] = []
    if within is not None and within.level >= RegionLevel.GRID:
        households = coverage_by_household(
            actor=actor, screening_round=screening_round, region=within
        )
        buildings = coverage_by_building(
            actor=actor, screening_round=screening_round, region=within
        )
    sees_persons = actor.role in UNTESTED_ROLES
    page = None
    rows: list[Any] = []
    if sees_persons:
        page = untested_page(
            actor=actor,
            screening_round=screening_round,
            region=within,
            page=_int(request.GET.get("page"), 1),
            page_size=_int(request.GET.get("page_size"), 50),
        )
        rows = [person_row(actor, person) for person in page.items]
    query = request.GET.copy()
    for name in ("page", "pooled_page", "transit_page"):
        query.pop(name, None)
    untested_total = (
        coverage.nodes[within.code].untested
        if within is not None and within.code in coverage.nodes
        else coverage.totals.untested
    )
    context = {
        **counters,
        "areas": areas,
        "area_tags": area_tags,
        "suggestion": round_suggestion(
            [screening_round.region], population=screening_round.population_at_open
        ),
        "districts": coverage.at_level(RegionLevel.COUNTY),
        "level": level,
        "levels": list(LEVELS),
        "child_level": _CHILD_LEVEL.get(level, ""),
        "within": within,
        "nodes": nodes,
        "households": households,
        "buildings": buildings,
        "transit": packages_in_transit(
            actor=actor,
            screening_round=screening_round,
            page=_int(request.GET.get("transit_page"), 1),
        ),
        "pooled": pooled_positives(
            actor=actor,
            screening_round=screening_round,
            page=_int(request.GET.get("pooled_page"), 1),
        ),
        "sees_persons": sees_persons,
        "can_exempt": sees_persons and actor.role in COVERAGE_WRITE_ROLES,
        "can_close": actor.role in MANAGE_ROLES and screening_round.status == RoundStatus.OPEN,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "untested_total": untested_total,
        "unmasked": shows_identity(actor),
        "purposes": ExportPurpose.choices,
    }
    return render(request, "lab/round.html", context)


@actor_required(*sorted(UNTESTED_ROLES))
def round_untested_csv_view(request: HttpRequest, code: str) -> HttpResponse:
    """The not-yet-tested list as CSV (purpose required, logged and audited)."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=UNTESTED_ROLES)
    within = request.GET.get("region", "").strip()
    export = coverage_export(
        actor=actor,
        screening_round=screening_round,
        purpose=request.GET.get("purpose", ""),
        region=access_region(actor, within) if within else None,
    )
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Row-Count"] = str(export.rows)
    return response


@actor_required(*sorted(HISTORY_ROLES))
def person_tests_view(request: HttpRequest, code: str) -> HttpResponse:
    """A person's PCR tests, antigen results (apart) and re-test tasks."""
    actor = actor_of(request)
    person = access_person(actor, code)
    history = person_tests(person=person)
    return render(
        request,
        "lab/person_tests.html",
        {"person": person_row(actor, person), "history": history},
    )


urlpatterns: list[URLPattern] = [
    path("rounds/<uuid:code>/", round_view, name="round"),
    path("rounds/<uuid:code>/untested.csv", round_untested_csv_view, name="round_untested_csv"),
    path("people/<uuid:code>/tests/", person_tests_view, name="person_tests"),
]
