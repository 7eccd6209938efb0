"""Who sees and does what in the screening chain: a sampler only their point's work, a lab
technician only their lab's tubes, another district nothing (404 as if missing), anonymous
callers 401 on every lab endpoint, the wrong role 403."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.core.errors import FangkongError
from fangkong.core.models import AuditEntry
from fangkong.lab.models import Binding, Tube
from fangkong.lab.rounds.services import lab_create, sampling_point_create
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive


def _tube(s: Screening, barcode: str, number: str, point: Any = None, actor: Any = None) -> None:
    tube_bind(
        actor=actor or s.sampler,
        screening_round=s.round,
        point=point or s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=number)]),
    )


@pytest.fixture
def two_points(tree: Any, make_actor: Any) -> tuple[Screening, Any, Any]:
    """The screening of the factories, plus a second point in the same community with its own
    sampler and a tube bound there."""
    s = screening_make(tree, residents=3)
    other_point = sampling_point_create(actor=s.commander, region=tree["community_a"], name="二号")
    other_sampler = make_actor(Role.SAMPLER, tree["community_a"])
    other_point.staff.add(other_sampler.user_id)
    _tube(s, "T0001", s.ids[0])
    _tube(s, "X0001", s.ids[1], point=other_point, actor=other_sampler)
    return s, other_point, other_sampler


def test_a_sampler_sees_only_the_tubes_of_their_point(two_points, api):
    s, _point, _other = two_points
    client = api(s.sampler)
    assert client.get("/api/v1/lab/tubes/T0001").status_code == 200
    response = client.get("/api/v1/lab/tubes/X0001")
    assert response.status_code == 404
    assert response.json()["code"] == "tube_not_found"
    assert client.get("/api/v1/lab/tubes/NOPE0001").json() == response.json()  # same answer


def test_a_sampler_cannot_bind_at_a_point_they_do_not_staff(two_points, api):
    s, other_point, _other = two_points
    before = (Tube.objects.count(), Binding.objects.count(), AuditEntry.objects.count())
    with pytest.raises(FangkongError) as exc:
        _tube(s, "T0002", s.ids[2], point=other_point)
    assert (exc.value.status, exc.value.code) == (403, "not_point_staff")
    # Through the API the point is not even visible to them: the same 404 as a missing one.
    response = api(s.sampler).post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(other_point.code),
            "barcode": "T0002",
            "members": [{"id_number": s.ids[2]}],
        },
    )
    assert response.status_code == 404
    assert response.json()["code"] == "point_not_found"
    assert (Tube.objects.count(), Binding.objects.count(), AuditEntry.objects.count()) == before


def test_a_technician_sees_only_their_labs_tubes(tree, api, make_actor):
    s = screening_make(tree, residents=2)
    _tube(s, "T0001", s.ids[0])
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["T0001"])
    other_lab = lab_create(actor=s.commander, region=tree["district_a"], name="二号实验室")
    other_tech = make_actor(Role.LAB_TECHNICIAN, tree["district_a"])
    other_lab.staff.add(other_tech.user_id)
    assert api(s.technician).get("/api/v1/lab/tubes/T0001").status_code == 200
    response = api(other_tech).get("/api/v1/lab/tubes/T0001")
    assert response.status_code == 404
    assert response.json()["code"] == "tube_not_found"


def test_a_receipt_at_a_lab_the_technician_does_not_staff_is_not_found(tree, api, make_actor):
    s = screening_make(tree, residents=1)
    _tube(s, "T0001", s.ids[0])
    other_tech = make_actor(Role.LAB_TECHNICIAN, tree["district_a"])
    audits = AuditEntry.objects.count()
    response = api(other_tech).post(
        f"/api/v1/lab/labs/{s.lab.code}/receipts", {"package": "", "tubes": ["T0001"]}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "lab_not_found"
    results = api(other_tech).post(
        f"/api/v1/lab/labs/{s.lab.code}/results",
        {"results": [{"barcode": "T0001", "result": "negative"}]},
    )
    assert results.status_code == 404
    assert Tube.objects.get(barcode="T0001").received_at is None
    assert AuditEntry.objects.count() == audits


def test_another_district_gets_404_for_the_round_the_point_and_the_tube(tree, api, make_actor):
    s = screening_make(tree, residents=1)
    _tube(s, "T0001", s.ids[0])
    commander_b = make_actor(Role.COMMANDER, tree["district_b"])
    client = api(commander_b)
    assert api(s.commander).get(f"/api/v1/lab/rounds/{s.round.code}").status_code == 200
    round_answer = client.get(f"/api/v1/lab/rounds/{s.round.code}")
    assert (round_answer.status_code, round_answer.json()["code"]) == (404, "round_not_found")
    point_answer = client.post(f"/api/v1/lab/points/{s.point.code}/staff", {"username": "whoever"})
    assert (point_answer.status_code, point_answer.json()["code"]) == (404, "point_not_found")
    tube_answer = client.get("/api/v1/lab/tubes/T0001")
    assert (tube_answer.status_code, tube_answer.json()["code"]) == (404, "tube_not_found")
    assert str(s.point.code) not in str(client.get("/api/v1/lab/points").json())
    assert str(s.round.code) not in str(client.get("/api/v1/lab/rounds").json())


def _lab_operations() -> list[tuple[str, str]]:
    from fangkong.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path))
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/lab/")
        for method in operations
    ]


def test_every_lab_endpoint_needs_a_login(db):
    operations = _lab_operations()
    assert len(operations) >= 20
    client = Client()
    for method, path in operations:
        response = client.generic(method, path, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("role", "method", "path", "body"),
    [
        (Role.LAB_TECHNICIAN, "post", "/api/v1/lab/tubes", "tube"),
        (Role.GRID_WORKER, "post", "/api/v1/lab/tubes", "tube"),
        (Role.SAMPLER, "post", "/api/v1/lab/labs/{lab}/results", "results"),
        (Role.SAMPLER, "post", "/api/v1/lab/labs/{lab}/receipts", "receipt"),
        (Role.LAB_TECHNICIAN, "post", "/api/v1/lab/packages", "package"),
        (Role.SAMPLER, "post", "/api/v1/lab/rounds", "round"),
        (Role.CLINICIAN, "get", "/api/v1/lab/rounds/{round}", None),
        (Role.CLINICIAN, "get", "/api/v1/lab/tubes/T0001", None),
    ],
)
def test_the_wrong_role_is_refused(tree, api, make_actor, role, method, path, body):
    s = screening_make(tree, residents=1)
    _tube(s, "T0001", s.ids[0])
    bodies: dict[str, Any] = {
        "tube": {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": "T0002",
            "members": [{"id_number": s.ids[0]}],
        },
        "results": {"results": [{"barcode": "T0001", "result": "negative"}]},
        "receipt": {"package": "", "tubes": ["T0001"]},
        "package": {
            "code": "P0001",
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": ["T0001"],
        },
        "round": {"name": "x", "areas": [{"region_code": tree["community_a"].code}]},
    }
    actor = make_actor(role, tree["community_a"])
    client = api(actor)
    url = path.format(lab=s.lab.code, round=s.round.code)
    before = (Tube.objects.count(), AuditEntry.objects.count())
    response = client.get(url) if method == "get" else client.post(url, bodies[body])
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "role_not_allowed"
    assert (Tube.objects.count(), AuditEntry.objects.count()) == before
