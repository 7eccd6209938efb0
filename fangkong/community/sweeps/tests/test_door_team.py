"""A sweep's door-to-door team set up from the door-sampling pages: a community commander
makes the ``door_to_door`` point at the sweep's node with samplers of the jurisdiction
through the lab's own services; bad input is refused by field, another jurisdiction's sweep
is not found, other roles are refused."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.sweeps.door_team import door_team_set_up
from fangkong.community.sweeps.services import sweep_close, sweep_open
from fangkong.community.tests.factories import staff_make
from fangkong.core.errors import Conflict, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import PointKind
from fangkong.lab.models import SamplingPoint
from fangkong.lab.tests.factories import screening_make

pytestmark = pytest.mark.django_db


def _setting(tree: dict[str, Any]) -> Any:
    """A sweep over community A, its commander, two samplers there and one in district B."""
    staff = staff_make(tree)
    sweep = sweep_open(actor=staff.duty, region=tree["community_a"], name="排查", reason="封控")
    commander = actor_make(role=Role.COMMANDER, region=tree["community_a"])
    samplers = [actor_make(role=Role.SAMPLER, region=tree["community_a"]) for _ in range(2)]
    far = actor_make(role=Role.SAMPLER, region=tree["district_b"])
    return staff, sweep, commander, samplers, far


def _username(actor: Any) -> str:
    return str(User.objects.get(pk=actor.user_id).username)


def test_a_community_commander_sets_up_the_team_from_the_door_sampling_page(tree, page_client):
    _staff, sweep, commander, samplers, far = _setting(tree)
    client = page_client(commander)
    listing = client.get(f"/community/sweeps/{sweep.code}/door-sampling/").content.decode()
    url = f"/community/sweeps/{sweep.code}/door-sampling/team/"
    assert url in listing
    shown = client.get(url)
    assert shown.status_code == 200
    page = shown.content.decode()
    assert _username(samplers[0]) in page
    assert _username(far) not in page  # out of the commander's jurisdiction: not offered
    made = client.post(
        url,
        {
            "name": "上门采样一队",
            "address": "社区服务站",
            "samplers": [_username(s) for s in samplers],
        },
    )
    assert made.status_code == 302
    team = SamplingPoint.objects.get(name="上门采样一队")
    assert (team.kind, team.region_id, team.address) == (
        PointKind.DOOR_TO_DOOR,
        tree["community_a"].pk,
        "社区服务站",
    )
    assert set(team.staff.values_list("pk", flat=True)) == {s.user_id for s in samplers}
    assert AuditEntry.objects.filter(action="door_team_set_up", object_id=str(sweep.code)).exists()
    assert AuditEntry.objects.filter(action="sampling_point_create").count() == 1
    assert AuditEntry.objects.filter(action="point_staff_add").count() == 2
    assert "上门采样一队" in client.get(url).content.decode()
    # With a round open over the district, the new team's sampler may sample at the door.
    screening_make(tree, residents=0)
    sampler_page = page_client(samplers[0]).get(f"/community/sweeps/{sweep.code}/door-sampling/")
    assert "ask your commander" not in sampler_page.content.decode()


def test_bad_input_is_refused_by_field_and_nothing_is_set_up(tree, page_client):
    staff, sweep, commander, samplers, far = _setting(tree)
    client = page_client(commander)
    url = f"/community/sweeps/{sweep.code}/door-sampling/team/"
    none_chosen = client.post(url, {"name": "一队"})
    assert none_chosen.status_code == 422
    assert none_chosen.context["form"].errors["samplers"] == ["Choose at least one sampler."]
    stranger = client.post(url, {"name": "一队", "samplers": [_username(far)]})
    assert stranger.status_code == 422
    assert "samplers" in stranger.context["form"].errors
    assert not SamplingPoint.objects.exists()
    assert (
        client.post(url, {"name": "一队", "samplers": [_username(samplers[0])]}).status_code == 302
    )
    again = client.post(url, {"name": "一队", "samplers": [_username(samplers[1])]})
    assert again.status_code == 422
    assert "name" in again.context["form"].errors
    assert SamplingPoint.objects.count() == 1
    # The service itself names every field at once: the lab's name check and its own.
    with pytest.raises(ValidationFailed) as refused:
        door_team_set_up(actor=commander, sweep=sweep, name=" ", address="", samplers=[])
    assert {e["field"] for e in refused.value.errors} == {"name", "samplers"}
    far_user = User.objects.get(pk=far.user_id)
    with pytest.raises(ValidationFailed) as refused:
        door_team_set_up(actor=commander, sweep=sweep, name="二队", address="", samplers=[far_user])
    assert refused.value.errors[0]["code"] == "not_a_sampler"
    assert SamplingPoint.objects.count() == 1
    sweep_close(actor=staff.duty, sweep=sweep, reason="完成")
    mine = User.objects.get(pk=samplers[0].user_id)
    with pytest.raises(Conflict):
        door_team_set_up(actor=commander, sweep=sweep, name="三队", address="", samplers=[mine])


def test_another_jurisdictions_sweep_is_not_found_and_other_roles_are_refused(tree, page_client):
    staff, sweep, _commander, samplers, _far = _setting(tree)
    url = f"/community/sweeps/{sweep.code}/door-sampling/team/"
    body = {"name": "一队", "samplers": [_username(samplers[0])]}
    other = page_client(staff.other_duty)
    assert other.get(url).status_code == 404
    assert other.post(url, body).status_code == 404
    assert page_client(staff.duty).get(url).status_code == 200
    assert page_client(staff.worker).get(url).status_code == 403
    assert page_client(samplers[0]).post(url, body).status_code == 403
    listing = page_client(staff.worker).get(f"/community/sweeps/{sweep.code}/door-sampling/")
    assert url not in listing.content.decode()
    mine = User.objects.get(pk=samplers[0].user_id)
    with pytest.raises(PermissionDenied):
        door_team_set_up(actor=staff.worker, sweep=sweep, name="一队", address="", samplers=[mine])
    assert not SamplingPoint.objects.exists()
