"""Grid pages: the grid worker's day on a phone (my households, today's sweeps, my open
requests) and the special-needs residents with their care plans."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.community.grids.forms import CarePlanForm
from fangkong.community.grids.selectors import care_plans_of, coverage_list, special_needs_list
from fangkong.community.grids.services import care_plan_set
from fangkong.community.presentation import coverage_rows, need_rows, request_rows
from fangkong.community.requests.selectors import request_queue
from fangkong.community.roles import CARE_PLAN_ROLES, READ_ROLES
from fangkong.community.sweeps.selectors import sweep_list, sweep_progress
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.people.access import access_person
from fangkong.regions.access import access_region

#: Rows shown per list on the phone page.
ROWS = 100


@actor_required(*READ_ROLES)
def home_view(request: HttpRequest) -> HttpResponse:
    """My households, today's sweeps (with what is left to visit) and my open requests, an
    emergency first (a grid worker: theirs; other roles: their subtree's)."""
    actor = actor_of(request)
    households = coverage_rows(actor, list(coverage_list(actor=actor)[:ROWS]))
    sweeps = []
    for sweep in sweep_list(actor=actor, status="open")[:10]:
        grids = sweep_progress(actor=actor, sweep=sweep)
        sweeps.append(
            {
                "sweep": sweep,
                "total": sum(g.total for g in grids),
                "visited": sum(g.visited for g in grids),
            }
        )
    now = timezone.now()
    requests = request_rows(actor, list(request_queue(actor=actor)[:ROWS]), now=now)
    return render(
        request,
        "community/home.html",
        {"households": households, "sweeps": sweeps, "requests": requests},
    )


@actor_required(*READ_ROLES)
def needs_view(request: HttpRequest) -> HttpResponse:
    """Special-needs residents of the actor's node with their care plans; the care-plan form
    for the roles that write them."""
    actor = actor_of(request)
    form = CarePlanForm(request.POST if request.method == "POST" else None)
    may_write = actor.role in CARE_PLAN_ROLES
    if request.method == "POST" and may_write and form.is_valid():
        person = access_person(actor, form.cleaned_data["person"], purpose="care")
        try:
            care_plan_set(actor=actor, person=person, plan=form.cleaned_data["plan"])
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Care plan saved."))
            return redirect("community:needs")
    region = access_region(actor, actor.region_code)
    persons = list(special_needs_list(actor=actor, region=region)[:500])
    rows = need_rows(actor, persons, care_plans_of(persons))
    return render(
        request,
        "community/needs.html",
        {"rows": rows, "form": form, "may_write": may_write},
        status=422 if request.method == "POST" else 200,
    )
