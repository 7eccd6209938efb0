"""The bulk decision on the contacts tab: the ticked candidates, the decision, one reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.tracing.contacts.services import MAX_DECIDE


class DecisionForm(forms.Form):
    contacts = forms.MultipleChoiceField(
        label=_("Candidates"), widget=forms.CheckboxSelectMultiple, required=True
    )
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args: object, codes: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        contacts = self.fields["contacts"]
        assert isinstance(contacts, forms.MultipleChoiceField)
        contacts.choices = [(code, code) for code in codes[:MAX_DECIDE]]
