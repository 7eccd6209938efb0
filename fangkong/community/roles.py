"""Which roles do what in community work (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See grids, sweeps, restricted compounds and requests (a grid worker: their households only).
READ_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.GRID_WORKER, Role.EPIDEMIOLOGIST})
#: Add responsible persons, assign households, take someone off duty.
GRID_MANAGE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER})
#: Write a special-needs resident's care plan.
CARE_PLAN_ROLES = frozenset({Role.GRID_WORKER, Role.DUTY_OFFICER})
#: Open and close door-to-door sweeps.
SWEEP_OPEN_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER})
#: Record a visit (and register a new resident found).
SWEEP_VISIT_ROLES = frozenset({Role.GRID_WORKER})
#: Impose and lift restrictions on compounds (governed).
RESTRICT_ROLES = frozenset({Role.COMMANDER})
#: Write the gate's entry and exit log.
GATE_ROLES = frozenset({Role.GRID_WORKER, Role.DUTY_OFFICER})
#: File a request for a household (a grid worker at the door, an operator on the hotline) and
#: work it through to done; issue the resident's link.
REQUEST_ROLES = frozenset({Role.GRID_WORKER, Role.DUTY_OFFICER})
#: Approve a medical exit (the community's approval, R28).
EXIT_APPROVE_ROLES = frozenset({Role.DUTY_OFFICER, Role.COMMANDER})
#: Assign the vehicle of a medical exit and record the return.
VEHICLE_ROLES = frozenset({Role.TRANSFER_DISPATCHER, Role.DUTY_OFFICER})
#: Per-jurisdiction figures for the command picture.
FIGURE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.INSPECTOR})
#: Sample the residents a sweep listed for door-to-door sampling (a door-to-door point's staff).
DOOR_SAMPLING_ROLES = frozenset({Role.SAMPLER})
#: Set up a sweep's door-to-door team (a ``door_to_door`` sampling point and its samplers):
#: the lab's point managers (``lab.roles.MANAGE_ROLES``) who also see the door-sampling pages.
DOOR_TEAM_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER})
#: See a sweep's door-to-door sampling list and its progress.
DOOR_READ_ROLES = READ_ROLES | DOOR_SAMPLING_ROLES
