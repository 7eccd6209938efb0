"""Pages of the screening chain about people on their own schedules: key groups and who is
overdue (R15), arrivals owed a landing test (落地检), antigen results (R16) and lab alerts
(R13, R30).

Each page is a list with its forms. Forms post back to the page, which calls the service and
redirects (POST-redirect-GET); creates carry a hidden idempotency key, so a double submit
writes once. Reads go through ``fangkong.lab.obligations.selectors``; persons through
``access_person``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangkong.accounts.access import access_user
from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.pages import actor_required
from fangkong.lab.access import require_role
from fangkong.lab.choices import AlertKind, AlertStatus, AntigenResult, AntigenSource
from fangkong.lab.obligations import services
from fangkong.lab.obligations.selectors import (
    ArrivalFilter,
    antigen_list,
    arrival_list,
    key_group_name,
    key_group_overdue_list,
)
from fangkong.lab.results import alerts as alert_services
from fangkong.lab.results.access import access_alert
from fangkong.lab.results.selectors import alert_list
from fangkong.lab.roles import (
    ALERT_READ_ROLES,
    ALERT_WRITE_ROLES,
    ANTIGEN_READ_ROLES,
    ANTIGEN_ROLES,
    COVERAGE_ROLES,
    COVERAGE_WRITE_ROLES,
)
from fangkong.people.access import access_person
from fangkong.people.models import Person
from fangkong.policy.selectors import rules_for_path

PURPOSE = AccessPurpose.SCREENING.value
_BLANK: list[tuple[str, str]] = [("", "—")]
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --------------------------------------------------------------------------- forms


class _KeyedForm(forms.Form):
    """A create form with a hidden idempotency key, fresh on every unbound form."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


def _person_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Person code"),
        max_length=45,
        help_text=gettext_lazy("The code shown on the person's page."),
    )


class KeyGroupAssignForm(_KeyedForm):
    person = _person_field()
    group = forms.ChoiceField(label=gettext_lazy("Key group"), choices=())
    since = forms.DateField(label=gettext_lazy("From"), widget=_DATE)
    until = forms.DateField(label=gettext_lazy("Until (inclusive)"), required=False, widget=_DATE)

    def __init__(self, *args: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["since"] = timezone.localdate()


class KeyGroupRemoveForm(forms.Form):
    person = forms.CharField(widget=forms.HiddenInput, max_length=45)
    group = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)


class KeyGroupFilterForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("Key group"), required=False, choices=())
    all = forms.BooleanField(
        label=gettext_lazy("Everyone in force, not only overdue"), required=False
    )

    def __init__(self, *args: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = _BLANK + groups  # type: ignore[attr-defined]


class ArrivalForm(_KeyedForm):
    person = _person_field()
    arrived_at = forms.DateTimeField(
        label=gettext_lazy("Arrived at"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    origin = forms.CharField(label=gettext_lazy("Coming from"), max_length=120)


class ArrivalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Landing test"),
        required=False,
        choices=[
            (ArrivalFilter.ALL, gettext_lazy("All")),
            (ArrivalFilter.UNTESTED, gettext_lazy("Not yet tested")),
            (ArrivalFilter.OVERDUE, gettext_lazy("Overdue")),
            (ArrivalFilter.TESTED, gettext_lazy("Tested")),
        ],
    )


class AntigenForm(_KeyedForm):
    person = _person_field()
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=AntigenSource.choices)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=AntigenResult.choices)
    tested_at = forms.DateTimeField(
        label=gettext_lazy("Tested at"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    kit_serial = forms.CharField(label=gettext_lazy("Kit serial"), max_length=64, required=False)
    symptomatic = forms.BooleanField(
        label=gettext_lazy("Respiratory or fever symptoms"),
        required=False,
        help_text=gettext_lazy("A negative result then still needs a PCR test."),
    )


class AlertAssignForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=20)
    barcode = forms.CharField(widget=forms.HiddenInput, max_length=32)
    username = forms.CharField(label=gettext_lazy("Owner (user name)"), max_length=150)


class AlertCloseForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=20)
    barcode = forms.CharField(widget=forms.HiddenInput, max_length=32)
    reason = forms.CharField(label=gettext_lazy("Closing reason"), max_length=255)


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=_BLANK + list(AlertStatus.choices)
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=_BLANK + list(AlertKind.choices)
    )


# --------------------------------------------------------------------------- helpers


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def _query_string(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _add_errors(form: forms.Form, exc: FangkongError) -> None:
    """A service error on the form: field errors on their fields where the form has them,
    the others with their row and label (``core.form_errors``)."""
    if not exc.detail.get("errors") and exc.code == "person_not_found":
        form.add_error("person", exc.message)
        return
    errors_on_form(form, exc)


def _submit(
    request: HttpRequest,
    form: forms.Form,
    *,
    operation: str,
    write: Callable[[dict[str, Any]], object],
    done: str,
) -> int | None:
    """Validate ``form`` and run ``write`` with its data once per idempotency key. ``None``
    on success (a message is queued); otherwise the status to render the page with."""
    if not form.is_valid():
        return 422
    data = form.cleaned_data

    def run() -> tuple[int, dict[str, Any]]:
        write(data)
        return 200, {}

    payload = {key: value for key, value in data.items() if key != "idempotency_key"}
    try:
        run_idempotent(
            actor=actor_of(request),
            key=data.get("idempotency_key") or None,
            operation=operation,
            payload=payload,
            write=run,
        )
    except FangkongError as exc:
        _add_errors(form, exc)
        return exc.status
    messages.success(request, done)
    return None


def _person(actor: Actor, code: str) -> Person:
    return access_person(actor, code.strip(), purpose=PURPOSE)


# --------------------------------------------------------------------------- key groups


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(COVERAGE_ROLES))
def keygroups_view(request: HttpRequest) -> HttpResponse:
    """Key-group members overdue for their test (PCR, or antigen where the group's rule allows
    it; or all in force), the form to put a person in a group, and a remove form on each
    row."""
    actor = actor_of(request)
    rules = rules_for_path(actor.region_path, timezone.localdate())
    groups = [
        (code, key_group_name(schedule)) for code, schedule in rules.parameters.key_groups.items()
    ]
    assign = KeyGroupAssignForm(
        request.POST if request.POST.get("action") == "assign" else None, groups=groups
    )
    remove = KeyGroupRemoveForm(request.POST if request.POST.get("action") == "remove" else None)
    status = 200
    if request.method == "POST":
        require_role(actor, COVERAGE_WRITE_ROLES)
        if request.POST.get("action") == "remove":
            outcome = _submit(
                request,
                remove,
                operation="key_group_remove_page",
                write=lambda data: services.key_group_remove(
                    actor=actor,
                    person=_person(actor, data["person"]),
                    group=data["group"],
                    reason=data["reason"],
                ),
                done=_("Taken out of the key group."),
            )
        else:
            outcome = _submit(
                request,
                assign,
                operation="key_group_assign_page",
                write=lambda data: services.key_group_assign(
                    actor=actor,
                    person=_person(actor, data["person"]),
                    group=data["group"],
                    since=data["since"],
                    until=data["until"],
                ),
                done=_("Put in the key group."),
            )
        if outcome is None:
            return redirect(request.get_full_path())
        status = outcome
    filters = KeyGroupFilterForm(request.GET or None, groups=groups)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    listed = key_group_overdue_list(
        actor=actor,
        group=chosen.get("group", ""),
        overdue_only=not chosen.get("all"),
        page=_int(request.GET.get("page"), 1),
    )
    return render(
        request,
        "lab/keygroups.html",
        {
            "listed": listed,
            "page": listed.page,
            "filters": filters,
            "assign": assign,
            "remove_failed": remove if remove.is_bound else None,
            "query": _query_string(request),
            "can_write": actor.role in COVERAGE_WRITE_ROLES,
        },
        status=status,
    )


# --------------------------------------------------------------------------- arrivals


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(COVERAGE_ROLES))
def arrivals_view(request: HttpRequest) -> HttpResponse:
    """Arrivals with their landing test (tested, not yet, overdue) and the register form."""
    actor = actor_of(request)
    form = ArrivalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_role(actor, COVERAGE_WRITE_ROLES)
        outcome = _submit(
            request,
            form,
            operation="arrival_register_page",
            write=lambda data: services.arrival_register(
                actor=actor,
                person=_person(actor, data["person"]),
                arrived_at=data["arrived_at"],
                origin=data["origin"],
            ),
            done=_("Arrival registered; the landing test is due within 24 hours."),
        )
        if outcome is None:
            return redirect(request.get_full_path())
        status = outcome
    filters = ArrivalFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page, rows = arrival_list(
        actor=actor, status=chosen.get("status", ""), page=_int(request.GET.get("page"), 1)
    )
    return render(
        request,
        "lab/arrivals.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "form": form,
            "query": _query_string(request),
            "can_write": actor.role in COVERAGE_WRITE_ROLES,
        },
        status=status,
    )


# --------------------------------------------------------------------------- antigen


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(ANTIGEN_READ_ROLES))
def antigen_view(request: HttpRequest) -> HttpResponse:
    """Antigen results in scope (``?person=`` for one person) and the form to record one. A
    positive result, or a negative of a suspected person, opens a PCR task; PCR results are
    not touched."""
    actor = actor_of(request)
    form = AntigenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_role(actor, ANTIGEN_ROLES)
        outcome = _submit(
            request,
            form,
            operation="antigen_record_page",
            write=lambda data: services.antigen_record(
                actor=actor,
                person=_person(actor, data["person"]),
                source=data["source"],
                result=data["result"],
                tested_at=data["tested_at"],
                kit_serial=data["kit_serial"],
                symptomatic=data["symptomatic"],
            ),
            done=_("Antigen result recorded."),
        )
        if outcome is None:
            return redirect(request.get_full_path())
        status = outcome
    code = request.GET.get("person", "").strip()
    person = _person(actor, code) if code else None
    page = antigen_list(actor=actor, person=person, page=_int(request.GET.get("page"), 1))
    return render(
        request,
        "lab/antigen.html",
        {
            "page": page,
            "person": person,
            "form": form,
            "query": _query_string(request),
            "can_write": actor.role in ANTIGEN_ROLES,
        },
        status=status,
    )


# --------------------------------------------------------------------------- alerts


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(ALERT_READ_ROLES))
def alerts_view(request: HttpRequest) -> HttpResponse:
    """Lab alerts in scope (open ones by default) with assign and close forms on each."""
    actor = actor_of(request)
    action = request.POST.get("action", "")
    failed: forms.Form | None = None
    status = 200
    if request.method == "POST":
        require_role(actor, ALERT_WRITE_ROLES)
        failed = (
            AlertAssignForm(request.POST) if action == "assign" else AlertCloseForm(request.POST)
        )

        def write(data: dict[str, Any]) -> None:
            alert = access_alert(actor, data["kind"], data["barcode"], roles=ALERT_WRITE_ROLES)
            if action == "assign":
                alert_services.alert_assign(
                    actor=actor, alert=alert, owner=access_user(actor, data["username"].strip())
                )
            else:
                alert_services.alert_close(actor=actor, alert=alert, reason=data["reason"])

        outcome = _submit(
            request,
            failed,
            operation=f"alert_{'assign' if action == 'assign' else 'close'}_page",
            write=write,
            done=_("Owner set.") if action == "assign" else _("Alert closed."),
        )
        if outcome is None:
            return redirect(request.get_full_path())
        status = outcome
    filters = AlertFilterForm(request.GET or {"status": AlertStatus.OPEN})
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = alert_list(
        actor=actor,
        status=chosen.get("status", ""),
        kind=chosen.get("kind", ""),
        page=_int(request.GET.get("page"), 1),
    )
    return render(
        request,
        "lab/alerts.html",
        {
            "page": page,
            "filters": filters,
            "failed": failed,
            "query": _query_string(request),
            "can_write": actor.role in ALERT_WRITE_ROLES,
        },
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("key-groups/", keygroups_view, name="keygroups"),
    path("arrivals/", arrivals_view, name="arrivals"),
    path("antigen/", antigen_view, name="antigen"),
    path("alerts/", alerts_view, name="alerts"),
]
