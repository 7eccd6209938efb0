"""The intake page: cases whose confirmed contacts are waiting for their orders, each with the
action that issues them in bulk (``intake.services.contact_orders_issue``)."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.cases.access import access_case
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.isolation.intake.selectors import cases_awaiting_orders
from fangkong.isolation.intake.services import contact_orders_issue
from fangkong.isolation.roles import INTAKE_ROLES


class ContactOrdersForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=255, widget=forms.TextInput())


def _page(request: HttpRequest, form: ContactOrdersForm | None, status: int = 200) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "isolation/intake.html",
        {"waiting": cases_awaiting_orders(actor=actor), "form": form or ContactOrdersForm()},
        status=status,
    )


@actor_required(*INTAKE_ROLES)
def intake_view(request: HttpRequest) -> HttpResponse:
    """Cases in scope with confirmed close or secondary contacts that have no order yet."""
    return _page(request, None)


@require_POST
@actor_required(*INTAKE_ROLES)
def contact_orders_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """Issue the orders of one case's confirmed contacts without one, then back to the list."""
    actor = actor_of(request)
    case = access_case(actor, code, roles=INTAKE_ROLES)
    form = ContactOrdersForm(request.POST)
    if form.is_valid():
        try:
            report = contact_orders_issue(
                actor=actor, case=case, reason=form.cleaned_data["reason"]
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            skipped = sum(report.skipped.values())
            messages.success(
                request,
                _(
                    "%(created)d orders issued, %(existing)d contacts already under an open "
                    "order, %(skipped)d left to their district or too old."
                )
                % {
                    "created": len(report.created),
                    "existing": len(report.existing),
                    "skipped": skipped,
                },
            )
            return redirect("isolation:intake")
    return _page(request, form, status=422)
