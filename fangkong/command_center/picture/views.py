"""The command picture's pages: one node's picture (the actor's own by default), its figures
as JSON for the page's script to re-read, and a refresh of the figures on demand.

Views parse input, call ``access``/``selectors``/``services`` and render; a node outside the
actor's subtree is the same 404 as one that does not exist (``regions.access``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.picture.roles import PICTURE_REFRESH_ROLES, PICTURE_ROLES
from fangkong.command_center.picture.selectors import picture_get
from fangkong.command_center.picture.services import figures_refresh
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.regions.access import access_region
from fangkong.regions.selectors import region_breadcrumbs


def _render(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    region = access_region(actor, code)
    picture = picture_get(actor=actor, region=region)
    return render(
        request,
        "command_center/picture.html",
        {
            "picture": picture,
            "data": picture.as_json(),
            "crumbs": region_breadcrumbs(actor, region),
            "may_refresh": actor.role in PICTURE_REFRESH_ROLES,
        },
    )


@actor_required(*PICTURE_ROLES)
def picture_view(request: HttpRequest) -> HttpResponse:
    """The picture of the actor's own node."""
    return _render(request, actor_of(request).region_code)


@actor_required(*PICTURE_ROLES)
def picture_node_view(request: HttpRequest, code: str) -> HttpResponse:
    """The picture of a node in the actor's subtree (drill-down from the map)."""
    return _render(request, code)


@actor_required(*PICTURE_ROLES)
def picture_data_view(request: HttpRequest, code: str) -> JsonResponse:
    """The figures the page draws, re-read by its script to refresh itself."""
    actor = actor_of(request)
    region = access_region(actor, code)
    response = JsonResponse(picture_get(actor=actor, region=region).as_json())
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@actor_required(*PICTURE_REFRESH_ROLES)
def picture_refresh_view(request: HttpRequest, code: str) -> HttpResponse:
    """Recompute the figures now (the periodic job does it every few minutes)."""
    actor = actor_of(request)
    region = access_region(actor, code)
    figures_refresh(actor=actor)
    messages.success(request, _("The figures were recomputed."))
    return redirect("command_center:picture_node", code=region.code)
