"""Which roles do what in the screening chain (pages and API check these through ``access``)."""

from fangkong.accounts.choices import PERSON_ROLES, Role

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
#: See and retry the batches of results sent to the health-code service and the provincial
#: platform (R17); only at a city or province node, since a batch spans the whole city.
EXPORT_ROLES = frozenset({Role.COMMANDER, Role.ADMINISTRATOR})
#: Every role that sees anything of a round.
ROUND_ROLES = (
    MANAGE_ROLES | SAMPLING_ROLES | TRANSPORT_ROLES | LAB_ROLES | COMMAND_ROLES | (COVERAGE_ROLES)
)
#: Coverage roles that also see persons: the not-yet-tested list and its export (an inspector
#: sees the numbers only, as persons are not theirs to see).
UNTESTED_ROLES = COVERAGE_ROLES & PERSON_ROLES
#: Who reads antigen results: those who record them and those who see a person's tests.
ANTIGEN_READ_ROLES = ANTIGEN_ROLES | HISTORY_ROLES
#: Who sees lab alerts: the command side, and lab technicians for the tubes of their labs.
ALERT_READ_ROLES = COMMAND_ROLES | LAB_ROLES
#: Who takes an alert on, hands it to someone and closes it.
ALERT_WRITE_ROLES = MANAGE_ROLES
#: Who sees the list of rounds (everyone of the chain but samplers and lab technicians,
#: who have their own pages) and who sees a round's command view.
ROUND_LIST_ROLES = tuple(sorted(COMMAND_ROLES | COVERAGE_ROLES | MANAGE_ROLES))
ROUND_VIEW_ROLES = frozenset(COMMAND_ROLES | COVERAGE_ROLES)
#: The lab technician's pages (sorted for the page guard).
LAB_PAGE_ROLES = tuple(sorted(LAB_ROLES))
