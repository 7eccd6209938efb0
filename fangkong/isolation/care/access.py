"""The only way an interface gets one care request.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.isolation.care.roles import CARE_ROLES
from fangkong.isolation.care.selectors import care_scope
from fangkong.isolation.checks import require_role
from fangkong.isolation.models import CareRequest
from fangkong.people.access import parse_code


def access_care_request(
    actor: AnyActor, code: object, *, roles: Collection[str] = CARE_ROLES
) -> CareRequest:
    """The care request ``code`` in the actor's subtree, with its order, person and owner."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        care_scope(actor).select_related("order", "person", "owner").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such care request."), code="care_request_not_found")
    return found
