"""The only way an interface gets one request. Wrong role → 403; missing, malformed, out of
scope or (for a grid worker) not their household → the same 404."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from django.core import signing
from django.utils.translation import gettext as _

from fangkong.community.checks import require_role
from fangkong.community.models import ResidentLink, ResidentRequest
from fangkong.community.requests.selectors import request_scope
from fangkong.community.requests.services import LINK_MAX_AGE, LINK_SALT
from fangkong.community.roles import READ_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.people.models import Household


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


def access_resident_link(token: str) -> Household:
    """The household a link opens; a bad, expired or revoked link is 404 like any other."""
    try:
        key = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
        parsed = UUID(hex=str(key))
    except (signing.BadSignature, ValueError) as bad:
        raise NotFound(_("This link does not open a page."), code="link_not_found") from bad
    link = (
        ResidentLink.objects.select_related("household", "household__region")
        .filter(key=parsed, revoked=False)
        .first()
    )
    if link is None:
        raise NotFound(_("This link does not open a page."), code="link_not_found")
    return link.household
