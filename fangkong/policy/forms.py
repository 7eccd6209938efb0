"""Forms of the rule-set pages: they parse input; services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.widgets import IsoDateInput

KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"
MAX_JSON = 200_000


class LookupForm(forms.Form):
    """Which rules hold for a node on a date."""

    region = forms.RegexField(
        label=_("Jurisdiction code"), regex=r"^\d{6,15}$", max_length=15, required=False
    )
    on = forms.DateField(label=_("Date"), required=False, widget=IsoDateInput())


class CompareForm(forms.Form):
    a = forms.CharField(label=_("Rule set A"), max_length=60)
    b = forms.CharField(label=_("Rule set B"), max_length=60)
    changed = forms.BooleanField(label=_("Changed values only"), required=False)


class _JsonField(forms.JSONField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 14, "class": "mono", "spellcheck": "false"})
        )
        super().__init__(max_length=MAX_JSON, **kwargs)  # type: ignore[arg-type]

    def validate(self, value: object) -> None:
        super().validate(value)
        if value is not None and not isinstance(value, dict):
            raise forms.ValidationError(_("Enter a JSON object."))


class RevisionForm(forms.Form):
    """A new revision: the changes to lay over the starting revision, or the complete set."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)
    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)
    mode = forms.ChoiceField(
        label=_("The JSON below is"),
        choices=[
            ("changes", _("changes laid over this revision")),
            ("parameters", _("the complete new parameter set")),
        ],
        initial="changes",
    )
    parameters = _JsonField(label=_("Parameters (JSON)"))
    effective_from = forms.DateField(
        label=_("Effective from"), required=False, widget=IsoDateInput()
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    draft = forms.BooleanField(label=_("Save as a draft"), required=False)


class OverrideForm(forms.Form):
    """A jurisdiction override: a partial parameter set for a node of the actor's subtree."""

    key = forms.RegexField(
        label=_("Key"),
        regex=KEY_PATTERN,
        max_length=40,
        help_text=_("3–40 lower-case letters, digits and hyphens, e.g. cd-turnaround."),
    )
    region = forms.RegexField(label=_("Jurisdiction code"), regex=r"^\d{6,15}$", max_length=15)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    effective_from = forms.DateField(label=_("Effective from"), widget=IsoDateInput())
    base_key = forms.ChoiceField(label=_("Only while this edition is in force"), required=False)
    parameters = _JsonField(label=_("Parameters to override (JSON)"))
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    draft = forms.BooleanField(label=_("Save as a draft"), required=False)

    def __init__(self, *args: object, editions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["base_key"].choices = [("", _("any edition")), *editions]  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    """Publish a draft or retire a revision."""

    action = forms.ChoiceField(choices=[("publish", "publish"), ("retire", "retire")])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)
    reason = forms.CharField(label=_("Reason"), max_length=1000)
