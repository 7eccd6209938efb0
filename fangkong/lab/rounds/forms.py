"""Forms of the round pages: opening a round (areas one per line, with their zone) and
exempting a person (reason, until when, this round or every round)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangkong.core.widgets import IsoDateInput
from fangkong.lab.choices import ExemptionReason, RoundKind


class RoundOpenForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=120)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=RoundKind.choices,
        initial=RoundKind.OUTBREAK,
        required=False,
        help_text=gettext_lazy(
            "The rules in force decide which kinds may open: without area screening only "
            "targeted testing (key groups, arrivals, voluntary)."
        ),
    )
    areas = forms.CharField(
        label=gettext_lazy("Areas"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text=gettext_lazy(
            "One jurisdiction code per line, optionally followed by its zone "
            "(high, medium, low or other), e.g. “110105001 high”."
        ),
    )


#: Longest an exemption may run from today (a season; longer ones are reviewed anew).
MAX_DAYS = 120


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=ExemptionReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)
    until = forms.DateField(
        label=gettext_lazy("Exempt until (end of the day)"),
        widget=IsoDateInput(),
    )
    all_rounds = forms.BooleanField(
        label=gettext_lazy("For every round until then, not only this one"), required=False
    )

    def clean_until(self) -> datetime:
        day = self.cleaned_data["until"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("The date is in the past."))
        if day > today + timedelta(days=MAX_DAYS):
            raise forms.ValidationError(_("At most %(days)s days ahead.") % {"days": MAX_DAYS})
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


MAX_AREAS = 200
