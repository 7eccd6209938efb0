"""Structure pages: command bodies with their working groups and members, and incidents with
who commands them and the escalation of command (提级指挥)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.duty_forms import (
    BodyForm,
    EscalateForm,
    GroupForm,
    IncidentForm,
    MemberForm,
)
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.structure.access import access_body, access_group, access_incident
from fangkong.command_center.structure.selectors import (
    body_list,
    group_list,
    incident_history,
    incident_list,
)
from fangkong.command_center.structure.services import (
    command_body_create,
    group_member_add,
    incident_escalate,
    incident_open,
    working_group_create,
)
from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.regions.access import access_region


def _post_form(request: HttpRequest, form: forms.Form, write: Any, done: str) -> bool:
    """Run ``write(cleaned_data)`` for a valid posted form; a refusal goes on the form."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data)
    except FangkongError as exc:
        if exc.status == 403:
            raise
        errors_on_form(form, exc)
        return False
    messages.success(request, done)
    return True


@actor_required(*READ_ROLES)
def bodies_view(request: HttpRequest) -> HttpResponse:
    """Command bodies of the subtree; commanders set up new ones and open incidents."""
    actor = actor_of(request)
    may_command = actor.role in COMMAND_ROLES
    body_form = BodyForm(request.POST if "body" in request.POST else None)
    incident_form = IncidentForm(request.POST if "incident" in request.POST else None)
    if request.method == "POST":
        if not may_command:
            raise PermissionDenied(_("Your role may not do this."), code="forbidden")
        if "body" in request.POST and _post_form(
            request,
            body_form,
            lambda d: command_body_create(
                actor=actor, region=access_region(actor, d["region"]), name=d["name"]
            ),
            _("Command body set up."),
        ):
            return redirect("command_center:bodies")
        if "incident" in request.POST and _post_form(
            request,
            incident_form,
            lambda d: incident_open(
                actor=actor, name=d["name"], region=access_region(actor, d["region"])
            ),
            _("Incident opened."),
        ):
            return redirect("command_center:bodies")
    return render(
        request,
        "command_center/bodies.html",
        {
            "bodies": list(body_list(actor=actor)[:500]),
            "incidents": list(incident_list(actor=actor)[:200]),
            "may_command": may_command,
            "body_form": body_form,
            "incident_form": incident_form,
        },
        status=422 if request.method == "POST" else 200,
    )


@actor_required(*READ_ROLES)
def body_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One command body: its working groups, leaders and members; commanders add to them."""
    actor = actor_of(request)
    body = access_body(actor, code)
    may_command = actor.role in COMMAND_ROLES
    group_form = GroupForm(request.POST if "group" in request.POST else None)
    member_form = MemberForm(request.POST if "member" in request.POST else None)
    if request.method == "POST":
        if not may_command:
            raise PermissionDenied(_("Your role may not do this."), code="forbidden")
        if "group" in request.POST and _post_form(
            request,
            group_form,
            lambda d: working_group_create(actor=actor, body=body, kind=d["kind"], name=d["name"]),
            _("Working group set up."),
        ):
            return redirect("command_center:body", code=code)
        if "member" in request.POST and _post_form(
            request,
            member_form,
            lambda d: group_member_add(
                actor=actor,
                group=access_group(body, d["kind"]),
                username=d["username"],
                leader=d["leader"],
                duty=d["duty"],
            ),
            _("Member added."),
        ):
            return redirect("command_center:body", code=code)
    return render(
        request,
        "command_center/body.html",
        {
            "body": body,
            "groups": list(group_list(body=body)),
            "may_command": may_command,
            "group_form": group_form,
            "member_form": member_form,
        },
        status=422 if request.method == "POST" else 200,
    )


def _incident_page(
    request: HttpRequest, code: UUID, form: EscalateForm, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    incident = access_incident(actor, code)
    return render(
        request,
        "command_center/incident.html",
        {
            "incident": incident,
            "history": list(incident_history(incident=incident)),
            "may_escalate": actor.role in COMMAND_ROLES
            and incident.body.region_id != actor.region_id,
            "form": form,
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def incident_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One incident: the body commanding it and the history of its command."""
    return _incident_page(request, code, EscalateForm())


@require_POST
@actor_required(*COMMAND_ROLES)
def incident_escalate_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    incident = access_incident(actor, code, roles=COMMAND_ROLES)
    form = EscalateForm(request.POST)
    if _post_form(
        request,
        form,
        lambda d: incident_escalate(actor=actor, incident=incident, reason=d["reason"]),
        _("Command escalated."),
    ):
        return redirect("command_center:incident", code=code)
    return _incident_page(request, code, form, status=422)
