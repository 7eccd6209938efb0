"""Exempting a person from a round from the not-yet-tested list (grid worker, command)."""

from __future__ import annotations

from fangkong.accounts.choices import Role
from fangkong.core.models import AuditEntry
from fangkong.lab.coverage.selectors import round_coverage
from fangkong.lab.models import Exemption
from fangkong.lab.tests.factories import screening_make


def _url(s, person):
    return f"/lab/rounds/{s.round.code}/exempt/{person.code}/"


def test_a_grid_worker_exempts_someone_and_they_leave_the_should_test_list(
    tree, make_actor, page_client
):
    s = screening_make(tree, residents=3)
    worker = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    client = page_client(worker)
    page = client.get(f"/lab/rounds/{s.round.code}/")
    assert _url(s, s.people[0]) in page.content.decode()
    form = client.get(_url(s, s.people[0]))
    assert form.status_code == 200
    before = round_coverage(actor=s.commander, screening_round=s.round).totals.should_test
    response = client.post(
        _url(s, s.people[0]),
        {"reason": "isolated", "note": "", "until": "2022-07-20"},
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert (exemption.person_id, exemption.round_id, exemption.reason) == (
        s.people[0].id,
        s.round.id,
        "isolated",
    )
    assert exemption.created_by == worker.username
    assert AuditEntry.objects.filter(action="exemption_grant").count() == 1
    after = round_coverage(actor=s.commander, screening_round=s.round).totals.should_test
    assert after == before - 1


def test_an_exemption_of_another_kind_needs_a_note_and_a_date_ahead(tree, make_actor, page_client):
    s = screening_make(tree, residents=1)
    client = page_client(make_actor(Role.GRID_WORKER, tree["grid_a1"]))
    missing_note = client.post(_url(s, s.people[0]), {"reason": "other", "until": "2022-07-20"})
    assert missing_note.status_code == 422
    past = client.post(_url(s, s.people[0]), {"reason": "away", "until": "2022-07-01"})
    assert past.status_code == 422
    assert not Exemption.objects.exists()


def test_exemptions_are_refused_to_other_roles_places_and_anonymous(
    tree, make_actor, page_client, client
):
    s = screening_make(tree, residents=1)
    assert client.get(_url(s, s.people[0])).status_code == 302  # to sign-in
    sampler = page_client(s_actor := make_actor(Role.SAMPLER, tree["community_a"]))
    assert sampler.get(_url(s, s.people[0])).status_code == 403
    assert s_actor.role == Role.SAMPLER
    elsewhere = page_client(make_actor(Role.GRID_WORKER, tree["grid_b1"]))
    assert (
        elsewhere.post(_url(s, s.people[0]), {"reason": "away", "until": "2022-07-20"}).status_code
        == 404
    )
    assert not Exemption.objects.exists()


def test_the_rounds_page_leads_to_key_groups_arrivals_antigen_and_alerts(
    tree, make_actor, page_client
):
    screening_make(tree, residents=1)
    page = page_client(make_actor(Role.COMMANDER, tree["city"])).get("/lab/rounds/")
    body = page.content.decode()
    for path in ("/lab/key-groups/", "/lab/arrivals/", "/lab/antigen/", "/lab/alerts/"):
        assert f'href="{path}"' in body
