"""The form of the lab workbench's receipt side: a package code and/or the scanned tubes,
with a hidden idempotency key made when it is rendered."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.lab.transport.services import MAX_TUBES_PER_PACKAGE


def _key() -> str:
    return uuid.uuid4().hex


class ReceiptForm(forms.Form):
    package = forms.CharField(
        label=gettext_lazy("Package code"), max_length=64, required=False, strip=True
    )
    tubes = forms.CharField(
        label=gettext_lazy("Tube barcodes, one per line"),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].widget.attrs["autofocus"] = True
        if not self.is_bound:
            self.initial["idempotency_key"] = _key()

    def clean_tubes(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["tubes"].splitlines()]
        barcodes = [line for line in lines if line]
        if not barcodes or len(barcodes) > MAX_TUBES_PER_PACKAGE:
            raise forms.ValidationError(
                _("Scan 1 to %(max)s tubes.") % {"max": MAX_TUBES_PER_PACKAGE}
            )
        return barcodes
