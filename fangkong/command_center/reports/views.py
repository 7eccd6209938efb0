"""The daily-report page: a node's day rolled up from the units below (drill down by
clicking a unit), the filing form for the actor's own unit, corrections, and the DOCX."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.duty_forms import CorrectionForm, ReportForm
from fangkong.command_center.duty_roles import READ_ROLES, UNIT_ROLES
from fangkong.command_center.reports.access import access_report
from fangkong.command_center.reports.document import rollup_docx
from fangkong.command_center.reports.figures import FIGURES
from fangkong.command_center.reports.selectors import UnitReport, report_rollup
from fangkong.command_center.reports.services import report_correct, report_file
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.regions.access import access_region


def _day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        return timezone.localdate() - timedelta(days=1)


def _cells(unit: UnitReport) -> list[dict[str, Any]]:
    filled = unit.report.figures if unit.report else {}
    return [
        {
            "value": unit.figures.get(name) if unit.report else None,
            "filled": filled.get(name),
            "corrected": bool(unit.report) and filled.get(name) != unit.figures.get(name),
        }
        for name in FIGURES
    ]


def _page(
    request: HttpRequest,
    *,
    report_form: ReportForm | None = None,
    correction_form: CorrectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    region = access_region(actor, request.GET.get("region") or actor.region_code)
    day = _day(request)
    rollup = report_rollup(actor=actor, region=region, day=day)
    own_unit = region.pk == actor.region_id and actor.role in UNIT_ROLES
    correction_form = correction_form or CorrectionForm()
    correction_form.figure_choices([(k, str(v)) for k, v in FIGURES.items()])
    return render(
        request,
        "command_center/reports.html",
        {
            "rollup": rollup,
            "labels": list(FIGURES.values()),
            "own_cells": _cells(rollup.own),
            "rows": [(unit, _cells(unit)) for unit in rollup.children],
            "totals": [rollup.totals[name] for name in FIGURES],
            "corrections": [
                (FIGURES.get(c.figure, c.figure), c)
                for c in (rollup.own.report.corrections.all() if rollup.own.report else [])
            ],
            "may_file": own_unit and rollup.own.report is None,
            "may_correct": own_unit and rollup.own.report is not None,
            "report_form": report_form or ReportForm(initial={"day": day}),
            "correction_form": correction_form,
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def reports_view(request: HttpRequest) -> HttpResponse:
    """One node's daily report for a day (``?region=&day=``), with its units'."""
    return _page(request)


@require_POST
@actor_required(*UNIT_ROLES)
def report_file_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            report = report_file(
                actor=actor,
                region=access_region(actor, actor.region_code),
                day=form.cleaned_data["day"],
                zero=form.cleaned_data["zero"],
                notes=form.cleaned_data["notes"],
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Report filed."))
            return redirect(f"{reverse('command_center:reports')}?day={report.day.isoformat()}")
    return _page(request, report_form=form, status=422)


@require_POST
@actor_required(*UNIT_ROLES)
def report_correct_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    report = access_report(actor, code)
    form = CorrectionForm(request.POST)
    form.figure_choices([(k, str(v)) for k, v in FIGURES.items()])
    if form.is_valid():
        try:
            report_correct(actor=actor, report=report, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Correction saved."))
            return redirect(f"{reverse('command_center:reports')}?day={report.day.isoformat()}")
    return _page(request, correction_form=form, status=422)


@actor_required(*READ_ROLES)
def report_docx_view(request: HttpRequest) -> HttpResponse:
    """The roll-up of ``?region=&day=`` as a Word document."""
    actor = actor_of(request)
    region = access_region(actor, request.GET.get("region") or actor.region_code)
    rollup = report_rollup(actor=actor, region=region, day=_day(request))
    response = HttpResponse(
        rollup_docx(rollup),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="daily-report-{region.code}-{rollup.day.isoformat()}.docx"'
    )
    return response
