"""Forms of the clinician page: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.cases.forms import LocalDateTimeInput
from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput
from fangkong.isolation.choices import TreatmentTestStatus

REASON = {"label": _("Reason"), "max_length": 255, "widget": forms.TextInput()}
SEVERITIES = [
    ("mild", pgettext_lazy("severity", "Mild")),
    ("moderate", pgettext_lazy("severity", "Moderate")),
    ("severe", pgettext_lazy("severity", "Severe")),
    ("critical", pgettext_lazy("severity", "Critical")),
]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class BedForm(forms.Form):
    facility = forms.UUIDField(label=_("Site code"))
    room = forms.CharField(label=_("Room"), max_length=20)


class AdmitForm(BedForm):
    case = forms.UUIDField(label=_("Case code"))
    isolated_since = forms.DateField(
        validators=[epidemic_date_validator],
        label=_("Isolated since (day 0)"),
        required=False,
        widget=IsoDateInput(),
    )
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class TransferForm(BedForm):
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=SEVERITIES)
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]


class TestAddForm(forms.Form):
    sampled_at = forms.DateTimeField(
        label=_("Sampled at"), widget=LocalDateTimeInput(), input_formats=DATETIME_FORMATS
    )


class LabTestForm(forms.Form):
    """Ask the platform's lab for a release test: nothing to fill in (due today, at the
    hospital; the result and Ct values come from the tube)."""


class TestResultForm(forms.Form):
    test = forms.UUIDField(widget=forms.HiddenInput())
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[
            (TreatmentTestStatus.NEGATIVE, TreatmentTestStatus.NEGATIVE.label),
            (TreatmentTestStatus.POSITIVE, TreatmentTestStatus.POSITIVE.label),
        ],
    )
    ct_n = forms.FloatField(label=_("Ct (N)"), required=False, min_value=0.1, max_value=45)
    ct_orf1ab = forms.FloatField(
        label=_("Ct (ORF1ab)"), required=False, min_value=0.1, max_value=45
    )


class DischargeForm(forms.Form):
    reason = forms.CharField(**REASON)  # type: ignore[arg-type]
