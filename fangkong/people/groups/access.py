"""The only way an interface gets one group of people.

Wrong role → ``PermissionDenied`` (403; ``PERSON_ROLES`` read groups, ``PERSON_WRITE_ROLES``
change them); a missing, malformed or out-of-scope code → the same ``NotFound`` (404,
``group_not_found``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code, require_person_role
from fangkong.people.groups.selectors import group_scope
from fangkong.people.models import PersonGroup


def access_group(actor: AnyActor, code: object, *, write: bool = False) -> PersonGroup:
    """The group with ``code`` in the actor's subtree, its node loaded. A group names no
    person, so getting one logs nothing (its members are logged when shown)."""
    require_person_role(actor, write=write)
    parsed = parse_code(code)
    group = None
    if parsed is not None:
        group = group_scope(actor).select_related("region").filter(code=parsed).first()
    if group is None:
        raise NotFound(_("No such group."), code="group_not_found")
    return group
