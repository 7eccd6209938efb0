"""Forms of the monitoring pages (staff entry and self-report): they parse input; the
services validate the rules (the range of a temperature, the fever threshold)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.isolation.choices import Symptom


class CheckForm(forms.Form):
    temperature = forms.DecimalField(
        label=_("Temperature (℃)"),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
