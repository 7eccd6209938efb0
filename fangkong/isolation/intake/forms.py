"""Forms of the intake pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput
from fangkong.isolation.forms import REASON
from fangkong.isolation.intake.arrivals import ARRIVAL_GROUPS
from fangkong.policy.choices import QuarantineGroup

#: The arrival groups with their labels, in the order of ``ARRIVAL_GROUPS``.
GROUP_CHOICES = [(group, QuarantineGroup(group).label) for group in ARRIVAL_GROUPS]


class ArrivalOrderForm(forms.Form):
    """One person's latest registered arrival, the group it is ordered under and why."""

    person = forms.CharField(
        label=_("Person code"),
        max_length=36,
        help_text=_("The person's code from the register (never an identity number)."),
    )
    group = forms.ChoiceField(label=_("Arriving from"), choices=GROUP_CHOICES)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class ArrivalsUploadForm(forms.Form):
    """A CSV file of person codes whose latest arrivals get the order of one group."""

    file = forms.FileField(
        label=_("Arrivals (CSV)"),
        help_text=_("Header: person — one person code a row. All rows or none are ordered."),
    )
    group = forms.ChoiceField(label=_("Arriving from"), choices=GROUP_CHOICES)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class HomeIsolationForm(forms.Form):
    """Why a positive case isolates at home, and from which day (today when left empty)."""

    reason = forms.CharField(**REASON)  # type: ignore[arg-type]
    isolated_since = forms.DateField(
        label=_("Isolated since (day 0)"),
        required=False,
        validators=[epidemic_date_validator],
        widget=IsoDateInput(),
        help_text=_("Today when left empty."),
    )
