from django.db import models
from django.utils.translation import pgettext_lazy

# The roles live in core (below regions and accounts); re-exported here for existing callers.
from fangkong.core.roles import (
    IDENTITY_ROLES,
    MFA_REQUIRED_ROLES,
    PERSON_ROLES,
    PERSON_WRITE_ROLES,
    Role,
)

__all__ = [
    "IDENTITY_ROLES",
    "MFA_REQUIRED_ROLES",
    "PERSON_ROLES",
    "PERSON_WRITE_ROLES",
    "AccessPurpose",
    "Role",
]


class AccessPurpose(models.TextChoices):
    """Why identifiable data was read; every access row carries one."""

    CARE = "care", pgettext_lazy("access purpose", "Care and follow-up")
    INVESTIGATION = (
        "investigation",
        pgettext_lazy("access purpose", "Epidemiological investigation"),
    )
    SCREENING = "screening", pgettext_lazy("access purpose", "Screening")
    ADMINISTRATION = "administration", pgettext_lazy("access purpose", "Administration")
    DUPLICATE_REVIEW = "duplicate_review", pgettext_lazy("access purpose", "Duplicate review")
