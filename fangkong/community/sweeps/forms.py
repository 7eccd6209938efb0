"""Forms of the sweep pages: they parse input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.community.choices import HomeboundReason, VisitState


class SweepForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    reason = forms.CharField(label=_("Reason"), max_length=255)


class VisitForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Found"), choices=[c for c in VisitState.choices if c[0] != VisitState.PENDING]
    )
    residents_counted = forms.IntegerField(
        label=_("Residents counted"), min_value=0, max_value=100, required=False
    )
    present = forms.MultipleChoiceField(
        label=_("Registered residents found"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_residents = forms.CharField(
        label=_("New residents (one name per line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    homebound = forms.MultipleChoiceField(
        label=_("Cannot go out: sample at the door"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    homebound_reason = forms.ChoiceField(
        label=_("Why they cannot go out"),
        required=False,
        choices=[("", "—"), *HomeboundReason.choices],
    )

    def new_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data["new_residents"].splitlines() if n.strip()]


class DoorBindForm(forms.Form):
    """One listed resident sampled at the door: the tube's barcode, the team's post (a
    door-to-door point and an open round covering it, as ``point:round``) and the listed
    members of the same household who share the tube (by entry id; the view fills the
    choices; none: a one-person tube)."""

    post = forms.ChoiceField(label=_("Team and round"))
    barcode = forms.CharField(label=_("Tube barcode"), max_length=32)
    housemates = forms.MultipleChoiceField(
        label=_("In the same tube (one tube per household)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DoorTeamForm(forms.Form):
    """A sweep's door-to-door team: its name, where it sets out from, its samplers (chosen
    among the samplers of the jurisdiction; the view fills the choices)."""

    name = forms.CharField(label=_("Team name"), max_length=120)
    address = forms.CharField(label=_("Sets out from (address)"), max_length=255, required=False)
    samplers = forms.MultipleChoiceField(
        label=_("Samplers"), required=False, widget=forms.CheckboxSelectMultiple
    )
