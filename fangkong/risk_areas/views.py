"""Risk-area pages: the list with its filter and the designation form, and one area with its
lifting assessment, history, infections and the forms that change it.

Views parse input, call ``access``/``selectors``/``services`` and render; a service's refusal
shows on the form (``core.form_errors``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.people.access import parse_code
from fangkong.policy.choices import DesignationUnit
from fangkong.policy.rules import EffectiveRules, risk_level_name
from fangkong.policy.selectors import rules_for, rules_for_actor
from fangkong.regions.access import access_region
from fangkong.risk_areas import services
from fangkong.risk_areas.access import access_risk_area
from fangkong.risk_areas.forms import (
    ContactsForm,
    DesignateForm,
    FilterForm,
    InfectionForm,
    LevelForm,
    LiftForm,
)
from fangkong.risk_areas.models import AreaInfection, RiskArea
from fangkong.risk_areas.roles import READ_ROLES, WRITE_ROLES
from fangkong.risk_areas.selectors import (
    area_today,
    risk_area_events,
    risk_area_infections,
    risk_area_lifting_assess,
    risk_area_list,
)


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def _rules_here(actor: Actor) -> EffectiveRules | None:
    try:
        return rules_for_actor(actor, timezone.localdate())
    except FangkongError:
        return None


def _levels(rules: EffectiveRules | None) -> list[tuple[str, str]]:
    if rules is None:
        return []
    language = get_language() or "en"
    return [
        (level.code, risk_level_name(rules, level.code, language=language))
        for level in rules.parameters.risk_areas.levels
    ]


@actor_required(*READ_ROLES)
def list_view(request: HttpRequest) -> HttpResponse:
    """Areas in the actor's subtree, filtered by level and status, newest first; for the
    writing roles, the designation form (posted here)."""
    actor = actor_of(request)
    rules = _rules_here(actor)
    levels = _levels(rules)
    names = dict(levels)
    filters = FilterForm(request.GET or None, levels=levels)
    level = status = ""
    if filters.is_valid():
        level = filters.cleaned_data["level"]
        status = filters.cleaned_data["status"]
    may_write = actor.role in WRITE_ROLES
    enabled = rules is not None and rules.parameters.risk_areas.enabled
    form = DesignateForm(
        request.POST if request.method == "POST" else None,
        levels=levels,
        initial={"region": actor.region_code},
    )
    if request.method == "POST" and not may_write:
        raise PermissionDenied(_("Your role may not designate risk areas."), code="forbidden")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = access_region(actor, data.pop("region"))
        try:
            area = services.risk_area_designate(actor=actor, region=region, **data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Risk area designated."))
            return redirect("risk_areas:detail", code=area.code)
    page = paginate(
        risk_area_list(actor=actor, level=level, status=status),
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 50),
    )
    query = "&".join(
        f"{key}={value}" for key, value in (("level", level), ("status", status)) if value
    )
    return render(
        request,
        "risk_areas/list.html",
        {
            "page": page,
            "rows": [(area, names.get(area.level, area.level)) for area in page.items],
            "query": query,
            "filters": filters,
            "names": names,
            "form": form,
            "may_write": may_write,
            "enabled": enabled,
            "rules": rules,
        },
        status=422 if request.method == "POST" else 200,
    )


#: The page of the case an infection's reference names. A URL name, not an import: ``cases``
#: sits beside this app and imports it (docs/architecture.md), never the other way round.
CASE_PAGE = "cases:detail"


def _case_links(actor: Actor, infections: list[AreaInfection]) -> list[tuple[AreaInfection, str]]:
    """Each infection with the link to its case's page: only for the roles that page admits
    (the roles its guard records), and only where the reference is a case code (a report
    code entered by hand has no page). A case outside the actor's subtree answers 404 there,
    as a missing one does."""
    try:
        probe = resolve(reverse(CASE_PAGE, args=[UUID(int=0)])).func
    except NoReverseMatch:
        return [(infection, "") for infection in infections]
    roles: frozenset[str] = getattr(probe, "allowed_roles", frozenset())
    if roles and actor.role not in roles:
        return [(infection, "") for infection in infections]
    rows = []
    for infection in infections:
        code = parse_code(infection.reference)
        rows.append((infection, reverse(CASE_PAGE, args=[code]) if code else ""))
    return rows


def _area_context(actor: Actor, area: RiskArea, request: HttpRequest) -> dict[str, Any]:
    rules = rules_for(area.region, area_today(area.region))
    levels = _levels(rules)
    assessment = risk_area_lifting_assess(actor=actor, area=area)
    events = paginate(risk_area_events(area), page=_int(request.GET.get("page"), 1), page_size=50)
    infections = paginate(
        risk_area_infections(area), page=_int(request.GET.get("infections"), 1), page_size=50
    )
    names = dict(levels)
    return {
        "area": area,
        "unit": DesignationUnit(area.unit).label,
        "names": names,
        "level_name": names.get(area.level, ""),
        "target_name": names.get(assessment.target or "", ""),
        "assessment": assessment,
        "events": events,
        "infections": infections,
        "infection_rows": _case_links(actor, list(infections.items)),
        "may_write": actor.role in WRITE_ROLES and area.status == "designated",
        "level_form": LevelForm(levels=[item for item in levels if item[0] != area.level]),
        "lift_form": LiftForm(),
        "infection_form": InfectionForm(initial={"found_on": area_today(area.region)}),
        "contacts_form": ContactsForm(),
    }


@actor_required(*READ_ROLES)
def detail_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One area: where it stands against its lifting rule, its history and infections, and
    (for the writing roles) the forms to change its level, lift it, record an infection or
    the last close contact."""
    actor = actor_of(request)
    area = access_risk_area(actor, code)
    return render(
        request, "risk_areas/detail.html", _with_forms(_area_context(actor, area, request))
    )


@require_POST
@actor_required(*WRITE_ROLES)
def change_view(request: HttpRequest, code: UUID, action: str) -> HttpResponse:
    """One of the four changes, posted from the detail page; a refusal re-renders the page
    with the error on the form (422)."""
    actor = actor_of(request)
    area = access_risk_area(actor, code, roles=WRITE_ROLES)
    context = _area_context(actor, area, request)
    form: forms.Form
    if action == "level":
        form = LevelForm(request.POST, levels=list(context["names"].items()))
    elif action == "lift":
        form = LiftForm(request.POST)
    elif action == "infection":
        form = InfectionForm(request.POST)
    elif action == "contacts":
        form = ContactsForm(request.POST)
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "level":
                services.risk_area_level_set(actor=actor, area=area, **data)
            elif action == "lift":
                services.risk_area_lift(actor=actor, area=area, **data)
            elif action == "infection":
                services.area_infection_record(actor=actor, area=area, **data)
            else:
                services.risk_area_contacts_record(actor=actor, area=area, **data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("risk_areas:detail", code=area.code)
    context[f"{action}_form"] = form
    return render(request, "risk_areas/detail.html", _with_forms(context), status=422)


def _with_forms(context: dict[str, Any]) -> dict[str, Any]:
    """The four change forms in the order the page shows them."""
    context["change_forms"] = [
        (_("Lift or step down"), "lift", context["lift_form"], _("Lift")),
        (_("Record an infection"), "infection", context["infection_form"], _("Record")),
        (_("Set the level"), "level", context["level_form"], _("Set level")),
        (_("Record the last close contact"), "contacts", context["contacts_form"], _("Record")),
    ]
    return context
