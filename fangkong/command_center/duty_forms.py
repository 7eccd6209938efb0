"""Forms of the duty pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.command_center.duty_choices import (
    FindingSeverity,
    InspectionMethod,
    WorkingGroupKind,
)
from fangkong.core.times import epidemic_date_validator
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
    day = forms.DateField(
        validators=[epidemic_date_validator], label=_("Day"), widget=IsoDateInput()
    )
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


class InspectionForm(forms.Form):
    team = forms.CharField(label=_("Team"), max_length=200)
    theme = forms.CharField(label=_("Theme"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200)
    method = forms.ChoiceField(label=_("Method"), choices=InspectionMethod.choices)
    on = forms.DateField(
        validators=[epidemic_date_validator], label=_("Date"), widget=IsoDateInput()
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One item a line: item | yes or no | note"),
    )

    def checklist_items(self) -> list[dict[str, object]]:
        """The checklist lines as items; a line whose answer is not yes or no keeps
        ``passed`` empty and is refused by the service with its row."""
        items: list[dict[str, object]] = []
        for line in str(self.cleaned_data.get("checklist") or "").splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            answer = parts[1].lower() if len(parts) > 1 else ""
            passed = {"yes": True, "y": True, "是": True, "no": False, "n": False, "否": False}
            items.append(
                {
                    "item": parts[0],
                    "passed": passed.get(answer),
                    "note": parts[2] if len(parts) > 2 else "",
                }
            )
        return items


class FindingForm(forms.Form):
    unit = forms.CharField(label=_("Responsible unit (jurisdiction code)"), max_length=15)
    severity = forms.ChoiceField(label=_("Severity"), choices=FindingSeverity.choices)
    description = forms.CharField(
        label=_("Problem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateTimeField(label=_("Deadline"), widget=DATETIME)


class BodyForm(forms.Form):
    region = forms.CharField(label=_("Jurisdiction code"), max_length=15)
    name = forms.CharField(label=_("Name"), max_length=200)


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Working group"), choices=WorkingGroupKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class MemberForm(forms.Form):
    kind = forms.ChoiceField(label=_("Working group"), choices=WorkingGroupKind.choices)
    username = forms.CharField(label=_("User name"), max_length=150)
    leader = forms.BooleanField(label=_("Leader"), required=False)
    duty = forms.CharField(label=_("Duty"), max_length=200, required=False)


class IncidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.CharField(label=_("Jurisdiction code"), max_length=15)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    video_url = forms.CharField(
        label=_("Video room address"),
        max_length=500,
        required=False,
        help_text=_("The room in the conferencing system (https://…)."),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
