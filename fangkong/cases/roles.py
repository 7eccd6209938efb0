"""Which roles do what with cases (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See cases, their investigation and alerts.
CASE_READ_ROLES = frozenset(
    {Role.COMMANDER, Role.DUTY_OFFICER, Role.EPIDEMIOLOGIST, Role.CLINICIAN}
)
#: Open a case by hand (fever clinic, key group, ...).
CASE_OPEN_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.CLINICIAN})
#: Change a case's classification (governed: reason, rule set, PCR for confirmation).
CLASSIFY_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.CLINICIAN})
#: Severity, place of treatment, outcome.
CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.EPIDEMIOLOGIST})
#: The investigation: take a case, steps, trajectory, exposures.
INVESTIGATION_ROLES = frozenset({Role.EPIDEMIOLOGIST})
#: Acknowledge and close timer alerts.
ALERT_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.DUTY_OFFICER, Role.COMMANDER})
#: The role a breach is owned by when the case has no investigator (at the case's district).
DUTY_ROLE = Role.EPIDEMIOLOGIST
#: Import the cases reported before Fangkong was in use (补录): the CDC's epidemiologists,
#: who hold the direct reporting system's export.
CASE_IMPORT_ROLES = frozenset({Role.EPIDEMIOLOGIST})
