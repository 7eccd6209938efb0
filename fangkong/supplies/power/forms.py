"""Forms of the essential-services page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.supplies.choices import IncidentKind


class PlanForm(forms.Form):
    region = forms.CharField(label=_("District code"), max_length=15)
    deficit_kw = forms.IntegerField(label=_("Deficit (kW)"), min_value=1, max_value=100_000_000)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class IncidentForm(forms.Form):
    user = forms.ChoiceField(label=_("Priority site"))
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    note = forms.CharField(label=_("What happened"), max_length=255)

    def __init__(self, *args: Any, sites: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = list(sites)  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    reason = forms.CharField(label=_("What was done"), max_length=255)
