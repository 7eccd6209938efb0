"""Forms of the risk-area pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import IsoDateInput
from fangkong.policy.choices import DesignationUnit
from fangkong.risk_areas.choices import RiskAreaStatus

REASON = {"label": _("Reason"), "max_length": 500, "widget": forms.TextInput()}


class FilterForm(forms.Form):
    """The list's filter: a level of the rules in force and a status."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *RiskAreaStatus.choices],
    )

    def __init__(self, *args: object, levels: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["level"].choices = [("", _("Any level")), *levels]  # type: ignore[attr-defined]


class DesignateForm(forms.Form):
    region = forms.RegexField(
        label=_("Jurisdiction code"),
        regex=r"^\d{6,15}$",
        max_length=15,
        help_text=_("The community or grid of the compound, or the county for its remainder."),
    )
    unit = forms.ChoiceField(label=_("Drawn over"), choices=DesignationUnit.choices)
    name = forms.CharField(label=_("Name of the area"), max_length=120)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    stairwell = forms.CharField(label=_("Stairwell unit"), max_length=20, required=False)
    level = forms.ChoiceField(label=_("Level"))
    last_infection_on = forms.DateField(
        label=_("Last infection found on"), required=False, widget=IsoDateInput()
    )
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]

    def __init__(self, *args: object, levels: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["level"].choices = levels  # type: ignore[attr-defined]


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"))
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]

    def __init__(self, *args: object, levels: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["level"].choices = levels  # type: ignore[attr-defined]


class LiftForm(forms.Form):
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class InfectionForm(forms.Form):
    reference = forms.CharField(
        label=_("Case or report code"),
        max_length=64,
        help_text=_("Never an identity or phone number."),
    )
    found_on = forms.DateField(label=_("Found on"), widget=IsoDateInput())
    in_isolated_person = forms.BooleanField(
        label=_("In a person already under strict home isolation or a close contact"),
        required=False,
    )
    community_risk_excluded = forms.BooleanField(label=_("Community risk excluded"), required=False)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class ContactsForm(forms.Form):
    last_exposure_on = forms.DateField(
        label=_("Last close contact exposed on"), widget=IsoDateInput()
    )
    all_negative = forms.BooleanField(label=_("Close contacts tested negative"), required=False)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]
