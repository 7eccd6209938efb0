"""Daily and zero reports (R31): filing with figures filled from the data, corrections that
stay visible, and the flagging of missing reports after the deadline.

A unit files for its own node (a commander or the officer on duty there); its figures cover
its whole subtree (``figures.report_figures``). The deadline is the rule set's
``command.daily_report_due_hour`` the morning after the day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.duty_choices import NotificationKind, ReportKind
from fangkong.command_center.duty_inputs import Errors, raise_if, require_role, text
from fangkong.command_center.duty_roles import COMMAND_ROLES, UNIT_RECIPIENT_ROLES, UNIT_ROLES
from fangkong.command_center.models import DailyReport, MissingReport, ReportCorrection
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.notifications.recipients import unit_nodes, unit_recipients
from fangkong.command_center.reports.figures import (
    FIGURES,
    NEW_FIGURES,
    day_bounds,
    report_deadline,
    report_figures,
)
from fangkong.core.actor import Actor, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, PermissionDenied, field_error
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region


def _link(region: Region, day: date) -> str:
    return f"{reverse('command_center:reports')}?day={day.isoformat()}&region={region.code}"


def report_file(*, actor: Actor, region: Region, day: date, zero: bool, notes: str) -> DailyReport:
    """File the report of the unit at ``region`` (the actor's own node) for ``day``.

    1. A commander or officer on duty of that node (403 otherwise); the day must have ended
       (422 naming ``day``); a zero report is refused when a figure of something new that day
       is not 0 (422 naming ``zero``); one report per unit and day (409 ``report_exists``).
    2. The figures are filled from the data (``report_figures``); the report is late when
       filed after the rule set's deadline; a missing-report flag is marked filed.
    3. One audit row; the commanders of the node above are told of a late report.
    """
    require_role(actor, UNIT_ROLES)
    if region.pk != actor.region_id:
        raise PermissionDenied(_("A unit files only its own report."), code="not_your_unit")
    errors: Errors = []
    cleaned = text(notes, field="notes", max_length=5000, errors=errors, required=False)
    now = timezone.now()
    _start, end = day_bounds(region, day)
    if now < end:
        errors.append(field_error("day", "day_not_over", _("The day is not over yet.")))
    raise_if(errors, _("The report was not filed."))
    figures = report_figures(region, day)
    if zero and any(figures[name] for name in NEW_FIGURES):
        raise_if(
            [
                field_error(
                    "zero",
                    "not_zero",
                    _("There is something new to report that day: file a daily report."),
                )
            ],
            _("The report was not filed."),
        )
    rules = rules_for(region, day)
    deadline = report_deadline(region, day, rules.parameters.command.daily_report_due_hour)
    late = now > deadline
    try:
        with transaction.atomic():
            report = DailyReport.objects.create(
                region=region,
                day=day,
                kind=ReportKind.ZERO if zero else ReportKind.DAILY,
                figures=figures,
                notes=cleaned,
                submitted_at=now,
                submitted_by_id=actor.user_id,
                late=late,
                rule_set=rules.label,
            )
            MissingReport.objects.filter(region=region, day=day, filed_at__isnull=True).update(
                filed_at=now
            )
            audit_record(
                actor=actor,
                action="report_file",
                object_type="daily_report",
                object_id=report.code,
                fields=["figures", "notes", "kind"],
                rule_set=rules.label,
                extra={"day": day.isoformat(), "late": late},
            )
            if late and region.parent_id:
                notify(
                    users=unit_recipients(region_ids=[region.parent_id], roles=COMMAND_ROLES),
                    kind=NotificationKind.REPORT,
                    subject=_("Late daily report from %(unit)s for %(day)s")
                    % {"unit": region.name, "day": day.isoformat()},
                    link=_link(region, day),
                )
    except IntegrityError as exc:
        raise Conflict(
            _("This unit's report for that day is filed already; correct it instead."),
            code="report_exists",
        ) from exc
    return report


def report_correct(
    *, actor: Actor, report: DailyReport, figure: str, corrected: int, note: str
) -> ReportCorrection:
    """The unit corrects one figure of its filed report, saying why. The filled value stays;
    the report shows both (422 naming ``figure``, ``corrected`` or ``note``)."""
    require_role(actor, UNIT_ROLES)
    if report.region_id != actor.region_id:
        raise PermissionDenied(_("A unit corrects only its own report."), code="not_your_unit")
    errors: Errors = []
    why = text(note, field="note", max_length=255, errors=errors, required=True)
    if figure not in FIGURES:
        errors.append(field_error("figure", "invalid_choice", _("Not one of the allowed values.")))
    if not 0 <= corrected <= 100_000_000:
        errors.append(field_error("corrected", "out_of_range", _("Between 0 and 100,000,000.")))
    raise_if(errors, _("The correction was not saved."))
    with transaction.atomic():
        correction = ReportCorrection.objects.create(
            report=report,
            figure=figure,
            filled=int(report.figures.get(figure, 0)),
            corrected=corrected,
            note=why,
            at=timezone.now(),
            by_id=actor.user_id,
        )
        audit_record(
            actor=actor,
            action="report_correct",
            object_type="daily_report",
            object_id=report.code,
            fields=[f"figures.{figure}"],
            reason=why,
        )
    return correction


def reports_flag_missing(*, actor: AnyActor, now: datetime | None = None) -> int:
    """Flag, once, every reporting unit whose report for its previous local day is not in
    when that day's deadline has passed, and tell the commanders of the node above (R31).

    Reporting units are the nodes where a commander or officer on duty holds an active
    membership, below the root. Returns the units flagged."""
    now = now or timezone.now()
    units = Region.objects.filter(
        id__in=unit_nodes(roles=UNIT_ROLES), parent__isnull=False, is_active=True
    ).order_by("path")
    flagged = 0
    for unit in units:
        day = timezone.localtime(now, timezone=ZoneInfo(unit.time_zone)).date() - timedelta(days=1)
        due_hour = rules_for(unit, day).parameters.command.daily_report_due_hour
        if now <= report_deadline(unit, day, due_hour):
            continue
        if DailyReport.objects.filter(region=unit, day=day).exists():
            continue
        with transaction.atomic():
            _flag, created = MissingReport.objects.get_or_create(
                region=unit, day=day, defaults={"flagged_at": now}
            )
            if not created:
                continue
            audit_record(
                actor=actor,
                action="report_flag_missing",
                object_type="region",
                object_id=unit.code,
                fields=["missing_report"],
                extra={"day": day.isoformat()},
            )
            notify(
                users=unit_recipients(
                    region_ids=[unit.pk, unit.parent_id or unit.pk], roles=UNIT_RECIPIENT_ROLES
                ),
                kind=NotificationKind.LATE,
                subject=_("Daily report missing: %(unit)s for %(day)s")
                % {"unit": unit.name, "day": day.isoformat()},
                link=_link(unit, day),
            )
        flagged += 1
    return flagged
