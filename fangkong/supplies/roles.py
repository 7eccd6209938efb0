"""Which roles do what with supplies and essential services (role names from ``core.roles``).

Supplies hold places, goods and counts, no person: nothing here goes through a presentation."""

from fangkong.core.roles import Role

#: See warehouses, stock, days of cover, requests, allocations and deliveries.
SUPPLIES_READ_ROLES = frozenset(
    {Role.COMMANDER, Role.DUTY_OFFICER, Role.SUPPLIES_OFFICER, Role.GRID_WORKER}
)
#: Register warehouses, receiving points and items; receive and issue stock; propose,
#: approve and cancel allocations (the living-supplies working group, 生活物资保障专班).
SUPPLIES_WRITE_ROLES = frozenset({Role.SUPPLIES_OFFICER})
#: File a district's or compound's request.
REQUEST_ROLES = frozenset({Role.SUPPLIES_OFFICER, Role.GRID_WORKER})
#: Record the gate hand-over and confirm door delivery (the compound's staff).
DELIVERY_ROLES = frozenset({Role.SUPPLIES_OFFICER, Role.GRID_WORKER})
#: Record a household's door delivery (the household's own grid worker; the resident does it
#: through their link).
DOOR_ROLES = frozenset({Role.GRID_WORKER})
#: See priority users, shortage plans and incidents.
SERVICES_READ_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.SUPPLIES_OFFICER})
#: Register priority users and make shortage plans (有序用电).
SERVICES_WRITE_ROLES = frozenset({Role.COMMANDER, Role.SUPPLIES_OFFICER})
#: Report and resolve outage and supply incidents at priority sites.
INCIDENT_ROLES = frozenset({Role.DUTY_OFFICER, Role.SUPPLIES_OFFICER, Role.COMMANDER})
