"""The upload form of the tracing page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from fangkong.tracing.choices import FeedKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Contents"), choices=FeedKind.choices)
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=60,
        initial="upload",
        help_text=gettext_lazy("The feed or office the file comes from."),
    )
    file = forms.FileField(label=gettext_lazy("File (.csv or .parquet)"))
