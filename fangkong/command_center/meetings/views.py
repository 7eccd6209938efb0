"""Dispatch-meeting pages: the list with the form to call one, and one meeting with its
video room, roll call, minutes, decisions and the directives it produced."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.directives.services import DirectiveInput, directive_issue
from fangkong.command_center.duty_forms import DirectiveForm, MeetingForm, MinutesForm
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.meetings.access import access_meeting
from fangkong.command_center.meetings.selectors import (
    attendance_list,
    meeting_directives,
    meeting_scope,
)
from fangkong.command_center.meetings.services import (
    meeting_record,
    meeting_roll_call,
    meeting_schedule,
)
from fangkong.core.errors import FangkongError, NotFound, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required


@actor_required(*READ_ROLES)
def meetings_view(request: HttpRequest) -> HttpResponse:
    """Dispatch meetings in scope; commanders call new ones here."""
    actor = actor_of(request)
    may_call = actor.role in COMMAND_ROLES
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_call:
            raise PermissionDenied(_("Your role may not call meetings."), code="forbidden")
        if form.is_valid():
            try:
                meeting = meeting_schedule(actor=actor, **form.cleaned_data)
            except FangkongError as exc:
                if exc.status == 403:
                    raise
                errors_on_form(form, exc)
            else:
                return redirect("command_center:meeting", code=meeting.code)
    return render(
        request,
        "command_center/meetings.html",
        {"meetings": list(meeting_scope(actor)[:200]), "form": form, "may_call": may_call},
        status=422 if request.method == "POST" else 200,
    )


def _meeting_page(
    request: HttpRequest,
    code: UUID,
    *,
    minutes_form: MinutesForm | None = None,
    directive_form: DirectiveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    meeting = access_meeting(actor, code)
    attendance = list(attendance_list(meeting=meeting))
    directive_form = directive_form or DirectiveForm()
    directive_form.unit_choices([(a.region.code, a.region.name) for a in attendance])
    return render(
        request,
        "command_center/meeting.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "directives": list(meeting_directives(meeting=meeting)),
            "may_keep": actor.role in COMMAND_ROLES and actor.region_id == meeting.region_id,
            "minutes_form": minutes_form
            or MinutesForm(initial={"minutes": meeting.minutes, "decisions": meeting.decisions}),
            "directive_form": directive_form,
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def meeting_view(request: HttpRequest, code: UUID) -> HttpResponse:
    return _meeting_page(request, code)


@require_POST
@actor_required(*COMMAND_ROLES)
def meeting_step_view(request: HttpRequest, code: UUID, step: str) -> HttpResponse:
    """``roll-call``, ``minutes`` or ``directive`` for the meeting the actor's node called."""
    if step not in ("roll-call", "minutes", "directive"):
        raise NotFound(_("No such page."), code="not_found")
    actor = actor_of(request)
    meeting = access_meeting(actor, code, roles=COMMAND_ROLES)
    if step == "roll-call":
        meeting_roll_call(actor=actor, meeting=meeting, present=request.POST.getlist("present"))
    elif step == "minutes":
        form = MinutesForm(request.POST)
        if not form.is_valid():
            return _meeting_page(request, code, minutes_form=form, status=422)
        meeting_record(actor=actor, meeting=meeting, **form.cleaned_data)
    else:
        attendance = {a.region.code: a.region for a in attendance_list(meeting=meeting)}
        directive_form = DirectiveForm(request.POST)
        directive_form.unit_choices([(c, r.name) for c, r in attendance.items()])
        if not directive_form.is_valid():
            return _meeting_page(request, code, directive_form=directive_form, status=422)
        data = directive_form.cleaned_data
        try:
            directive_issue(
                actor=actor,
                data=DirectiveInput(
                    title=data["title"], body=data["body"], deadline=data["deadline"]
                ),
                units=[attendance[c] for c in data["units"]],
                meeting=meeting,
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(directive_form, exc)
            return _meeting_page(request, code, directive_form=directive_form, status=422)
    messages.success(request, _("Saved."))
    return redirect("command_center:meeting", code=code)
