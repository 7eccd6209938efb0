"""Forms of the transfer pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.isolation.choices import VehicleKind

REASON = {"label": _("Reason"), "max_length": 255, "widget": forms.TextInput()}


class VehicleForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=16)
    kind = forms.ChoiceField(label=_("Kind"), choices=VehicleKind.choices)
    capacity = forms.IntegerField(label=_("Persons at once"), min_value=1, max_value=60)


class AssignForm(forms.Form):
    vehicle = forms.ChoiceField(label=_("Vehicle"))
    crew = forms.ChoiceField(label=_("Crew"))

    def __init__(
        self,
        *args: object,
        vehicles: list[tuple[str, str]],
        crews: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["vehicle"].choices = vehicles  # type: ignore[attr-defined]
        self.fields["crew"].choices = crews  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]
