"""Which roles see and change risk areas (pages and API check these through ``access``)."""

from fangkong.core.roles import Role

#: Designate, raise or lower, lift; record infections and the last close contact. Risk areas
#: are drawn by the command on the epidemiologists' findings (§2.6: "designate risk areas
#: (high/medium per the active ruleset)" after the core interview).
WRITE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.EPIDEMIOLOGIST})
#: See areas, their history and lifting assessment: the writers, the inspectors who check
#: them, the grid workers who run the closed compounds and the supplies officers who serve
#: them. Areas hold places and dates, no person.
READ_ROLES = WRITE_ROLES | frozenset(
    {Role.INSPECTOR, Role.GRID_WORKER, Role.SUPPLIES_OFFICER, Role.ADMINISTRATOR}
)
