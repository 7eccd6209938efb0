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
#: See transfer tasks, vehicles and crews (a crew member sees only their crew's tasks).
TRANSFER_READ_ROLES = frozenset(
    {Role.TRANSFER_DISPATCHER, Role.COMMANDER, Role.DUTY_OFFICER, Role.ISOLATION_MANAGER}
)
#: Register vehicles and crews, request, assign, move and cancel transfer tasks.
TRANSFER_WRITE_ROLES = frozenset({Role.TRANSFER_DISPATCHER})
#: Request a transfer for an order (a site manager asks for a pickup; dispatch assigns it).
TRANSFER_REQUEST_ROLES = frozenset({Role.TRANSFER_DISPATCHER, Role.ISOLATION_MANAGER})
#: Request the closed-loop transfer of a community medical exit (the community's approvers
#: and the dispatchers).
MEDICAL_TRANSFER_ROLES = TRANSFER_REQUEST_ROLES | {Role.DUTY_OFFICER, Role.COMMANDER}
#: Enter a person's temperature and symptom check (site staff, clinicians).
CHECK_WRITE_ROLES = frozenset({Role.ISOLATION_MANAGER, Role.CLINICIAN})
#: Issue a person's resident link (their own page for self-reported checks).
RESIDENT_LINK_ROLES = frozenset({Role.ISOLATION_MANAGER, Role.EPIDEMIOLOGIST})
#: Acknowledge and close monitoring alerts.
MONITORING_ALERT_ROLES = frozenset({Role.ISOLATION_MANAGER, Role.CLINICIAN})
#: Issue the orders a decision already fixed — a confirmed contact's (an epidemiologist
#: confirmed it), an arrival's the rules quarantine — in bulk: the group and day 0 come from
#: that decision, so the isolation-site manager who takes the people in may issue them too.
INTAKE_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.ISOLATION_MANAGER})
#: Allow a positive case to isolate at home (an order of kind home isolation) and record its
#: release tests: the clinicians who judge the case, the epidemiologists who decide orders.
HOME_ISOLATION_ROLES = frozenset({Role.CLINICIAN, Role.EPIDEMIOLOGIST})
