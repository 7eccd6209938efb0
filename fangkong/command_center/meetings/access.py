"""The only way an interface gets one meeting (404 when out of scope or missing)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.meetings.selectors import meeting_scope
from fangkong.command_center.models import Meeting
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_meeting(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> Meeting:
    """The meeting ``code`` in the actor's scope."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = meeting_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such meeting."), code="meeting_not_found")
    return found
