"""Which roles do what with care requests and appeals (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See, file (on a person's behalf), take and answer care requests: the site's care group
#: (人文关怀组) works under the isolation-site manager; the CDC and the command see them.
CARE_ROLES = frozenset(
    {
        Role.ISOLATION_MANAGER,
        Role.EPIDEMIOLOGIST,
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.CLINICIAN,
    }
)
#: Decide an appeal against an order (never the order's issuer).
APPEAL_DECIDE_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.COMMANDER})
