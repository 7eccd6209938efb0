"""The only way an interface gets one case, alert or trajectory visit.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404), so the codes of other districts' cases cannot be probed.
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.cases.models import Case, CaseAlert, TrajectoryVisit
from fangkong.cases.roles import ALERT_ROLES, CASE_READ_ROLES
from fangkong.cases.selectors import alert_scope, case_scope
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.people.access import parse_code


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(_("Your role may not do this with cases."), code="role_not_allowed")


def access_case(actor: AnyActor, code: object, *, roles: Collection[str] = CASE_READ_ROLES) -> Case:
    """The case ``code`` in the actor's subtree, with its person and node loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        case_scope(actor)
        .select_related("person", "region", "investigator")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such case."), code="case_not_found")
    return found


def access_alert(
    actor: AnyActor, code: object, *, roles: Collection[str] = ALERT_ROLES
) -> CaseAlert:
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        alert_scope(actor)
        .select_related("case", "timer", "owner", "owner_region")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such alert."), code="alert_not_found")
    return found


def access_visit(case: Case, code: object) -> TrajectoryVisit:
    """A visit of ``case`` (already accessed) that is not removed."""
    parsed = parse_code(code)
    found = (
        TrajectoryVisit.objects.filter(case=case, code=parsed, removed_at__isnull=True).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such visit."), code="visit_not_found")
    return found
