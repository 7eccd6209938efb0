"""``POST /api/v1/tracing/cases/{code}/companions/derive``: a case's spatiotemporal companions
(R20) as leads; counts only come back."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.schemas import WRITE_ERRORS
from fangkong.tracing.companions import services
from fangkong.tracing.contacts.api import DerivationOut
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES

router = Router(tags=["contacts"])


@router.post(
    "/cases/{code}/companions/derive",
    response={200: DerivationOut, **WRITE_ERRORS},
    summary="Derive a case's spatiotemporal companions",
)
def companions_derive(request: HttpRequest, code: str) -> dict[str, Any]:
    """More than the rule set's minutes in one 800 m cell with the case within its window:
    stored as spatiotemporal leads for lead lists, never a status change."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    found = services.companions_derive(actor=actor, case=case)
    return {
        "window_start": found.window_start,
        "rule_set": found.rule_set,
        "created": found.created,
        "already_linked": found.already_linked,
        "secondary_enabled": found.secondary_enabled,
    }
