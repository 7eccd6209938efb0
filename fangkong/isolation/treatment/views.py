"""Treatment pages: the clinician page (beds per site, patients with severity, Ct results and
discharge eligibility, the admission form), one patient with the forms that change them, and
the capacity and occupancy view across the actor's jurisdiction.

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form (``core.form_errors``); patients are shown through ``presentation``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.cases.access import access_case
from fangkong.core.actor import AnyActor
from fangkong.core.errors import FangkongError, NotFound, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate, paginate_list
from fangkong.isolation.models import Admission
from fangkong.isolation.treatment.access import (
    access_admission,
    access_bed,
    access_treatment_test,
)
from fangkong.isolation.treatment.forms import (
    AdmitForm,
    DischargeForm,
    LabTestForm,
    SeverityForm,
    TestAddForm,
    TestResultForm,
    TransferForm,
)
from fangkong.isolation.treatment.presentation import patient_rows
from fangkong.isolation.treatment.roles import (
    CAPACITY_ROLES,
    TREATMENT_READ_ROLES,
    TREATMENT_WRITE_ROLES,
)
from fangkong.isolation.treatment.selectors import (
    TREATMENT_KINDS,
    admission_list,
    admission_tests,
    capacity_report,
)
from fangkong.isolation.treatment.services import (
    admission_admit,
    admission_discharge,
    admission_severity_change,
    admission_transfer,
    treatment_test_add,
    treatment_test_result,
    treatment_test_to_lab,
)


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*TREATMENT_READ_ROLES)
def clinician_view(request: HttpRequest) -> HttpResponse:
    """Beds per treatment site (total, occupied, free), the admitted patients with severity,
    Ct results and discharge eligibility (each person shown is logged), and for clinicians the
    admission form (posted here)."""
    actor = actor_of(request)
    may_write = actor.role in TREATMENT_WRITE_ROLES
    form = AdmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("Your role may not admit patients."), code="forbidden")
        if form.is_valid():
            data = form.cleaned_data
            try:
                admission = admission_admit(
                    actor=actor,
                    case=access_case(actor, data["case"], roles=TREATMENT_WRITE_ROLES),
                    room=access_bed(
                        actor, data["facility"], data["room"], roles=TREATMENT_WRITE_ROLES
                    ),
                    isolated_since=data["isolated_since"],
                    reason=data["reason"],
                )
            except FangkongError as exc:
                if exc.status == 403:
                    raise
                errors_on_form(form, exc)
            else:
                messages.success(request, _("The patient was admitted."))
                return redirect("isolation:patient", code=admission.code)
    page = paginate(admission_list(actor=actor), page=_page_number(request), page_size=50)
    rows = patient_rows(actor, page.items, admission_tests(page.items))
    # the treatment sites of the jurisdiction: a province's few hundred at most (2–3 Fangcang
    # per province were required, R23's 19 cities had 33)
    sites = [s for s in capacity_report(actor=actor).sites if s.kind in TREATMENT_KINDS]
    return render(
        request,
        "isolation/treatment/clinician.html",
        {"page": page, "rows": rows, "sites": sites, "form": form, "may_write": may_write},
        status=422 if request.method == "POST" else 200,
    )


def _patient_page(
    request: HttpRequest, admission: Admission, *, failed: tuple[str, forms.Form] | None = None
) -> HttpResponse:
    actor = actor_of(request)
    row = patient_rows(actor, [admission], admission_tests([admission]))[0]
    forms_shown: dict[str, forms.Form] = {
        "severity": SeverityForm(),
        "transfer": TransferForm(),
        "lab_test": LabTestForm(),
        "test": TestAddForm(),
        "discharge": DischargeForm(),
    }
    if failed:
        forms_shown[failed[0]] = failed[1]
    return render(
        request,
        "isolation/treatment/patient.html",
        {
            "row": row,
            "forms": forms_shown,
            "may_write": actor.role in TREATMENT_WRITE_ROLES and row.status == "admitted",
        },
        status=422 if failed else 200,
    )


@actor_required(*TREATMENT_READ_ROLES)
def patient_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One patient: bed, severity, tests with Ct values, discharge eligibility and what
    blocks it (the person shown is logged)."""
    return _patient_page(request, access_admission(actor_of(request), code))


def _severity(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    admission_severity_change(actor=actor, admission=admission, **data)


def _transfer(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    room = access_bed(actor, data["facility"], data["room"], roles=TREATMENT_WRITE_ROLES)
    admission_transfer(actor=actor, admission=admission, room=room, reason=data["reason"])


def _test(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    treatment_test_add(actor=actor, admission=admission, sampled_at=data["sampled_at"])


def _lab_test(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    treatment_test_to_lab(actor=actor, admission=admission)


def _result(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    test = access_treatment_test(admission, data.pop("test"))
    treatment_test_result(actor=actor, test=test, **data)


def _discharge(actor: AnyActor, admission: Admission, data: dict[str, Any]) -> None:
    admission_discharge(actor=actor, admission=admission, reason=data["reason"])


Handler = Callable[[AnyActor, Admission, dict[str, Any]], None]
#: Each action of the patient page: its form, the step that calls the service, and the
#: message shown once it is done.
ACTIONS: dict[str, tuple[type[forms.Form], Handler, Promise]] = {
    "severity": (SeverityForm, _severity, gettext_lazy("Severity recorded.")),
    "transfer": (TransferForm, _transfer, gettext_lazy("The patient was transferred.")),
    "lab_test": (LabTestForm, _lab_test, gettext_lazy("The lab was asked for a test.")),
    "test": (TestAddForm, _test, gettext_lazy("Test recorded.")),
    "result": (TestResultForm, _result, gettext_lazy("Result recorded.")),
    "discharge": (DischargeForm, _discharge, gettext_lazy("The patient was discharged.")),
}


@require_POST
@actor_required(*TREATMENT_WRITE_ROLES)
def patient_action_view(request: HttpRequest, code: UUID, action: str) -> HttpResponse:
    """One change to a patient (severity, transfer, test, result, discharge) through its
    service; a refusal shows on the form with status 422."""
    actor = actor_of(request)
    admission = access_admission(actor, code, roles=TREATMENT_WRITE_ROLES)
    if action not in ACTIONS:
        raise NotFound(_("Not found."), code="not_found")
    form_class, handler, done = ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        try:
            handler(actor, admission, dict(form.cleaned_data))
        except FangkongError as exc:
            if exc.status in (403, 404) and exc.code != "room_not_found":
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, str(done))
            return redirect("isolation:patient", code=admission.code)
    admission.refresh_from_db()
    return _patient_page(request, admission, failed=(action, form))


@actor_required(*CAPACITY_ROLES)
def capacity_view(request: HttpRequest) -> HttpResponse:
    """Rooms and beds total, occupied and free per site and per district across the actor's
    jurisdiction, counted live from the database."""
    report = capacity_report(actor=actor_of(request))
    page = paginate_list(report.sites, page=_page_number(request), page_size=100)
    return render(request, "isolation/treatment/capacity.html", {"report": report, "page": page})
