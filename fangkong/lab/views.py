"""The screening section's entry: each role lands where its work is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from fangkong.accounts.choices import Role
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.lab.roles import LAB_ROLES, ROUND_LIST_ROLES, SAMPLING_ROLES

#: The roles with a screening page to land on. A transfer dispatcher hands packages over
#: through the API (``POST /lab/packages/{code}/handover``) and has no page here, so the
#: section is not in their menu rather than a link to a refusal.
HOME_ROLES = frozenset(ROUND_LIST_ROLES) | SAMPLING_ROLES | LAB_ROLES


@actor_required(*sorted(HOME_ROLES))
def home_view(request: HttpRequest) -> HttpResponse:
    """Samplers go to their sampling page, lab technicians to their lab, everyone else to the
    rounds."""
    role = actor_of(request).role
    if role == Role.SAMPLER:
        return redirect("lab:sampling")
    if role == Role.LAB_TECHNICIAN:
        return redirect("lab:lab_home")
    return redirect("lab:rounds")
