"""Re-test tasks derived from members' outcomes until acted upon (``lab.results.retests``): they
read as tasks everywhere a task is read, are written once, under the code they were shown with,
when a re-test tube or an antigen result takes them, and stay within the actor's scope."""

from __future__ import annotations

import importlib
import threading
import time
import uuid
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.lab.choices import MemberOutcome, RetestReason, RetestStatus, TubeKind
from fangkong.lab.coverage.dashboard import pooled_positives
from fangkong.lab.models import Binding, RetestTask, Tube
from fangkong.lab.obligations.services import antigen_record
from fangkong.lab.results.retests import (
    derived_code,
    open_retest_tasks_locked,
    retest_tasks_in_scope,
    retest_tasks_materialise,
    round_retest_tasks,
)
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.rounds.services import round_open
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive

#: The migration's statement that counts each sending tube's derived tasks directly.
RETESTS_OPEN_FILL = importlib.import_module("fangkong.lab.migrations.0015_tube_retests_open").FILL


def _resulted(s: Screening, barcode: str, ids: list[str], result: str) -> int:
    """Bind ``ids`` in a screening tube, receive it and report ``result``; the tasks opened."""
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=[barcode])
    rows = [ResultInput(barcode=barcode, result=result, row=1)]
    return results_apply(actor=s.technician, lab=s.lab, rows=rows).retest_tasks


def _pooled_positive(tree: Any, *, residents: int = 4) -> tuple[Screening, Tube]:
    """A round whose pool of three (people 0–2) came back pooled positive."""
    s = screening_make(tree, residents=residents)
    assert _resulted(s, "P0001", s.ids[:3], "pooled_positive") == 3
    return s, Tube.objects.get(barcode="P0001")


def _retest_bind(s: Screening, barcode: str, number: str) -> None:
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(
            barcode=barcode, members=[MemberInput(id_number=number)], kind=TubeKind.RETEST
        ),
    )


def test_a_pooled_positive_opens_one_task_per_member_read_everywhere(tree, api, make_actor):
    s, tube = _pooled_positive(tree)
    assert not RetestTask.objects.exists()  # nothing written per member but the outcome
    members = {p.id for p in s.people[:3]}
    codes = {str(derived_code(tube.id, person)) for person in members}

    tasks = retest_tasks_in_scope(s.commander)
    assert {t.person_id for t in tasks} == members
    assert {(t.reason, t.status, t.created_at) for t in tasks} == {
        (RetestReason.POOLED_POSITIVE, RetestStatus.OPEN, tube.reported_at)
    }
    assert round_retest_tasks(s.round.id) == (3, sum(members))

    commander = api(s.commander)
    listed = commander.get("/api/v1/lab/retests?status=open").json()["items"]
    assert {t["code"] for t in listed} == codes
    assert {t["source_tube"] for t in listed} == {"P0001"}
    assert commander.get("/api/v1/lab/retests?status=sampled").json()["items"] == []
    # kept to one round's tubes: this one's, another's (none), an unknown one (404)
    listed = commander.get(f"/api/v1/lab/retests?round={s.round.code}").json()["items"]
    assert {t["code"] for t in listed} == codes
    later = round_open(actor=s.commander, name="第二轮", areas=[(tree["district_a"], "other")])
    assert commander.get(f"/api/v1/lab/retests?round={later.code}").json()["items"] == []
    missing = commander.get(f"/api/v1/lab/retests?round={uuid.uuid4()}")
    assert (missing.status_code, missing.json()["code"]) == (404, "round_not_found")
    history = commander.get(f"/api/v1/lab/people/{s.people[0].code}/tests").json()
    (task,) = history["retests"]
    assert (task["code"], task["status"], task["round"]) == (
        str(derived_code(tube.id, s.people[0].id)),
        RetestStatus.OPEN,
        str(s.round.code),
    )
    (followup,) = pooled_positives(actor=s.commander, screening_round=s.round)
    assert (followup.held, followup.retests_open, followup.state) == (3, 3, "held")

    # another district sees none of them
    other = make_actor(Role.COMMANDER, tree["district_b"])
    assert retest_tasks_in_scope(other) == []
    assert api(other).get("/api/v1/lab/retests").json()["items"] == []


def test_the_api_pages_written_and_derived_tasks_as_one_list_with_its_total(tree, api):
    s, _tube = _pooled_positive(tree, residents=5)
    assert retest_tasks_materialise({s.people[1].id}) == 1  # one written, two still derived
    assert RetestTask.objects.count() == 1
    expected = {str(t.code) for t in retest_tasks_in_scope(s.commander)}
    written = str(RetestTask.objects.get().code)
    assert len(expected) == 3
    commander = api(s.commander)
    seen = []
    for number in (1, 2, 3):
        body = commander.get(f"/api/v1/lab/retests?page={number}&page_size=1").json()
        assert (body["total"], body["total_capped"], body["page_size"]) == (3, False, 1)
        assert body["has_next"] is (number < 3)
        seen += [item["code"] for item in body["items"]]
    # each task once; at the same time, the written one first (then derived, newest binding)
    assert (len(seen), set(seen), seen[0]) == (3, expected, written)
    assert commander.get("/api/v1/lab/retests?page=4&page_size=1").json()["items"] == []
    written_only = commander.get("/api/v1/lab/retests?status=open&page_size=2").json()
    assert (written_only["total"], len(written_only["items"])) == (3, 2)


def test_a_task_is_written_once_when_acted_upon_under_the_code_it_was_shown_with(tree):
    s, tube = _pooled_positive(tree)
    person = s.people[0]
    with transaction.atomic():
        assert retest_tasks_materialise({person.id}) == 1
        retest_tasks_materialise({person.id})  # a second writer's attempt changes nothing
    (written,) = RetestTask.objects.all()
    assert (written.code, written.source_tube_id, written.reason, written.status) == (
        derived_code(tube.id, person.id),
        tube.id,
        RetestReason.POOLED_POSITIVE,
        RetestStatus.OPEN,
    )
    assert written.created_at == tube.reported_at
    assert round_retest_tasks(s.round.id)[0] == 3  # one written, two still derived

    # a re-test tube takes the task: sampled, the others still open
    _retest_bind(s, "R0001", s.ids[1])
    sampled = RetestTask.objects.get(person=s.people[1])
    assert (sampled.code, sampled.status, sampled.retest_tube_id) == (
        derived_code(tube.id, s.people[1].id),
        RetestStatus.SAMPLED,
        Tube.objects.get(barcode="R0001").id,
    )
    open_now = {t.person_id for t in retest_tasks_in_scope(SYSTEM, status=RetestStatus.OPEN)}
    assert open_now == {s.people[0].id, s.people[2].id}
    assert RetestTask.objects.count() == 2
    (followup,) = pooled_positives(actor=s.commander, screening_round=s.round)
    assert (followup.retests_open, followup.retests_sampled) == (2, 1)

    # nobody gets a second tube for the same task
    with transaction.atomic():
        assert s.people[1].id not in open_retest_tasks_locked({s.people[1].id})


def test_an_antigen_result_of_a_held_member_takes_the_task_the_pool_opened(tree, make_actor):
    s, tube = _pooled_positive(tree)
    grid = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    test = antigen_record(
        actor=grid, person=s.people[2], source="self", result="negative", tested_at=timezone.now()
    )
    assert test.suspected == "held"
    task = RetestTask.objects.get()
    assert (test.pcr_task_id, task.code, task.reason) == (
        task.id,
        derived_code(tube.id, s.people[2].id),
        RetestReason.POOLED_POSITIVE,
    )
    assert Binding.objects.get(tube=tube, person=s.people[2]).outcome == MemberOutcome.HELD


def test_an_invalid_tube_opens_tasks_that_a_negative_retest_closes(tree):
    s = screening_make(tree, residents=2)
    assert _resulted(s, "V0001", s.ids[:2], "invalid") == 2
    assert {t.reason for t in retest_tasks_in_scope(SYSTEM)} == {RetestReason.INVALID}
    _retest_bind(s, "R0001", s.ids[0])
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["R0001"])
    rows = [ResultInput(barcode="R0001", result="negative", row=1)]
    results_apply(actor=s.technician, lab=s.lab, rows=rows)
    done = RetestTask.objects.get(person=s.people[0])
    assert (done.status, done.outcome) == (RetestStatus.DONE, "negative")
    assert Binding.objects.get(tube__barcode="V0001", person=s.people[0]).outcome == (
        MemberOutcome.CLEARED
    )
    still = retest_tasks_in_scope(SYSTEM, status=RetestStatus.OPEN)
    assert [t.person_id for t in still] == [s.people[1].id]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_two_writers_taking_one_task_at_once_write_it_once(shared_database, tree):
    """The first writer holds its transaction open; the second waits on the unique code
    (PostgreSQL) or the write lock (SQLite), then finds the row and writes nothing."""
    s, tube = _pooled_positive(tree)
    person = s.people[0].id
    written = threading.Event()
    failures: list[BaseException] = []
    found: list[int] = []

    def first() -> None:
        try:
            with transaction.atomic():
                found.append(len(open_retest_tasks_locked({person})))
                written.set()
                time.sleep(0.3)
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
            written.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            written.wait(10)
            with transaction.atomic():
                found.append(len(open_retest_tasks_locked({person})))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert found == [1, 1]
    assert list(RetestTask.objects.values_list("code", flat=True)) == [
        derived_code(tube.id, person)
    ]
    assert Tube.objects.get(pk=tube.pk).retests_open == 2  # counted once


def _counts() -> dict[str, int]:
    """Each tube's ``retests_open``, and the tubes whose count differs from the derived tasks
    counted directly (the migration's own statement)."""
    stored = dict(Tube.objects.values_list("barcode", "retests_open"))
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT counts")
        cursor.execute(RETESTS_OPEN_FILL)
        direct = dict(Tube.objects.values_list("barcode", "retests_open"))
        cursor.execute("ROLLBACK TO SAVEPOINT counts")
    assert stored == direct, (stored, direct)
    return stored


def test_each_tube_counts_its_derived_tasks_as_they_are_written(tree):
    s = screening_make(tree, residents=8)
    assert _resulted(s, "P0001", s.ids[:3], "pooled_positive") == 3
    assert _resulted(s, "V0001", s.ids[3:5], "invalid") == 2
    _resulted(s, "N0001", s.ids[5:7], "negative")
    assert _counts() == {"P0001": 3, "V0001": 2, "N0001": 0}

    with transaction.atomic():
        assert retest_tasks_materialise({s.people[0].id, s.people[3].id}) == 2
        assert retest_tasks_materialise({s.people[0].id}) == 0  # written: not derived now
    assert _counts() == {"P0001": 2, "V0001": 1, "N0001": 0}

    for number, barcode in ((s.ids[1], "R0001"), (s.ids[2], "R0002"), (s.ids[4], "R0003")):
        _retest_bind(s, barcode, number)
    counts = _counts()
    assert (counts["P0001"], counts["V0001"]) == (0, 0)
    assert {counts[b] for b in ("R0001", "R0002", "R0003")} == {0}
    # every task is written now; the open list reads them from their rows
    assert not retest_tasks_materialise({p.id for p in s.people})
    opened = retest_tasks_in_scope(SYSTEM, status=RetestStatus.OPEN)
    assert {t.person_id for t in opened} == {s.people[0].id, s.people[3].id}
    assert all(t.pk for t in opened)

    # a re-test that comes back invalid opens the person's next task as a row; the source
    # tube's count stays 0 and the list shows that task
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["R0001"])
    rows = [ResultInput(barcode="R0001", result="invalid", row=1)]
    results_apply(actor=s.technician, lab=s.lab, rows=rows)
    assert _counts()["P0001"] == 0
    person = s.people[1].id
    assert [t.status for t in retest_tasks_in_scope(SYSTEM) if t.person_id == person] == [
        RetestStatus.OPEN,
        RetestStatus.DONE,
    ]
