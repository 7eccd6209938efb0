"""Who sees transmission chains."""

from __future__ import annotations

from fangkong.core.roles import Role

#: Roles that see the chains and clusters of their subtree.
CHAIN_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.COMMANDER, Role.DUTY_OFFICER})
