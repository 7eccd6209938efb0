"""Closing a round, revoking an exemption and taking staff off points and labs, through the
API and the pages: anonymous, wrong role and other jurisdiction are refused; the right role
changes the state and leaves an audit row. And a round past its deadline is flagged."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import RoundStatus
from fangkong.lab.models import Exemption, ScreeningRound
from fangkong.lab.rounds.services import exemption_grant
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import screening_make


def _exemption(s):
    return exemption_grant(
        actor=s.commander,
        person=s.people[0],
        reason="isolated",
        valid_until=timezone.now() + timedelta(days=3),
        screening_round=s.round,
    )


def _status(s):
    return ScreeningRound.objects.get(pk=s.round.pk).status


def test_api_close_a_round_is_refused_to_anonymous_wrong_role_and_other_places(
    tree, api, make_actor
):
    s = screening_make(tree, residents=1)
    path = f"/api/v1/lab/rounds/{s.round.code}/close"
    body = {"reason": "all tested"}
    assert api(None).post(path, body).status_code == 401
    assert api(make_actor(Role.GRID_WORKER, tree["grid_a1"])).post(path, body).status_code == 403
    other = make_actor(Role.COMMANDER, tree["district_b"])
    assert api(other).post(path, body).status_code == 404
    assert _status(s) == RoundStatus.OPEN
    assert not AuditEntry.objects.filter(action="round_close").exists()


def test_api_a_commander_closes_a_round_once_with_a_reason(tree, api):
    s = screening_make(tree, residents=1)
    path = f"/api/v1/lab/rounds/{s.round.code}/close"
    assert api(s.commander).post(path, {"reason": ""}).status_code == 422
    response = api(s.commander).post(path, {"reason": "all tested"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    assert _status(s) == RoundStatus.CLOSED
    entry = AuditEntry.objects.get(action="round_close")
    assert (entry.object_id, entry.reason) == (str(s.round.code), "all tested")
    again = api(s.commander).post(path, {"reason": "again"})
    assert (again.status_code, again.json()["code"]) == (409, "round_closed")


def test_page_close_a_round(tree, make_actor, page_client, client):
    s = screening_make(tree, residents=1)
    url = f"/lab/rounds/{s.round.code}/close/"
    assert client.post(url, {"reason": "x"}).status_code == 302  # to sign-in
    epidemiologist = page_client(make_actor(Role.EPIDEMIOLOGIST, tree["district_a"]))
    assert url not in epidemiologist.get(f"/lab/rounds/{s.round.code}/").content.decode()
    assert epidemiologist.post(url, {"reason": "x"}).status_code == 403
    other = page_client(make_actor(Role.COMMANDER, tree["district_b"]))
    assert other.post(url, {"reason": "x"}).status_code == 404
    assert _status(s) == RoundStatus.OPEN
    commander = page_client(s.commander)
    assert url in commander.get(f"/lab/rounds/{s.round.code}/").content.decode()
    assert commander.post(url, {"reason": ""}).status_code == 302
    assert _status(s) == RoundStatus.OPEN  # no reason, no close
    assert commander.post(url, {"reason": "all tested"}).status_code == 302
    assert _status(s) == RoundStatus.CLOSED
    assert AuditEntry.objects.filter(action="round_close", reason="all tested").count() == 1
    assert url not in commander.get(f"/lab/rounds/{s.round.code}/").content.decode()


def test_api_revoke_an_exemption(tree, api, make_actor):
    s = screening_make(tree, residents=1)
    exemption = _exemption(s)
    path = f"/api/v1/lab/exemptions/{exemption.code}/revoke"
    body = {"reason": "back home"}
    assert api(None).post(path, body).status_code == 401
    assert api(make_actor(Role.SAMPLER, tree["community_a"])).post(path, body).status_code == 403
    other = make_actor(Role.GRID_WORKER, tree["district_b"])
    assert api(other).post(path, body).status_code == 404
    assert Exemption.objects.get().revoked_at is None
    worker = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    response = api(worker).post(path, body)
    assert response.status_code == 200, response.json()
    assert response.json()["code"] == str(exemption.code)
    assert Exemption.objects.get().revoked_at is not None
    entry = AuditEntry.objects.get(action="exemption_revoke")
    assert (entry.reason, entry.actor_username) == ("back home", worker.username)
    again = api(worker).post(path, body)
    assert (again.status_code, again.json()["code"]) == (409, "exemption_revoked")


def test_page_revoke_an_exemption(tree, make_actor, page_client, client):
    s = screening_make(tree, residents=1)
    exemption = _exemption(s)
    url = f"/lab/rounds/{s.round.code}/exemptions/{exemption.code}/revoke/"
    assert client.post(url, {"reason": "x"}).status_code == 302  # to sign-in
    assert page_client(make_actor(Role.SAMPLER, tree["community_a"])).post(url).status_code == 403
    other = page_client(make_actor(Role.COMMANDER, tree["district_b"]))
    assert other.post(url, {"reason": "x"}).status_code == 404
    assert Exemption.objects.get().revoked_at is None
    worker = page_client(make_actor(Role.GRID_WORKER, tree["grid_a1"]))
    form = worker.get(f"/lab/rounds/{s.round.code}/exempt/{s.people[0].code}/")
    assert url in form.content.decode()
    assert worker.post(url, {"reason": "back home"}).status_code == 302
    assert Exemption.objects.get().revoked_at is not None
    assert AuditEntry.objects.filter(action="exemption_revoke", reason="back home").count() == 1
    form = worker.get(f"/lab/rounds/{s.round.code}/exempt/{s.people[0].code}/")
    assert url not in form.content.decode()


def test_api_take_staff_off_a_point_and_a_lab(tree, api, make_actor):
    s = screening_make(tree, residents=1)
    sampler = User.objects.get(pk=s.sampler.user_id)
    technician = User.objects.get(pk=s.technician.user_id)
    point_path = f"/api/v1/lab/points/{s.point.code}/staff/remove"
    lab_path = f"/api/v1/lab/labs/{s.lab.code}/staff/remove"
    for path, username in ((point_path, sampler.username), (lab_path, technician.username)):
        body = {"username": username}
        assert api(None).post(path, body).status_code == 401
        grid = make_actor(Role.GRID_WORKER, tree["grid_a1"])
        assert api(grid).post(path, body).status_code == 403
        other = make_actor(Role.COMMANDER, tree["district_b"])
        assert api(other).post(path, body).status_code == 404
    assert s.point.staff.filter(pk=sampler.pk).exists()
    assert s.lab.staff.filter(pk=technician.pk).exists()
    assert api(s.commander).post(point_path, {"username": sampler.username}).status_code == 204
    assert api(s.commander).post(lab_path, {"username": technician.username}).status_code == 204
    assert not s.point.staff.filter(pk=sampler.pk).exists()
    assert not s.lab.staff.filter(pk=technician.pk).exists()
    assert AuditEntry.objects.filter(action="point_staff_remove").count() == 1
    assert AuditEntry.objects.filter(action="lab_staff_remove").count() == 1
    # Someone who does not work there answers like someone unknown.
    not_there = api(s.commander).post(point_path, {"username": sampler.username})
    unknown = api(s.commander).post(point_path, {"username": "nobody-at-all"})
    assert not_there.status_code == unknown.status_code == 404
    assert not_there.json()["code"] == unknown.json()["code"]


def test_a_round_past_its_deadline_is_flagged_and_still_binds(tree, api, page_client):
    s = screening_make(tree, residents=2)
    path = f"/api/v1/lab/rounds/{s.round.code}"
    page = f"/lab/rounds/{s.round.code}/"
    assert api(s.commander).get(path).json()["past_deadline"] is False
    assert "data-past-deadline" not in page_client(s.commander).get(page).content.decode()
    with time_machine.travel(s.round.deadline_at + timedelta(hours=1)):
        assert api(s.commander).get(path).json()["past_deadline"] is True
        assert "data-past-deadline" in page_client(s.commander).get(page).content.decode()
        # 补检 goes on after the deadline: binding is still accepted until the round closes.
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode="T9001", members=[MemberInput(id_number=s.ids[0])]),
        )
        api(s.commander).post(f"{path}/close", {"reason": "deadline passed"})
        assert api(s.commander).get(path).json()["past_deadline"] is False


def test_page_staff_of_points_and_labs(tree, make_actor, page_client, client):
    s = screening_make(tree, residents=1)
    sampler = User.objects.get(pk=s.sampler.user_id)
    technician = User.objects.get(pk=s.technician.user_id)
    point_url = f"/lab/staff/points/{s.point.code}/"
    lab_url = f"/lab/staff/labs/{s.lab.code}/"
    remove_sampler = {"action": "remove", "username": sampler.username}
    assert client.get("/lab/staff/").status_code == 302  # to sign-in
    assert client.post(point_url, remove_sampler).status_code == 302
    grid = page_client(make_actor(Role.GRID_WORKER, tree["grid_a1"]))
    assert grid.get("/lab/staff/").status_code == 403
    assert grid.post(point_url, remove_sampler).status_code == 403
    other = page_client(make_actor(Role.COMMANDER, tree["district_b"]))
    assert other.post(point_url, remove_sampler).status_code == 404
    assert s.point.staff.filter(pk=sampler.pk).exists()
    commander = page_client(s.commander)
    listing = commander.get("/lab/staff/")
    assert listing.status_code == 200
    assert sampler.username in listing.content.decode()
    assert "/lab/staff/" in commander.get("/lab/rounds/").content.decode()
    assert commander.post(point_url, remove_sampler).status_code == 302
    assert not s.point.staff.filter(pk=sampler.pk).exists()
    assert commander.post(point_url, {"action": "add", "username": sampler.username})
    assert s.point.staff.filter(pk=sampler.pk).exists()
    removed = {"action": "remove", "username": technician.username}
    assert commander.post(lab_url, removed).status_code == 302
    assert not s.lab.staff.filter(pk=technician.pk).exists()
    actions = list(
        AuditEntry.objects.filter(action__contains="_staff_").values_list("action", flat=True)
    )
    assert actions.count("point_staff_remove") == 1
    assert actions.count("lab_staff_remove") == 1
