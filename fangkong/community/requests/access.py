"""The only way an interface gets one request. Wrong role → 403; missing, malformed, out of
scope or (for a grid worker) not their household → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.community.checks import require_role
from fangkong.community.models import ResidentRequest
from fangkong.community.requests.selectors import request_scope
from fangkong.community.roles import READ_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_request(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> ResidentRequest:
    """The request ``code`` the actor may see."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = request_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such request."), code="request_not_found")
    return found
