"""Form widgets every app's forms use where the browser's own control needs a fixed format."""

from __future__ import annotations

from typing import Any

from django import forms


class IsoDateInput(forms.DateInput):
    """``<input type="date">`` with its value in ISO form (``2026-12-07``), whatever the
    language: the browser's date control reads only that form and shows an empty box for the
    localised ``2026/12/07`` of the Chinese formats."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
