"""Lead-list pages: the receiving district's inbox with the "not checked" counts per
district, one list's persons with a check form each, and the push from a case's contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.cases.access import access_case
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.tracing.leads import presentation, selectors, services
from fangkong.tracing.leads.access import access_lead_item, access_lead_list
from fangkong.tracing.leads.forms import CheckForm
from fangkong.tracing.leads.models import LeadList
from fangkong.tracing.leads.roles import LEAD_CHECK_ROLES, LEAD_PUSH_ROLES, LEAD_WATCH_ROLES


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 100_000))
    except ValueError:
        return 1


@actor_required(*sorted(LEAD_WATCH_ROLES))
def inbox_view(request: HttpRequest) -> HttpResponse:
    """Lists pushed to the actor's district and the persons not checked by the deadline."""
    actor = actor_of(request)
    return render(
        request,
        "tracing/leads.html",
        {
            "page": selectors.lead_inbox(actor=actor, page=_page_number(request)),
            "not_checked": selectors.leads_not_checked(actor=actor),
            "can_check": actor.role in LEAD_CHECK_ROLES,
        },
    )


def _list_context(request: HttpRequest, lead_list: LeadList, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    page = paginate(selectors.lead_items(lead_list), page=_page_number(request), page_size=100)
    return {
        "lead_list": lead_list,
        "page": page.with_items(presentation.lead_rows(actor, lead_list, list(page.items))),
        "form": extra.get("form") or CheckForm(),
        "failed": extra.get("failed", ""),
    }


@actor_required(*sorted(LEAD_CHECK_ROLES))
def list_view(request: HttpRequest, code: str) -> HttpResponse:
    """One list: what the district needs to locate each person, and a check form for each."""
    lead_list = access_lead_list(actor_of(request), code)
    return render(request, "tracing/lead_list.html", _list_context(request, lead_list))


@require_POST
@actor_required(*sorted(LEAD_CHECK_ROLES))
def check_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    item = access_lead_item(actor, code)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            services.lead_item_check(
                actor=actor,
                item=item,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except FangkongError as exc:
            errors_on_form(form, exc)
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("tracing:lead_list", code=item.lead_list.code)
    context = _list_context(request, item.lead_list, form=form, failed=str(item.code))
    return render(request, "tracing/lead_list.html", context, status=422)


@require_POST
@actor_required(*sorted(LEAD_PUSH_ROLES))
def push_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    case = access_case(actor, code, roles=LEAD_PUSH_ROLES)
    pushed = services.lead_lists_push(actor=actor, case=case)
    if pushed:
        messages.success(
            request,
            _("%(persons)d persons pushed to %(districts)d districts.")
            % {"persons": sum(p.persons for p in pushed), "districts": len(pushed)},
        )
    else:
        messages.info(request, _("Nobody to push: no new contact lives in another district."))
    return redirect("tracing:contacts", code=case.code)
