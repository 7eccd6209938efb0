"""Treatment of positives (issue 20 §6, R25): admission of a case's person to a bed of a
designated or Fangcang hospital, severity changes, transfers between levels of care, the
tests that decide discharge, and discharge with the hand-over to home health monitoring.

Beds are the rooms of those sites: a room takes at most ``beds`` admitted patients, checked
under a row lock on the room (rooms locked in ascending id when two are involved), so
concurrent admissions never over-fill one. The case's severity and place of treatment change
through ``cases``' own service, in the same transaction. Every change writes a history row
with the actor, the reason and the rule set in force, and an audit row.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.choices import CaseClassification, Outcome, Treatment
from fangkong.cases.models import Case
from fangkong.cases.services.cases import case_clinical_update
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, field_error
from fangkong.isolation.checks import Errors, raise_if, require_role
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.choices import (
    AdmissionStatus,
    FacilityKind,
    FacilityStatus,
    ResultSource,
    RoomStatus,
    TreatmentEventKind,
    TreatmentTestStatus,
)
from fangkong.isolation.models import Admission, Room, TreatmentTest
from fangkong.isolation.orders.services import monitoring_order_issue
from fangkong.isolation.treatment.discharge import discharge_blockers
from fangkong.isolation.treatment.events import treatment_event_record
from fangkong.isolation.treatment.inputs import ct_checked, isolated_since_checked
from fangkong.isolation.treatment.roles import TREATMENT_WRITE_ROLES
from fangkong.lab.choices import RetestReason, SamplingPlace
from fangkong.lab.obligations.services import PersonTestWanted, person_test_tasks_open
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region

#: The place of treatment recorded on the case for each level of care.
LEVELS: dict[str, str] = {
    FacilityKind.FANGCANG: Treatment.MAKESHIFT,
    FacilityKind.DESIGNATED_HOSPITAL: Treatment.DESIGNATED,
}
#: Only positives are admitted (a suspected case is tested first; R16).
POSITIVE = (CaseClassification.CONFIRMED, CaseClassification.ASYMPTOMATIC)
#: Sites that take patients.
OPEN_SITES = (FacilityStatus.ACTIVE, FacilityStatus.ACTIVATING)


def _rules(region: Region) -> EffectiveRules:
    """The rules in force today at a site's node (recorded with every change)."""
    return rules_for(region, timezone.localdate())


def _bed_take(room_id: int) -> Room:
    """Lock the room and take one of its beds: ``Conflict`` when the site does not take
    patients (``site_not_open``), the room is not ready or not in use (``room_unavailable``)
    or every bed is taken (``room_full``). The caller holds the transaction."""
    room = Room.objects.select_for_update().select_related("facility").get(pk=room_id)
    if room.facility.kind not in LEVELS or room.facility.status not in OPEN_SITES:
        raise Conflict(_("This site does not take patients now."), code="site_not_open")
    if room.ready_at is None or room.status not in (RoomStatus.FREE, RoomStatus.OCCUPIED):
        raise Conflict(_("This room is not ready for patients."), code="room_unavailable")
    taken = Admission.objects.filter(room_id=room.pk, status=AdmissionStatus.ADMITTED).count()
    if taken >= room.beds:
        raise Conflict(_("Every bed of this room is taken."), code="room_full")
    if room.status == RoomStatus.FREE:
        Room.objects.filter(pk=room.pk).update(status=RoomStatus.OCCUPIED)
        room.status = RoomStatus.OCCUPIED
    return room


def _bed_leave(room_id: int) -> bool:
    """After a patient left the room: to cleaning once no patient is left (True then)."""
    if Admission.objects.filter(room_id=room_id, status=AdmissionStatus.ADMITTED).exists():
        return False
    return (
        Room.objects.filter(pk=room_id, status=RoomStatus.OCCUPIED).update(
            status=RoomStatus.CLEANING
        )
        == 1
    )


def admission_admit(
    *,
    actor: AnyActor,
    case: Case,
    room: Room,
    reason: str | None,
    isolated_since: date | None = None,
) -> Admission:
    """Admit the person of an open positive case to a bed of ``room``.

    1. The role must be in ``TREATMENT_WRITE_ROLES`` (403); the reason is required and
       ``isolated_since`` (isolation day 0, today when not given) lies between the case's
       first positive test (and 30 days ago) and today (422 naming each field).
    2. The case must be open and confirmed or asymptomatic (``case_not_positive``, 409) and
       have no open admission (``case_admitted``, 409, also when a concurrent admission won).
    3. Under a lock on the room: the site takes patients, the room is ready and a bed is
       free (:func:`_bed_take`); the room is marked occupied.
    4. The case's place of treatment becomes the level of care (``cases`` service), an
       ``admitted`` history row with the rule set in force and an audit row.
    """
    require_role(actor, TREATMENT_WRITE_ROLES)
    why = reason_checked(reason)
    day0 = isolated_since_checked(case, isolated_since)
    if not case.is_open or case.classification not in POSITIVE:
        raise Conflict(_("Only an open positive case is admitted."), code="case_not_positive")
    rules = _rules(room.facility.region)
    with transaction.atomic():
        bed = _bed_take(room.pk)
        try:
            with transaction.atomic():
                admission = Admission.objects.create(
                    case=case,
                    person_id=case.person_id,
                    region_id=bed.facility.region_id,
                    facility=bed.facility,
                    room=bed,
                    isolated_since=day0,
                    admitted_at=timezone.now(),
                    admitted_by=actor.username,
                    rule_set=rules.label,
                )
        except IntegrityError as clash:
            raise Conflict(_("This case is admitted already."), code="case_admitted") from clash
        case_clinical_update(
            actor=actor, case=case, reason=why, treatment=LEVELS[bed.facility.kind]
        )
        treatment_event_record(
            admission=admission,
            kind=TreatmentEventKind.ADMITTED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
            to_value=bed.facility.kind,
            detail={"facility": str(bed.facility.code), "room": bed.number},
        )
        audit_record(
            actor=actor,
            action="admission_admit",
            object_type="admission",
            object_id=admission.code,
            fields=["case", "facility", "room", "isolated_since"],
            reason=why,
            rule_set=rules.label,
        )
    return admission


def _require_admitted(admission: Admission) -> None:
    if admission.status != AdmissionStatus.ADMITTED:
        raise Conflict(_("The patient is no longer admitted."), code="admission_not_open")


def _bump(admission: Admission, **changes: object) -> None:
    """Conditional update on the admission's version and status (a concurrent change loses
    with ``admission_changed``, 409)."""
    changed = Admission.objects.filter(
        pk=admission.pk, status=AdmissionStatus.ADMITTED, version=admission.version
    ).update(version=F("version") + 1, **changes)
    if changed != 1:
        raise Conflict(
            _("The admission changed meanwhile; reload and try again."), code="admission_changed"
        )


@transaction.atomic
def admission_severity_change(
    *, actor: AnyActor, admission: Admission, severity: str, reason: str | None
) -> Admission:
    """Record the patient's severity (mild, moderate, severe, critical) on the case through
    ``cases``' own service (which validates it, naming ``severity``) and in the admission's
    history with the rule set in force; an audit row. Refused for a discharged patient."""
    require_role(actor, TREATMENT_WRITE_ROLES)
    why = reason_checked(reason)
    _require_admitted(admission)
    before = admission.case.severity
    case_clinical_update(actor=actor, case=admission.case, reason=why, severity=severity)
    _bump(admission)
    rules = _rules(admission.region)
    treatment_event_record(
        admission=admission,
        kind=TreatmentEventKind.SEVERITY,
        actor=actor,
        reason=why,
        rule_set=rules.label,
        from_value=before,
        to_value=severity,
    )
    audit_record(
        actor=actor,
        action="admission_severity_change",
        object_type="admission",
        object_id=admission.code,
        fields=["case.severity"],
        reason=why,
        rule_set=rules.label,
        extra={"severity": [before, severity]},
    )
    admission.refresh_from_db()
    return admission


def admission_transfer(
    *, actor: AnyActor, admission: Admission, room: Room, reason: str | None
) -> Admission:
    """Move an admitted patient to a bed of another room (between levels of care: Fangcang
    ↔ designated hospital, or within a level).

    1. Role, reason (422), patient admitted (409), a different room (``same_room``, 422).
    2. Both rooms are locked in ascending id; the new one must take the patient
       (:func:`_bed_take`); the old one goes to cleaning once empty.
    3. The admission follows the room (site, node), conditional on its version; the day
       count continues from the same isolation day 0. When the level of care changes, the
       case's place of treatment follows (``cases`` service).
    4. A ``transferred`` history row (from → to level) with the rule set and an audit row.
    """
    require_role(actor, TREATMENT_WRITE_ROLES)
    why = reason_checked(reason)
    _require_admitted(admission)
    if room.pk == admission.room_id:
        raise_if(
            [field_error("room", "same_room", _("The patient lies in this room already."))],
            _("The patient was not transferred."),
        )
    rules = _rules(room.facility.region)
    old_kind, old_room = admission.facility.kind, admission.room_id
    with transaction.atomic():
        for pk in sorted((room.pk, old_room)):
            Room.objects.select_for_update().filter(pk=pk).first()
        bed = _bed_take(room.pk)
        _bump(
            admission,
            room_id=bed.pk,
            facility_id=bed.facility_id,
            region_id=bed.facility.region_id,
        )
        freed = _bed_leave(old_room)
        if LEVELS[bed.facility.kind] != LEVELS[old_kind]:
            case_clinical_update(
                actor=actor, case=admission.case, reason=why, treatment=LEVELS[bed.facility.kind]
            )
        treatment_event_record(
            admission=admission,
            kind=TreatmentEventKind.TRANSFERRED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
            from_value=old_kind,
            to_value=bed.facility.kind,
            detail={"facility": str(bed.facility.code), "room": bed.number, "freed": freed},
        )
        audit_record(
            actor=actor,
            action="admission_transfer",
            object_type="admission",
            object_id=admission.code,
            fields=["facility", "room"],
            reason=why,
            rule_set=rules.label,
        )
    admission.refresh_from_db()
    return admission


@transaction.atomic
def treatment_test_add(
    *, actor: AnyActor, admission: Admission, sampled_at: datetime
) -> TreatmentTest:
    """A test sampled from an admitted patient, pending until its result is recorded.
    ``sampled_at`` may not lie in the future nor before isolation day 0 (422 naming
    ``sampled_at``). History and audit rows."""
    require_role(actor, TREATMENT_WRITE_ROLES)
    _require_admitted(admission)
    errors: Errors = []
    if sampled_at > timezone.now():
        errors.append(field_error("sampled_at", "in_the_future", _("This time is in the future.")))
    elif timezone.localdate(sampled_at) < admission.isolated_since:
        errors.append(
            field_error("sampled_at", "before_isolation", _("Sampled before isolation began."))
        )
    raise_if(errors, _("The test was not recorded."))
    test = TreatmentTest.objects.create(
        admission=admission, sampled_at=sampled_at, recorded_by=actor.username
    )
    treatment_event_record(
        admission=admission,
        kind=TreatmentEventKind.TEST,
        actor=actor,
        to_value=TreatmentTestStatus.PENDING,
        detail={"test": str(test.code)},
    )
    audit_record(
        actor=actor,
        action="treatment_test_add",
        object_type="admission",
        object_id=admission.code,
        fields=["tests"],
    )
    return test


@transaction.atomic
def treatment_test_to_lab(*, actor: AnyActor, admission: Admission) -> TreatmentTest:
    """Ask the lab for a release test of an admitted patient: a pending test (``source``
    ``lab``) linked to a new test task of the person in ``lab``, due today at the hospital.
    Its sampling time and result come from the tube. 403 outside ``TREATMENT_WRITE_ROLES``,
    409 (``admission_not_open``) once discharged. History and audit rows."""
    require_role(actor, TREATMENT_WRITE_ROLES)
    _require_admitted(admission)
    now = timezone.now()
    (task,) = person_test_tasks_open(
        actor=actor,
        wanted=[
            PersonTestWanted(
                person_id=admission.person_id,
                region_id=admission.region_id,
                due_on=timezone.localdate(now),
                place=SamplingPlace.SITE,
                rule_set=admission.rule_set,
            )
        ],
        reason="release test in treatment",
        kind=RetestReason.TREATMENT,
    )
    test = TreatmentTest.objects.create(
        admission=admission,
        sampled_at=now,
        recorded_by=actor.username,
        source=ResultSource.LAB,
        lab_task=task,
    )
    treatment_event_record(
        admission=admission,
        kind=TreatmentEventKind.TEST,
        actor=actor,
        to_value=TreatmentTestStatus.PENDING,
        detail={"test": str(test.code), "lab_task": str(task.code)},
    )
    audit_record(
        actor=actor,
        action="treatment_test_to_lab",
        object_type="admission",
        object_id=admission.code,
        fields=["tests"],
        extra={"lab_task": str(task.code)},
    )
    return test


@transaction.atomic
def treatment_test_result(
    *,
    actor: AnyActor,
    test: TreatmentTest,
    result: str,
    ct_n: float | None = None,
    ct_orf1ab: float | None = None,
) -> TreatmentTest:
    """Record the result of a pending test, once: negative, or positive with the Ct values of
    the N and ORF1ab genes (422 naming ``result``, ``ct_n``, ``ct_orf1ab``); a second result
    is ``test_has_result`` (409). Only for a test from a lab outside the platform (``manual``):
    a test sampled through ``lab`` takes its result from the tube (``test_from_lab``, 409).
    History and audit rows."""
    require_role(actor, TREATMENT_WRITE_ROLES)
    errors: Errors = []
    if result not in (TreatmentTestStatus.NEGATIVE, TreatmentTestStatus.POSITIVE):
        errors.append(field_error("result", "invalid_choice", _("Not one of the allowed values.")))
    positive = result == TreatmentTestStatus.POSITIVE
    ct_checked(ct_n, "ct_n", positive, errors)
    ct_checked(ct_orf1ab, "ct_orf1ab", positive, errors)
    raise_if(errors, _("The result was not recorded."))
    if test.source == ResultSource.LAB:
        raise Conflict(
            _("This test was sampled through the lab: its result comes from the tube."),
            code="test_from_lab",
        )
    changed = TreatmentTest.objects.filter(pk=test.pk, status=TreatmentTestStatus.PENDING).update(
        status=result, ct_n=ct_n, ct_orf1ab=ct_orf1ab, result_at=timezone.now()
    )
    if changed != 1:
        raise Conflict(_("This test has a result already."), code="test_has_result")
    test.refresh_from_db()
    treatment_event_record(
        admission=test.admission,
        kind=TreatmentEventKind.TEST,
        actor=actor,
        from_value=TreatmentTestStatus.PENDING,
        to_value=result,
        detail={"test": str(test.code), "ct_n": ct_n, "ct_orf1ab": ct_orf1ab},
    )
    audit_record(
        actor=actor,
        action="treatment_test_result",
        object_type="admission",
        object_id=test.admission.code,
        fields=["tests.status", "tests.ct_n", "tests.ct_orf1ab"],
    )
    return test


def admission_discharge(*, actor: AnyActor, admission: Admission, reason: str | None) -> Admission:
    """Discharge an admitted patient when the rules in force at the site allow it.

    1. Role, reason (422), patient admitted (409).
    2. Refused with ``discharge_conditions_unmet`` (422) naming every blocker of
       :func:`~fangkong.isolation.treatment.discharge.discharge_blockers` under the rule
       set's ``positives`` (day count, pending tests, the consecutive release tests' Ct of
       both genes and their spacing).
    3. The admission becomes discharged (conditional on its version); the room goes to
       cleaning once empty; the case's outcome becomes recovered (``cases`` service).
    4. Where the rule set gives ``positives.home_monitoring_days``, the person is handed to
       home health monitoring: an order of that kind (``orders`` service).
    5. A ``discharged`` history row with the rule set and an audit row.
    """
    require_role(actor, TREATMENT_WRITE_ROLES)
    why = reason_checked(reason)
    _require_admitted(admission)
    rules = _rules(admission.region)
    positives = rules.parameters.positives
    blockers = discharge_blockers(
        positives=positives,
        isolated_since=admission.isolated_since,
        tests=list(TreatmentTest.objects.filter(admission=admission)),
        today=timezone.localdate(),
    )
    if blockers:
        raise FangkongError(
            _("The patient cannot be discharged yet."),
            code="discharge_conditions_unmet",
            status=422,
            detail={"errors": blockers},
        )
    with transaction.atomic():
        _bump(
            admission,
            status=AdmissionStatus.DISCHARGED,
            discharged_at=timezone.now(),
            discharged_by=actor.username,
        )
        freed = _bed_leave(admission.room_id)
        case = admission.case
        if case.is_open:
            case_clinical_update(actor=actor, case=case, reason=why, outcome=Outcome.RECOVERED)
        order = None
        if positives is not None and positives.home_monitoring_days:
            order = monitoring_order_issue(
                actor=actor,
                person=admission.person,
                days=positives.home_monitoring_days,
                rule_set=rules.label,
                reason=why,
            )
            Admission.objects.filter(pk=admission.pk).update(monitoring_order=order)
        treatment_event_record(
            admission=admission,
            kind=TreatmentEventKind.DISCHARGED,
            actor=actor,
            reason=why,
            rule_set=rules.label,
            from_value=AdmissionStatus.ADMITTED,
            to_value=AdmissionStatus.DISCHARGED,
            detail={"room_freed": freed, "monitoring_order": str(order.code) if order else ""},
        )
        audit_record(
            actor=actor,
            action="admission_discharge",
            object_type="admission",
            object_id=admission.code,
            fields=["status", "discharged_at", "monitoring_order"],
            reason=why,
            rule_set=rules.label,
        )
    admission.refresh_from_db()
    return admission
