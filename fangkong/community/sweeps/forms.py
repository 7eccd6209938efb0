"""Forms of the sweep pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.community.choices import VisitState


class SweepForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class VisitForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Found"), choices=[c for c in VisitState.choices if c[0] != VisitState.PENDING]
    )
    residents_counted = forms.IntegerField(
        label=_("Residents counted"), min_value=0, max_value=100, required=False
    )
    present = forms.MultipleChoiceField(
        label=_("Registered residents found"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_residents = forms.CharField(
        label=_("New residents (one name per line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def new_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["new_residents"].splitlines() if n.strip()]
