"""Tube members, re-test tasks and sampling codes are shown by one presentation function each:
the role's masking is the people pages' (a role that sees no persons gets none through the
screening API either) and every read of persons writes its access row."""

from __future__ import annotations

import pytest

from fangkong.accounts.choices import PERSON_ROLES, Role
from fangkong.core.models import AccessEntry
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.roles import ROUND_ROLES
from fangkong.lab.sampling.codes import sampling_code_issue
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive

pytestmark = pytest.mark.django_db

BASE = "/api/v1/lab"


@pytest.fixture
def pooled(tree) -> Screening:
    """Residents 0–2 in tube T0001, reported pooled positive (members held, tasks open)."""
    s = screening_make(tree, residents=4)
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="T0001", members=[MemberInput(id_number=n) for n in s.ids[:3]]),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["T0001"])
    results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[ResultInput(barcode="T0001", result="pooled_positive", row=1)],
    )
    return s


def _secrets(s: Screening) -> list[str]:
    people = s.people[:3]
    return [str(p.code) for p in people] + [p.code.hex for p in people] + [p.name for p in people]


def test_an_inspector_reads_a_tube_without_its_members_names_or_outcomes(
    pooled, api, make_actor, tree
):
    inspector = make_actor(Role.INSPECTOR, tree["district_a"])
    before = AccessEntry.objects.count()
    response = api(inspector).get(f"{BASE}/tubes/T0001")
    assert response.status_code == 200
    data = response.json()
    assert data["member_count"] == 3
    assert data["result"] == "pooled_positive"  # the tube's own state stays
    assert len(data["members"]) == 3
    assert all(m["person"] == m["name"] == m["outcome"] == "" for m in data["members"])
    text = response.content.decode()
    for secret in _secrets(pooled):
        assert secret not in text
    assert AccessEntry.objects.count() == before  # nothing personal was shown


def test_a_commander_reads_the_members_and_the_read_is_logged(pooled, api):
    response = api(pooled.commander).get(f"{BASE}/tubes/T0001")
    members = response.json()["members"]
    assert [m["name"] for m in members] == [p.name for p in pooled.people[:3]]
    assert {m["outcome"] for m in members} == {"held"}
    entry = AccessEntry.objects.filter(action="tube_view").get()
    assert entry.subject_ids == [str(p.code) for p in pooled.people[:3]]
    assert entry.actor_role == Role.COMMANDER


@pytest.mark.parametrize("role", sorted(ROUND_ROLES))
def test_every_role_sees_tube_members_exactly_when_the_people_pages_admit_it(
    role, pooled, api, page_client, make_actor, tree
):
    actor = make_actor(role, tree["district_a"])
    response = api(actor).get(f"{BASE}/tubes/T0001")
    if response.status_code == 404:  # a lab technician of no lab, a sampler of no point
        return
    names = {m["name"] for m in response.json()["members"]}
    people_page = page_client(actor).get("/people/")
    assert (names != {""}) == (role in PERSON_ROLES) == (people_page.status_code == 200)


def test_an_inspector_sees_retest_tasks_without_persons_and_others_are_logged(
    pooled, api, make_actor, tree
):
    inspector = make_actor(Role.INSPECTOR, tree["district_a"])
    hidden = api(inspector).get(f"{BASE}/retests")
    assert hidden.status_code == 200
    assert (len(hidden.json()["items"]), hidden.json()["total"]) == (3, 3)
    assert {(t["person"], t["outcome"]) for t in hidden.json()["items"]} == {("", "")}
    for secret in _secrets(pooled):
        assert secret not in hidden.content.decode()
    assert not AccessEntry.objects.filter(action="retest_list").exists()
    shown = api(pooled.commander).get(f"{BASE}/retests").json()["items"]
    assert {t["person"] for t in shown} == {str(p.code) for p in pooled.people[:3]}
    entry = AccessEntry.objects.get(action="retest_list")
    assert set(entry.subject_ids) == {str(p.code) for p in pooled.people[:3]}


def test_a_sampling_code_is_read_out_to_samplers_only_and_logged(pooled, api, make_actor, tree):
    person = pooled.people[0]
    code = sampling_code_issue(person_code=person.code, name=person.name, masked_id="1101**")
    path = f"{BASE}/sampling-codes/verify"
    assert api(None).post(path, {"code": code}).status_code == 401
    for role in (Role.COMMANDER, Role.INSPECTOR, Role.GRID_WORKER, Role.LAB_TECHNICIAN):
        refused = api(make_actor(role, tree["district_a"])).post(path, {"code": code})
        assert refused.status_code == 403, role
        assert person.name not in refused.content.decode()
    # A sampler in another district may bind this resident at their point, so may read it.
    elsewhere = make_actor(Role.SAMPLER, tree["district_b"])
    for actor in (pooled.sampler, elsewhere):
        read = api(actor).post(path, {"code": code})
        assert read.status_code == 200
        assert read.json()["person"] == str(person.code)
    rows = AccessEntry.objects.filter(action="sampling_code_check")
    assert [r.subject_ids for r in rows] == [[str(person.code)]] * 2
