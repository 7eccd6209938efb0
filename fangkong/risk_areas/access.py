"""The only way an interface gets one risk area.

Wrong role → ``PermissionDenied`` (403); missing, malformed or outside the actor's subtree →
the same ``NotFound`` (404), so codes of other districts cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.people.access import parse_code
from fangkong.risk_areas.models import RiskArea
from fangkong.risk_areas.roles import READ_ROLES
from fangkong.risk_areas.selectors import risk_area_scope


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this with risk areas."), code="role_not_allowed"
        )


def access_risk_area(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> RiskArea:
    """The area with ``code`` if the actor's role is among ``roles`` (403 otherwise) and its
    node lies in the actor's subtree; 404 ``risk_area_not_found`` for missing, malformed and
    out of scope alike."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = risk_area_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such risk area."), code="risk_area_not_found")
    return found
