"""Case pages: the list, a case (person summary, timers with countdowns, history, the governed
forms) and the investigation page, built for entering a trajectory fast (one row at a time,
sent with Enter, added in place by htmx, the cursor back in the first field).

Views parse input, call ``access``/``selectors``/``services`` and render; reads of persons go
through ``presentation`` (which logs them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.cases import presentation
from fangkong.cases.access import access_alert, access_case, access_visit
from fangkong.cases.choices import (
    AlertState,
    CaseClassification,
    InvestigationStep,
    VisitSource,
)
from fangkong.cases.forms import (
    CaseFilterForm,
    ClassifyForm,
    ClinicalForm,
    ExposureForm,
    ReasonForm,
    VisitForm,
    aware,
)
from fangkong.cases.roles import (
    ALERT_ROLES,
    CASE_IMPORT_ROLES,
    CASE_READ_ROLES,
    CLASSIFY_ROLES,
    CLINICAL_ROLES,
    INVESTIGATION_ROLES,
)
from fangkong.cases.selectors import (
    CaseFilter,
    alert_list,
    case_events,
    case_exposures,
    case_list,
    case_risk_areas,
    case_visits,
)
from fangkong.cases.services import cases as services
from fangkong.cases.services import investigation
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.policy.rules import risk_level_name
from fangkong.policy.selectors import rules_for
from fangkong.risk_areas.roles import READ_ROLES as RISK_AREA_READ_ROLES

READERS = tuple(sorted(CASE_READ_ROLES))
POSITIVE_CLASSES = (CaseClassification.CONFIRMED, CaseClassification.ASYMPTOMATIC)
INVESTIGATORS = tuple(sorted(INVESTIGATION_ROLES))


def _page_number(request: HttpRequest, param: str = "page") -> int:
    try:
        return max(1, min(int(request.GET.get(param, "1")), 100_000))
    except ValueError:
        return 1


@actor_required(*READERS)
def list_view(request: HttpRequest) -> HttpResponse:
    """The cases of the actor's jurisdiction (filters: classification, only overdue), and the
    open timer alerts."""
    actor = actor_of(request)
    form = CaseFilterForm(request.GET or None)
    filters = CaseFilter()
    if form.is_valid():
        filters = CaseFilter(
            classification=form.cleaned_data["classification"],
            overdue=form.cleaned_data["overdue"],
        )
    page = case_list(
        actor=actor,
        filters=filters,
        page=_page_number(request),
        page_size=50,
        after=request.GET.get("after"),
    )
    rows = presentation.case_rows(actor, page.items)
    alerts = alert_list(actor=actor, state=AlertState.OPEN, page=1, page_size=20)
    query = urlencode(
        {
            k: v
            for k, v in (
                ("classification", filters.classification),
                ("overdue", "on" if filters.overdue else ""),
            )
            if v
        }
    )
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page.with_items(rows),
            "alerts": alerts,
            "query": query,
            "can_import": actor.role in CASE_IMPORT_ROLES,
        },
    )


def _areas_named(case: Any) -> list[tuple[Any, str]]:
    """The open risk areas of the case's residence with their level's name (the rules in
    force at the area's node; an earlier edition's level shows its code)."""
    language = get_language() or "en"
    return [
        (
            area,
            risk_level_name(
                rules_for(area.region, timezone.localdate()), area.level, language=language
            ),
        )
        for area in case_risk_areas(case)
    ]


def _case_context(request: HttpRequest, case: Any, **forms: Any) -> dict[str, Any]:
    actor = actor_of(request)
    card = presentation.case_card(actor, case)
    events = case_events(case, page=_page_number(request), page_size=50)
    return {
        "case": card,
        "events": events.with_items(presentation.event_rows(events.items)),
        "classify_form": forms.get("classify_form")
        or ClassifyForm(initial={"onset_date": case.onset_date}),
        "clinical_form": forms.get("clinical_form")
        or ClinicalForm(
            initial={
                "severity": case.severity,
                "treatment": case.treatment,
                "outcome": case.outcome,
            }
        ),
        "can_classify": actor.role in CLASSIFY_ROLES and card.closed_at is None,
        "can_clinical": actor.role in CLINICAL_ROLES and card.closed_at is None,
        "can_investigate": actor.role in INVESTIGATION_ROLES and card.closed_at is None,
        "steps": InvestigationStep,
        "now": timezone.now(),
        "risk_areas": _areas_named(case),
        "may_see_areas": actor.role in RISK_AREA_READ_ROLES,
        "home_isolation_url": _home_isolation_url(actor.role, card),
    }


def _home_isolation_url(role: str, card: Any) -> str:
    """The isolation page that allows an open positive case home isolation, for the roles
    that page's guard admits; empty otherwise. By URL name: ``cases`` imports nothing of
    ``isolation``."""
    if card.closed_at is not None or card.classification not in POSITIVE_CLASSES:
        return ""
    url = reverse("isolation:home_isolation", args=[card.code])
    return url if role in getattr(resolve(url).func, "allowed_roles", ()) else ""


@actor_required(*READERS)
def detail_view(request: HttpRequest, code: str) -> HttpResponse:
    """One case: the person, the timers counting down, the tubes, the history, the forms."""
    case = access_case(actor_of(request), code)
    return render(request, "cases/detail.html", _case_context(request, case))


@require_POST
@actor_required(*sorted(CLASSIFY_ROLES))
def classify_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code)
    form = ClassifyForm(request.POST)
    if form.is_valid():
        try:
            services.case_classify(
                actor=actor,
                case=case,
                classification=form.cleaned_data["classification"],
                reason=form.cleaned_data["reason"],
                onset_date=form.cleaned_data["onset_date"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The case is classified."))
            return redirect("cases:detail", code=case.code)
    case = access_case(actor, code)
    return render(
        request, "cases/detail.html", _case_context(request, case, classify_form=form), status=422
    )


@require_POST
@actor_required(*sorted(CLINICAL_ROLES))
def clinical_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code)
    form = ClinicalForm(request.POST)
    if form.is_valid():
        try:
            services.case_clinical_update(
                actor=actor,
                case=case,
                reason=form.cleaned_data["reason"],
                severity=form.cleaned_data["severity"],
                treatment=form.cleaned_data["treatment"],
                outcome=form.cleaned_data["outcome"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The case is updated."))
            return redirect("cases:detail", code=case.code)
    case = access_case(actor, code)
    return render(
        request, "cases/detail.html", _case_context(request, case, clinical_form=form), status=422
    )


@require_POST
@actor_required(*INVESTIGATORS)
def take_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    services.case_take(actor=actor, case=access_case(actor, code))
    messages.success(request, _("You investigate this case."))
    return redirect("cases:detail", code=code)


@require_POST
@actor_required(*INVESTIGATORS)
def step_view(request: HttpRequest, code: str, step: str) -> HttpResponse:
    actor = actor_of(request)
    investigation.investigation_step_complete(actor=actor, case=access_case(actor, code), step=step)
    messages.success(request, _("The step is recorded as done."))
    back = "cases:investigation" if request.POST.get("next") == "investigation" else "cases:detail"
    return redirect(back, code=code)


@require_POST
@actor_required(*sorted(ALERT_ROLES))
def alert_view(request: HttpRequest, code: str, to: str) -> HttpResponse:
    actor = actor_of(request)
    alert = access_alert(actor, code)
    investigation.case_alert_handle(
        actor=actor, alert=alert, to=to, note=request.POST.get("note", "")
    )
    return redirect("cases:detail", code=alert.case.code)


def _investigation_context(request: HttpRequest, case: Any, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    visits = case_visits(case, page=_page_number(request), page_size=200)
    exposures = case_exposures(case, page=_page_number(request, "exposures_page"), page_size=50)
    card = presentation.case_card(actor, case)
    return {
        "case": card,
        "visits": visits.with_items(presentation.visit_rows(actor, case, visits.items)),
        "exposures": exposures.with_items(presentation.exposure_rows(actor, case, exposures.items)),
        "visit_form": extra.get("visit_form")
        or VisitForm(initial={"source": VisitSource.INTERVIEW}),
        "exposure_form": extra.get("exposure_form")
        or ExposureForm(initial={"exposed_on": timezone.localdate()}),
        "remove_form": ReasonForm(),
        "can_investigate": actor.role in INVESTIGATION_ROLES and card.closed_at is None,
        "steps": InvestigationStep,
    }


@actor_required(*READERS)
def investigation_view(request: HttpRequest, code: str) -> HttpResponse:
    """The investigation page: the trajectory (one keyboard row to add the next visit), the
    exposures and the step buttons."""
    case = access_case(actor_of(request), code)
    return render(request, "cases/investigation.html", _investigation_context(request, case))


@require_POST
@actor_required(*INVESTIGATORS)
def visit_add_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add one visit. From htmx: the new row and a fresh entry row (keeping the source and the
    end time as the next start, since visits follow each other); otherwise the page."""
    actor = actor_of(request)
    case = access_case(actor, code)
    form = VisitForm(request.POST)
    htmx = request.headers.get("HX-Request") == "true"
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit = investigation.trajectory_visit_add(
                actor=actor,
                case=case,
                place=data["place"],
                venue_code=data["venue_code"],
                started_at=aware(data["started_at"]),
                ended_at=aware(data["ended_at"]),
                source=data["source"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            if not htmx:
                return redirect("cases:investigation", code=case.code)
            (row,) = presentation.visit_rows(actor, case, [visit])
            fresh = VisitForm(
                initial={
                    "source": data["source"],
                    "started_at": data["ended_at"] or data["started_at"],
                }
            )
            return render(
                request,
                "cases/_visit_added.html",
                {
                    "row": row,
                    "visit_form": fresh,
                    "case": case,
                    "can_investigate": True,
                    "remove_form": ReasonForm(),
                },
            )
    if htmx:
        # htmx swaps only 2xx answers: the form with its errors replaces the entry row.
        answer = render(request, "cases/_visit_form.html", {"visit_form": form, "case": case})
        answer["HX-Retarget"] = "#visit-form"
        answer["HX-Reswap"] = "outerHTML"
        return answer
    return render(
        request,
        "cases/investigation.html",
        _investigation_context(request, case, visit_form=form),
        status=422,
    )


@require_POST
@actor_required(*INVESTIGATORS)
def visit_remove_view(request: HttpRequest, code: str, visit: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        investigation.trajectory_visit_remove(
            actor=actor, case=case, visit=access_visit(case, visit), reason=reason
        )
    except FangkongError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("cases:investigation", code=case.code)


@require_POST
@actor_required(*INVESTIGATORS)
def exposure_add_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code)
    form = ExposureForm(request.POST)
    if form.is_valid():
        try:
            investigation.exposure_add(
                actor=actor,
                case=case,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                exposed_on=form.cleaned_data["exposed_on"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            return redirect("cases:investigation", code=case.code)
    return render(
        request,
        "cases/investigation.html",
        _investigation_context(request, case, exposure_form=form),
        status=422,
    )
