"""Forms of the isolation pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput
from fangkong.isolation.choices import FacilityStatus
from fangkong.policy.choices import QuarantineGroup

REASON = {"label": _("Reason"), "max_length": 255, "widget": forms.TextInput()}


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=FacilityStatus.choices)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class RoomsImportForm(forms.Form):
    content = forms.CharField(
        label=_("Rooms (CSV)"),
        max_length=1_000_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Header: number,floor,beds,own_bathroom,accessible"),
    )


class IssueForm(forms.Form):
    persons = forms.CharField(
        label=_("Person codes"),
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One person code per line (never an identity number)."),
    )
    group = forms.ChoiceField(label=_("Group"), choices=QuarantineGroup.choices)
    day0 = forms.DateField(
        validators=[epidemic_date_validator],
        label=_("Day 0 (last exposure or arrival)"),
        widget=IsoDateInput(),
    )
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]

    def codes(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["persons"].splitlines() if line.strip()]
