"""Forms of the compound pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.community.choices import GateDirection


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class GateForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=GateDirection.choices)
    purpose = forms.CharField(label=_("Purpose"), max_length=120)
