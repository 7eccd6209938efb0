"""Exempting someone from a round (免检): a grid worker at the door, or the command, records
why a person on the not-yet-tested list is not to be tested and until when (R14)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.widgets import IsoDateInput
from fangkong.lab.access import access_exemption, access_round
from fangkong.lab.choices import ExemptionReason
from fangkong.lab.models import ScreeningRound
from fangkong.lab.roles import COVERAGE_WRITE_ROLES
from fangkong.lab.rounds.selectors import exemptions_in_force
from fangkong.lab.rounds.services import exemption_grant, exemption_revoke
from fangkong.people.access import access_person
from fangkong.people.models import Person
from fangkong.people.presentation import person_row

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


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(COVERAGE_WRITE_ROLES))
def exemption_view(request: HttpRequest, code: str, person: str) -> HttpResponse:
    """The form, and on POST the exemption (audited by the service), back to the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=COVERAGE_WRITE_ROLES)
    subject = access_person(actor, person)
    initial = {"until": timezone.localdate(screening_round.deadline_at)}
    form = ExemptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exemption_grant(
                actor=actor,
                person=subject,
                reason=data["reason"],
                valid_until=data["until"],
                note=data["note"],
                screening_round=None if data["all_rounds"] else screening_round,
            )
        except ValidationFailed as exc:
            errors_on_form(form, exc)
            return render(
                request,
                "lab/exemption.html",
                _context(actor, screening_round, subject, form),
                status=422,
            )
        messages.success(
            request,
            _("%(name)s is exempt: %(reason)s.")
            % {"name": subject.name, "reason": ExemptionReason(data["reason"]).label},
        )
        return redirect("lab:round", code=screening_round.code)
    return render(
        request,
        "lab/exemption.html",
        _context(actor, screening_round, subject, form),
        status=422 if request.method == "POST" else 200,
    )


def _context(
    actor: Actor, screening_round: ScreeningRound, subject: Person, form: forms.Form
) -> dict[str, Any]:
    return {
        "round": screening_round,
        "person": person_row(actor, subject),
        "form": form,
        "in_force": exemptions_in_force(actor, person=subject),
    }


@require_http_methods(["POST"])
@actor_required(*sorted(COVERAGE_WRITE_ROLES))
def exemption_revoke_view(request: HttpRequest, code: str, exemption: str) -> HttpResponse:
    """End an exemption now (reason required, audited by the service), back to the person's
    exemption page of the round."""
    actor = actor_of(request)
    screening_round = access_round(actor, code, roles=COVERAGE_WRITE_ROLES)
    found = access_exemption(actor, exemption, roles=COVERAGE_WRITE_ROLES)
    try:
        exemption_revoke(actor=actor, exemption=found, reason=request.POST.get("reason", ""))
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The exemption is revoked."))
    return redirect("lab:round_exempt", code=screening_round.code, person=found.person.code)


urlpatterns: list[URLPattern] = [
    path("rounds/<uuid:code>/exempt/<uuid:person>/", exemption_view, name="round_exempt"),
    path(
        "rounds/<uuid:code>/exemptions/<uuid:exemption>/revoke/",
        exemption_revoke_view,
        name="exemption_revoke",
    ),
]
