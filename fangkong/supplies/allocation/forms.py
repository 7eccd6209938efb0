"""Forms of the allocation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput


class ProposeForm(forms.Form):
    day = forms.DateField(
        validators=[epidemic_date_validator], label=_("Requests of the day"), widget=IsoDateInput()
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)
