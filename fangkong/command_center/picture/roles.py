"""Which roles see the command picture (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See the picture of their subtree, its charts and map (figures only, no personal data).
PICTURE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.ADMINISTRATOR})
#: Recompute the figures on demand (the periodic job does it every few minutes).
PICTURE_REFRESH_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.ADMINISTRATOR})
