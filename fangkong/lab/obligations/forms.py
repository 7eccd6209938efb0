"""Forms of the obligations pages: putting a person in a key group and taking them out,
registering an arrival, recording an antigen result, and the lists' filters. Create forms
carry a hidden idempotency key made when they are rendered."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.lab.choices import AntigenResult, AntigenSource
from fangkong.lab.obligations.selectors import (
    ArrivalFilter,
)

_BLANK: list[tuple[str, str]] = [("", "—")]


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _KeyedForm(forms.Form):
    """A create form with a hidden idempotency key, fresh on every unbound form."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = uuid.uuid4().hex


def _person_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Person code"),
        max_length=45,
        help_text=gettext_lazy("The code shown on the person's page."),
    )


class KeyGroupAssignForm(_KeyedForm):
    person = _person_field()
    group = forms.ChoiceField(label=gettext_lazy("Key group"), choices=())
    since = forms.DateField(label=gettext_lazy("From"), widget=_DATE)
    until = forms.DateField(label=gettext_lazy("Until (inclusive)"), required=False, widget=_DATE)

    def __init__(self, *args: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["since"] = timezone.localdate()


class KeyGroupRemoveForm(forms.Form):
    person = forms.CharField(widget=forms.HiddenInput, max_length=45)
    group = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255)


class KeyGroupFilterForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("Key group"), required=False, choices=())
    all = forms.BooleanField(
        label=gettext_lazy("Everyone in force, not only overdue"), required=False
    )

    def __init__(self, *args: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = _BLANK + groups  # type: ignore[attr-defined]


class ArrivalForm(_KeyedForm):
    person = _person_field()
    arrived_at = forms.DateTimeField(
        label=gettext_lazy("Arrived at"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    origin = forms.CharField(label=gettext_lazy("Coming from"), max_length=120)


class ArrivalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Landing test"),
        required=False,
        choices=[
            (ArrivalFilter.ALL, gettext_lazy("All")),
            (ArrivalFilter.UNTESTED, gettext_lazy("Not yet tested")),
            (ArrivalFilter.OVERDUE, gettext_lazy("Overdue")),
            (ArrivalFilter.TESTED, gettext_lazy("Tested")),
        ],
    )


class AntigenForm(_KeyedForm):
    person = _person_field()
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=AntigenSource.choices)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=AntigenResult.choices)
    tested_at = forms.DateTimeField(
        label=gettext_lazy("Tested at"), widget=_DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    kit_serial = forms.CharField(label=gettext_lazy("Kit serial"), max_length=64, required=False)
    symptomatic = forms.BooleanField(
        label=gettext_lazy("Respiratory or fever symptoms"),
        required=False,
        help_text=gettext_lazy("A negative result then still needs a PCR test."),
    )
