"""The investigation of a case (流调): the "2+4+24" steps and their timers (R18), the
trajectory, the exposures, and the alerts a breached timer raises."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.access import require_role
from fangkong.cases.checks import Errors, choice, moment, past_day, raise_if, text
from fangkong.cases.checks import reason as reason_checked
from fangkong.cases.choices import (
    AlertState,
    CaseEventKind,
    ExposureKind,
    InvestigationStep,
    VisitSource,
)
from fangkong.cases.events import case_event_record
from fangkong.cases.models import Case, CaseAlert, Exposure, InvestigationTimer, TrajectoryVisit
from fangkong.cases.roles import ALERT_ROLES, DUTY_ROLE, INVESTIGATION_ROLES
from fangkong.cases.selectors import overdue_timers
from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, NotFound, ValidationFailed, field_error
from fangkong.people.models import Person
from fangkong.regions.choices import RegionLevel
from fangkong.regions.models import Region

VENUE_CODE = re.compile(r"^[A-Za-z0-9-]{0,40}$")


def _open_case(case: Case) -> None:
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="case_closed")


@transaction.atomic
def investigation_step_complete(*, actor: AnyActor, case: Case, step: str) -> InvestigationTimer:
    """Mark a "2+4+24" step of ``case`` done now (R18).

    Raises ``PermissionDenied`` (``INVESTIGATION_ROLES``), ``ValidationFailed`` naming ``step``
    (unknown), ``NotFound`` ``timer_not_found`` (the rules had no timer for it) and
    ``case_closed``. Done already: nothing changes. Closes the step's alert if one was raised.
    History and audit rows carry the rule set the timer was started under.
    """
    require_role(actor, INVESTIGATION_ROLES)
    errors: Errors = []
    choice(step, InvestigationStep, field="step", errors=errors)
    raise_if(errors, _("Unknown investigation step."))
    _open_case(case)
    timer = InvestigationTimer.objects.filter(case=case, step=step).first()
    if timer is None:
        raise NotFound(_("The rules in force set no timer for this step."), code="timer_not_found")
    if timer.met_at is not None:
        return timer
    now = timezone.now()
    if not InvestigationTimer.objects.filter(pk=timer.pk, met_at__isnull=True).update(
        met_at=now, met_by=actor.username
    ):
        timer.refresh_from_db()
        return timer
    timer.met_at, timer.met_by = now, actor.username
    CaseAlert.objects.filter(timer=timer).exclude(state=AlertState.CLOSED).update(
        state=AlertState.CLOSED, handled_by=actor.username, note="step done", updated_at=now
    )
    late = now > timer.due_at
    case_event_record(
        case=case,
        kind=CaseEventKind.STEP,
        actor=actor,
        reason="late" if late else "",
        rule_set=timer.rule_set,
        to_value=step,
        detail={"due_at": timer.due_at.isoformat(), "late": late},
    )
    audit_record(
        actor=actor,
        action="investigation_step_complete",
        object_type="case",
        object_id=case.code,
        fields=["timers"],
        rule_set=timer.rule_set,
        extra={"step": step, "late": late},
    )
    return timer


@transaction.atomic
def trajectory_visit_add(
    *,
    actor: AnyActor,
    case: Case,
    place: str,
    started_at: datetime,
    source: str,
    venue_code: str = "",
    ended_at: datetime | None = None,
) -> TrajectoryVisit:
    """Add a place the case was to its trajectory.

    ``ValidationFailed`` names each bad field: ``place`` (required, text policy, 200),
    ``venue_code`` (letters, digits, dashes, 40), ``started_at``/``ended_at`` (with offset,
    not in the future, the end not before the start), ``source``. ``PermissionDenied`` and
    ``case_closed`` as usual. History row (no place text in it) and audit row.
    """
    require_role(actor, INVESTIGATION_ROLES)
    errors: Errors = []
    place = text(place, field="place", max_length=200, errors=errors, required=True)
    venue = (venue_code or "").strip().upper()
    if not VENUE_CODE.match(venue):
        errors.append(
            field_error(
                "venue_code", "venue_code_invalid", _("Letters, digits and dashes, up to 40.")
            )
        )
    moment(started_at, field="started_at", errors=errors)
    moment(ended_at, field="ended_at", errors=errors)
    if ended_at is not None and started_at is not None and ended_at < started_at:
        errors.append(field_error("ended_at", "before_start", _("The end is before the start.")))
    choice(source, VisitSource, field="source", errors=errors)
    raise_if(errors, _("The visit cannot be added."))
    _open_case(case)
    now = timezone.now()
    visit = TrajectoryVisit.objects.create(
        case=case,
        place=place,
        venue_code=venue,
        started_at=started_at,
        ended_at=ended_at,
        source=source,
        added_by=actor.username,
        added_at=now,
    )
    case_event_record(
        case=case,
        kind=CaseEventKind.VISIT_ADDED,
        actor=actor,
        detail={"visit": str(visit.code), "source": source},
    )
    audit_record(
        actor=actor,
        action="trajectory_visit_add",
        object_type="case",
        object_id=case.code,
        fields=["place", "venue_code", "started_at", "ended_at", "source"],
        extra={"visit": str(visit.code)},
    )
    return visit


@transaction.atomic
def trajectory_visit_remove(
    *, actor: AnyActor, case: Case, visit: TrajectoryVisit, reason: str
) -> None:
    """Take a visit off the trajectory (kept, marked removed, with the reason)."""
    require_role(actor, INVESTIGATION_ROLES)
    why = reason_checked(reason)
    _open_case(case)
    now = timezone.now()
    if not TrajectoryVisit.objects.filter(pk=visit.pk, removed_at__isnull=True).update(
        removed_at=now, removed_by=actor.username, removed_reason=why
    ):
        raise NotFound(_("No such visit."), code="visit_not_found")
    case_event_record(
        case=case,
        kind=CaseEventKind.VISIT_REMOVED,
        actor=actor,
        reason=why,
        detail={"visit": str(visit.code)},
    )
    audit_record(
        actor=actor,
        action="trajectory_visit_remove",
        object_type="case",
        object_id=case.code,
        fields=["trajectory"],
        reason=why,
        extra={"visit": str(visit.code)},
    )


@transaction.atomic
def exposure_add(
    *,
    actor: AnyActor,
    case: Case,
    kind: str,
    exposed_on: date,
    person: Person | None = None,
    description: str = "",
) -> Exposure:
    """Record that the case was exposed with ``person`` (already accessed by the caller) or in a
    setting ``description``, on ``exposed_on``.

    ``ValidationFailed`` names ``kind``, ``description`` (required without a person, text
    policy, 255) and ``exposed_on`` (in the future). History and audit rows.
    """
    require_role(actor, INVESTIGATION_ROLES)
    errors: Errors = []
    choice(kind, ExposureKind, field="kind", errors=errors)
    description = text(
        description, field="description", max_length=255, errors=errors, required=person is None
    )
    past_day(exposed_on, field="exposed_on", errors=errors)
    if person is not None and person.pk == case.person_id:
        errors.append(field_error("person", "same_person", _("The case's own person.")))
    raise_if(errors, _("The exposure cannot be added."))
    _open_case(case)
    exposure = Exposure.objects.create(
        case=case,
        kind=kind,
        person=person,
        description=description,
        exposed_on=exposed_on,
        added_by=actor.username,
        added_at=timezone.now(),
    )
    case_event_record(
        case=case,
        kind=CaseEventKind.EXPOSURE,
        actor=actor,
        to_value=kind,
        detail={"exposure": str(exposure.code)},
    )
    audit_record(
        actor=actor,
        action="exposure_add",
        object_type="case",
        object_id=case.code,
        fields=["kind", "person", "description", "exposed_on"],
        extra={"exposure": str(exposure.code), "person": str(person.code) if person else ""},
    )
    return exposure


def _district(region: Region) -> Region:
    """The district (county level) above ``region``, or ``region`` itself above that level."""
    parts = region.path.split(".")
    if region.level <= RegionLevel.COUNTY:
        return region
    return Region.objects.get(path=".".join(parts[: RegionLevel.COUNTY]))


def investigation_timers_check(*, now: datetime | None = None) -> int:
    """The periodic job's work: one alert per breached timer of an open case (R18), owned by
    the case's investigator, else by the district's epidemiologists on duty. A timer that
    has its alert never raises another (one alert per timer, a unique key); each alert is
    written with its history and audit rows in its own transaction. Returns how many."""
    now = now or timezone.now()
    timers = overdue_timers(now).filter(case__closed_at__isnull=True)
    alerted = set(CaseAlert.objects.filter(timer__in=timers).values_list("timer_id", flat=True))
    raised = 0
    for timer in timers.select_related("case", "case__region").order_by("due_at", "id"):
        if timer.id in alerted:
            continue
        case = timer.case
        district = _district(case.region)
        try:
            with transaction.atomic():
                alert = CaseAlert.objects.create(
                    case=case,
                    timer=timer,
                    region_id=case.region_id,
                    owner_id=case.investigator_id,
                    owner_role="" if case.investigator_id else DUTY_ROLE,
                    owner_region=None if case.investigator_id else district,
                    raised_at=now,
                )
                case_event_record(
                    case=case,
                    kind=CaseEventKind.ALERT,
                    actor=SYSTEM,
                    rule_set=timer.rule_set,
                    to_value=timer.step,
                    detail={"alert": str(alert.code)},
                )
                audit_record(
                    actor=SYSTEM,
                    action="case_alert_raise",
                    object_type="case_alert",
                    object_id=alert.code,
                    fields=["state"],
                    rule_set=timer.rule_set,
                    extra={"case": str(case.code), "step": timer.step},
                )
        except IntegrityError:
            continue  # raised meanwhile by another worker
        raised += 1
    return raised


#: Alert states an acknowledgement or a closing may start from.
_ALERT_FROM: dict[str, tuple[str, ...]] = {
    AlertState.ACKNOWLEDGED: (AlertState.OPEN,),
    AlertState.CLOSED: (AlertState.OPEN, AlertState.ACKNOWLEDGED),
}


@transaction.atomic
def case_alert_handle(*, actor: AnyActor, alert: CaseAlert, to: str, note: str = "") -> CaseAlert:
    """Acknowledge (``to="acknowledged"``) or close an alert. ``PermissionDenied``
    (``ALERT_ROLES``); ``ValidationFailed`` naming ``note``; ``alert_state`` (409) from a
    state that does not lead there. Audited."""
    require_role(actor, ALERT_ROLES)
    if to not in _ALERT_FROM:
        raise ValidationFailed(
            _("Unknown alert state."),
            errors=[field_error("state", "invalid_choice", _("Unknown."))],
        )
    errors: Errors = []
    note = text(note, field="note", max_length=255, errors=errors, required=False)
    raise_if(errors, _("The alert cannot be changed."))
    before = alert.state
    if not CaseAlert.objects.filter(pk=alert.pk, state__in=_ALERT_FROM[to]).update(
        state=to, handled_by=actor.username, note=note, updated_at=timezone.now()
    ):
        raise Conflict(
            _("The alert is %(state)s already.") % {"state": AlertState(alert.state).label},
            code="alert_state",
        )
    alert.state, alert.handled_by, alert.note = to, actor.username, note
    audit_record(
        actor=actor,
        action=f"case_alert_{to}",
        object_type="case_alert",
        object_id=alert.code,
        fields=["state"],
        reason=note,
        extra={"from": before, "to": to},
    )
    return alert
