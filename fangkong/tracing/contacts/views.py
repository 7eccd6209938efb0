"""The contacts tab of a case: candidates and contacts with their exposure, a button that
derives candidates, and one form that confirms or dismisses the ticked candidates."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.cases.access import access_case
from fangkong.cases.models import Case
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.tracing.contacts import presentation, selectors, services
from fangkong.tracing.contacts.choices import ContactStatus
from fangkong.tracing.contacts.forms import DecisionForm
from fangkong.tracing.contacts.roles import CONTACT_DECIDE_ROLES, CONTACT_READ_ROLES

PAGE_SIZE = 200


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


def _context(request: HttpRequest, case: Case, form: DecisionForm | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    page = paginate(
        selectors.contact_list(actor=actor, case=case),
        page=_page_number(request),
        page_size=PAGE_SIZE,
    )
    rows = presentation.contact_rows(actor, case, list(page.items))
    candidates = [str(row.code) for row in rows if row.status == ContactStatus.CANDIDATE]
    return {
        "case": case,
        "page": page.with_items(rows),
        "counts": selectors.contact_counts(actor=actor, case=case),
        "form": form or DecisionForm(codes=candidates),
        "can_decide": actor.role in CONTACT_DECIDE_ROLES and case.is_open,
    }


@actor_required(*sorted(CONTACT_READ_ROLES))
def contacts_view(request: HttpRequest, code: str) -> HttpResponse:
    """A case's contacts: candidates first, then confirmed and dismissed ones."""
    case = access_case(actor_of(request), code, roles=CONTACT_READ_ROLES)
    return render(request, "tracing/contacts.html", _context(request, case))


@require_POST
@actor_required(*sorted(CONTACT_DECIDE_ROLES))
def contacts_derive_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    started = time.monotonic()
    found = services.contacts_derive(actor=actor, case=case)
    if found.window_start is None:
        messages.warning(request, _("The rules in force identify no close contacts."))
    else:
        messages.success(
            request,
            _("%(count)d new candidates from %(start)s (%(seconds).2f s, %(rule_set)s).")
            % {
                "count": found.total_created,
                "start": found.window_start,
                "seconds": time.monotonic() - started,
                "rule_set": found.rule_set,
            },
        )
    return redirect("tracing:contacts", code=case.code)


@require_POST
@actor_required(*sorted(CONTACT_DECIDE_ROLES))
def contacts_decide_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code, roles=CONTACT_DECIDE_ROLES)
    form = DecisionForm(request.POST, codes=request.POST.getlist("contacts"))
    if form.is_valid():
        try:
            changed = services.contacts_decide(
                actor=actor,
                case=case,
                codes=form.cleaned_data["contacts"],
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("%(count)d contacts decided.") % {"count": changed})
            return redirect("tracing:contacts", code=case.code)
    return render(request, "tracing/contacts.html", _context(request, case, form), status=422)
