"""The staff roles and the capability sets read by every layer above ``core``.

They sit here, below ``regions`` and ``accounts``, so that every app can check a role without
importing ``accounts`` (issue 18 §2); ``fangkong.accounts.choices`` re-exports them.
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """The staff roles of mission.md; a membership grants one of them at one node."""

    COMMANDER = "commander", pgettext_lazy("role", "Commander")
    DUTY_OFFICER = "duty_officer", pgettext_lazy("role", "Duty officer")
    EPIDEMIOLOGIST = "epidemiologist", pgettext_lazy("role", "Epidemiologist")
    SAMPLER = "sampler", pgettext_lazy("role", "Sampling-site operator")
    LAB_TECHNICIAN = "lab_technician", pgettext_lazy("role", "Lab technician")
    ISOLATION_MANAGER = "isolation_manager", pgettext_lazy("role", "Isolation-site manager")
    TRANSFER_DISPATCHER = "transfer_dispatcher", pgettext_lazy("role", "Transfer dispatcher")
    GRID_WORKER = "grid_worker", pgettext_lazy("role", "Grid worker")
    SUPPLIES_OFFICER = "supplies_officer", pgettext_lazy("role", "Supplies officer")
    CLINICIAN = "clinician", pgettext_lazy("role", "Clinician")
    INSPECTOR = "inspector", pgettext_lazy("role", "Inspector")
    ADMINISTRATOR = "administrator", pgettext_lazy("role", "Administrator")


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
