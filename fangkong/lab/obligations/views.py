"""Pages of the screening chain about people on their own schedules: key groups and who is
overdue (R15), arrivals owed a landing test (落地检), antigen results (R16).

Each page is a list with its forms. Forms post back to the page, which calls the service and
redirects (POST-redirect-GET); creates carry a hidden idempotency key, so a double submit
writes once. Reads go through ``fangkong.lab.obligations.selectors``; persons through
``access_person``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import Actor
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.lab.access import require_role
from fangkong.lab.obligations import services
from fangkong.lab.obligations.forms import (
    AntigenForm,
    ArrivalFilterForm,
    ArrivalForm,
    KeyGroupAssignForm,
    KeyGroupFilterForm,
    KeyGroupRemoveForm,
)
from fangkong.lab.obligations.selectors import (
    antigen_list,
    arrival_list,
    key_group_name,
    key_group_overdue_list,
)
from fangkong.lab.pages import form_submit, page_number, query_without_page
from fangkong.lab.roles import (
    ANTIGEN_READ_ROLES,
    ANTIGEN_ROLES,
    COVERAGE_ROLES,
    COVERAGE_WRITE_ROLES,
)
from fangkong.people.access import access_person
from fangkong.people.models import Person
from fangkong.policy.selectors import rules_for_path

PURPOSE = AccessPurpose.SCREENING.value


# --------------------------------------------------------------------------- forms


# --------------------------------------------------------------------------- helpers


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
            outcome = form_submit(
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
            outcome = form_submit(
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
        page=page_number(request.GET.get("page"), 1),
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
            "query": query_without_page(request),
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
        outcome = form_submit(
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
        actor=actor, status=chosen.get("status", ""), page=page_number(request.GET.get("page"), 1)
    )
    return render(
        request,
        "lab/arrivals.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "form": form,
            "query": query_without_page(request),
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
        outcome = form_submit(
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
    page = antigen_list(actor=actor, person=person, page=page_number(request.GET.get("page"), 1))
    return render(
        request,
        "lab/antigen.html",
        {
            "page": page,
            "person": person,
            "form": form,
            "query": query_without_page(request),
            "can_write": actor.role in ANTIGEN_ROLES,
        },
        status=status,
    )


# --------------------------------------------------------------------------- alerts


urlpatterns: list[URLPattern] = [
    path("key-groups/", keygroups_view, name="keygroups"),
    path("arrivals/", arrivals_view, name="arrivals"),
    path("antigen/", antigen_view, name="antigen"),
]
