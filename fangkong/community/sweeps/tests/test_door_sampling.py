"""Door-to-door sampling from a sweep: the list is built once however often a visit sends it,
a door-to-door sampler's tube is the lab's own tube with the person as its member, and the
list is scoped and audited."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.choices import HomeboundReason
from fangkong.community.models import DoorSample
from fangkong.community.sweeps.access import access_door_sample, access_visit
from fangkong.community.sweeps.door_sampling import (
    door_sample_bind,
    door_sampling_progress,
    door_sampling_request,
    sweep_sampling_list,
)
from fangkong.community.sweeps.services import sweep_open
from fangkong.community.tests.factories import covered_homes, members_of, staff_make
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.choices import PointKind, TubeResult
from fangkong.lab.models import Binding, SamplingPoint, Tube
from fangkong.lab.rounds.services import sampling_point_create
from fangkong.lab.tests.factories import screening_make

pytestmark = pytest.mark.django_db


def _listed(tree: dict[str, Any]) -> Any:
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 2)
    sweep = sweep_open(actor=staff.duty, region=tree["district_a"], name="排查", reason="封控")
    visit = access_visit(staff.worker, sweep.code, homes[0].code, roles={"grid_worker"})
    first, second = members_of(homes[0])
    return staff, sweep, visit, first, second


def _door_team(tree: dict[str, Any]) -> tuple[Any, SamplingPoint]:
    """A round over district A and a door-to-door team in community A with its sampler."""
    s = screening_make(tree, residents=0)
    team = sampling_point_create(
        actor=s.commander,
        region=tree["community_a"],
        name="上门采样队",
        kind=PointKind.DOOR_TO_DOOR,
    )
    team.staff.add(User.objects.get(pk=s.sampler.user_id))
    return s, team


def test_the_list_is_built_once_however_often_the_visit_sends_it(tree):
    staff, sweep, visit, first, second = _listed(tree)
    listed = door_sampling_request(
        actor=staff.worker, visit=visit, persons=[first.code], reason=HomeboundReason.BEDRIDDEN
    )
    assert [e.person_id for e in listed.created] == [first.pk]
    again = door_sampling_request(
        actor=staff.worker,
        visit=visit,
        persons=[first.code, second.code, first.code],
        reason=HomeboundReason.BEDRIDDEN,
    )
    assert [e.person_id for e in again.created] == [second.pk]
    assert [e.person_id for e in again.existing] == [first.pk]
    assert DoorSample.objects.filter(sweep=sweep).count() == 2
    assert AuditEntry.objects.filter(action="door_sampling_request").count() == 2
    with pytest.raises(ValidationFailed) as refused:
        door_sampling_request(actor=staff.worker, visit=visit, persons=[], reason="asleep")
    assert {e["field"] for e in refused.value.errors} == {"reason", "persons"}
    with pytest.raises(PermissionDenied):
        door_sampling_request(
            actor=staff.duty, visit=visit, persons=[first.code], reason=HomeboundReason.CLOSURE
        )


def test_a_door_to_door_sampler_binds_a_lab_tube_with_the_person_as_member(tree):
    staff, sweep, visit, first, _second = _listed(tree)
    s, team = _door_team(tree)
    door_sampling_request(
        actor=staff.worker, visit=visit, persons=[first.code], reason=HomeboundReason.ELDERLY_ALONE
    )
    (entry,) = sweep_sampling_list(actor=s.sampler, sweep=sweep)
    entry = access_door_sample(s.sampler, sweep.code, entry.pk, roles={"sampler"})
    with pytest.raises(ValidationFailed) as refused:
        door_sample_bind(
            actor=s.sampler, entry=entry, screening_round=s.round, point=s.point, barcode="D0001"
        )
    assert refused.value.errors[0]["code"] == "point_not_door"
    bound = door_sample_bind(
        actor=s.sampler, entry=entry, screening_round=s.round, point=team, barcode="d0001"
    )
    tube = Tube.objects.get(barcode="D0001")
    assert bound.tube.pk == tube.pk
    assert (tube.point_id, tube.member_count) == (team.pk, 1)
    assert list(Binding.objects.filter(tube=tube).values_list("person_id", flat=True)) == [first.pk]
    entry.refresh_from_db()
    assert entry.tube_id == tube.pk
    assert entry.sampled_by
    assert AuditEntry.objects.filter(action="door_sample_bind").count() == 1
    assert AuditEntry.objects.filter(action="tube_bind", object_id="D0001").count() == 1
    progress = door_sampling_progress(actor=staff.duty, sweep=sweep)
    assert (progress.listed, progress.sampled, progress.resulted) == (1, 1, 0)
    Tube.objects.filter(pk=tube.pk).update(result=TubeResult.NEGATIVE)
    assert door_sampling_progress(actor=staff.duty, sweep=sweep).resulted == 1


def test_another_district_sees_no_entry_and_a_wrong_role_is_refused(tree):
    staff, sweep, visit, first, _second = _listed(tree)
    door_sampling_request(
        actor=staff.worker, visit=visit, persons=[first.code], reason=HomeboundReason.CLOSURE
    )
    entry = DoorSample.objects.get()
    with pytest.raises(NotFound):
        access_door_sample(staff.other_duty, sweep.code, entry.pk, roles={"duty_officer"})
    far_sampler = actor_make(role=Role.SAMPLER, region=tree["district_b"])
    with pytest.raises(NotFound):
        access_door_sample(far_sampler, sweep.code, entry.pk, roles={"sampler"})
    with pytest.raises(PermissionDenied):
        access_door_sample(staff.duty, sweep.code, entry.pk, roles={"sampler"})


def test_the_pages_list_mark_and_bind_at_the_door(tree, page_client):
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 1)
    sweep = sweep_open(actor=staff.duty, region=tree["district_a"], name="排查", reason="封控")
    first, second = members_of(homes[0])
    visit_url = f"/community/sweeps/{sweep.code}/visit/{homes[0].code}/"
    body = {
        "state": "present",
        "residents_counted": "2",
        "present": [str(first.code), str(second.code)],
        "homebound": [str(first.code)],
    }
    assert page_client(staff.worker).post(visit_url, body).status_code == 422
    assert not DoorSample.objects.exists()
    body["homebound_reason"] = HomeboundReason.BEDRIDDEN
    assert page_client(staff.worker).post(visit_url, body).status_code == 302
    entry = DoorSample.objects.get()
    s, team = _door_team(tree)
    sampler = page_client(s.sampler)
    assert sampler.get("/community/door-sampling/").status_code == 200
    listing = sampler.get(f"/community/sweeps/{sweep.code}/door-sampling/")
    assert listing.status_code == 200
    assert first.name in listing.content.decode()
    assert AccessEntry.objects.filter(action="door_sampling_list").exists()
    bind_url = f"/community/sweeps/{sweep.code}/door-sampling/{entry.pk}/"
    post = f"{team.code}:{s.round.code}"
    bound = sampler.post(bind_url, {"post": post, "barcode": "D0002"})
    assert bound.status_code == 302
    entry.refresh_from_db()
    assert entry.tube is not None
    assert entry.tube.barcode == "D0002"
    again = sampler.post(bind_url, {"post": post, "barcode": "D0003"})
    assert again.status_code == 422
    assert page_client(staff.duty).post(bind_url, {"post": post}).status_code == 403
    assert (
        page_client(staff.other_duty)
        .get(f"/community/sweeps/{sweep.code}/door-sampling/")
        .status_code
        == 404
    )


def test_a_door_to_door_team_is_set_up_through_the_lab_api(tree, api):
    client = api(actor_make(role=Role.COMMANDER, region=tree["city"]))
    body = {"region_code": tree["community_a"].code, "name": "上门采样队"}
    made = client.post("/api/v1/lab/points", {**body, "kind": "door_to_door"})
    assert made.status_code == 201, made.json()
    assert made.json()["kind"] == PointKind.DOOR_TO_DOOR
    assert client.post("/api/v1/lab/points", {**body, "kind": "van"}).status_code == 422


def test_listed_members_of_one_household_share_one_pooled_tube(tree):
    """居家/上门: one tube per household. The tube is the lab's, of group sealed_household,
    with both persons as members; a resident of another household is refused."""
    staff = staff_make(tree)
    _responsible, homes = covered_homes(staff, staff.worker, 2)
    sweep = sweep_open(actor=staff.duty, region=tree["district_a"], name="排查", reason="封控")
    visit = access_visit(staff.worker, sweep.code, homes[0].code, roles={"grid_worker"})
    first, second = members_of(homes[0])
    door_sampling_request(
        actor=staff.worker,
        visit=visit,
        persons=[first.code, second.code],
        reason=HomeboundReason.CLOSURE,
    )
    (neighbour, _other) = members_of(homes[1])
    elsewhere = access_visit(staff.worker, sweep.code, homes[1].code, roles={"grid_worker"})
    door_sampling_request(
        actor=staff.worker,
        visit=elsewhere,
        persons=[neighbour.code],
        reason=HomeboundReason.CLOSURE,
    )
    s, team = _door_team(tree)
    entries = {e.person_id: e for e in sweep_sampling_list(actor=s.sampler, sweep=sweep)}
    mine, theirs, next_door = entries[first.pk], entries[second.pk], entries[neighbour.pk]
    with pytest.raises(ValidationFailed) as refused:
        door_sample_bind(
            actor=s.sampler,
            entry=mine,
            screening_round=s.round,
            point=team,
            barcode="H0001",
            housemates=[next_door],
        )
    assert refused.value.errors[0]["code"] == "household_mixed"
    assert not Tube.objects.exists()
    bound = door_sample_bind(
        actor=s.sampler,
        entry=mine,
        screening_round=s.round,
        point=team,
        barcode="H0001",
        housemates=[theirs],
    )
    tube = Tube.objects.get(barcode="H0001")
    assert bound.tube.pk == tube.pk
    assert (tube.member_count, tube.group) == (2, "sealed_household")
    assert set(Binding.objects.filter(tube=tube).values_list("person_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert set(DoorSample.objects.filter(tube=tube).values_list("person_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    progress = door_sampling_progress(actor=staff.duty, sweep=sweep)
    assert (progress.listed, progress.sampled) == (3, 2)
    theirs.refresh_from_db()
    with pytest.raises(Conflict):
        door_sample_bind(
            actor=s.sampler, entry=theirs, screening_round=s.round, point=team, barcode="H0002"
        )


def test_the_bind_page_offers_the_households_listed_members_for_one_tube(tree, page_client):
    staff, sweep, visit, first, second = _listed(tree)
    door_sampling_request(
        actor=staff.worker,
        visit=visit,
        persons=[first.code, second.code],
        reason=HomeboundReason.BEDRIDDEN,
    )
    s, team = _door_team(tree)
    entries = {e.person_id: e for e in DoorSample.objects.all()}
    mine, theirs = entries[first.pk], entries[second.pk]
    sampler = page_client(s.sampler)
    url = f"/community/sweeps/{sweep.code}/door-sampling/{mine.pk}/"
    shown = sampler.get(url).content.decode()
    assert 'name="housemates"' in shown
    assert second.name in shown
    post = f"{team.code}:{s.round.code}"
    stranger = sampler.post(url, {"post": post, "barcode": "H0003", "housemates": ["999999"]})
    assert stranger.status_code == 422
    assert "housemates" in stranger.context["form"].errors
    pooled = sampler.post(url, {"post": post, "barcode": "H0003", "housemates": [str(theirs.pk)]})
    assert pooled.status_code == 302
    assert set(DoorSample.objects.values_list("tube__barcode", flat=True)) == {"H0003"}
    assert Tube.objects.get(barcode="H0003").member_count == 2
