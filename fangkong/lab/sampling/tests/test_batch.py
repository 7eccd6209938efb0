"""Tubes of many samplers stored together (``tubes_bind``) and concurrent API requests
combined into such batches (group commit, R37): each tube is answered as if it were alone."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connections, transaction

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.audit import audit_chain_verify
from fangkong.core.errors import FangkongError
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.models import Binding, Tube, TubeEvent
from fangkong.lab.sampling.services import (
    BindRequest,
    MemberInput,
    TubeBound,
    TubeInput,
    tubes_bind,
)
from fangkong.lab.tests.factories import screening_make


def _tube(barcode: str, ids: list[str]) -> TubeInput:
    return TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids])


def _by_code(s: Any, actor: Any, barcode: str, ids: list[str]) -> BindRequest:
    return BindRequest(
        actor=actor,
        data=_tube(barcode, ids),
        screening_round=str(s.round.code),
        point=str(s.point.code),
    )


def _answer_codes(answers: list[Any]) -> list[str]:
    return [
        a.code if isinstance(a, FangkongError) else ("stored" if a.created else "replay")
        for a in answers
    ]


def test_a_batch_answers_each_tube_on_its_own(tree):
    s = screening_make(tree, residents=12)
    other = actor_make(role=Role.SAMPLER, region=tree["community_a"])  # not on the staff
    requests = [
        _by_code(s, s.sampler, "B0001", s.ids[0:3]),
        _by_code(s, s.sampler, "B0002", s.ids[3:6]),
        _by_code(s, s.sampler, "B0001", s.ids[0:3]),  # the first tube again: a replay
        _by_code(s, s.sampler, "B0001", s.ids[6:8]),  # its barcode, other people
        _by_code(s, s.sampler, "B0003", [s.ids[5], s.ids[8]]),  # member 0 is in B0002
        _by_code(s, s.sampler, "B0004", ["110101199003074514"]),  # valid, not registered
        _by_code(s, other, "B0005", s.ids[9:10]),  # only the point's staff may bind
        BindRequest(
            actor=s.sampler,
            data=_tube("B0006", s.ids[10:11]),
            screening_round=str(uuid.uuid4()),
            point=str(s.point.code),
        ),
        _by_code(s, s.sampler, "B0007", s.ids[9:12]),
    ]
    with transaction.atomic():
        answers = tubes_bind(requests)
    assert _answer_codes(answers) == [
        "stored",
        "stored",
        "replay",
        "tube_exists",
        "person_already_bound",
        "person_unknown",
        "point_not_found",
        "round_not_found",
        "stored",
    ]
    first, replay = answers[0], answers[2]
    assert isinstance(first, TubeBound)
    assert isinstance(replay, TubeBound)
    assert replay.tube.pk == first.tube.pk
    busy = answers[4]
    assert isinstance(busy, FangkongError)
    assert [e["field"] for e in busy.detail["errors"]] == ["members[0]"]
    stored = ["B0001", "B0002", "B0007"]
    assert sorted(Tube.objects.values_list("barcode", flat=True)) == stored
    assert Binding.objects.count() == 3 + 3 + 3
    for barcode, people in (
        ("B0001", s.people[0:3]),
        ("B0002", s.people[3:6]),
        ("B0007", s.people[9:12]),
    ):
        stored_members = Binding.objects.filter(tube__barcode=barcode).order_by("position")
        assert list(stored_members.values_list("person_id", flat=True)) == [p.id for p in people]
    assert TubeEvent.objects.filter(kind="bound").count() == 3
    assert AuditEntry.objects.filter(action="tube_bind").count() == 3
    assert AccessEntry.objects.filter(action="tube_bind").count() == 3
    assert audit_chain_verify().ok


def test_a_batch_of_many_samplers_audits_each_tube_with_its_sampler(tree):
    s = screening_make(tree, residents=8)
    second = actor_make(role=Role.SAMPLER, region=tree["community_a"])
    s.point.staff.add(User.objects.get(pk=second.user_id))
    with transaction.atomic():
        answers = tubes_bind(
            [
                _by_code(s, s.sampler, "M0001", s.ids[0:4]),
                _by_code(s, second, "M0002", s.ids[4:8]),
            ]
        )
    assert all(isinstance(a, TubeBound) and a.created for a in answers)
    audits = dict(
        AuditEntry.objects.filter(action="tube_bind").values_list("object_id", "actor_id")
    )
    assert audits == {"M0001": s.sampler.user_id, "M0002": second.user_id}
    samplers = dict(Tube.objects.values_list("barcode", "sampler_id"))
    assert samplers == {"M0001": s.sampler.user_id, "M0002": second.user_id}
    assert audit_chain_verify().ok


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_concurrent_requests_are_combined_and_each_answered(shared_database, tree, api):
    """Twelve samplers' threads post at once: every tube is stored once and answered with its
    own members; the server process stored them in fewer batches than requests."""
    from fangkong.lab.sampling.api import _BINDING

    s = screening_make(tree, residents=36)
    samplers = [s.sampler]
    for _ in range(11):
        extra = actor_make(role=Role.SAMPLER, region=tree["community_a"])
        s.point.staff.add(User.objects.get(pk=extra.user_id))
        samplers.append(extra)
    batches = _BINDING.batches
    barrier = threading.Barrier(len(samplers))
    answers: dict[int, Any] = {}
    failures: list[BaseException] = []

    def send(index: int) -> None:
        try:
            client = api(samplers[index])
            barrier.wait()
            response = client.post(
                "/api/v1/lab/tubes",
                {
                    "round": str(s.round.code),
                    "point": str(s.point.code),
                    "barcode": f"C{index:04d}",
                    "members": [{"id_number": n} for n in s.ids[index * 3 : index * 3 + 3]],
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            answers[index] = (response.status_code, response.json())
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(samplers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert {status for status, _body in answers.values()} == {201}, answers
    for index, (_status, body) in answers.items():
        assert body["barcode"] == f"C{index:04d}"
        assert [m["person"] for m in body["members"]] == [
            str(p.code) for p in s.people[index * 3 : index * 3 + 3]
        ]
    assert Tube.objects.count() == 12
    assert Binding.objects.count() == 36
    assert AuditEntry.objects.filter(action="tube_bind").count() == 12
    assert 1 <= _BINDING.batches - batches <= 12
    assert audit_chain_verify().ok


class _Deadlock(Exception):
    sqlstate = "40P01"


@pytest.mark.parametrize("error", ["integrity", "deadlock"])
def test_a_batch_the_database_refuses_is_taken_again_tube_by_tube(tree, monkeypatch, error):
    """A concurrent writer's duplicate or a deadlock rolls the batch back whole; every tube is
    then bound on its own and answered as if alone."""
    from django.db import IntegrityError, OperationalError

    from fangkong.core.idempotency import IdempotentCall
    from fangkong.lab.sampling import api as api_binding

    s = screening_make(tree, residents=4)

    def refuse(_posts: Any) -> Any:
        if error == "integrity":
            raise IntegrityError("duplicate key")
        raise OperationalError("deadlock detected") from _Deadlock()

    monkeypatch.setattr(api_binding, "_bind_together", refuse)
    posts = [
        api_binding._Post(
            bind=_by_code(s, s.sampler, barcode, ids),
            call=IdempotentCall(
                actor=s.sampler,
                key=str(uuid.uuid4()),
                operation="tube_bind",
                payload={"b": barcode},
            ),
        )
        for barcode, ids in (("R0001", s.ids[0:2]), ("R0002", s.ids[2:4]), ("R0003", s.ids[0:1]))
    ]
    answers = api_binding._bind_batch(posts)
    assert [a[0] if isinstance(a, tuple) else getattr(a, "code", a) for a in answers] == [
        201,
        201,
        "person_already_bound",
    ]
    assert sorted(Tube.objects.values_list("barcode", flat=True)) == ["R0001", "R0002"]


def test_other_database_errors_of_a_batch_are_not_retried(tree, monkeypatch):
    from django.db import OperationalError

    from fangkong.lab.sampling import api as api_binding

    def broken(_posts: Any) -> Any:
        raise OperationalError("the server closed the connection")

    monkeypatch.setattr(api_binding, "_bind_together", broken)
    with pytest.raises(OperationalError):
        api_binding._bind_batch([])


def test_what_decides_a_tube_is_read_for_every_batch_and_the_rest_kept_briefly(tree):
    """A process keeps rounds and points (region, areas) for ``PLACES_SECONDS``; a round
    closed or a sampler taken off the staff is seen by the next batch, and a point saved in
    this process is forgotten at once."""
    from fangkong.lab.models import SamplingPoint
    from fangkong.lab.rounds.services import round_close
    from fangkong.lab.sampling import placing

    s = screening_make(tree, residents=8)

    def bind(barcode: str, ids: list[str]) -> str:
        with transaction.atomic():
            (answer,) = tubes_bind([_by_code(s, s.sampler, barcode, ids)])
        return _answer_codes([answer])[0]

    assert bind("P0001", s.ids[0:2]) == "stored"
    assert placing._rounds
    assert placing._points
    # the point is moved out of the round behind the process's back (no save signal): the
    # kept point still places it, until it is forgotten or its time is up
    SamplingPoint.objects.filter(pk=s.point.pk).update(region=tree["community_b"])
    assert bind("P0002", s.ids[2:3]) == "stored"
    placing.places_forget()
    assert bind("P0003", s.ids[3:4]) == "point_outside_round"
    # saved through the ORM in this process: forgotten at once
    s.point.region = tree["community_a"]
    s.point.save(update_fields=["region"])
    assert not placing._points
    assert bind("P0003", s.ids[3:4]) == "stored"
    # staff and round status are read for every batch
    s.point.staff.remove(User.objects.get(pk=s.sampler.user_id))
    assert bind("P0004", s.ids[4:5]) == "point_not_found"  # a sampler sees the points they staff
    s.point.staff.add(User.objects.get(pk=s.sampler.user_id))
    round_close(actor=s.commander, screening_round=s.round, reason="round over")
    assert bind("P0005", s.ids[5:6]) == "round_closed"


def test_a_tube_with_an_extreme_time_is_refused_alone_and_its_batch_stored(tree):
    """Year 1, year 9999 and a time without offset in one batch with valid tubes: each of
    those tubes is refused with its field, the valid ones are stored (an overflow on one
    tube used to fail the whole batch)."""
    from datetime import datetime, timedelta
    from datetime import timezone as tz

    s = screening_make(tree, residents=8)
    year_1 = datetime(1, 1, 1, tzinfo=tz(timedelta(hours=5)))
    year_9999 = datetime(9999, 12, 31, 23, tzinfo=tz(timedelta(hours=-5)))
    naive = datetime(2022, 7, 15, 8, 0)

    def at(barcode: str, ids: list[str], sampled_at: Any, scanned_at: Any = None) -> BindRequest:
        members = [MemberInput(id_number=n, scanned_at=scanned_at) for n in ids]
        return BindRequest(
            actor=s.sampler,
            data=TubeInput(barcode=barcode, members=members, sampled_at=sampled_at),
            screening_round=str(s.round.code),
            point=str(s.point.code),
        )

    requests = [
        _by_code(s, s.sampler, "X0001", s.ids[0:2]),
        at("X0002", s.ids[2:3], year_1, year_1),
        at("X0003", s.ids[3:4], year_9999, year_9999),
        at("X0004", s.ids[4:5], naive, naive),
        at("X0005", s.ids[5:6], None, scanned_at=year_9999),
        _by_code(s, s.sampler, "X0006", s.ids[6:8]),
    ]
    with transaction.atomic():
        answers = tubes_bind(requests)
    assert _answer_codes(answers)[0] == "stored"
    assert _answer_codes(answers)[-1] == "stored"
    refused = [
        [(e["field"], e["code"]) for e in a.detail["errors"]]
        for a in answers[1:5]
        if isinstance(a, FangkongError)
    ]
    assert refused == [
        [("sampled_at", "datetime_too_early"), ("members[0].scanned_at", "datetime_too_early")],
        [("sampled_at", "datetime_too_late"), ("members[0].scanned_at", "datetime_too_late")],
        [("sampled_at", "datetime_naive"), ("members[0].scanned_at", "datetime_naive")],
        [("members[0].scanned_at", "datetime_too_late")],
    ]
    assert sorted(Tube.objects.values_list("barcode", flat=True)) == ["X0001", "X0006"]


def test_an_unforeseen_failure_of_one_tube_fails_no_neighbour_in_its_batch(tree, monkeypatch):
    """Should one tube still break the batch's transaction in a way no check foresaw, the
    batch is taken again tube by tube: that request alone gets the failure."""
    from fangkong.core.idempotency import IdempotentCall
    from fangkong.lab.sampling import api as api_binding
    from fangkong.lab.sampling import services as service
    from fangkong.lab.sampling.tube_checks import tube_check as real_check

    s = screening_make(tree, residents=6)

    def check(item: Any, now: Any) -> Any:
        if item.request.data.barcode == "BAD0001":
            raise OverflowError("date value out of range")
        return real_check(item, now)

    monkeypatch.setattr(service, "tube_check", check)
    posts = [
        api_binding._Post(
            bind=_by_code(s, s.sampler, barcode, ids),
            call=IdempotentCall(
                actor=s.sampler,
                key=str(uuid.uuid4()),
                operation="tube_bind",
                payload={"b": barcode},
            ),
        )
        for barcode, ids in (
            ("G0001", s.ids[0:2]),
            ("BAD0001", s.ids[2:3]),
            ("G0002", s.ids[3:5]),
            ("G0003", s.ids[5:6]),
        )
    ]
    answers = api_binding._bind_batch(posts)
    assert [a[0] if isinstance(a, tuple) else type(a).__name__ for a in answers] == [
        201,
        "OverflowError",
        201,
        201,
    ]
    assert sorted(Tube.objects.values_list("barcode", flat=True)) == ["G0001", "G0002", "G0003"]
