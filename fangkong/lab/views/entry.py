"""The screening section's entry: each role lands where its work is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from fangkong.accounts.choices import Role
from fangkong.lab.roles import ROUND_ROLES
from fangkong.web.decorators import actor_of, actor_required


@actor_required(*sorted(ROUND_ROLES))
def home_view(request: HttpRequest) -> HttpResponse:
    """Samplers go to their sampling page, lab technicians to their lab, everyone else to the
    rounds."""
    role = actor_of(request).role
    if role == Role.SAMPLER:
        return redirect("lab:sampling")
    if role == Role.LAB_TECHNICIAN:
        return redirect("lab:lab_home")
    return redirect("lab:rounds")
