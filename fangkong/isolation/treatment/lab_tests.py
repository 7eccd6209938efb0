"""A patient's release tests coming back from ``lab`` (issue 20 §6, R25): the clinician asks
for a test (``services.treatment_test_to_lab``), which becomes a single-tube test task of the
person in ``lab`` (reason ``treatment``, due today, sampled at the hospital); the tube's result
comes back through ``lab.findings`` (``task_results_register``, registered in
``IsolationConfig.ready``) with its N and ORF1ab Ct values and sampling time, so the discharge
rule reads the lab's own figures. A test from a lab outside the platform is still entered by
hand (``source`` ``manual``).
"""

from __future__ import annotations

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.isolation.choices import TreatmentEventKind, TreatmentTestStatus
from fangkong.isolation.models import TreatmentTest
from fangkong.isolation.treatment.events import treatment_event_record
from fangkong.lab.choices import RetestReason, TubeResult
from fangkong.lab.findings import TaskResult

#: What a lab tube's result makes of a patient's test (an invalid tube: sampled again).
RESULT_STATUS = {
    TubeResult.NEGATIVE: TreatmentTestStatus.NEGATIVE,
    TubeResult.POSITIVE: TreatmentTestStatus.POSITIVE,
}


def treatment_tests_from_lab(results: list[TaskResult], actor: AnyActor) -> None:
    """The ``lab.findings`` task-result handler for patients' release tests: a pending test
    whose lab task was resulted takes the tube's result, its N and ORF1ab Ct values, its
    sampling time and the report time, once (only while pending: a result file applied twice
    changes nothing); an invalid tube moves the test to the task the lab opened in its place.
    A history row per test and an audit row per batch, inside the lab write's transaction."""
    by_task = {r.task_id: r for r in results if r.reason == RetestReason.TREATMENT}
    if not by_task:
        return
    tests = list(
        TreatmentTest.objects.select_for_update()
        .filter(lab_task_id__in=list(by_task), status=TreatmentTestStatus.PENDING)
        .select_related("admission")
        .order_by("id")
    )
    audits: list[AuditSpec] = []
    now = timezone.now()
    for test in tests:
        assert test.lab_task_id is not None
        result = by_task[test.lab_task_id]
        status = RESULT_STATUS.get(TubeResult(result.result))
        if status is None:
            if result.next_task_id is not None:
                TreatmentTest.objects.filter(pk=test.pk).update(lab_task_id=result.next_task_id)
            continue
        TreatmentTest.objects.filter(pk=test.pk).update(
            status=status,
            ct_n=result.ct_n,
            ct_orf1ab=result.ct_orf1ab,
            sampled_at=result.sampled_at,
            result_at=result.reported_at or now,
            tube_id=result.tube_id,
        )
        treatment_event_record(
            admission=test.admission,
            kind=TreatmentEventKind.TEST,
            actor=actor,
            reason=f"lab result ({result.barcode})",
            from_value=TreatmentTestStatus.PENDING,
            to_value=status,
            detail={
                "test": str(test.code),
                "tube": result.barcode,
                "ct_n": result.ct_n,
                "ct_orf1ab": result.ct_orf1ab,
            },
        )
        audits.append(
            AuditSpec(
                actor=actor,
                action="treatment_test_from_lab",
                object_type="admission",
                object_id=test.admission.code,
                fields=("tests.status", "tests.ct_n", "tests.ct_orf1ab"),
                reason="lab result",
            )
        )
    audit_record_many(audits)
