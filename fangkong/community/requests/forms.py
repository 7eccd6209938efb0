"""Forms of the request pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.community.choices import RequestCategory, RequestChannel


class FileForm(forms.Form):
    household = forms.UUIDField(label=_("Household code"))
    category = forms.ChoiceField(label=_("What is needed"), choices=RequestCategory.choices)
    channel = forms.ChoiceField(
        label=_("Taken by"),
        choices=[c for c in RequestChannel.choices if c[0] != RequestChannel.RESIDENT],
    )
    description = forms.CharField(
        label=_("Details"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResidentForm(forms.Form):
    category = forms.ChoiceField(label=_("What do you need?"), choices=RequestCategory.choices)
    description = forms.CharField(
        label=_("Details"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("accepted", _("Accept")),
            ("done", _("Mark done")),
            ("confirmed", _("Confirm done")),
            ("refused", _("Refuse")),
            ("approve", _("Approve the exit")),
            ("vehicle", _("Assign the vehicle")),
            ("return", _("Record the return")),
        ]
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)
    destination = forms.CharField(label=_("Hospital"), max_length=255, required=False)
    plate = forms.CharField(label=_("Plate"), max_length=20, required=False)
    driver = forms.CharField(label=_("Driver"), max_length=60, required=False)
    return_by = forms.DateTimeField(label=_("Back by"), required=False)
