"""Which roles do what in the screening chain (pages and API check these through ``access``)."""

from fangkong.accounts.choices import Role

#: Open and close rounds, set up points and labs, assign staff.
MANAGE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.ADMINISTRATOR})
#: Bind people to tubes, seal packages at their point.
SAMPLING_ROLES = frozenset({Role.SAMPLER})
#: Hand packages over to transport.
TRANSPORT_ROLES = frozenset({Role.SAMPLER, Role.TRANSFER_DISPATCHER})
#: Receive packages and report results at their lab.
LAB_ROLES = frozenset({Role.LAB_TECHNICIAN})
#: See the round's command view, coverage and follow-up.
COMMAND_ROLES = frozenset(
    {Role.COMMANDER, Role.DUTY_OFFICER, Role.EPIDEMIOLOGIST, Role.INSPECTOR, Role.ADMINISTRATOR}
)
#: See coverage and the not-yet-tested list, record exemptions, key groups and arrivals.
COVERAGE_ROLES = frozenset(
    {Role.COMMANDER, Role.DUTY_OFFICER, Role.EPIDEMIOLOGIST, Role.GRID_WORKER, Role.INSPECTOR}
)
COVERAGE_WRITE_ROLES = frozenset({Role.COMMANDER, Role.DUTY_OFFICER, Role.GRID_WORKER})
#: Record antigen results (self-reported through staff, or from a clinic).
ANTIGEN_ROLES = frozenset({Role.CLINICIAN, Role.GRID_WORKER, Role.SAMPLER, Role.EPIDEMIOLOGIST})
#: See a person's test history.
HISTORY_ROLES = frozenset(
    {
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.EPIDEMIOLOGIST,
        Role.SAMPLER,
        Role.CLINICIAN,
        Role.GRID_WORKER,
        Role.ISOLATION_MANAGER,
    }
)
#: Every role that sees anything of a round.
ROUND_ROLES = (
    MANAGE_ROLES | SAMPLING_ROLES | TRANSPORT_ROLES | LAB_ROLES | COMMAND_ROLES | (COVERAGE_ROLES)
)
