"""Forms of the delivery pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.supplies.choices import DoorStatus


class ConfirmForm(forms.Form):
    households = forms.IntegerField(label=_("Households reached"), min_value=0, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class DoorForm(forms.Form):
    """A door delivery recorded: confirmed, or not at home / refused with a reason."""

    status = forms.ChoiceField(
        label=_("At the door"),
        choices=[
            (DoorStatus.CONFIRMED.value, DoorStatus.CONFIRMED.label),
            (DoorStatus.NOT_HOME.value, DoorStatus.NOT_HOME.label),
            (DoorStatus.REFUSED.value, DoorStatus.REFUSED.label),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)
