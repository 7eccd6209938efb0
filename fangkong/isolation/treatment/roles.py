"""Which roles do what with treatment beds and admissions (role names from ``core.roles``)."""

from fangkong.core.roles import Role

#: See the clinician page: beds, patients, severity, Ct results, discharge eligibility.
TREATMENT_READ_ROLES = frozenset(
    {Role.CLINICIAN, Role.COMMANDER, Role.DUTY_OFFICER, Role.EPIDEMIOLOGIST}
)
#: Admit, change severity, transfer between levels of care, record tests, discharge.
TREATMENT_WRITE_ROLES = frozenset({Role.CLINICIAN})
#: See rooms and beds total, occupied and free per site and district.
CAPACITY_ROLES = frozenset(
    {
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.EPIDEMIOLOGIST,
        Role.ISOLATION_MANAGER,
        Role.TRANSFER_DISPATCHER,
        Role.CLINICIAN,
    }
)
