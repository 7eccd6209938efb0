"""Chains: a case, its confirmed contact who became a case, and that case's contact form one
cluster of three generations with the first case as probable source; pages for the right
roles, 404 for other districts, aggregation above the node limit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.cases.services.opening import case_open
from fangkong.core.models import AccessEntry
from fangkong.people.tests.factories import household_make, person_make
from fangkong.tracing.chains import presentation
from fangkong.tracing.chains.selectors import chain_graph, cluster_rows
from fangkong.tracing.contacts.models import ContactLink
from fangkong.tracing.contacts.services import contacts_decide, contacts_derive
from fangkong.tracing.contacts.tests.factories import scene_make

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Shanghai")
NINTH = datetime(2022, 7, 15, 12, 0, tzinfo=LOCAL)


@pytest.fixture
def chain(tree):
    """Case A's housemate B confirmed; B becomes a case; B's housemate C confirmed."""
    with time_machine.travel(NINTH, tick=True):
        scene = scene_make(
            tree, onset=NINTH.date() - timedelta(days=1), visit_at=NINTH - timedelta(days=2)
        )
        epi = scene.epidemiologist
        contacts_derive(actor=epi, case=scene.case)
        link = ContactLink.objects.get(case=scene.case, person=scene.housemate)
        contacts_decide(
            actor=epi, case=scene.case, codes=[link.code], decision="confirm", reason="同住"
        )
        b = scene.housemate
        b.household = household_make(region=tree["grid_a2"], address="B家")
        b.save(update_fields=["household"])
        c = person_make(region=tree["grid_a2"], household=b.household, name="丙")
        clinician = actor_make(role=Role.CLINICIAN, region=tree["district_a"])
        case_b, _created = case_open(
            actor=clinician, person=b, how_found="quarantined_contact", reason="隔离中阳性"
        )
        contacts_derive(actor=epi, case=case_b)
        link_c = ContactLink.objects.get(case=case_b, person=c)
        contacts_decide(
            actor=epi, case=case_b, codes=[link_c.code], decision="confirm", reason="同住"
        )
        yield scene, case_b, c


def test_one_cluster_three_generations_first_case_the_source(chain):
    scene, case_b, c = chain
    graph = chain_graph(actor=scene.epidemiologist)
    [row] = cluster_rows(graph)
    assert (row.size, row.cases, row.contacts, row.depth) == (3, 2, 1, 2)
    assert row.sources == [str(scene.case.code)]
    assert row.settings == {"household": 2}
    generation = dict(
        zip(graph.chains.node.tolist(), graph.chains.generation.tolist(), strict=True)
    )
    assert generation == {scene.case.person_id: 0, case_b.person_id: 1, c.pk: 2}
    other = chain_graph(actor=scene.other_epidemiologist)
    assert cluster_rows(other) == []


def test_the_chain_page_draws_the_cluster_and_logs_who_it_shows(chain, page_client):
    scene, case_b, c = chain
    client = page_client(scene.epidemiologist)
    listed = client.get("/tracing/chains/")
    assert listed.status_code == 200
    page = client.get(f"/tracing/chains/{case_b.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cytoscape.min.js" in html
    start = html.index('id="chain-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    labels = {e["data"].get("label") for e in data["elements"] if "source" not in e["data"]}
    assert labels == {scene.case.person.name, case_b.person.name, c.name}
    assert sum(1 for e in data["elements"] if "source" in e["data"]) == 2
    entry = AccessEntry.objects.filter(action="chain_read").latest("id")
    assert str(c.code) in entry.subject_ids


def test_large_clusters_are_drawn_by_generation(chain, page_client, monkeypatch):
    scene, case_b, _c = chain
    monkeypatch.setattr(presentation, "NODE_LIMIT", 2)
    html = page_client(scene.epidemiologist).get(f"/tracing/chains/{case_b.code}/").content.decode()
    start = html.index('id="chain-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert data["aggregated"] is True
    counts = {e["data"]["id"]: e["data"]["count"] for e in data["elements"] if "count" in e["data"]}
    assert counts == {"g0case": 1, "g1case": 1, "g2contact": 1}


def test_chain_pages_refuse_other_districts_and_wrong_roles(chain, page_client, tree):
    scene, case_b, _c = chain
    assert (
        page_client(scene.other_epidemiologist).get(f"/tracing/chains/{case_b.code}/").status_code
        == 404
    )
    grid = actor_make(role=Role.GRID_WORKER, region=tree["district_a"])
    assert page_client(grid).get("/tracing/chains/").status_code == 403
