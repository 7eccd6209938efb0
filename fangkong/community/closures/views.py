"""Compound pages: the restrictions in scope, and one restricted compound with its
households, their open needs, the restriction (why, until when), the gate log and lifting."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.community.closures.access import access_restriction
from fangkong.community.closures.forms import GateForm, LiftForm
from fangkong.community.closures.panels import compound_panels
from fangkong.community.closures.selectors import (
    gate_log,
    restriction_households,
    restriction_list,
)
from fangkong.community.closures.services import gate_record, restriction_lift
from fangkong.community.pages import page_asked
from fangkong.community.presentation import household_rows, request_rows
from fangkong.community.requests.selectors import request_queue
from fangkong.community.roles import GATE_ROLES, READ_ROLES, RESTRICT_ROLES
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.regions.subtree import in_subtree


@actor_required(*READ_ROLES)
def restrictions_view(request: HttpRequest) -> HttpResponse:
    """Restrictions in scope, those in force first."""
    actor = actor_of(request)
    page = paginate(
        restriction_list(actor=actor).order_by("status", "-imposed_at"),
        page=page_asked(request),
        page_size=100,
    )
    return render(request, "community/restrictions.html", {"page": page})


def _compound(
    request: HttpRequest, code: UUID, *, lift: LiftForm | None = None, gate: GateForm | None = None
) -> HttpResponse:
    actor = actor_of(request)
    restriction = access_restriction(actor, code)
    homes = list(restriction_households(actor=actor, restriction=restriction)[:500])
    needs = request_queue(actor=actor).filter(
        in_subtree(restriction.region.path, field="region__path"), household__in=homes
    )
    return render(
        request,
        "community/compound.html",
        {
            "restriction": restriction,
            "households": household_rows(actor, homes, action="compound_households"),
            "requests": request_rows(actor, list(needs[:200]), now=timezone.now()),
            "gate": list(gate_log(restriction)[:50]),
            "panels": compound_panels(actor, restriction.region),
            "may_lift": actor.role in RESTRICT_ROLES,
            "may_gate": actor.role in GATE_ROLES and restriction.gate_log,
            "lift": lift or LiftForm(),
            "gate_form": gate or GateForm(),
        },
        status=422 if (lift or gate) else 200,
    )


@actor_required(*READ_ROLES)
def compound_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One restricted compound (building, stairwell)."""
    return _compound(request, code)


@require_POST
@actor_required(*RESTRICT_ROLES)
def compound_lift_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    restriction = access_restriction(actor, code, roles=RESTRICT_ROLES)
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            restriction_lift(actor=actor, restriction=restriction, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Restriction lifted."))
            return redirect("community:compound", code=restriction.code)
    return _compound(request, code, lift=form)


@require_POST
@actor_required(*GATE_ROLES)
def compound_gate_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    restriction = access_restriction(actor, code, roles=GATE_ROLES)
    form = GateForm(request.POST)
    if form.is_valid():
        try:
            gate_record(actor=actor, restriction=restriction, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Passage logged."))
            return redirect("community:compound", code=restriction.code)
    return _compound(request, code, gate=form)
