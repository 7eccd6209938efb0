"""``POST /api/v1/tracing/cases/{code}/companions/derive``: a case's spatiotemporal companions
(R20) as leads; ``POST /api/v1/tracing/companions/derive``: many cases' in one pass over the
dwell store. Counts only come back."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from fangkong.cases.access import access_case
from fangkong.core.guards import actor_of
from fangkong.core.schemas import WRITE_ERRORS
from fangkong.tracing.companions import services
from fangkong.tracing.contacts.api import DerivationOut
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES
from fangkong.tracing.contacts.services import Derivation

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
    return _derivation_out(services.companions_derive(actor=actor, case=case))


def _derivation_out(found: Derivation) -> dict[str, Any]:
    return {
        "window_start": found.window_start,
        "rule_set": found.rule_set,
        "created": found.created,
        "already_linked": found.already_linked,
        "secondary_enabled": found.secondary_enabled,
    }


class CasesIn(Schema):
    cases: list[uuid.UUID] = Field(min_length=1, max_length=services.MAX_CASES_AT_ONCE)


class CompanionsBatchOut(Schema):
    derivations: dict[str, DerivationOut]
    skipped_closed: list[str]
    passes: int


@router.post(
    "/companions/derive",
    response={200: CompanionsBatchOut, **WRITE_ERRORS},
    summary="Derive many cases' spatiotemporal companions at once",
)
def companions_derive_batch(request: HttpRequest, payload: CasesIn) -> dict[str, Any]:
    """The same leads as one case at a time, from one pass over the dwell store per rule set
    among the cases. Any case outside the caller's subtree is 404 ``case_not_found`` and
    nothing is derived; closed cases are skipped and listed."""
    actor = actor_of(request)
    codes = dict.fromkeys(payload.cases)  # a code named twice is derived once
    cases = [access_case(actor, code, roles=CONTACT_DECIDE_ROLES) for code in codes]
    batch = services.companions_derive_many(actor=actor, cases=cases)
    return {
        "derivations": {code: _derivation_out(found) for code, found in batch.derivations.items()},
        "skipped_closed": batch.skipped_closed,
        "passes": batch.passes,
    }
