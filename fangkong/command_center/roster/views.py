"""The roster page of one working group: the shifts of the coming week with their duty logs,
what the roster check flags (uncovered hours, broken rest), and the forms to lay out a roster
(commanders) and to log a shift (the person on duty)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.roster.selectors import roster_flags, shift_get, shift_list
from fangkong.command_center.roster.services import (
    PATTERNS,
    duty_log_add,
    roster_generate,
)
from fangkong.command_center.structure.access import access_body, access_group
from fangkong.core.errors import FangkongError, NotFound
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.times import epidemic_date_validator
from fangkong.core.widgets import IsoDateInput


class RosterForm(forms.Form):
    first_day = forms.DateField(
        validators=[epidemic_date_validator], label=gettext_lazy("First day"), widget=IsoDateInput()
    )
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=31, initial=7)
    shift_hours = forms.TypedChoiceField(
        label=gettext_lazy("Shift pattern"),
        coerce=int,
        choices=[(h, gettext_lazy("%(hours)d-hour shifts") % {"hours": h}) for h in PATTERNS],
    )


def _week(request: HttpRequest, zone: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        first = timezone.localdate()
    start = datetime.combine(first, time.min, tzinfo=zone)
    return start, start + timedelta(days=7)


def _page(
    request: HttpRequest, code: UUID, kind: str, form: RosterForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    body = access_body(actor, code)
    group = access_group(body, kind)
    start, end = _week(request, ZoneInfo(body.region.time_zone))
    shifts = list(shift_list(group=group, start=start, end=end).prefetch_related("log"))
    flags = roster_flags(group=group, start=start, end=end)
    flagged = flags.flagged()
    return render(
        request,
        "command_center/roster.html",
        {
            "body": body,
            "group": group,
            "shifts": shifts,
            "flags": flags,
            "flagged": flagged,
            "start": start,
            "may_generate": actor.role in COMMAND_ROLES,
            "form": form or RosterForm(initial={"first_day": start.date(), "days": 7}),
            "actor_user": actor.user_id,
            "may_log_all": actor.role in COMMAND_ROLES,
        },
        status=status,
    )


@actor_required(*READ_ROLES)
def roster_view(request: HttpRequest, code: UUID, kind: str) -> HttpResponse:
    """The group's roster for the week from ``?from=`` (today by default)."""
    return _page(request, code, kind)


@require_POST
@actor_required(*COMMAND_ROLES)
def roster_generate_view(request: HttpRequest, code: UUID, kind: str) -> HttpResponse:
    actor = actor_of(request)
    group = access_group(access_body(actor, code, roles=COMMAND_ROLES), kind)
    form = RosterForm(request.POST)
    if form.is_valid():
        try:
            flags = roster_generate(actor=actor, group=group, **form.cleaned_data)
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            if flags.clean:
                messages.success(request, _("Roster made; it keeps the duty rules."))
            else:
                messages.warning(request, _("Roster made; see what it breaks below."))
            first = form.cleaned_data["first_day"].isoformat()
            return redirect(f"{request.path.rsplit('generate/', 1)[0]}?from={first}")
    return _page(request, code, kind, form=form, status=422)


@require_POST
@actor_required(*READ_ROLES)
def duty_log_view(request: HttpRequest, code: UUID, kind: str, shift: int) -> HttpResponse:
    actor = actor_of(request)
    group = access_group(access_body(actor, code), kind)
    row = shift_get(group=group, shift_id=shift)
    if row is None:
        raise NotFound(_("No such shift."), code="shift_not_found")
    try:
        duty_log_add(actor=actor, shift=row, entry=str(request.POST.get("entry") or ""))
    except FangkongError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect(f"{request.path.rsplit('shifts/', 1)[0]}")
