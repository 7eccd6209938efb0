"""The "Find companions" button of the contacts tab."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.tracing.companions.services import companions_derive
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES


@require_POST
@actor_required(*sorted(CONTACT_DECIDE_ROLES))
def companions_derive_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    found = companions_derive(actor=actor, case=case)
    messages.success(
        request,
        _("%(count)d new spatiotemporal companions (%(rule_set)s).")
        % {"count": found.total_created, "rule_set": found.rule_set},
    )
    return redirect("tracing:contacts", code=case.code)
