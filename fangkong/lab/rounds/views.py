"""Pages of rounds and what they are run with: the rounds in scope (and opening one, with the
points and samplers the rules suggest), closing a round, who works at which sampling point
and laboratory (managers add and take off staff), and exempting someone from a round (免检: a
grid worker at the door, or the command, records why a person on the not-yet-tested list is
not to be tested and until when, R14).

Views parse input, call ``access``/selectors/services and render; forms are in ``forms``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.accounts.access import access_user
from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, NotFound, ValidationFailed
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import (
    access_exemption,
    access_lab,
    access_point,
    access_round,
    require_role,
)
from fangkong.lab.choices import ExemptionReason, RoundKind
from fangkong.lab.models import ScreeningRound
from fangkong.lab.roles import (
    COVERAGE_WRITE_ROLES,
    MANAGE_ROLES,
    ROUND_LIST_ROLES,
    ROUND_VIEW_ROLES,
)
from fangkong.lab.rounds.forms import MAX_AREAS, ExemptionForm, RoundOpenForm
from fangkong.lab.rounds.selectors import exemptions_in_force, round_suggestion
from fangkong.lab.rounds.services import (
    exemption_grant,
    exemption_revoke,
    lab_staff_add,
    lab_staff_remove,
    point_staff_add,
    point_staff_remove,
    round_close,
    round_open,
)
from fangkong.lab.scope import lab_scope, point_scope, round_scope
from fangkong.people.access import access_person
from fangkong.people.models import Person
from fangkong.people.presentation import person_row
from fangkong.regions.access import access_region
from fangkong.regions.models import Region

STAFF_ROLES = tuple(sorted(MANAGE_ROLES))


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(COVERAGE_WRITE_ROLES))
def exemption_view(request: HttpRequest, code: str, person: str) -> HttpResponse:
    """The form, and on POST the exemption (audited by the service), back to the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=COVERAGE_WRITE_ROLES)
    subject = access_person(actor, person)
    initial = {"until": timezone.localdate(screening_round.deadline_at)}
    form = ExemptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exemption_grant(
                actor=actor,
                person=subject,
                reason=data["reason"],
                valid_until=data["until"],
                note=data["note"],
                screening_round=None if data["all_rounds"] else screening_round,
            )
        except ValidationFailed as exc:
            errors_on_form(form, exc)
            return render(
                request,
                "lab/exemption.html",
                _context(actor, screening_round, subject, form),
                status=422,
            )
        messages.success(
            request,
            _("%(name)s is exempt: %(reason)s.")
            % {"name": subject.name, "reason": ExemptionReason(data["reason"]).label},
        )
        return redirect("lab:round", code=screening_round.code)
    return render(
        request,
        "lab/exemption.html",
        _context(actor, screening_round, subject, form),
        status=422 if request.method == "POST" else 200,
    )


def _context(
    actor: Actor, screening_round: ScreeningRound, subject: Person, form: forms.Form
) -> dict[str, Any]:
    return {
        "round": screening_round,
        "person": person_row(actor, subject),
        "form": form,
        "in_force": exemptions_in_force(actor, person=subject),
    }


@require_http_methods(["POST"])
@actor_required(*sorted(COVERAGE_WRITE_ROLES))
def exemption_revoke_view(request: HttpRequest, code: str, exemption: str) -> HttpResponse:
    """End an exemption now (reason required, audited by the service), back to the person's
    exemption page of the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=COVERAGE_WRITE_ROLES)
    found = access_exemption(actor, exemption, roles=COVERAGE_WRITE_ROLES)
    try:
        exemption_revoke(actor=actor, exemption=found, reason=request.POST.get("reason", ""))
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The exemption is revoked."))
    return redirect("lab:round_exempt", code=screening_round.code, person=found.person.code)


def _parse_areas(actor: Actor, text: str) -> tuple[list[tuple[Region, str]], list[str]]:
    """Nodes and zones from the form's lines; errors name the line."""
    areas: list[tuple[Region, str]] = []
    errors: list[str] = []
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_AREAS:
        return [], [_("At most %(max)s areas.") % {"max": MAX_AREAS}]
    for number, parts in enumerate(lines, 1):
        try:
            region = access_region(actor, parts[0])
        except NotFound:
            errors.append(
                _("Line %(line)s: no jurisdiction %(code)s in your area.")
                % {"line": number, "code": parts[0][:20]}
            )
            continue
        areas.append((region, parts[1][:40] if len(parts) > 1 else "other"))
    return areas, errors


@require_http_methods(["GET", "POST"])
@actor_required(*ROUND_LIST_ROLES)
def rounds_view(request: HttpRequest) -> HttpResponse:
    """Rounds in scope; managers open a round here (``Preview`` shows the population and the
    suggested points and samplers first)."""
    actor = actor_of(request)
    can_open = actor.role in MANAGE_ROLES
    form = RoundOpenForm(request.POST or None) if can_open else None
    suggestion: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        require_role(actor, MANAGE_ROLES)
        assert form is not None
        if form.is_valid():
            areas, errors = _parse_areas(actor, form.cleaned_data["areas"])
            for error in errors:
                form.add_error("areas", error)
            if not errors and areas:
                suggestion = round_suggestion([region for region, _zone in areas])
                if "preview" not in request.POST:
                    try:
                        opened = round_open(
                            actor=actor,
                            name=form.cleaned_data["name"],
                            areas=areas,
                            kind=form.cleaned_data["kind"] or RoundKind.OUTBREAK,
                        )
                    except FangkongError as exc:
                        errors_on_form(form, exc)
                        status = exc.status
                    else:
                        messages.success(request, _("The round is open."))
                        return redirect("lab:round", code=opened.code)
        if form.errors and status == 200:
            status = 422
    rounds = paginate(round_scope(actor), page=_page(request.GET.get("page")))
    return render(
        request,
        "lab/rounds.html",
        {"rounds": rounds, "form": form, "can_open": can_open, "suggestion": suggestion},
        status=status,
    )


@require_http_methods(["POST"])
@actor_required(*sorted(MANAGE_ROLES & ROUND_VIEW_ROLES))
def round_close_view(request: HttpRequest, code: str) -> HttpResponse:
    """Close the round (reason required, audited by the service), back to the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=MANAGE_ROLES)
    try:
        round_close(
            actor=actor, screening_round=screening_round, reason=request.POST.get("reason", "")
        )
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The round is closed: no more screening tubes."))
    return redirect("lab:round", code=screening_round.code)


def _page(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*STAFF_ROLES)
def staff_view(request: HttpRequest) -> HttpResponse:
    """Points and labs in scope, a page of each, with their staff (four queries)."""
    actor = actor_of(request)
    points = paginate(
        point_scope(actor).prefetch_related("staff").order_by("region__path", "name", "id"),
        page=_page(request.GET.get("page")),
    )
    labs = paginate(
        lab_scope(actor).prefetch_related("staff").order_by("name", "id"),
        page=_page(request.GET.get("lab_page")),
    )
    return render(request, "lab/staff.html", {"points": points, "labs": labs})


def _staff_change(request: HttpRequest, *, added: bool, name: str) -> None:
    names = {"user": request.POST.get("username", "").strip(), "place": name}
    if added:
        messages.success(request, _("%(user)s now works at %(place)s.") % names)
    else:
        messages.success(request, _("%(user)s no longer works at %(place)s.") % names)


@require_http_methods(["POST"])
@actor_required(*STAFF_ROLES)
def point_staff_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add (``action=add``) or take off (``action=remove``) a user at a point."""
    actor = actor_of(request)
    point = access_point(actor, code, roles=MANAGE_ROLES)
    adding = request.POST.get("action") == "add"
    try:
        user = access_user(actor, request.POST.get("username", "").strip())
        change = point_staff_add if adding else point_staff_remove
        change(actor=actor, point=point, user=user)
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        _staff_change(request, added=adding, name=point.name)
    return redirect("lab:staff")


@require_http_methods(["POST"])
@actor_required(*STAFF_ROLES)
def lab_staff_view(request: HttpRequest, code: str) -> HttpResponse:
    """Add (``action=add``) or take off (``action=remove``) a user at a laboratory."""
    actor = actor_of(request)
    lab = access_lab(actor, code, roles=MANAGE_ROLES)
    adding = request.POST.get("action") == "add"
    try:
        user = access_user(actor, request.POST.get("username", "").strip())
        change = lab_staff_add if adding else lab_staff_remove
        change(actor=actor, lab=lab, user=user)
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        _staff_change(request, added=adding, name=lab.name)
    return redirect("lab:staff")


urlpatterns: list[URLPattern] = [
    path("rounds/", rounds_view, name="rounds"),
    path("rounds/<uuid:code>/close/", round_close_view, name="round_close"),
    path("rounds/<uuid:code>/exempt/<uuid:person>/", exemption_view, name="round_exempt"),
    path(
        "rounds/<uuid:code>/exemptions/<uuid:exemption>/revoke/",
        exemption_revoke_view,
        name="exemption_revoke",
    ),
    path("staff/", staff_view, name="staff"),
    path("staff/points/<uuid:code>/", point_staff_view, name="point_staff"),
    path("staff/labs/<uuid:code>/", lab_staff_view, name="lab_staff"),
]
