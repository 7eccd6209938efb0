"""Forms of the care-requests page: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.isolation.choices import CareOutcome
from fangkong.policy.choices import CareCategory


class CareFileForm(forms.Form):
    order = forms.UUIDField(label=_("Order code"))
    category = forms.ChoiceField(label=_("Category"), choices=CareCategory.choices)
    text = forms.CharField(
        label=_("Request"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CareOutcome.choices)
    note = forms.CharField(
        label=_("Note (the reason)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
