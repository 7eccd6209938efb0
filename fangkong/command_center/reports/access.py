"""The only way an interface gets one daily report: out of scope looks like missing (404)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.models import DailyReport
from fangkong.command_center.reports.selectors import report_scope
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_report(actor: AnyActor, code: object) -> DailyReport:
    """The report ``code`` of a unit in the actor's subtree."""
    require_role(actor, READ_ROLES)
    parsed = parse_code(code)
    found = (
        report_scope(actor).select_related("region").filter(code=parsed).first() if parsed else None
    )
    if found is None:
        raise NotFound(_("No such report."), code="report_not_found")
    return found
