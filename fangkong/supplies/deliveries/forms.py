"""Forms of the delivery pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmForm(forms.Form):
    households = forms.IntegerField(label=_("Households reached"), min_value=0, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
