"""Who pushes lead lists and who checks them."""

from __future__ import annotations

from fangkong.core.roles import Role

#: Roles that push a case's contacts to other districts.
LEAD_PUSH_ROLES = frozenset({Role.EPIDEMIOLOGIST})
#: Roles of the receiving district that see its inbox and record outcomes (the district's
#: investigators, its duty officers, and the grid workers who go to the door).
LEAD_CHECK_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.DUTY_OFFICER, Role.GRID_WORKER})
#: Roles that see the "not checked" counts per district.
LEAD_WATCH_ROLES = frozenset(
    {Role.EPIDEMIOLOGIST, Role.DUTY_OFFICER, Role.GRID_WORKER, Role.COMMANDER}
)
