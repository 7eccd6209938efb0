"""Dispatch meetings (调度会, issue 22 §4): scheduling with the localities below, the roll
call, minutes and decisions. Directives a meeting produces are issued with
``directives.services.directive_issue(meeting=...)``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.directives.selectors import child_units
from fangkong.command_center.duty_choices import NotificationKind
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import COMMAND_ROLES, UNIT_RECIPIENT_ROLES
from fangkong.command_center.models import Meeting, MeetingAttendance
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.core.actor import Actor
from fangkong.core.audit import audit_record
from fangkong.core.errors import PermissionDenied, field_error


def _video_url(value: str, errors: Errors) -> str:
    cleaned = value.strip()
    parts = urlsplit(cleaned) if cleaned else None
    if parts is not None and (parts.scheme not in ("https", "http") or not parts.netloc):
        errors.append(
            field_error("video_url", "invalid_url", _("Give the room's http(s) address."))
        )
    elif len(cleaned) > 500:
        errors.append(field_error("video_url", "text_too_long", _("At most 500 characters.")))
    return cleaned


def meeting_schedule(*, actor: Actor, title: str, starts_at: datetime, video_url: str) -> Meeting:
    """Call a dispatch meeting of the actor's node with every locality directly below it;
    their commanders and officers on duty are invited (notified with the page's link)."""
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    cleaned = text(title, field="title", max_length=200, errors=errors, required=True)
    url = _video_url(video_url, errors)
    localities = list(child_units(actor=actor))
    if not localities:
        errors.append(
            field_error("units", "no_units_below", _("There is no locality below your node."))
        )
    raise_if(errors, _("The meeting was not called."))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            region_id=actor.region_id,
            called_by_id=actor.user_id,
            title=cleaned,
            starts_at=starts_at,
            video_url=url,
        )
        MeetingAttendance.objects.bulk_create(
            [MeetingAttendance(meeting=meeting, region=loc) for loc in localities]
        )
        audit_record(
            actor=actor,
            action="meeting_schedule",
            object_type="meeting",
            object_id=meeting.code,
            fields=["title", "starts_at", "video_url"],
        )
        notify(
            users=unit_recipients(
                region_ids=[loc.pk for loc in localities], roles=UNIT_RECIPIENT_ROLES
            ),
            kind=NotificationKind.DIRECTIVE,
            subject=_("Dispatch meeting %(title)s at %(at)s")
            % {"title": cleaned, "at": timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")},
            link=reverse("command_center:meeting", args=[meeting.code]),
        )
    return meeting


def _own(actor: Actor, meeting: Meeting) -> None:
    require_role(actor, COMMAND_ROLES)
    if actor.region_id != meeting.region_id:
        raise PermissionDenied(_("Only the command that called it keeps it."), code="not_yours")


def meeting_roll_call(*, actor: Actor, meeting: Meeting, present: Sequence[str]) -> int:
    """Record the roll call: the localities whose codes are in ``present`` attended, the
    others did not (an unknown code is refused, 422 naming ``present`` and the row).
    Returns how many attended."""
    _own(actor, meeting)
    invited = {
        a.region.code: a
        for a in MeetingAttendance.objects.filter(meeting=meeting).select_related("region")
    }
    errors = [
        field_error("present", "not_invited", _("This locality was not invited."), row=row)
        for row, code in enumerate(present, start=1)
        if code not in invited
    ]
    raise_if(errors, _("The roll call was not recorded."))
    with transaction.atomic():
        here = MeetingAttendance.objects.filter(meeting=meeting, region__code__in=list(present))
        count = here.update(present=True)
        MeetingAttendance.objects.filter(meeting=meeting).exclude(
            region__code__in=list(present)
        ).update(present=False)
        Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
        audit_record(
            actor=actor,
            action="meeting_roll_call",
            object_type="meeting",
            object_id=meeting.code,
            fields=["present"],
            extra={"present": count, "invited": len(invited)},
        )
    return count


def meeting_record(*, actor: Actor, meeting: Meeting, minutes: str, decisions: str) -> Meeting:
    """Keep the meeting's minutes and decisions (replacing the earlier text)."""
    _own(actor, meeting)
    errors: Errors = []
    said = text(minutes, field="minutes", max_length=20_000, errors=errors, required=False)
    decided = text(decisions, field="decisions", max_length=10_000, errors=errors, required=False)
    raise_if(errors, _("The minutes were not saved."))
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(
            minutes=said, decisions=decided, version=F("version") + 1, updated_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="meeting_record",
            object_type="meeting",
            object_id=meeting.code,
            fields=["minutes", "decisions"],
        )
    meeting.refresh_from_db()
    return meeting
