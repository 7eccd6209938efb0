from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The staff roles of mission.md; a membership grants one of them at one node."""

    COMMANDER = "commander", _("Commander")
    DUTY_OFFICER = "duty_officer", _("Duty officer")
    EPIDEMIOLOGIST = "epidemiologist", _("Epidemiologist")
    SAMPLER = "sampler", _("Sampling-site operator")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    ISOLATION_MANAGER = "isolation_manager", _("Isolation-site manager")
    TRANSFER_DISPATCHER = "transfer_dispatcher", _("Transfer dispatcher")
    GRID_WORKER = "grid_worker", _("Grid worker")
    SUPPLIES_OFFICER = "supplies_officer", _("Supplies officer")
    CLINICIAN = "clinician", _("Clinician")
    INSPECTOR = "inspector", _("Inspector")
    ADMINISTRATOR = "administrator", _("Administrator")


#: Roles that must use TOTP MFA where ``MFA_ENFORCED`` is on.
MFA_REQUIRED_ROLES = frozenset({Role.COMMANDER, Role.EPIDEMIOLOGIST, Role.ADMINISTRATOR})

#: Roles that see identity numbers unmasked (they act on the identity: investigation, sampling
#: by manual ID entry, clinical admission). Everyone else sees ``1101**********002X``.
IDENTITY_ROLES = frozenset({Role.EPIDEMIOLOGIST, Role.SAMPLER, Role.CLINICIAN})

#: Roles that see persons (names, phones, addresses) at all.
PERSON_ROLES = frozenset(
    {
        Role.COMMANDER,
        Role.DUTY_OFFICER,
        Role.EPIDEMIOLOGIST,
        Role.SAMPLER,
        Role.LAB_TECHNICIAN,
        Role.ISOLATION_MANAGER,
        Role.TRANSFER_DISPATCHER,
        Role.GRID_WORKER,
        Role.CLINICIAN,
        Role.ADMINISTRATOR,
    }
)

#: Roles that may create and edit persons and households.
PERSON_WRITE_ROLES = frozenset(
    {Role.EPIDEMIOLOGIST, Role.SAMPLER, Role.GRID_WORKER, Role.ADMINISTRATOR, Role.CLINICIAN}
)


class AccessPurpose(models.TextChoices):
    """Why identifiable data was read; every access row carries one."""

    CARE = "care", _("Care and follow-up")
    INVESTIGATION = "investigation", _("Epidemiological investigation")
    SCREENING = "screening", _("Screening")
    ADMINISTRATION = "administration", _("Administration")
    DUPLICATE_REVIEW = "duplicate_review", _("Duplicate review")
