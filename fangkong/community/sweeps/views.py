"""Sweep pages: the sweeps (with the form to open one), a sweep's progress by grid and its
households not yet visited, and the visit form of one household."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.community.models import SweepVisit
from fangkong.community.pages import page_asked
from fangkong.community.presentation import member_rows, visit_rows
from fangkong.community.roles import READ_ROLES, SWEEP_OPEN_ROLES, SWEEP_VISIT_ROLES
from fangkong.community.sweeps.access import access_sweep, access_visit
from fangkong.community.sweeps.door_sampling import door_sampling_request
from fangkong.community.sweeps.forms import SweepForm, VisitForm
from fangkong.community.sweeps.selectors import sweep_list, sweep_progress, visits_pending
from fangkong.community.sweeps.services import NewResident, sweep_open, visit_record
from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.regions.access import access_region


@actor_required(*READ_ROLES)
def sweeps_view(request: HttpRequest) -> HttpResponse:
    """Sweeps in scope; the roles that open sweeps open one over their node here."""
    actor = actor_of(request)
    may_open = actor.role in SWEEP_OPEN_ROLES
    form = SweepForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied(_("Your role may not open sweeps."), code="forbidden")
        if form.is_valid():
            try:
                sweep = sweep_open(
                    actor=actor,
                    region=access_region(actor, actor.region_code),
                    **form.cleaned_data,
                )
            except FangkongError as exc:
                if exc.status in (403, 404):
                    raise
                errors_on_form(form, exc)
            else:
                return redirect("community:sweep", code=sweep.code)
    page = paginate(sweep_list(actor=actor), page=page_asked(request), page_size=50)
    return render(
        request,
        "community/sweeps.html",
        {"page": page, "form": form, "may_open": may_open},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(*READ_ROLES)
def sweep_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Progress by grid and the households not yet visited (a grid worker: theirs)."""
    actor = actor_of(request)
    sweep = access_sweep(actor, code)
    grids = sweep_progress(actor=actor, sweep=sweep)
    pending = visit_rows(actor, list(visits_pending(actor=actor, sweep=sweep)[:200]))
    return render(
        request,
        "community/sweep.html",
        {
            "sweep": sweep,
            "grids": grids,
            "pending": pending,
            "total": sum(g.total for g in grids),
            "visited": sum(g.visited for g in grids),
            "may_visit": actor.role in SWEEP_VISIT_ROLES,
        },
    )


@actor_required(*SWEEP_VISIT_ROLES)
def visit_view(request: HttpRequest, code: UUID, household: UUID) -> HttpResponse:
    """Record one household's visit: who of the registry is there, who is new."""
    actor = actor_of(request)
    visit = access_visit(actor, code, household, roles=SWEEP_VISIT_ROLES)
    members = member_rows(actor, visit)
    form = VisitForm(request.POST if request.method == "POST" else None)
    present = form.fields["present"]
    assert isinstance(present, forms.MultipleChoiceField)
    present.choices = [(str(m.code), m.name) for m in members]
    homebound = form.fields["homebound"]
    assert isinstance(homebound, forms.MultipleChoiceField)
    homebound.choices = present.choices
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _visit_and_list(actor, visit, form)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("community:sweep", code=visit.sweep.code)
    return render(
        request,
        "community/visit.html",
        {"visit": visit, "form": form},
        status=422 if request.method == "POST" else 200,
    )


def _visit_and_list(actor: Actor, visit: SweepVisit, form: VisitForm) -> None:
    """The visit, then the residents ticked as unable to go out onto the sweep's
    door-to-door sampling list (one transaction: a refusal of either keeps neither)."""
    report = visit_record(
        actor=actor,
        visit=visit,
        state=form.cleaned_data["state"],
        residents_counted=form.cleaned_data["residents_counted"],
        present=[UUID(value) for value in form.cleaned_data["present"]],
        new_residents=[NewResident(name=name) for name in form.new_names()],
    )
    if form.cleaned_data["homebound"]:
        door_sampling_request(
            actor=actor,
            visit=report.visit,
            persons=[UUID(value) for value in form.cleaned_data["homebound"]],
            reason=form.cleaned_data["homebound_reason"],
        )
