"""The only way an interface gets one lead list or one pushed person: wrong role 403; missing,
malformed, or not pushed to the actor's district → the same 404."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.tracing.leads.models import LeadItem, LeadList
from fangkong.tracing.leads.roles import LEAD_CHECK_ROLES
from fangkong.tracing.leads.selectors import inbox_scope


def access_lead_list(actor: AnyActor, code: object) -> LeadList:
    """A list pushed to the actor's district (its nodes loaded)."""
    require_role(actor, LEAD_CHECK_ROLES)
    parsed = parse_code(code)
    found = (
        inbox_scope(actor).select_related("to_region", "from_region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such lead list."), code="lead_list_not_found")
    return found


def access_lead_item(actor: AnyActor, code: object) -> LeadItem:
    """A pushed person on a list of the actor's district (the list loaded)."""
    require_role(actor, LEAD_CHECK_ROLES)
    parsed = parse_code(code)
    found = (
        LeadItem.objects.filter(code=parsed, lead_list__in=inbox_scope(actor))
        .select_related("lead_list", "lead_list__to_region")
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such person on a lead list."), code="lead_item_not_found")
    return found
