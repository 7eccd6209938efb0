"""Monitoring (R24): a fever (≥ 37.3 ℃ from the rule set) and a missed check each raise their
alert with its owner; an abnormal check requests a transfer to hospital; a retried check
creates nothing; a late check closes the slot's missed alert; bad input names its field."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.core.errors import PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import FacilityKind, MonitoringAlertKind, TransferKind
from fangkong.isolation.models import HealthCheck, MonitoringAlert, TransferTask
from fangkong.isolation.monitoring.services import check_record, checks_missed_raise
from fangkong.isolation.tests.factories import facility_make
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")


def test_a_fever_raises_its_alert_and_a_transfer_to_hospital(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    hospital = facility_make(
        people.staff, name="定点医院", kind=FacilityKind.DESIGNATED_HOSPITAL, rooms=0
    )
    normal = check_record(actor=people.staff.manager, order=order, temperature="37.2", symptoms=[])
    assert normal.created
    assert not normal.check.fever
    assert normal.alert is None
    assert not TransferTask.objects.filter(kind=TransferKind.TO_HOSPITAL).exists()
    with time_machine.travel(datetime(2022, 7, 15, 18, 5, tzinfo=CHINA)):
        fever = check_record(
            actor=people.clinician, order=order, temperature=37.3, symptoms=["cough"]
        )
    assert fever.check.fever
    assert fever.check.abnormal
    assert fever.alert is not None
    assert fever.alert.kind == MonitoringAlertKind.FEVER
    assert fever.alert.owner_role == "isolation_manager"
    assert fever.alert.rule_set.startswith("nhc-9")
    task = TransferTask.objects.get(kind=TransferKind.TO_HOSPITAL)
    assert str(task.code) == fever.transfer_code
    assert task.destination_facility_id == hospital.pk
    assert task.window_end - task.window_start == timedelta(minutes=60)
    assert AuditEntry.objects.filter(action="monitoring_alert_raise").count() == 1


def test_symptoms_without_fever_are_abnormal_too(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    outcome = check_record(
        actor=people.staff.manager, order=order, temperature=36.6, symptoms=["loss_of_smell"]
    )
    assert outcome.alert is not None
    assert outcome.alert.kind == MonitoringAlertKind.SYMPTOMS
    assert TransferTask.objects.filter(kind=TransferKind.TO_HOSPITAL).count() == 1


def test_a_retried_check_in_the_same_slot_creates_nothing(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    first = check_record(actor=people.staff.manager, order=order, temperature=36.5, symptoms=[])
    again = check_record(actor=people.staff.manager, order=order, temperature=36.5, symptoms=[])
    assert not again.created
    assert again.check.pk == first.check.pk
    assert HealthCheck.objects.count() == 1


def test_bad_input_names_its_field_and_row(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    with pytest.raises(ValidationFailed) as refused:
        check_record(
            actor=people.staff.manager, order=order, temperature="hot", symptoms=["x", "cough"]
        )
    assert [(e["field"], e.get("row")) for e in refused.value.errors] == [
        ("temperature", None),
        ("symptoms", 1),
    ]
    with pytest.raises(ValidationFailed):
        check_record(actor=people.staff.manager, order=order, temperature=45, symptoms=[])
    with pytest.raises(PermissionDenied):
        check_record(actor=people.dispatcher, order=order, temperature=36.5, symptoms=[])


def test_a_missed_check_raises_its_alert_once_after_the_grace(tree):
    """9th edition: checks at 08:00 and 18:00 with two hours' grace. The order issued at
    09:00 owes no 08:00 check; the 18:00 check missing at 20:01 raises one alert."""
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    assert checks_missed_raise(now=datetime(2022, 7, 15, 19, 59, tzinfo=CHINA)) == 0
    assert checks_missed_raise(now=datetime(2022, 7, 15, 20, 1, tzinfo=CHINA)) == 1
    assert checks_missed_raise(now=datetime(2022, 7, 15, 20, 30, tzinfo=CHINA)) == 0
    alert = MonitoringAlert.objects.get()
    assert alert.kind == MonitoringAlertKind.MISSED
    assert alert.order_id == order.pk
    assert alert.slot == 1
    assert alert.owner_role == "isolation_manager"
    assert order.room is not None
    assert alert.region_id == order.room.facility.region_id
    with time_machine.travel(datetime(2022, 7, 15, 20, 40, tzinfo=CHINA)):
        check_record(actor=people.staff.manager, order=order, temperature=36.4, symptoms=[])
    alert.refresh_from_db()
    assert alert.state == "closed"


def test_a_check_taken_in_time_raises_no_missed_alert(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    with time_machine.travel(datetime(2022, 7, 15, 17, 50, tzinfo=CHINA)):
        check_record(actor=people.staff.manager, order=order, temperature=36.4, symptoms=[])
    assert checks_missed_raise(now=datetime(2022, 7, 16, 7, 0, tzinfo=CHINA)) == 0
    assert checks_missed_raise(now=datetime(2022, 7, 16, 10, 30, tzinfo=CHINA)) == 1
