"""The essential-services view: priority users by tier, open incidents most urgent first
(with report and resolve), the shortage-plan form and one plan showing who keeps power."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.policy.selectors import rules_for_actor
from fangkong.regions.access import access_region
from fangkong.supplies.pages import form_submit
from fangkong.supplies.power.access import access_incident, access_plan, access_priority_user
from fangkong.supplies.power.forms import IncidentForm, PlanForm, ResolveForm
from fangkong.supplies.power.selectors import (
    incident_list,
    plan_lines,
    plan_list,
    priority_user_list,
)
from fangkong.supplies.power.services import (
    incident_report,
    incident_resolve,
    shortage_plan_make,
)
from fangkong.supplies.roles import INCIDENT_ROLES, SERVICES_READ_ROLES, SERVICES_WRITE_ROLES

#: Sites listed on the page and offered in the incident form.
MAX_SITES = 500


def _services_page(
    request: HttpRequest,
    *,
    plan_form: forms.Form | None = None,
    incident_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    rules = rules_for_actor(actor, timezone.localdate())
    order: dict[str, int] = {
        tier: rank for rank, tier in enumerate(rules.parameters.supplies.power_tiers)
    }
    users = sorted(
        priority_user_list(actor=actor)[:MAX_SITES], key=lambda u: (order[u.tier], u.name)
    )
    sites = [(str(u.code), u.name) for u in users]
    return render(
        request,
        "supplies/services.html",
        {
            "users": users,
            "incidents": incident_list(actor=actor)[:100],
            "plans": plan_list(actor=actor)[:10],
            "now": timezone.now(),
            "rules": rules,
            "may_plan": actor.role in SERVICES_WRITE_ROLES,
            "may_report": actor.role in INCIDENT_ROLES,
            "plan_form": plan_form or PlanForm(initial={"region": actor.region_code}),
            "incident_form": incident_form or IncidentForm(sites=sites),
            "resolve_form": ResolveForm(),
        },
        status=status,
    )


@actor_required(*SERVICES_READ_ROLES)
def services_view(request: HttpRequest) -> HttpResponse:
    """The essential-services view of the actor's jurisdiction."""
    return _services_page(request)


@require_POST
@actor_required(*SERVICES_WRITE_ROLES)
def plan_make_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    made: list[UUID] = []

    def write(data: dict[str, object]) -> None:
        district = access_region(actor, str(data["region"]))
        plan = shortage_plan_make(
            actor=actor,
            district=district,
            deficit_kw=int(str(data["deficit_kw"])),
            reason=str(data["reason"]),
        )
        made.append(plan.code)

    response = form_submit(
        request,
        PlanForm(request.POST),
        write,
        done=_("Shortage plan made."),
        to="supplies:services",
        failed=lambda form: _services_page(request, plan_form=form, status=422),
    )
    if made:
        return redirect("supplies:plan", code=made[0])
    return response


@actor_required(*SERVICES_READ_ROLES)
def plan_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One shortage plan: who keeps power whole, who is cut in part, who is off."""
    actor = actor_of(request)
    plan = access_plan(actor, code)
    return render(request, "supplies/plan.html", {"plan": plan, "lines": plan_lines(plan=plan)})


@require_POST
@actor_required(*INCIDENT_ROLES)
def incident_report_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    sites = [(str(u.code), u.name) for u in priority_user_list(actor=actor)[:MAX_SITES]]
    return form_submit(
        request,
        IncidentForm(request.POST, sites=sites),
        lambda data: incident_report(
            actor=actor,
            user=access_priority_user(actor, data["user"], roles=INCIDENT_ROLES),
            kind=data["kind"],
            note=data["note"],
        ),
        done=_("Incident reported."),
        to="supplies:services",
        failed=lambda form: _services_page(request, incident_form=form, status=422),
    )


@require_POST
@actor_required(*INCIDENT_ROLES)
def incident_resolve_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    incident = access_incident(actor, code, roles=INCIDENT_ROLES)
    return form_submit(
        request,
        ResolveForm(request.POST),
        lambda data: incident_resolve(actor=actor, incident=incident, reason=data["reason"]),
        done=_("Incident resolved."),
        to="supplies:services",
        failed=lambda form: _services_page(request, status=422),
    )
