"""Duty-check pages: the list with the send button (commanders), and one check showing at a
glance who answered in time, who late and who not, with the acknowledge button for the
locality's officer on duty."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.command_center.duty.access import access_duty_check
from fangkong.command_center.duty.selectors import answer_rows, duty_check_list
from fangkong.command_center.duty.services import duty_check_answer, duty_check_send
from fangkong.command_center.duty_forms import page_number
from fangkong.command_center.duty_roles import COMMAND_ROLES, DUTY_ANSWER_ROLES, READ_ROLES
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate


@actor_required(*READ_ROLES)
def duty_checks_view(request: HttpRequest) -> HttpResponse:
    """Duty checks in scope, newest first, with how many localities answered."""
    actor = actor_of(request)
    page = paginate(duty_check_list(actor=actor), page=page_number(request), page_size=50)
    return render(
        request,
        "command_center/duty_checks.html",
        {"page": page, "may_send": actor.role in COMMAND_ROLES},
    )


@require_POST
@actor_required(*COMMAND_ROLES)
def duty_check_send_view(request: HttpRequest) -> HttpResponse:
    check = duty_check_send(actor=actor_of(request))
    messages.success(request, _("Duty check sent."))
    return redirect("command_center:duty_check", code=check.code)


@actor_required(*READ_ROLES)
def duty_check_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One check: every locality the actor may see, in time, late, waiting or missed."""
    actor = actor_of(request)
    check = access_duty_check(actor, code)
    now = timezone.now()
    rows = answer_rows(actor=actor, check=check, now=now)
    own = next((r for r in rows if r.region_code == actor.region_code), None)
    return render(
        request,
        "command_center/duty_check.html",
        {
            "check": check,
            "rows": rows,
            "may_answer": actor.role in DUTY_ANSWER_ROLES
            and own is not None
            and not own.answered_at,
        },
    )


@require_POST
@actor_required(*DUTY_ANSWER_ROLES)
def duty_check_answer_view(request: HttpRequest, code: UUID) -> HttpResponse:
    actor = actor_of(request)
    duty_check_answer(actor=actor, check=access_duty_check(actor, code, roles=DUTY_ANSWER_ROLES))
    messages.success(request, _("Acknowledged."))
    return redirect("command_center:duty_check", code=code)
