"""A patient's release tests through the lab (R25): the test is a lab task of the person, its
tube's result and N/ORF1ab Ct values come back from the lab once, the discharge rule reads
them, and a hand-entered result is refused for such a test (kept for outside labs)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from fangkong.core.errors import Conflict
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import ResultSource
from fangkong.isolation.models import Admission, TreatmentTest
from fangkong.isolation.treatment.access import access_bed
from fangkong.isolation.treatment.roles import TREATMENT_WRITE_ROLES
from fangkong.isolation.treatment.services import (
    admission_admit,
    admission_discharge,
    treatment_test_add,
    treatment_test_result,
    treatment_test_to_lab,
)
from fangkong.isolation.treatment.tests.factories import Ward, ward_make
from fangkong.lab.choices import RetestReason, SamplingPlace
from fangkong.lab.models import RetestTask
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.lab.transport.services import package_receive

pytestmark = pytest.mark.django_db


def _admitted(ward: Ward) -> Admission:
    room = access_bed(ward.clinician, ward.fangcang.code, "0001", roles=TREATMENT_WRITE_ROLES)
    return admission_admit(
        actor=ward.clinician,
        case=ward.case,
        room=room,
        reason="无症状感染者收治",
        isolated_since=NINTH_EDITION_DAY.date(),
    )


def test_release_tests_through_the_lab_carry_the_tubes_ct_values_to_discharge(tree):
    ward = ward_make(tree)
    s = ward.outbreak.s
    admission = _admitted(ward)
    day0 = NINTH_EDITION_DAY
    for day, barcode in ((6, "F0006"), (7, "F0007")):
        with time_machine.travel(day0 + timedelta(days=day), tick=False):
            test = treatment_test_to_lab(actor=ward.clinician, admission=admission)
            assert test.lab_task is not None
            task = RetestTask.objects.get(pk=test.lab_task.pk)
            assert (task.reason, task.place, task.due_on, task.person_id) == (
                RetestReason.TREATMENT,
                SamplingPlace.SITE,
                (day0 + timedelta(days=day)).date(),
                ward.case.person_id,
            )
            with pytest.raises(Conflict) as by_hand:
                treatment_test_result(actor=ward.clinician, test=test, result="negative")
            assert by_hand.value.code == "test_from_lab"
            tube_bind(
                actor=s.sampler,
                screening_round=s.round,
                point=s.point,
                data=TubeInput(
                    barcode=barcode,
                    members=[MemberInput(id_number=s.ids[1])],
                    kind="retest",
                ),
            )
            package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=[barcode])
        with time_machine.travel(day0 + timedelta(days=day, hours=5), tick=False):
            row = ResultInput(barcode=barcode, result="positive", row=1, ct_n=36.5, ct_orf1ab=37.0)
            for _twice in range(2):  # the same result twice marks the test once
                results_apply(actor=s.technician, lab=s.lab, rows=[row])
    tests = list(TreatmentTest.objects.filter(admission=admission).select_related("tube"))
    assert [(t.status, t.ct_n, t.ct_orf1ab, t.source) for t in tests] == [
        ("positive", 36.5, 37.0, ResultSource.LAB)
    ] * 2
    assert [t.tube.barcode for t in tests if t.tube] == ["F0006", "F0007"]
    assert tests[1].sampled_at - tests[0].sampled_at == timedelta(days=1)
    assert AuditEntry.objects.filter(action="treatment_test_from_lab").count() == 2
    # a positive release test is not a new finding: the patient's case is the same one
    assert not RetestTask.objects.filter(person_id=ward.case.person_id, status="open").exists()
    with time_machine.travel(day0 + timedelta(days=7, hours=6), tick=False):
        done = admission_discharge(actor=ward.clinician, admission=admission, reason="达到出舱标准")
    assert done.status == "discharged"


def test_manual_tests_stay_marked_as_outside_lab(tree):
    ward = ward_make(tree)
    admission = _admitted(ward)
    test = treatment_test_add(
        actor=ward.clinician, admission=admission, sampled_at=NINTH_EDITION_DAY
    )
    treatment_test_result(actor=ward.clinician, test=test, result="negative")
    assert TreatmentTest.objects.get(pk=test.pk).source == ResultSource.MANUAL


def test_the_patient_page_asks_the_lab_and_shows_the_source(tree, page_client):
    ward = ward_make(tree)
    admission = _admitted(ward)
    client = page_client(ward.clinician)
    done = client.post(f"/isolation/treatment/{admission.code}/lab_test/", {})
    assert done.status_code == 302
    test = TreatmentTest.objects.get(admission=admission)
    assert (test.source, test.status) == (ResultSource.LAB, "pending")
    page = client.get(f"/isolation/treatment/{admission.code}/").content.decode()
    assert "Lab tube" in page
    # another district's clinician cannot ask for one
    other = page_client(ward.other_clinician)
    refused = other.post(f"/isolation/treatment/{admission.code}/lab_test/", {})
    assert refused.status_code == 404
