"""Supervision pages: inspections with the record form (inspectors), and one inspection
with its checklist, its findings, the finding form and each finding's next steps."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.duty_forms import FindingForm, InspectionForm, page_number
from fangkong.command_center.duty_roles import INSPECT_ROLES, READ_ROLES, UNIT_ROLES
from fangkong.command_center.supervision.access import access_finding, access_inspection
from fangkong.command_center.supervision.selectors import finding_list, inspection_list
from fangkong.command_center.supervision.services import (
    TRANSITIONS,
    UNIT_STEPS,
    InspectionInput,
    finding_record,
    finding_transition,
    inspection_record,
)
from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.regions.access import access_region


@actor_required(*READ_ROLES)
def inspections_view(request: HttpRequest) -> HttpResponse:
    """Inspections in scope with their findings closed; inspectors record new ones here."""
    actor = actor_of(request)
    may_record = actor.role in INSPECT_ROLES
    form = InspectionForm(
        request.POST if request.method == "POST" else None,
        initial={"on": timezone.localdate(), "method": "unannounced"},
    )
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied(_("Your role may not record inspections."), code="forbidden")
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "checklist"}
            try:
                inspection = inspection_record(
                    actor=actor, data=InspectionInput(**data, checklist=form.checklist_items())
                )
            except FangkongError as exc:
                if exc.status == 403:
                    raise
                errors_on_form(form, exc)
            else:
                messages.success(request, _("Inspection recorded."))
                return redirect("command_center:inspection", code=inspection.code)
    page = paginate(inspection_list(actor=actor), page=page_number(request), page_size=50)
    return render(
        request,
        "command_center/inspections.html",
        {"page": page, "form": form, "may_record": may_record},
        status=422 if request.method == "POST" else 200,
    )


def _inspection_page(
    request: HttpRequest, code: UUID, *, form: FindingForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    inspection = access_inspection(actor, code)
    inspector = actor.role in INSPECT_ROLES
    rows = []
    for finding in finding_list(actor=actor, inspection=inspection):
        steps = [
            to
            for to in TRANSITIONS[finding.status]
            if (
                (to in UNIT_STEPS and finding.status != "submitted")
                and actor.role in UNIT_ROLES
                and finding.region_id == actor.region_id
            )
            or (not (to in UNIT_STEPS and finding.status != "submitted") and inspector)
        ]
        rows.append((finding, sorted(steps)))
    return render(
        request,
        "command_center/inspection.html",
        {
            "inspection": inspection,
            "rows": rows,
            "may_find": inspector,
            "form": form or FindingForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def inspection_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One inspection: checklist, findings with their unit, deadline, status, escalation."""
    return _inspection_page(request, code)


@require_POST
@actor_required(*INSPECT_ROLES)
def finding_record_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    inspection = access_inspection(actor, code, roles=INSPECT_ROLES)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            finding_record(
                actor=actor,
                inspection=inspection,
                unit=access_region(actor, data.pop("unit")),
                **data,
            )
        except FangkongError as exc:
            if exc.status == 403:
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Finding recorded."))
            return redirect("command_center:inspection", code=code)
    return _inspection_page(request, code, form=form, status=422)


@require_POST
@actor_required(*READ_ROLES)
def finding_transition_view(request: HttpRequest, code: UUID, finding: UUID) -> HttpResponse:
    actor = actor_of(request)
    inspection = access_inspection(actor, code)
    row = access_finding(actor, inspection, finding)
    try:
        finding_transition(
            actor=actor,
            finding=row,
            to=str(request.POST.get("to") or ""),
            note=str(request.POST.get("note") or ""),
        )
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("command_center:inspection", code=code)
