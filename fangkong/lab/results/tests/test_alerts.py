"""Turnaround alerts (R13): raised set-based by the periodic job past a tube's due time, once;
owned and closed with a reason (R30)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry, PeriodicRun
from fangkong.core.periodic import periodic_claim, periodic_execute, periodic_jobs
from fangkong.lab.choices import AlertKind, AlertStatus
from fangkong.lab.models import LabAlert, Tube
from fangkong.lab.results.access import access_alert
from fangkong.lab.results.alerts import alert_assign, alert_close, turnaround_alerts_raise
from fangkong.lab.results.selectors import alert_list
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make
from fangkong.lab.transport.services import package_handover, package_receive, package_seal


def _bind(s, barcode, numbers, **extra):
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(
            barcode=barcode, members=[MemberInput(id_number=n) for n in numbers], **extra
        ),
    ).tube


def _resulted(s, barcode, number):
    """A tube bound, sent, received and resulted negative."""
    _bind(s, barcode, [number])
    package = package_seal(
        actor=s.sampler,
        code=f"P{barcode}",
        screening_round=s.round,
        point=s.point,
        lab=s.lab,
        barcodes=[barcode],
    )
    package_handover(actor=s.sampler, package=package, vehicle="沪A1")
    package_receive(actor=s.technician, lab=s.lab, package_code=f"P{barcode}", barcodes=[barcode])
    results_apply(
        actor=s.technician, lab=s.lab, rows=[ResultInput(barcode=barcode, result="negative")]
    )


@pytest.fixture
def s(tree):
    return screening_make(tree, residents=4)


def test_late_result_alert_raised_once_past_due(s):
    tube = _bind(s, "L0001", [s.ids[0]])
    fever = _bind(s, "L0002", [s.ids[1]], category="fever_clinic")
    assert turnaround_alerts_raise(now=timezone.now()) == 0
    assert fever.due_at - fever.sampled_at == timedelta(hours=6)
    with time_machine.travel(fever.due_at + timedelta(minutes=1), tick=False):
        assert turnaround_alerts_raise(now=timezone.now()) == 1
        alert = LabAlert.objects.get()
        assert (alert.kind, alert.tube_id, alert.status) == (
            AlertKind.LATE_RESULT,
            fever.id,
            AlertStatus.OPEN,
        )
        assert alert.region_id == s.point.region_id
        assert alert.round_id == s.round.id
        assert alert.detail == {"raised_by": "turnaround_alerts"}
    with time_machine.travel(tube.due_at + timedelta(minutes=1), tick=False):
        assert turnaround_alerts_raise(now=timezone.now()) == 1
        assert turnaround_alerts_raise(now=timezone.now()) == 0  # never twice
    assert LabAlert.objects.filter(kind=AlertKind.LATE_RESULT).count() == 2
    assert AuditEntry.objects.filter(action="turnaround_alerts_raise").count() == 2


def test_resulted_tubes_raise_nothing(s):
    _resulted(s, "L0003", s.ids[2])
    tube = Tube.objects.get(barcode="L0003")
    with time_machine.travel(tube.due_at + timedelta(hours=1), tick=False):
        assert turnaround_alerts_raise(now=timezone.now()) == 0
    assert not LabAlert.objects.exists()


def test_periodic_job_runs_every_five_minutes_and_raises(s):
    tube = _bind(s, "L0004", [s.ids[3]])
    job = periodic_jobs()["lab_turnaround_alerts"]
    assert job.every == timedelta(minutes=5)
    with time_machine.travel(tube.due_at + timedelta(minutes=7), tick=False):
        run = periodic_claim(job)
        assert run is not None
        done = periodic_execute(run)
    assert done.outcome == "ok"
    assert done.message == "1 late-result alerts raised"
    assert PeriodicRun.objects.filter(job="lab_turnaround_alerts").count() == 1
    assert LabAlert.objects.filter(tube=tube).exists()


def _late_alert(s, barcode="L0009"):
    tube = _bind(s, barcode, [s.ids[0]])
    with time_machine.travel(tube.due_at + timedelta(minutes=1), tick=False):
        turnaround_alerts_raise(now=timezone.now())
    return LabAlert.objects.get(tube=tube)


def test_assign_and_close_with_a_reason(s, make_actor, tree):
    alert = _late_alert(s)
    duty = make_actor(Role.DUTY_OFFICER, tree["district_a"])
    owner = User.objects.get(pk=duty.user_id)
    alert_assign(actor=s.commander, alert=alert, owner=owner)
    assert LabAlert.objects.get(pk=alert.pk).owner == owner.username
    with pytest.raises(ValidationFailed) as caught:
        alert_close(actor=duty, alert=alert, reason="  ")
    assert caught.value.errors[0]["field"] == "reason"
    alert_close(actor=duty, alert=alert, reason="实验室设备故障，已改送")
    stored = LabAlert.objects.get(pk=alert.pk)
    assert stored.status == AlertStatus.CLOSED
    assert stored.closing_reason == "实验室设备故障，已改送"
    assert stored.closed_at is not None
    assert stored.owner == owner.username
    with pytest.raises(Conflict) as again:
        alert_close(actor=duty, alert=stored, reason="again")
    assert again.value.code == "alert_closed"
    with pytest.raises(Conflict):
        alert_assign(actor=s.commander, alert=stored, owner=owner)
    assert AuditEntry.objects.filter(action__in=["alert_assign", "alert_close"]).count() == 2


def test_closing_an_unowned_alert_makes_the_closer_its_owner(s):
    alert = _late_alert(s)
    alert_close(actor=s.commander, alert=alert, reason="结果已补报")
    assert LabAlert.objects.get(pk=alert.pk).owner == s.commander.username


def test_alert_writes_need_a_managing_role(s):
    alert = _late_alert(s)
    with pytest.raises(PermissionDenied):
        alert_close(actor=s.technician, alert=alert, reason="x")
    assert LabAlert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_alert_reads_are_scoped(s, make_actor, tree):
    alert = _late_alert(s)
    assert [a.id for a in alert_list(actor=s.commander).items] == [alert.id]
    assert [a.id for a in alert_list(actor=s.technician).items] == []  # not yet at their lab
    other = make_actor(Role.COMMANDER, tree["district_b"])
    assert alert_list(actor=other).items == []
    assert access_alert(s.commander, "late_result", "L0009").id == alert.id
    for actor, kind, barcode in (
        (other, "late_result", "L0009"),
        (s.commander, "late_notification", "L0009"),
        (s.commander, "late_result", "bad code!"),
    ):
        with pytest.raises(NotFound) as caught:
            access_alert(actor, kind, barcode)
        assert caught.value.code == "alert_not_found"
