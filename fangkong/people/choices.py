from django.db import models
from django.utils.translation import pgettext_lazy


class DocumentType(models.TextChoices):
    """Identity document types; the values follow the provincial platform's ID-type code list
    (WS02_01_031_01: 01 resident ID, 02 household register, 03 passport, 06 HK/Macao permit,
    07 Taiwan permit, 08 HK/Macao/Taiwan residence permit, 99 other)."""

    RESIDENT_ID = "01", pgettext_lazy("document type", "Resident identity card")
    HOUSEHOLD_REGISTER = "02", pgettext_lazy("document type", "Household register")
    PASSPORT = "03", pgettext_lazy("document type", "Passport")
    HK_MACAO_PERMIT = "06", pgettext_lazy("document type", "Hong Kong/Macao travel permit")
    TAIWAN_PERMIT = "07", pgettext_lazy("document type", "Taiwan travel permit")
    HMT_RESIDENCE_PERMIT = "08", pgettext_lazy("document type", "HK/Macao/Taiwan residence permit")
    OTHER = "99", pgettext_lazy("document type", "Other")


class Sex(models.TextChoices):
    MALE = "M", pgettext_lazy("sex", "Male")
    FEMALE = "F", pgettext_lazy("sex", "Female")
    UNKNOWN = "U", pgettext_lazy("sex", "Unknown")


class SpecialNeed(models.TextChoices):
    """Residents who need attention during closures (R26)."""

    ELDERLY_ALONE = "elderly_alone", pgettext_lazy("special need", "Elderly living alone")
    PREGNANT = "pregnant", pgettext_lazy("special need", "Pregnant")
    DIALYSIS = "dialysis", pgettext_lazy("special need", "Dialysis")
    CHRONIC = "chronic", pgettext_lazy("special need", "Chronic disease")
    DISABILITY = "disability", pgettext_lazy("special need", "Disability")


class DuplicateReason(models.TextChoices):
    SAME_ID = "same_id", pgettext_lazy("duplicate reason", "Same identity number")
    SAME_NAME_BIRTH = (
        "same_name_birth",
        pgettext_lazy("duplicate reason", "Same name and birth date"),
    )
    #: A number held here was refused to a writer elsewhere (a claim: no second person).
    SAME_ID_ELSEWHERE = (
        "same_id_elsewhere",
        pgettext_lazy("duplicate reason", "Same identity number, refused elsewhere"),
    )


class DuplicateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("duplicate status", "Open")
    NOT_DUPLICATE = "not_duplicate", pgettext_lazy("duplicate status", "Not a duplicate")
    DUPLICATE = "duplicate", pgettext_lazy("duplicate status", "Confirmed duplicate")


class GroupKind(models.TextChoices):
    """What holds a group of people together, as a contact tracer asks about it (同班组、同班级)."""

    WORK_TEAM = "work_team", pgettext_lazy("group kind", "Work team")
    SCHOOL_CLASS = "school_class", pgettext_lazy("group kind", "School class")
    OTHER = "other", pgettext_lazy("group kind", "Other group")
