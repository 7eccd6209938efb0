from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    """Identity document types; the values follow the provincial platform's ID-type code list
    (WS02_01_031_01: 01 resident ID, 02 household register, 03 passport, 06 HK/Macao permit,
    07 Taiwan permit, 08 HK/Macao/Taiwan residence permit, 99 other)."""

    RESIDENT_ID = "01", _("Resident identity card")
    HOUSEHOLD_REGISTER = "02", _("Household register")
    PASSPORT = "03", _("Passport")
    HK_MACAO_PERMIT = "06", _("Hong Kong/Macao travel permit")
    TAIWAN_PERMIT = "07", _("Taiwan travel permit")
    HMT_RESIDENCE_PERMIT = "08", _("HK/Macao/Taiwan residence permit")
    OTHER = "99", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class SpecialNeed(models.TextChoices):
    """Residents who need attention during closures (R26)."""

    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    PREGNANT = "pregnant", _("Pregnant")
    DIALYSIS = "dialysis", _("Dialysis")
    CHRONIC = "chronic", _("Chronic disease")
    DISABILITY = "disability", _("Disability")


class DuplicateReason(models.TextChoices):
    SAME_ID = "same_id", _("Same identity number")
    SAME_NAME_BIRTH = "same_name_birth", _("Same name and birth date")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    NOT_DUPLICATE = "not_duplicate", _("Not a duplicate")
    DUPLICATE = "duplicate", _("Confirmed duplicate")
