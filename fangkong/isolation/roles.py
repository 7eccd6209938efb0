"""Which roles do what with isolation sites and orders (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See sites, their rooms and activation.
FACILITY_READ_ROLES = frozenset(
    {
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.EPIDEMIOLOGIST,
        Role.ISOLATION_MANAGER,
        Role.TRANSFER_DISPATCHER,
    }
)
#: Register sites, import and ready their rooms.
FACILITY_WRITE_ROLES = frozenset({Role.ISOLATION_MANAGER, Role.COMMANDER})
#: Move a site between reserve, activating, active and standing down (governed: a reason).
FACILITY_STATUS_ROLES = frozenset({Role.COMMANDER, Role.ISOLATION_MANAGER})
#: See orders, their plans and test tasks (personal data: through the presentation).
ORDER_READ_ROLES = frozenset(
    {
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.EPIDEMIOLOGIST,
        Role.ISOLATION_MANAGER,
        Role.CLINICIAN,
    }
)
#: Issue and re-plan orders (the CDC's epidemiologists decide who is quarantined).
ORDER_ISSUE_ROLES = frozenset({Role.EPIDEMIOLOGIST})
#: Allocate rooms to open central-quarantine orders.
ALLOCATE_ROLES = frozenset({Role.ISOLATION_MANAGER, Role.EPIDEMIOLOGIST})
#: Record a scheduled test's result by hand (until results come back from ``lab``) and
#: release orders.
RELEASE_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.ISOLATION_MANAGER})
#: Issue the orders a decision already fixed — a confirmed contact's (an epidemiologist
#: confirmed it), an arrival's the rules quarantine — in bulk: the group and day 0 come from
#: that decision, so the isolation-site manager who takes the people in may issue them too.
INTAKE_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.ISOLATION_MANAGER})
