"""Admissions racing for the last bed of a room from two threads (each its own connection and
transaction): one wins, the other is refused ``room_full``; the room never holds more
patients than beds."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from fangkong.cases.models import Case
from fangkong.core.errors import Conflict
from fangkong.isolation.models import Admission
from fangkong.isolation.treatment.access import access_bed
from fangkong.isolation.treatment.roles import TREATMENT_WRITE_ROLES
from fangkong.isolation.treatment.services import admission_admit
from fangkong.isolation.treatment.tests.factories import second_case, ward_make


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_racing_admissions_never_put_more_patients_in_a_room_than_beds(shared_database, tree):
    ward = ward_make(tree, rooms=1)
    cases = [ward.case, second_case(ward)]
    room = access_bed(ward.clinician, ward.fangcang.code, "0001", roles=TREATMENT_WRITE_ROLES)
    barrier = threading.Barrier(len(cases))
    admitted: list[Admission] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def run(case: Case) -> None:
        try:
            barrier.wait()
            admitted.append(
                admission_admit(actor=ward.clinician, case=case, room=room, reason="收治")
            )
        except Conflict as exc:
            refused.append(exc.code)
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(admitted) == 1
    assert refused == ["room_full"]
    assert Admission.objects.filter(room_id=room.pk, status="admitted").count() == 1
