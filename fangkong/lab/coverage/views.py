"""Command pages of the screening chain: the rounds (and opening one), a round's command
view (progress, 采、送、检、报, pooled positives, late results, notifications, coverage
drill-down, the not-yet-tested list and its export), and a person's test history.

Views parse input, call ``access``/selectors/services and render. Every page runs a fixed
number of queries whatever the size of the round (tests assert it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, NotFound
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import access_round, require_role
from fangkong.lab.choices import ExportPurpose, RoundKind, RoundStatus
from fangkong.lab.coverage.dashboard import (
    late_results,
    packages_in_transit,
    pooled_positives,
    round_notifications,
    tube_status_counts,
)
from fangkong.lab.coverage.selectors import (
    LEVELS,
    area_population,
    coverage_by_building,
    coverage_by_household,
    person_tests,
    round_areas,
    round_coverage,
    untested_page,
)
from fangkong.lab.coverage.services import coverage_export
from fangkong.lab.roles import (
    COMMAND_ROLES,
    COVERAGE_ROLES,
    COVERAGE_WRITE_ROLES,
    HISTORY_ROLES,
    MANAGE_ROLES,
    UNTESTED_ROLES,
)
from fangkong.lab.rounds.services import round_close, round_open
from fangkong.lab.scope import round_scope
from fangkong.people.access import access_person
from fangkong.people.presentation import person_row, shows_identity
from fangkong.policy.rules import risk_level_name, samplers_needed, sampling_points_needed
from fangkong.policy.selectors import rules_for
from fangkong.regions.access import access_region
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region

#: Who sees the list of rounds (everyone of the chain but samplers and lab technicians,
#: who have their own pages) and who sees a round's command view.
ROUND_LIST_ROLES = tuple(sorted(COMMAND_ROLES | COVERAGE_ROLES | MANAGE_ROLES))
ROUND_VIEW_ROLES = frozenset(COMMAND_ROLES | COVERAGE_ROLES)
#: Next level down in the drill-down.
_CHILD_LEVEL = {
    "district": "street",
    "street": "community",
    "community": "grid",
}
MAX_AREAS = 200


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


class RoundOpenForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=120)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=RoundKind.choices,
        initial=RoundKind.OUTBREAK,
        required=False,
        help_text=gettext_lazy(
            "The rules in force decide which kinds may open: without area screening only "
            "targeted testing (key groups, arrivals, voluntary)."
        ),
    )
    areas = forms.CharField(
        label=gettext_lazy("Areas"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text=gettext_lazy(
            "One jurisdiction code per line, optionally followed by its zone "
            "(high, medium, low or other), e.g. “110105001 high”."
        ),
    )


def _parse_areas(actor: Actor, text: str) -> tuple[list[tuple[Region, str]], list[str]]:
    """Nodes and zones from the form's lines; errors name the line."""
    areas: list[tuple[Region, str]] = []
    errors: list[str] = []
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_AREAS:
        return [], [_("At most %(max)s areas.") % {"max": MAX_AREAS}]
    for number, parts in enumerate(lines, 1):
        try:
            region = access_region(actor, parts[0])
        except NotFound:
            errors.append(
                _("Line %(line)s: no jurisdiction %(code)s in your area.")
                % {"line": number, "code": parts[0][:20]}
            )
            continue
        areas.append((region, parts[1][:40] if len(parts) > 1 else "other"))
    return areas, errors


def _suggestion(regions: list[Region], population: int | None = None) -> dict[str, Any]:
    """Population, sampling points and samplers suggested by the rules in force."""
    if not regions:
        return {}
    if population is None:
        population = area_population(regions)
    rules = rules_for(regions[0], timezone.localdate())
    fewest, most = sampling_points_needed(rules, population)
    return {
        "population": population,
        "points_min": fewest,
        "points_max": most,
        "samplers": samplers_needed(rules, population),
        "rule_set": rules.label,
    }


@require_http_methods(["GET", "POST"])
@actor_required(*ROUND_LIST_ROLES)
def rounds_view(request: HttpRequest) -> HttpResponse:
    """Rounds in scope; managers open a round here (``Preview`` shows the population and the
    suggested points and samplers first)."""
    actor = actor_of(request)
    can_open = actor.role in MANAGE_ROLES
    form = RoundOpenForm(request.POST or None) if can_open else None
    suggestion: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        require_role(actor, MANAGE_ROLES)
        assert form is not None
        if form.is_valid():
            areas, errors = _parse_areas(actor, form.cleaned_data["areas"])
            for error in errors:
                form.add_error("areas", error)
            if not errors and areas:
                suggestion = _suggestion([region for region, _zone in areas])
                if "preview" not in request.POST:
                    try:
                        opened = round_open(
                            actor=actor,
                            name=form.cleaned_data["name"],
                            areas=areas,
                            kind=form.cleaned_data["kind"] or RoundKind.OUTBREAK,
                        )
                    except FangkongError as exc:
                        errors_on_form(form, exc)
                        status = exc.status
                    else:
                        messages.success(request, _("The round is open."))
                        return redirect("lab:round", code=opened.code)
        if form.errors and status == 200:
            status = 422
    rounds = paginate(round_scope(actor), page=_int(request.GET.get("page"), 1))
    return render(
        request,
        "lab/rounds.html",
        {"rounds": rounds, "form": form, "can_open": can_open, "suggestion": suggestion},
        status=status,
    )


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
        "suggestion": _suggestion(
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


@require_http_methods(["POST"])
@actor_required(*sorted(MANAGE_ROLES & ROUND_VIEW_ROLES))
def round_close_view(request: HttpRequest, code: str) -> HttpResponse:
    """Close the round (reason required, audited by the service), back to the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=MANAGE_ROLES)
    try:
        round_close(
            actor=actor, screening_round=screening_round, reason=request.POST.get("reason", "")
        )
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The round is closed: no more screening tubes."))
    return redirect("lab:round", code=screening_round.code)


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
    path("rounds/", rounds_view, name="rounds"),
    path("rounds/<uuid:code>/", round_view, name="round"),
    path("rounds/<uuid:code>/close/", round_close_view, name="round_close"),
    path("rounds/<uuid:code>/untested.csv", round_untested_csv_view, name="round_untested_csv"),
    path("people/<uuid:code>/tests/", person_tests_view, name="person_tests"),
]
