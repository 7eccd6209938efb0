"""The navigation: which sections each role sees, and whether a link may be shown to a role.

A menu entry or a link is shown to exactly the roles its page admits: the roles are read from
the page's own :func:`~fangkong.core.pages.actor_required` guard, never listed twice, so the
menu and the page cannot disagree (a test follows every menu link as every role).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.urls import resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str

    @property
    def roles(self) -> frozenset[str] | None:
        return page_roles(self.url_name)


NAV: tuple[NavItem, ...] = (
    NavItem(_("Overview"), "web:home"),
    NavItem(_("Command picture"), "command_center:picture"),
    NavItem(_("People"), "people:search"),
    NavItem(_("Screening"), "lab:home"),
    NavItem(_("Risk areas"), "risk_areas:list"),
    NavItem(_("Cases"), "cases:list"),
    NavItem(_("Lead lists"), "tracing:leads"),
    NavItem(_("Chains"), "tracing:chains"),
    NavItem(_("Isolation sites"), "isolation:facilities"),
    NavItem(_("Quarantine orders"), "isolation:orders"),
    NavItem(_("Transfers"), "isolation:transfers"),
    NavItem(_("Today's checks"), "isolation:checks_today"),
    NavItem(_("Contacts awaiting orders"), "isolation:intake"),
    NavItem(_("Arrivals awaiting orders"), "isolation:arrivals"),
    NavItem(_("My grid"), "community:home"),
    NavItem(_("Residents' requests"), "community:requests"),
    NavItem(_("Restricted compounds"), "community:restrictions"),
    NavItem(_("Door-to-door sweeps"), "community:sweeps"),
    NavItem(_("Door-to-door sampling"), "community:door_sweeps"),
    NavItem(_("Supplies"), "supplies:stock"),
    NavItem(_("Deliveries"), "supplies:deliveries"),
    NavItem(_("Essential services"), "supplies:services"),
    NavItem(_("Treatment beds"), "isolation:clinician"),
    NavItem(_("Care requests"), "isolation:care_requests"),
    NavItem(_("Capacity and occupancy"), "isolation:capacity"),
    NavItem(_("Tracing data"), "tracing:home"),
    NavItem(_("Jurisdictions"), "regions:browse"),
    NavItem(_("Rule sets"), "policy:list"),
    NavItem(_("Users"), "accounts:users"),
    NavItem(_("Audit"), "accounts:audit"),
    NavItem(_("Schedule"), "accounts:schedule"),
    NavItem(_("Command structure"), "command_center:bodies"),
    NavItem(_("Directives"), "command_center:directives"),
    NavItem(_("Duty checks"), "command_center:duty_checks"),
    NavItem(_("Dispatch meetings"), "command_center:meetings"),
    NavItem(_("Daily reports"), "command_center:reports"),
    NavItem(_("Inspections"), "command_center:inspections"),
    NavItem(_("Inbox"), "command_center:inbox"),
)


@cache
def page_roles(url_name: str) -> frozenset[str] | None:
    """The roles the page named ``url_name`` (no arguments) admits; ``None`` for every actor.

    Raises ``LookupError`` for a page without an ``actor_required`` guard: a link to it could
    not be filtered by role.
    """
    view = resolve(reverse(url_name)).func
    roles = getattr(view, "allowed_roles", None)
    if roles is None:
        raise LookupError(f"{url_name} has no actor_required guard")
    return frozenset(roles) or None


def may_visit(role: str | None, url_name: str) -> bool:
    """Whether a link to the page ``url_name`` may be shown to ``role``."""
    if role is None:
        return False
    roles = page_roles(url_name)
    return roles is None or role in roles


def nav_for(role: str | None) -> list[NavItem]:
    if role is None:
        return []
    return [item for item in NAV if may_visit(role, item.url_name)]
