"""Forms of the jurisdiction pages: they parse input; services check codes and names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RenameForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="rename")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2_000_000_000)
    name = forms.CharField(label=_("New name"), max_length=100)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class ChildForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="child")
    code = forms.RegexField(label=_("Code"), regex=r"^\d{6,15}$", max_length=15)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        required=False,
        help_text=_("Leave empty to use the parent's."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Division table (CSV)"),
        help_text=_(
            "Columns code,name,parent_code and optionally time_zone; UTF-8 (with or without "
            "BOM) or GB18030."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
