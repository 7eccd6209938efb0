"""Treatment services: admission to a bed (never over capacity), severity and place of
treatment on the case, transfers between levels of care, and discharge only when the rule
set's ``positives`` conditions hold (R25)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.cases.models import Case, CaseEvent
from fangkong.core.errors import Conflict, FangkongError, NotFound, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import OrderKind, RoomStatus
from fangkong.isolation.models import Admission, IsolationOrder, Room, TreatmentEvent
from fangkong.isolation.tests.factories import facility_make
from fangkong.isolation.treatment.access import access_admission, access_bed
from fangkong.isolation.treatment.roles import TREATMENT_WRITE_ROLES
from fangkong.isolation.treatment.services import (
    admission_admit,
    admission_discharge,
    admission_severity_change,
    admission_transfer,
    treatment_test_add,
    treatment_test_result,
)
from fangkong.isolation.treatment.tests.factories import Ward, second_case, ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def _bed(ward: Ward, number: str = "0001", *, fangcang: bool = True) -> Room:
    facility = ward.fangcang if fangcang else ward.hospital
    return access_bed(ward.clinician, facility.code, number, roles=TREATMENT_WRITE_ROLES)


def _admitted(ward: Ward) -> Admission:
    return admission_admit(
        actor=ward.clinician,
        case=ward.case,
        room=_bed(ward),
        reason="无症状感染者收治",
        isolated_since=NINTH_EDITION_DAY.date(),
    )


def _test(ward: Ward, admission: Admission, at: datetime, result: str, ct: float | None) -> None:
    test = treatment_test_add(actor=ward.clinician, admission=admission, sampled_at=at)
    treatment_test_result(
        actor=ward.clinician,
        test=test,
        result=result,
        ct_n=ct,
        ct_orf1ab=ct,
    )


def _refusal(admission: Admission, clinician: object) -> set[str]:
    with pytest.raises(FangkongError) as refused:
        admission_discharge(actor=clinician, admission=admission, reason="出舱")  # type: ignore[arg-type]
    assert refused.value.code == "discharge_conditions_unmet"
    return {error["code"] for error in refused.value.detail["errors"]}


def test_admission_takes_a_bed_and_sets_the_place_of_treatment_on_the_case(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    assert Room.objects.get(pk=admission.room_id).status == RoomStatus.OCCUPIED
    case = Case.objects.get(pk=ward.case.pk)
    assert case.treatment == "makeshift"
    event = TreatmentEvent.objects.get(admission=admission)
    assert (event.kind, event.actor, event.rule_set) == (
        "admitted",
        ward.clinician.username,
        "nhc-9@r1",
    )
    assert AuditEntry.objects.filter(
        action="admission_admit", object_id=str(admission.code)
    ).exists()
    with pytest.raises(Conflict) as again:
        admission_admit(actor=ward.clinician, case=case, room=_bed(ward, "0002"), reason="再次")
    assert again.value.code == "case_admitted"


def test_a_full_room_refuses_another_patient_and_a_suspected_case_is_not_admitted(tree):
    ward = ward_make(tree)
    _admitted(ward)
    other = second_case(ward)
    with pytest.raises(Conflict) as full:
        admission_admit(actor=ward.clinician, case=other, room=_bed(ward), reason="收治")
    assert full.value.code == "room_full"
    assert Admission.objects.filter(room=_bed(ward)).count() == 1
    Case.objects.filter(pk=other.pk).update(classification="suspected")
    other.refresh_from_db()
    with pytest.raises(Conflict) as suspected:
        admission_admit(actor=ward.clinician, case=other, room=_bed(ward, "0002"), reason="收治")
    assert suspected.value.code == "case_not_positive"


def test_admission_refuses_isolation_day0_in_the_future_and_a_missing_reason(tree):
    ward = ward_make(tree)
    with pytest.raises(ValidationFailed) as future:
        admission_admit(
            actor=ward.clinician,
            case=ward.case,
            room=_bed(ward),
            reason="收治",
            isolated_since=NINTH_EDITION_DAY.date() + timedelta(days=1),
        )
    assert future.value.errors[0]["field"] == "isolated_since"
    with pytest.raises(ValidationFailed) as no_reason:
        admission_admit(actor=ward.clinician, case=ward.case, room=_bed(ward), reason=" ")
    assert no_reason.value.errors[0]["field"] == "reason"


def test_severity_goes_to_the_case_with_history_and_a_bad_value_names_the_field(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    admission_severity_change(
        actor=ward.clinician, admission=admission, severity="moderate", reason="肺部影像改变"
    )
    assert Case.objects.get(pk=ward.case.pk).severity == "moderate"
    assert CaseEvent.objects.filter(case=ward.case, kind="severity", to_value="moderate").exists()
    event = TreatmentEvent.objects.get(admission=admission, kind="severity")
    assert (event.from_value, event.to_value, event.rule_set) == ("", "moderate", "nhc-9@r1")
    admission.refresh_from_db()
    with pytest.raises(ValidationFailed) as bad:
        admission_severity_change(
            actor=ward.clinician, admission=admission, severity="grave", reason="x"
        )
    assert bad.value.errors[0]["field"] == "severity"


def test_transfer_to_the_designated_hospital_moves_the_bed_and_the_level_of_care(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    old_room = admission.room_id
    moved = admission_transfer(
        actor=ward.clinician,
        admission=admission,
        room=_bed(ward, fangcang=False),
        reason="病情加重转定点医院",
    )
    assert moved.facility_id == ward.hospital.pk
    assert moved.isolated_since == admission.isolated_since
    assert Room.objects.get(pk=old_room).status == RoomStatus.CLEANING
    assert Case.objects.get(pk=ward.case.pk).treatment == "designated"
    event = TreatmentEvent.objects.get(admission=admission, kind="transferred")
    assert (event.from_value, event.to_value) == ("fangcang", "designated_hospital")


def test_discharge_is_refused_until_the_day_count_and_two_tests_24h_apart_with_ct_35(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    day0 = NINTH_EDITION_DAY
    assert _refusal(admission, ward.clinician) >= {"release_day_not_reached", "tests_missing"}
    with time_machine.travel(day0 + timedelta(days=6, hours=1), tick=False):
        _test(ward, admission, day0 + timedelta(days=6), "positive", 32.0)
    with time_machine.travel(day0 + timedelta(days=7, hours=1), tick=False):
        pending = treatment_test_add(
            actor=ward.clinician, admission=admission, sampled_at=day0 + timedelta(days=7)
        )
        assert _refusal(admission, ward.clinician) == {
            "test_pending",
            "tests_missing",
            "ct_below_threshold",
        }
        treatment_test_result(
            actor=ward.clinician, test=pending, result="positive", ct_n=36.0, ct_orf1ab=34.5
        )
        assert _refusal(admission, ward.clinician) == {"ct_below_threshold"}
    # two good tests, but only 20 hours apart
    with time_machine.travel(day0 + timedelta(days=8, hours=21), tick=False):
        _test(ward, admission, day0 + timedelta(days=8), "positive", 36.0)
        _test(ward, admission, day0 + timedelta(days=8, hours=20), "negative", None)
    with time_machine.travel(day0 + timedelta(days=9), tick=False):
        assert _refusal(admission, ward.clinician) == {"tests_too_close"}
    assert Admission.objects.get(pk=admission.pk).status == "admitted"


def test_discharge_when_the_conditions_hold_hands_over_to_home_health_monitoring(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    day0 = NINTH_EDITION_DAY
    with time_machine.travel(day0 + timedelta(days=7, hours=2), tick=False):
        _test(ward, admission, day0 + timedelta(days=6), "positive", 35.0)
        _test(ward, admission, day0 + timedelta(days=7), "negative", None)
        done = admission_discharge(actor=ward.clinician, admission=admission, reason="达到出舱标准")
        assert done.status == "discharged"
        assert done.monitoring_order_id is not None
        order = IsolationOrder.objects.get(pk=done.monitoring_order_id)
        # 9th edition: 7 days of home health monitoring after discharge
        assert order.kind == OrderKind.HEALTH_MONITORING
        assert order.release_on == (day0 + timedelta(days=7)).date() + timedelta(days=7)
        assert order.rule_set == "nhc-9@r1"
    case = Case.objects.get(pk=ward.case.pk)
    assert (case.outcome, case.is_open) == ("recovered", False)
    assert Room.objects.get(pk=admission.room_id).status == RoomStatus.CLEANING
    event = TreatmentEvent.objects.get(admission=admission, kind="discharged")
    assert (event.actor, event.reason, event.rule_set) == (
        ward.clinician.username,
        "达到出舱标准",
        "nhc-9@r1",
    )
    assert AuditEntry.objects.filter(action="admission_discharge").count() == 1
    with pytest.raises(Conflict):
        admission_discharge(actor=ward.clinician, admission=done, reason="again")


def test_another_district_and_a_wrong_role_cannot_reach_admissions_or_beds(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    with pytest.raises(NotFound):
        access_admission(ward.other_clinician, admission.code)
    with pytest.raises(NotFound):
        access_bed(ward.other_clinician, ward.fangcang.code, "0001", roles=TREATMENT_WRITE_ROLES)
    site = facility_make(ward.staff, name="隔离酒店", rooms=1)
    with pytest.raises(NotFound):  # a central isolation site has no treatment beds
        access_bed(ward.clinician, site.code, "0001", roles=TREATMENT_WRITE_ROLES)
