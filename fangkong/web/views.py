"""The shell's own pages: the overview and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.people.selectors import people_summary
from fangkong.regions.selectors import region_scope


@actor_required()
def home(request: HttpRequest) -> HttpResponse:
    """Real figures for the actor's subtree: nodes by level, residents, households, needs."""
    actor = actor_of(request)
    regions = region_scope(actor)
    return render(
        request,
        "web/home.html",
        {
            "root": regions.filter(path=actor.region_path).first(),
            "region_count": regions.count(),
            "summary": people_summary(actor=actor),
        },
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"error_code": "not_found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "web/error.html", {"error_code": "server_error"}, status=500)
