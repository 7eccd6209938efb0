"""Forms of the results pages: on the lab workbench, results for a few tubes (all or none) and a
result file; on the alerts page, assigning, closing and filtering lab alerts. Each carries a
hidden idempotency key made when it is rendered."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.lab.choices import AlertKind, AlertStatus, TubeResult

RESULT_ROWS = 5

_BLANK: list[tuple[str, str]] = [("", "—")]


def _key() -> str:
    return uuid.uuid4().hex


class ResultsForm(forms.Form):
    """A few tubes by hand: barcode, result, Ct values; empty lines are skipped."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(RESULT_ROWS):
            self.fields[f"barcode_{index}"] = forms.CharField(
                label=_("Barcode"), max_length=64, required=False
            )
            self.fields[f"result_{index}"] = forms.ChoiceField(
                label=_("Result"),
                choices=[("", "—"), *TubeResult.choices],
                required=False,
            )
            for name, label in (("ct_orf1ab", _("Ct ORF1ab")), ("ct_n", _("Ct N"))):
                self.fields[f"{name}_{index}"] = forms.FloatField(
                    label=label, required=False, min_value=0, max_value=99
                )
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()

    def rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"{name}_{index}"] for name in ("barcode", "result", "ct_orf1ab", "ct_n")]
            for index in range(RESULT_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = []
        for index in range(RESULT_ROWS):
            barcode = (data.get(f"barcode_{index}") or "").strip()
            result = data.get(f"result_{index}") or ""
            if not barcode and not result:
                continue
            if not barcode or not result:
                self.add_error(
                    f"barcode_{index}" if not barcode else f"result_{index}",
                    _("Give both the barcode and the result."),
                )
                continue
            filled.append(
                {
                    "barcode": barcode,
                    "result": result,
                    "ct_orf1ab": data.get(f"ct_orf1ab_{index}"),
                    "ct_n": data.get(f"ct_n_{index}"),
                    "line": index + 1,
                }
            )
        if not filled and not self.errors:
            raise forms.ValidationError(_("Enter at least one tube."))
        data["filled"] = filled
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Result file (.csv or .xlsx)"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()


class AlertAssignForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=20)
    barcode = forms.CharField(widget=forms.HiddenInput, max_length=32)
    username = forms.CharField(label=gettext_lazy("Owner (user name)"), max_length=150)


class AlertCloseForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=20)
    barcode = forms.CharField(widget=forms.HiddenInput, max_length=32)
    reason = forms.CharField(label=gettext_lazy("Closing reason"), max_length=255)


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=_BLANK + list(AlertStatus.choices)
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False, choices=_BLANK + list(AlertKind.choices)
    )
