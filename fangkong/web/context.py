"""Template context every page gets: the actor, their memberships, navigation, demo flag."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from fangkong.web.navigation import nav_for


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        "memberships": getattr(request, "memberships", []),
        "nav": nav_for(actor.role if actor else None),
        "demo_mode": settings.DEMO_MODE,
    }
