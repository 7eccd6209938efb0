"""The only way an interface gets one restriction. Wrong role → 403; missing, malformed or
out of scope → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.community.checks import require_role
from fangkong.community.closures.selectors import restriction_scope
from fangkong.community.models import Restriction
from fangkong.community.roles import READ_ROLES
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_restriction(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> Restriction:
    """The restriction ``code`` on a node in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = restriction_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such restriction."), code="restriction_not_found")
    return found
