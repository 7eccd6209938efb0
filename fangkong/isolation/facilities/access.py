"""The only way an interface gets one facility.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.isolation.checks import require_role
from fangkong.isolation.facilities.selectors import facility_scope
from fangkong.isolation.models import Facility
from fangkong.isolation.roles import FACILITY_READ_ROLES
from fangkong.people.access import parse_code


def access_facility(
    actor: AnyActor, code: object, *, roles: Collection[str] = FACILITY_READ_ROLES
) -> Facility:
    """The facility ``code`` in the actor's subtree, with its node loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        facility_scope(actor).select_related("region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such facility."), code="facility_not_found")
    return found
