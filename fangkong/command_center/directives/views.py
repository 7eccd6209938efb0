"""Directive pages: the list with the issue form (commanders), and one directive with each
unit's row and, for the actor's own unit, the forms to acknowledge, report progress and
complete with evidence."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.directives.access import access_assignment, access_directive
from fangkong.command_center.directives.selectors import (
    assignment_list,
    child_units,
    directive_list,
)
from fangkong.command_center.directives.services import (
    DirectiveInput,
    directive_acknowledge,
    directive_complete,
    directive_issue,
    directive_progress,
)
from fangkong.command_center.duty_forms import DirectiveForm, EvidenceForm, NoteForm, page_number
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES, UNIT_ROLES
from fangkong.core.errors import FangkongError, NotFound, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate

#: The answers a unit gives on the directive page.
STEPS = frozenset({"acknowledge", "progress", "complete"})


@actor_required(*READ_ROLES)
def directives_view(request: HttpRequest) -> HttpResponse:
    """Directives in scope with their units' progress; commanders send new ones here."""
    actor = actor_of(request)
    may_issue = actor.role in COMMAND_ROLES
    units = list(child_units(actor=actor))
    form = DirectiveForm(request.POST if request.method == "POST" else None)
    form.unit_choices([(u.code, u.name) for u in units])
    if request.method == "POST":
        if not may_issue:
            raise PermissionDenied(_("Your role may not send directives."), code="forbidden")
        if form.is_valid():
            by_code = {u.code: u for u in units}
            try:
                directive = directive_issue(
                    actor=actor,
                    data=DirectiveInput(
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                        deadline=form.cleaned_data["deadline"],
                    ),
                    units=[by_code[code] for code in form.cleaned_data["units"]],
                )
            except FangkongError as exc:
                if exc.status == 403:
                    raise
                errors_on_form(form, exc)
            else:
                messages.success(request, _("Directive sent."))
                return redirect("command_center:directive", code=directive.code)
    page = paginate(directive_list(actor=actor), page=page_number(request), page_size=50)
    return render(
        request,
        "command_center/directives.html",
        {"page": page, "form": form, "may_issue": may_issue and bool(units), "now": timezone.now()},
        status=422 if request.method == "POST" else 200,
    )


def _directive_page(
    request: HttpRequest,
    code: UUID,
    *,
    note_form: NoteForm | None = None,
    evidence_form: EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    directive = access_directive(actor, code)
    rows = list(assignment_list(actor=actor, directive=directive))
    own = next((r for r in rows if r.region_id == actor.region_id), None)
    return render(
        request,
        "command_center/directive.html",
        {
            "directive": directive,
            "rows": rows,
            "own": own if actor.role in UNIT_ROLES else None,
            "note_form": note_form or NoteForm(),
            "evidence_form": evidence_form or EvidenceForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def directive_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One directive: every unit the actor may see, acknowledged, in progress, done, late,
    escalated."""
    return _directive_page(request, code)


@require_POST
@actor_required(*UNIT_ROLES)
def directive_answer_view(request: HttpRequest, code: UUID, step: str) -> HttpResponse:
    """The actor's own unit acknowledges, reports progress or completes (``step``)."""
    if step not in STEPS:
        raise NotFound(_("No such page."), code="not_found")
    actor = actor_of(request)
    directive = access_directive(actor, code, roles=UNIT_ROLES)
    row = access_assignment(actor, directive, actor.region_code)
    note_form = NoteForm(request.POST) if step == "progress" else None
    evidence_form = EvidenceForm(request.POST, request.FILES) if step == "complete" else None
    try:
        if step == "acknowledge":
            directive_acknowledge(actor=actor, assignment=row)
        elif note_form is not None and note_form.is_valid():
            directive_progress(actor=actor, assignment=row, note=note_form.cleaned_data["note"])
        elif evidence_form is not None and evidence_form.is_valid():
            directive_complete(
                actor=actor,
                assignment=row,
                evidence=evidence_form.cleaned_data["evidence"],
                evidence_file=evidence_form.cleaned_data["evidence_file"],
            )
        else:
            return _directive_page(
                request, code, note_form=note_form, evidence_form=evidence_form, status=422
            )
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        for form in (note_form, evidence_form):
            if form is not None:
                errors_on_form(form, exc)
        if note_form is None and evidence_form is None:
            messages.error(request, exc.message)
            return redirect("command_center:directive", code=code)
        return _directive_page(
            request, code, note_form=note_form, evidence_form=evidence_form, status=422
        )
    messages.success(request, _("Saved."))
    return redirect("command_center:directive", code=code)
