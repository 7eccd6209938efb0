"""The navigation: which sections each role sees. Pages still check access themselves."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import PERSON_ROLES, Role
from fangkong.lab.roles import ROUND_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]


ALL_ROLES = frozenset(Role.values)

NAV: tuple[NavItem, ...] = (
    NavItem(_("Overview"), "web:home", ALL_ROLES),
    NavItem(_("People"), "people:search", frozenset(PERSON_ROLES)),
    NavItem(_("Screening"), "lab:home", frozenset(ROUND_ROLES)),
    NavItem(_("Jurisdictions"), "regions:browse", ALL_ROLES),
    NavItem(_("Rule sets"), "policy:list", ALL_ROLES),
    NavItem(_("Users"), "accounts:users", frozenset({Role.ADMINISTRATOR})),
    NavItem(_("Audit"), "accounts:audit", frozenset({Role.ADMINISTRATOR})),
)


def nav_for(role: str | None) -> list[NavItem]:
    if role is None:
        return []
    return [item for item in NAV if role in item.roles]
