"""Forms of the case pages: they parse the browser's input; the services check it."""

from __future__ import annotations

from datetime import datetime
from typing import overload

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.cases.choices import (
    CaseClassification,
    ExposureKind,
    Outcome,
    Severity,
    Treatment,
    VisitSource,
)
from fangkong.core.text import text_validator
from fangkong.core.widgets import IsoDateInput


class LocalDateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` (the browser's control; minutes are enough)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """A local time from the browser, in the deployment's time zone."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


class CaseFilterForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("Classification"),
        choices=[("", _("All")), *list(CaseClassification.choices)],
        required=False,
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("Classification"), choices=CaseClassification.choices
    )
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=IsoDateInput())
    # Required by the service, which names the field: the page shows its error the same way.
    reason = forms.CharField(
        label=_("Reason"), max_length=255, required=False, validators=[text_validator]
    )


class ClinicalForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, required=False)
    treatment = forms.ChoiceField(
        label=_("Place of treatment"), choices=Treatment.choices, required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=255, required=False, validators=[text_validator]
    )


class VisitForm(forms.Form):
    """One trajectory row, typed quickly: place first, times, source (the last one's kept)."""

    place = forms.CharField(label=_("Place"), max_length=200, validators=[text_validator])
    venue_code = forms.CharField(label=_("Venue code"), max_length=40, required=False)
    started_at = forms.DateTimeField(
        label=pgettext_lazy("trajectory", "From"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    ended_at = forms.DateTimeField(
        label=pgettext_lazy("trajectory", "To"),
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    source = forms.ChoiceField(
        label=pgettext_lazy("trajectory", "Source"), choices=VisitSource.choices
    )


class ExposureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExposureKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=255, required=False, validators=[text_validator]
    )
    exposed_on = forms.DateField(label=_("Exposure date"), widget=IsoDateInput())


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=255, required=False, validators=[text_validator]
    )
