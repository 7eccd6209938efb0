"""Forms of the people pages: they only parse input; services validate and normalise."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.people.choices import DocumentType, DuplicateStatus, Sex, SpecialNeed

_BLANK: list[tuple[str, str]] = [("", "—")]


class SearchForm(forms.Form):
    """The one search box, plus the list filters shared with ``GET /api/v1/people``."""

    q = forms.CharField(
        label=_("Identity number, phone or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    region = forms.CharField(label=_("Jurisdiction code"), required=False, max_length=15)
    need = forms.ChoiceField(
        label=_("Special need"), required=False, choices=_BLANK + list(SpecialNeed.choices)
    )
    has_duplicates = forms.BooleanField(label=_("Open duplicate reviews only"), required=False)


class PersonCreateForm(forms.Form):
    """Register a person with one identity document (more can be added on the person page)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    region = forms.CharField(
        label=_("Jurisdiction code"),
        max_length=15,
        required=False,
        help_text=_("Leave empty when you give a household."),
    )
    household = forms.CharField(label=_("Household code"), max_length=45, required=False)
    doc_type = forms.ChoiceField(
        label=_("Document type"),
        choices=DocumentType.choices,
        initial=DocumentType.RESIDENT_ID,
        required=False,
    )
    doc_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports)"), max_length=3, required=False
    )
    needs = forms.MultipleChoiceField(
        label=_("Special needs"),
        choices=SpecialNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    allow_duplicate = forms.BooleanField(
        label=_("Register even if this identity number is already registered"), required=False
    )
    duplicate_reason = forms.CharField(
        label=_("Why register it again"), max_length=1000, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class PersonEditForm(forms.Form):
    """Edit a person; ``version`` is the one read, so a concurrent save is caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=60, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    number = forms.CharField(label=_("Document number"), max_length=64)
    issuing_country = forms.CharField(
        label=_("Issuing country (passports)"), max_length=3, required=False
    )
    allow_duplicate = forms.BooleanField(
        label=_("Add even if another person holds this number"), required=False
    )
    duplicate_reason = forms.CharField(
        label=_("Why add it anyway"), max_length=1000, required=False
    )


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("Special need"), choices=SpecialNeed.choices)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
    present = forms.TypedChoiceField(
        choices=[("1", _("Set")), ("0", _("Clear"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.HiddenInput,
    )


class HouseholdForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)
    region = forms.CharField(label=_("Jurisdiction code"), max_length=15)
    address = forms.CharField(label=_("Address"), max_length=255)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


class HouseholdEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    address = forms.CharField(label=_("Address"), max_length=255)


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Address"), required=False, max_length=100)
    region = forms.CharField(label=_("Jurisdiction code"), required=False, max_length=15)


class ReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DuplicateStatus.NOT_DUPLICATE, DuplicateStatus.NOT_DUPLICATE.label),
            (DuplicateStatus.DUPLICATE, DuplicateStatus.DUPLICATE.label),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=1000)
