"""Who works where: the sampling points and laboratories in scope with their staff, and for
managers adding and taking off a sampler or a technician (the same services as the API)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.accounts.access import access_user
from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import access_lab, access_point
from fangkong.lab.roles import MANAGE_ROLES
from fangkong.lab.rounds.services import (
    lab_staff_add,
    lab_staff_remove,
    point_staff_add,
    point_staff_remove,
)
from fangkong.lab.scope import lab_scope, point_scope

STAFF_ROLES = tuple(sorted(MANAGE_ROLES))


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
    path("staff/", staff_view, name="staff"),
    path("staff/points/<uuid:code>/", point_staff_view, name="point_staff"),
    path("staff/labs/<uuid:code>/", lab_staff_view, name="lab_staff"),
]
