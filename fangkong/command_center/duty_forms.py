"""Forms of the duty pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import IsoDateInput

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DirectiveForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=DATETIME)
    units = forms.MultipleChoiceField(label=_("Units"), widget=forms.CheckboxSelectMultiple)

    def unit_choices(self, choices: list[tuple[str, str]]) -> None:
        """The nodes below the actor's that may receive it."""
        field = self.fields["units"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Progress"), max_length=2000, widget=forms.TextInput())


class EvidenceForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_file = forms.FileField(label=_("Evidence file"), required=False)


class ContactForm(forms.Form):
    email_enabled = forms.BooleanField(label=_("By e-mail"), required=False)
    sms_enabled = forms.BooleanField(label=_("By text message"), required=False)
    mobile = forms.CharField(label=_("Mobile number"), max_length=40, required=False)


class ReportForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=IsoDateInput())
    zero = forms.BooleanField(label=_("Zero report (nothing new to report)"), required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CorrectionForm(forms.Form):
    figure = forms.ChoiceField(label=_("Figure"))
    corrected = forms.IntegerField(label=_("Corrected value"), min_value=0, max_value=100_000_000)
    note = forms.CharField(label=_("Why"), max_length=255)

    def figure_choices(self, choices: list[tuple[str, str]]) -> None:
        """The figures a report has."""
        field = self.fields["figure"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def page_number(request: HttpRequest) -> int:
    """The ``page`` query parameter, 1 when missing or malformed."""
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1
