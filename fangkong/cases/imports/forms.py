"""The upload form of an export of the direct reporting system."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CaseImportForm(forms.Form):
    file = forms.FileField(
        label=_("Export of the direct reporting system (CSV)"),
        help_text=_(
            "Columns id_number, classification, reported_at and onset_date, optionally "
            "report_card (or 证件号码, 病例分类, 报告时间, 发病日期, 报告卡编号); other "
            "columns are ignored. UTF-8 (with or without BOM) or GB18030."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
