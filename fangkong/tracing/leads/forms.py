"""The receiving district's check of one pushed person."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.tracing.leads.choices import CHECKED, LeadOutcome


class CheckForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(value, LeadOutcome(value).label) for value in CHECKED]
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
