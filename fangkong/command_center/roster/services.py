"""24-hour duty rosters per working group (值班排班, issue 22 §3, R32): built from a shift
pattern rotating over the group's members, checked against the rule set's exhaustion rules
before the shifts happen, and a duty log per shift.

The check is ``engine.roster.roster_check`` over the group's shifts; the rules are
``command.roster_max_consecutive_shifts``, ``command.roster_max_consecutive_hours`` and
``command.roster_min_rest_hours`` in force at the body's node.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.duty_choices import NotificationKind
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import COMMAND_ROLES, READ_ROLES
from fangkong.command_center.models import DutyLogEntry, DutyShift, GroupMember, WorkingGroup
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.roster.selectors import RosterFlags, roster_flags
from fangkong.core.actor import Actor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, PermissionDenied, field_error

#: Shift lengths a 24-hour pattern may use (3 × 8 h, 2 × 12 h, 1 × 24 h).
PATTERNS = (8, 12, 24)


def roster_generate(
    *, actor: Actor, group: WorkingGroup, first_day: date, days: int, shift_hours: int
) -> RosterFlags:
    """Lay out ``days`` days of 24-hour cover from ``first_day`` (local midnight at the
    body's node) in shifts of ``shift_hours``, rotating over the group's members in order
    (leaders first), and check it.

    1. A commander (403); a pattern of :data:`PATTERNS` (422 naming ``shift_hours``), 1–31
       days (``days``), a group with members (``members``); no existing shift may overlap
       the period (409 ``roster_exists``).
    2. The shifts, one audit row.
    3. The check (:func:`roster_flags`); when it flags anything, the group's leaders are
       told before the shifts happen.
    """
    require_role(actor, COMMAND_ROLES)
    errors: Errors = []
    if shift_hours not in PATTERNS:
        errors.append(field_error("shift_hours", "invalid_choice", _("8, 12 or 24 hours.")))
    if not 1 <= days <= 31:
        errors.append(field_error("days", "out_of_range", _("Between 1 and 31.")))
    members = list(GroupMember.objects.filter(group=group).order_by("-leader", "id"))
    if not members:
        errors.append(field_error("members", "no_members", _("Add members to the group first.")))
    raise_if(errors, _("The roster was not made."))
    zone = ZoneInfo(group.body.region.time_zone)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = start + timedelta(days=days)
    count = days * 24 // shift_hours
    with transaction.atomic():
        if DutyShift.objects.filter(group=group, ends_at__gt=start, starts_at__lt=end).exists():
            raise Conflict(_("The group has shifts in that period already."), code="roster_exists")
        DutyShift.objects.bulk_create(
            [
                DutyShift(
                    group=group,
                    user_id=members[k % len(members)].user_id,
                    starts_at=start + timedelta(hours=k * shift_hours),
                    ends_at=start + timedelta(hours=(k + 1) * shift_hours),
                )
                for k in range(count)
            ]
        )
        audit_record(
            actor=actor,
            action="roster_generate",
            object_type="command_body",
            object_id=group.body.code,
            fields=["shifts"],
            extra={"kind": group.kind, "days": days, "shift_hours": shift_hours},
        )
        flags = roster_flags(group=group, start=start, end=end)
        if not flags.clean:
            notify(
                users=[m.user_id for m in members if m.leader] or [actor.user_id],
                kind=NotificationKind.LATE,
                subject=_("Roster of %(group)s breaks the duty rules or leaves hours uncovered")
                % {"group": group.name},
                link=reverse("command_center:roster", args=[group.body.code, group.kind]),
            )
    return flags


def duty_log_add(*, actor: Actor, shift: DutyShift, entry: str) -> DutyLogEntry:
    """Add a line to the duty log of ``shift``: by the person on that shift or a commander
    (403 otherwise); the text is required (422 naming ``entry``)."""
    require_role(actor, READ_ROLES)
    if actor.user_id != shift.user_id and actor.role not in COMMAND_ROLES:
        raise PermissionDenied(_("Only the person on duty writes this log."), code="not_on_duty")
    errors: Errors = []
    cleaned = text(entry, field="entry", max_length=2000, errors=errors, required=True)
    raise_if(errors, _("Nothing was logged."))
    with transaction.atomic():
        line = DutyLogEntry.objects.create(
            shift=shift, at=timezone.now(), by_id=actor.user_id, text=cleaned
        )
        audit_record(
            actor=actor,
            action="duty_log_add",
            object_type="duty_shift",
            object_id=shift.pk,
            fields=["text"],
        )
    return line
