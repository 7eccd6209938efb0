"""Who reads a case's contacts and who decides on candidates."""

from __future__ import annotations

from fangkong.core.roles import Role

#: Roles that see a case's contacts (the investigation and those who command it).
CONTACT_READ_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.COMMANDER, Role.DUTY_OFFICER})
#: Roles that derive candidates and confirm or dismiss them.
CONTACT_DECIDE_ROLES = frozenset({Role.EPIDEMIOLOGIST})
