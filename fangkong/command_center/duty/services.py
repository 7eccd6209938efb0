"""Duty checks (值班抽查, issue 22 §3): a commander asks every locality directly below; each
locality's officer on duty acknowledges within the rule set's minutes
(``command.duty_check_answer_minutes``); the periodic review tells the sender who did not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.directives.selectors import child_units
from fangkong.command_center.duty_choices import NotificationKind
from fangkong.command_center.duty_inputs import raise_if, require_role
from fangkong.command_center.duty_roles import COMMAND_ROLES, DUTY_ANSWER_ROLES
from fangkong.command_center.models import DutyCheck, DutyCheckAnswer
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.notifications.recipients import unit_recipients
from fangkong.core.actor import Actor, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import NotFound, field_error
from fangkong.policy.selectors import rules_for_actor


def _link(check: DutyCheck) -> str:
    return reverse("command_center:duty_check", args=[check.code])


def duty_check_send(*, actor: Actor, at: datetime | None = None) -> DutyCheck:
    """Send a duty check from the actor's node to every active node directly below it, now
    (``at`` only where the simulation replays an earlier moment).

    1. Only a commander sends (403); a node with nothing below it is refused (422).
    2. The answer is due ``command.duty_check_answer_minutes`` from now, by the rules in
       force at the actor's node (recorded with the check).
    3. The check, one answer row per locality, an audit row; the officers on duty of each
       locality are notified.
    """
    require_role(actor, COMMAND_ROLES)
    localities = list(child_units(actor=actor))
    if not localities:
        raise_if(
            [field_error("units", "no_units_below", _("There is no locality below your node."))],
            _("The duty check was not sent."),
        )
    now = at or timezone.now()
    rules = rules_for_actor(actor, timezone.localdate(now))
    minutes = rules.parameters.command.duty_check_answer_minutes
    with transaction.atomic():
        check = DutyCheck.objects.create(
            region_id=actor.region_id,
            sent_by_id=actor.user_id,
            sent_at=now,
            due_at=now + timedelta(minutes=minutes),
            rule_set=rules.label,
        )
        DutyCheckAnswer.objects.bulk_create(
            [DutyCheckAnswer(check_sent=check, region=locality) for locality in localities]
        )
        audit_record(
            actor=actor,
            action="duty_check_send",
            object_type="duty_check",
            object_id=check.code,
            fields=["due_at"],
            rule_set=rules.label,
            extra={"localities": len(localities), "minutes": minutes},
        )
        notify(
            users=unit_recipients(
                region_ids=[loc.pk for loc in localities], roles=DUTY_ANSWER_ROLES
            ),
            kind=NotificationKind.DUTY_CHECK,
            subject=_("Duty check: acknowledge within %(minutes)d minutes") % {"minutes": minutes},
            link=_link(check),
        )
    return check


def duty_check_answer(
    *, actor: Actor, check: DutyCheck, at: datetime | None = None
) -> DutyCheckAnswer:
    """The officer on duty of a locality asked by ``check`` acknowledges it (for the locality
    of their own node; 404 when that locality was not asked), now (``at`` only where the
    simulation replays an earlier moment). Answering again changes nothing. A late answer
    tells the sender."""
    require_role(actor, DUTY_ANSWER_ROLES)
    answer = DutyCheckAnswer.objects.filter(check_sent=check, region_id=actor.region_id).first()
    if answer is None:
        raise NotFound(_("Your locality was not asked by this check."), code="duty_check_not_found")
    if answer.answered_at is not None:
        return answer
    now = at or timezone.now()
    with transaction.atomic():
        changed = DutyCheckAnswer.objects.filter(pk=answer.pk, answered_at__isnull=True).update(
            answered_at=now, answered_by_id=actor.user_id
        )
        answer.refresh_from_db()
        if changed != 1:
            return answer
        late = now > check.due_at
        audit_record(
            actor=actor,
            action="duty_check_answer",
            object_type="duty_check",
            object_id=check.code,
            fields=["answered_at"],
            extra={"locality": actor.region_code, "late": late},
        )
        if late:
            notify(
                users=[check.sent_by_id],
                kind=NotificationKind.LATE,
                subject=_("Duty check answered late by %(locality)s")
                % {"locality": answer.region.name},
                link=_link(check),
            )
    return answer


def duty_checks_review(*, actor: AnyActor, now: datetime | None = None) -> int:
    """Tell the sender of each check past its due time, once, how many localities did not
    answer (a conditional update marks it reviewed). Returns the checks reviewed."""
    now = now or timezone.now()
    due = list(
        DutyCheck.objects.filter(due_at__lt=now, reviewed_at__isnull=True).order_by("id")[:1000]
    )
    for check in due:
        with transaction.atomic():
            if (
                DutyCheck.objects.filter(pk=check.pk, reviewed_at__isnull=True).update(
                    reviewed_at=now
                )
                != 1
            ):
                continue
            missing = DutyCheckAnswer.objects.filter(
                check_sent=check, answered_at__isnull=True
            ).count()
            audit_record(
                actor=actor,
                action="duty_check_review",
                object_type="duty_check",
                object_id=check.code,
                fields=["reviewed_at"],
                extra={"unanswered": missing},
            )
            if missing:
                notify(
                    users=[check.sent_by_id],
                    kind=NotificationKind.LATE,
                    subject=_("Duty check: %(count)d localities did not answer in time")
                    % {"count": missing},
                    link=_link(check),
                )
    return len(due)
