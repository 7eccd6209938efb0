"""Forms of the grid pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CarePlanForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput())
    plan = forms.CharField(
        label=_("Care plan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
