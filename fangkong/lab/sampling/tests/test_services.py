"""Binding whole tubes through ``POST /api/v1/lab/tubes`` (R7–R9): every bad input answers
with a stable code and leaves no tube, binding or audit row behind; the same tube sent again,
even twenty times at once, is stored once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from fangkong.core.idcard import check_char
from fangkong.core.models import AuditEntry, IdempotencyRecord
from fangkong.lab.choices import EntryMethod, MemberOutcome, TubeStatus
from fangkong.lab.models import Binding, Tube, TubeEvent
from fangkong.lab.rounds.services import round_close
from fangkong.lab.tests.factories import screening_make, unique_id_number


def _bind(client: Any, s: Any, barcode: str, ids: list[str], key: str = "", **extra: Any) -> Any:
    return client.post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": barcode,
            "members": [{"id_number": number} for number in ids],
            **extra,
        },
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
    )


def _rows() -> tuple[int, int, int, int]:
    return (
        Tube.objects.count(),
        Binding.objects.count(),
        TubeEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def _codes(response: Any) -> set[str]:
    return {error["code"] for error in response.json()["detail"].get("errors", [])}


def test_bind_stores_the_tube_its_members_history_and_audit(tree, api):
    s = screening_make(tree, residents=3)
    before = _rows()
    response = _bind(api(s.sampler), s, "t-0001", s.ids[:3])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["barcode"] == "T-0001"
    assert body["created"] is True
    assert (body["ratio"], body["member_count"], body["status"]) == (20, 3, TubeStatus.CLOSED)
    assert [m["person"] for m in body["members"]] == [str(p.code) for p in s.people[:3]]
    tube = Tube.objects.get(barcode="T-0001")
    assert (tube.round_id, tube.point_id) == (s.round.id, s.point.id)
    assert tube.sampler_id == s.sampler.user_id
    bindings = list(Binding.objects.filter(tube=tube).order_by("position"))
    assert [b.person_id for b in bindings] == [p.id for p in s.people[:3]]
    assert {b.method for b in bindings} == {EntryMethod.MANUAL}
    assert {b.outcome for b in bindings} == {MemberOutcome.PENDING}
    assert [b.household_id for b in bindings] == [p.household_id for p in s.people[:3]]
    assert _rows() == (before[0] + 1, before[1] + 3, before[2] + 1, before[3] + 1)
    assert AuditEntry.objects.filter(action="tube_bind", object_id="T-0001").count() == 1


def test_bind_refuses_more_members_than_the_ratio(tree, api):
    s = screening_make(tree, residents=6)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:6], ratio=5)
    assert response.status_code == 422
    assert response.json()["code"] == "tube_full"
    assert response.json()["detail"]["ratio"] == 5
    assert response.json()["detail"]["errors"][0]["field"] == "members[5]"
    assert _rows() == before


def test_bind_refuses_more_than_twenty_members(tree, api):
    s = screening_make(tree, residents=21)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:21])
    assert response.status_code == 422
    assert response.json()["code"] == "tube_full"
    assert _rows() == before


def test_bind_refuses_an_unregistered_person(tree, api):
    s = screening_make(tree, residents=2)
    before = _rows()
    stranger = unique_id_number()
    response = _bind(api(s.sampler), s, "T0001", [s.ids[0], stranger])
    assert response.status_code == 422
    assert response.json()["code"] == "person_unknown"
    assert response.json()["detail"]["errors"] == [
        {
            "field": "members[1].id_number",
            "code": "person_unknown",
            "message": response.json()["detail"]["errors"][0]["message"],
        }
    ]
    assert _rows() == before


_FIRST17 = "11010519800517001"
_WRONG_CHECK = _FIRST17 + ("0" if check_char(_FIRST17) != "0" else "1")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (_WRONG_CHECK, "id_check_digit"),
        (_FIRST17, "id_length"),
        ("11010519800517005\u0425", "id_lookalike_x"),  # Cyrillic Х for the check X
        ("4.40524E+17", "id_excel_damaged"),
    ],
)
def test_bind_refuses_an_invalid_identity_number(tree, api, number, code):
    s = screening_make(tree, residents=1)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", [s.ids[0], number])
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    errors = response.json()["detail"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("members[1].id_number", code)]
    assert _rows() == before


def test_bind_refuses_a_member_with_neither_code_nor_number(tree, api):
    s = screening_make(tree, residents=1)
    before = _rows()
    response = api(s.sampler).post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "T0001",
            "members": [{"id_number": s.ids[0]}, {}],
        },
    )
    assert response.status_code == 422
    assert _codes(response) == {"member_unidentified"}
    assert _rows() == before


def test_bind_refuses_the_same_person_twice_in_a_tube(tree, api):
    s = screening_make(tree, residents=2)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", [s.ids[0], s.ids[1], s.ids[0]])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("members[2]", "person_repeated")
    ]
    assert _rows() == before


def test_bind_refuses_a_person_already_in_an_open_tube_of_the_round(tree, api):
    s = screening_make(tree, residents=3)
    client = api(s.sampler)
    assert _bind(client, s, "T0001", s.ids[:2]).status_code == 201
    before = _rows()
    response = _bind(client, s, "T0002", [s.ids[2], s.ids[1]])
    assert response.status_code == 409
    assert response.json()["code"] == "person_already_bound"
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("members[1]", "person_already_bound")
    ]
    assert _rows() == before
    assert not Tube.objects.filter(barcode="T0002").exists()


def test_bind_refuses_a_ratio_above_twenty(tree, api):
    s = screening_make(tree, residents=2)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:2], ratio=21)
    assert response.status_code == 422
    assert response.json()["code"] == "ratio_above_max"
    assert _codes(response) == {"ratio_above_max"}
    assert _rows() == before


def test_bind_refuses_a_ratio_above_the_rule_of_the_zone(tree, api):
    s = screening_make(tree, residents=2, zone="medium")  # 9th edition: 10-in-1
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:2], ratio=15)
    assert response.status_code == 422
    assert response.json()["code"] == "ratio_above_rule"
    assert _rows() == before
    allowed = _bind(api(s.sampler), s, "T0001", s.ids[:2], ratio=10)
    assert allowed.status_code == 201
    assert allowed.json()["ratio"] == 10


def test_bind_in_a_high_risk_zone_takes_one_household_per_tube(tree, api):
    s = screening_make(tree, residents=6, zone="high")  # households of three
    client = api(s.sampler)
    before = _rows()
    mixed = _bind(client, s, "T0001", [s.ids[0], s.ids[3]])
    assert mixed.status_code == 422
    assert mixed.json()["code"] == "household_mixed"
    assert _rows() == before
    one_household = _bind(client, s, "T0001", s.ids[:3])
    assert one_household.status_code == 201, one_household.json()
    assert one_household.json()["per_household"] is True
    assert Tube.objects.get(barcode="T0001").per_household is True


@pytest.mark.parametrize("barcode", ["T!", "T0<script>", "AB", "T" * 33, "——"])
def test_bind_refuses_an_invalid_barcode(tree, api, barcode):
    s = screening_make(tree, residents=1)
    before = _rows()
    response = _bind(api(s.sampler), s, barcode, s.ids[:1])
    assert response.status_code == 422
    assert ("barcode", "barcode_invalid") in {
        (e["field"], e["code"]) for e in response.json()["detail"]["errors"]
    }
    assert _rows() == before


def test_bind_accepts_a_full_width_barcode_as_its_ascii_form(tree, api):
    s = screening_make(tree, residents=1)
    response = _bind(api(s.sampler), s, "ＴＵＢＥ１２", s.ids[:1])
    assert response.status_code == 201
    assert Tube.objects.filter(barcode="TUBE12").exists()


def test_bind_refuses_a_barcode_already_bound_to_other_people(tree, api):
    s = screening_make(tree, residents=4)
    client = api(s.sampler)
    assert _bind(client, s, "T0001", s.ids[:2]).status_code == 201
    before = _rows()
    response = _bind(client, s, "T0001", s.ids[2:4])
    assert response.status_code == 409
    assert response.json()["code"] == "tube_exists"
    assert _rows() == before
    assert set(
        Binding.objects.filter(tube__barcode="T0001").values_list("person_id", flat=True)
    ) == {
        s.people[0].id,
        s.people[1].id,
    }


def test_the_same_tube_sent_again_answers_the_stored_tube(tree, api):
    s = screening_make(tree, residents=3)
    client = api(s.sampler)
    first = _bind(client, s, "T0001", s.ids[:3])
    assert first.status_code == 201
    before = _rows()
    again = _bind(client, s, "T0001", s.ids[:3])  # a new idempotency key: offline re-upload
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["members"] == first.json()["members"]
    assert _rows() == before


def test_the_same_idempotency_key_replays_the_first_answer(tree, api):
    s = screening_make(tree, residents=3)
    client = api(s.sampler)
    key = str(uuid.uuid4())
    first = _bind(client, s, "T0001", s.ids[:3], key=key)
    before = _rows()
    again = _bind(client, s, "T0001", s.ids[:3], key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["barcode"] == "T0001"
    assert _rows() == before
    other = _bind(client, s, "T0002", s.ids[:3], key=key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert _rows() == before


def test_bind_refuses_a_sampling_time_far_in_the_future(tree, api):
    s = screening_make(tree, residents=1)
    before = _rows()
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:1], sampled_at=later)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("sampled_at", "sampled_at_out_of_range")
    ]
    assert _rows() == before


def test_bind_takes_a_device_clock_a_few_minutes_ahead(tree, api):
    s = screening_make(tree, residents=1)
    ahead = (timezone.now() + timedelta(minutes=5)).isoformat()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:1], sampled_at=ahead)
    assert response.status_code == 201


def test_bind_refuses_a_sampling_time_before_the_round(tree, api):
    s = screening_make(tree, residents=1)
    before = _rows()
    earlier = (s.round.starts_at - timedelta(hours=3)).isoformat()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:1], sampled_at=earlier)
    assert response.status_code == 422
    assert _codes(response) == {"sampled_at_out_of_range"}
    assert _rows() == before


def test_bind_refuses_times_without_an_offset(tree, api):
    s = screening_make(tree, residents=2)
    before = _rows()
    naive = timezone.localtime().replace(tzinfo=None).isoformat()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:1], sampled_at=naive)
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("sampled_at", "datetime_naive")
    ]
    scanned = api(s.sampler).post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "T0001",
            "members": [
                {"id_number": s.ids[0], "scanned_at": naive},
                {"id_number": s.ids[1], "scanned_at": "2099-01-01T00:00:00+08:00"},
            ],
        },
    )
    assert scanned.status_code == 422
    assert [(e["field"], e["code"]) for e in scanned.json()["detail"]["errors"]] == [
        ("members[0].scanned_at", "datetime_naive"),
        ("members[1].scanned_at", "datetime_too_late"),  # beyond now + 1 day (core.times)
    ]
    assert _rows() == before


def test_bind_refuses_a_closed_round(tree, api):
    s = screening_make(tree, residents=1)
    round_close(actor=s.commander, screening_round=s.round, reason="done")
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:1])
    assert response.status_code == 409
    assert response.json()["code"] == "round_closed"
    assert _rows() == before


def test_bind_refuses_an_unknown_group_and_an_empty_tube(tree, api):
    s = screening_make(tree, residents=1)
    before = _rows()
    group = _bind(api(s.sampler), s, "T0001", s.ids[:1], group="nonsense")
    assert group.status_code == 422
    assert _codes(group) == {"invalid_choice"}
    empty = _bind(api(s.sampler), s, "T0001", [])
    assert empty.status_code == 422
    assert _rows() == before


def test_a_key_group_tube_holds_one_person(tree, api):
    s = screening_make(tree, residents=2)
    before = _rows()
    response = _bind(api(s.sampler), s, "T0001", s.ids[:2], group="key_group")
    assert response.status_code == 422
    assert response.json()["code"] == "tube_full"
    assert _rows() == before
    single = _bind(api(s.sampler), s, "T0001", s.ids[:1], group="key_group")
    assert single.status_code == 201
    assert single.json()["ratio"] == 1


def test_a_retest_tube_needs_an_open_retest_task(tree, api):
    s = screening_make(tree, residents=1)
    before = _rows()
    response = _bind(api(s.sampler), s, "R0001", s.ids[:1], kind="retest")
    assert response.status_code == 422
    assert response.json()["code"] == "no_retest_task"
    assert _rows() == before


# --- Twenty identical requests at once -------------------------------------------------------


def _at_once(count: int, send: Any) -> list[tuple[int, dict[str, Any]]]:
    barrier = threading.Barrier(count)
    answers: list[tuple[int, dict[str, Any]]] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            response = send()
            answers.append((response.status_code, response.json()))
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return answers


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
@pytest.mark.parametrize("with_key", [True, False], ids=["same_key", "no_key"])
def test_twenty_identical_tubes_at_once_store_one_tube(shared_database, tree, api, with_key):
    s = screening_make(tree, residents=10)
    key = str(uuid.uuid4()) if with_key else ""
    payload = {
        "round": str(s.round.code),
        "point": str(s.point.code),
        "barcode": "C0001",
        "members": [{"id_number": number} for number in s.ids],
    }
    headers = {"Idempotency-Key": key} if key else {}
    audits = AuditEntry.objects.filter(action="tube_bind").count()

    answers = _at_once(
        20, lambda: api(s.sampler).post("/api/v1/lab/tubes", payload, headers=headers)
    )

    assert len(answers) == 20
    assert {status for status, _body in answers} <= {200, 201}, answers
    assert [body["barcode"] for _status, body in answers] == ["C0001"] * 20
    members = [str(p.code) for p in s.people]
    assert all([m["person"] for m in body["members"]] == members for _status, body in answers)
    assert Tube.objects.filter(barcode="C0001").count() == 1
    assert Tube.objects.count() == 1
    assert sorted(Binding.objects.values_list("person_id", flat=True)) == sorted(
        p.id for p in s.people
    )
    assert TubeEvent.objects.count() == 1
    assert AuditEntry.objects.filter(action="tube_bind").count() == audits + 1
    if with_key:
        assert IdempotencyRecord.objects.filter(key=key).count() == 1


def test_a_tube_sent_again_after_the_round_closed_is_still_the_stored_tube(tree, api):
    s = screening_make(tree, residents=3)
    sampler = api(s.sampler)
    assert _bind(sampler, s, "Q0001", s.ids[:2]).status_code == 201
    round_close(actor=s.commander, screening_round=s.round, reason="deadline")
    before = _rows()
    again = _bind(sampler, s, "Q0001", s.ids[:2])
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert _rows() == before
    late = _bind(sampler, s, "Q0002", s.ids[2:3])
    assert late.status_code == 409
    assert late.json()["code"] == "round_closed"


def test_a_used_barcode_with_the_same_people_at_another_point_is_another_tube(tree, api):
    from fangkong.accounts.models import User
    from fangkong.lab.rounds.services import sampling_point_create

    s = screening_make(tree, residents=2)
    other = sampling_point_create(actor=s.commander, region=tree["community_a"], name="二号点")
    other.staff.add(User.objects.get(pk=s.sampler.user_id))
    sampler = api(s.sampler)
    assert _bind(sampler, s, "Q0003", s.ids[:1]).status_code == 201
    before = _rows()
    response = sampler.post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(other.code),
            "barcode": "Q0003",
            "members": [{"id_number": s.ids[0]}],
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "tube_exists"
    assert _rows() == before


def test_the_database_refuses_a_second_pending_screening_binding_in_a_round(tree, api):
    from django.db import IntegrityError, transaction

    s = screening_make(tree, residents=1)
    assert _bind(api(s.sampler), s, "Q0004", s.ids[:1]).status_code == 201
    first = Binding.objects.get()
    tube = Tube.objects.get()
    tube.pk, tube.barcode = None, "Q0005"
    tube.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Binding.objects.create(
            tube=tube,
            round=first.round,
            person=first.person,
            region=first.region,
            method=first.method,
            position=0,
            scanned_at=first.scanned_at,
        )
    # A single re-test of the same person in the round is allowed beside it.
    Binding.objects.create(
        tube=tube,
        round=first.round,
        person=first.person,
        region=first.region,
        method=first.method,
        position=0,
        scanned_at=first.scanned_at,
        retest=True,
    )


def test_the_batch_writes_every_binding_column():
    from fangkong.lab.sampling.services import _BINDING_COLUMNS

    columns = {f.column for f in Binding._meta.concrete_fields if not f.primary_key}
    assert set(_BINDING_COLUMNS) == columns


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0001-01-01T00:00:00+05:00", "datetime_too_early"),
        ("1970-01-01T00:00:00Z", "datetime_too_early"),
        ("9999-12-31T23:59:59-05:00", "datetime_too_late"),
        ("9999-12-31T23:59:59", "datetime_naive"),
        ("0001-01-01T00:00:00", "datetime_naive"),
    ],
)
def test_bind_refuses_extreme_times_with_the_field_named(tree, api, value, code):
    """Year 1, 1970, year 9999, with and without offset: a 422 naming the field, never a 500
    (the API's ``ObservedAt`` type, core.times)."""
    s = screening_make(tree, residents=2)
    before = _rows()
    response = api(s.sampler).post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "T0001",
            "sampled_at": value,
            "members": [{"id_number": s.ids[0]}, {"id_number": s.ids[1], "scanned_at": value}],
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("members[1].scanned_at", code),
        ("sampled_at", code),
    ]
    assert _rows() == before


@pytest.mark.parametrize("opens_at", ["09:00:00+08:00", "09:00:00Z"])
def test_a_point_refuses_opening_hours_with_an_offset(tree, api, opens_at):
    """Opening hours are the place's wall-clock time: an offset is a 422 naming the field (it
    was a 500 comparing aware and naive times, found by the schema run)."""
    from fangkong.accounts.choices import Role
    from fangkong.accounts.tests.factories import actor_make

    client = api(actor_make(role=Role.COMMANDER, region=tree["city"]))
    response = client.post(
        "/api/v1/lab/points",
        {"region_code": tree["community_a"].code, "name": "二号采样点", "opens_at": opens_at},
    )
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("opens_at", "time_has_offset")
    ]
