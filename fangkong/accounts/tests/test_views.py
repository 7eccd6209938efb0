"""Account pages: who may open them, scope, and what they show."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AuditEntry

ADMIN_PAGES = ["/accounts/users/", "/accounts/audit/", "/accounts/audit/?tab=access"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", [*ADMIN_PAGES, "/accounts/security/", "/"])
def test_anonymous_users_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_administration_pages_refuse_other_roles(tree, page_client, path):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    assert page_client(commander).get(path).status_code == 403


@pytest.mark.django_db
def test_user_page_of_another_jurisdiction_is_404_like_a_missing_one(tree, page_client):
    admin_a = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    worker_b = actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])
    client = page_client(admin_a)
    assert client.get(f"/accounts/users/{worker_b.username}/").status_code == 404
    assert client.get("/accounts/users/no-such-user/").status_code == 404
    listing = client.get("/accounts/users/").content.decode()
    assert worker_b.username not in listing


@pytest.mark.django_db
def test_audit_page_shows_only_the_subtree_and_escapes_text(tree, page_client, api):
    admin_a = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    admin_b = actor_make(role=Role.ADMINISTRATOR, region=tree["district_b"])
    hostile = "<script>alert(1)</script>"
    api(admin_a).post(
        "/api/v1/accounts/users",
        {
            "username": "a-worker",
            "display_name": hostile,
            "password": "a long enough passphrase 42",
            "region_code": tree["grid_a1"].code,
            "role": Role.GRID_WORKER,
        },
    )
    worker = api(admin_a).get("/api/v1/accounts/users/a-worker").json()
    assert worker["display_name"] == hostile
    api(admin_a).post("/api/v1/accounts/users/a-worker/deactivate", {"reason": hostile})
    assert AuditEntry.objects.filter(action="user_deactivate").count() == 1
    page_a = page_client(admin_a).get("/accounts/audit/").content.decode()
    assert "user_deactivate" in page_a
    assert hostile not in page_a
    assert "&lt;script&gt;" in page_a
    page_b = page_client(admin_b).get("/accounts/audit/").content.decode()
    assert "user_deactivate" not in page_b


@pytest.mark.django_db
def test_users_page_runs_the_same_queries_whatever_the_number_of_users(
    tree, page_client, django_assert_max_num_queries
):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    client = page_client(admin)
    client.get("/accounts/users/")
    for _ in range(3):
        actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/accounts/users/")
    for _ in range(20):
        actor_make(role=Role.GRID_WORKER, region=tree["grid_b2"])
    with CaptureQueriesContext(connection) as many:
        client.get("/accounts/users/")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_jurisdiction_switcher_changes_the_acting_role(tree, page_client):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    from fangkong.accounts.models import Membership

    second = Membership.objects.create(
        user_id=actor.user_id, region=tree["district_b"], role=Role.EPIDEMIOLOGIST
    )
    client = page_client(actor)
    assert "海淀区" not in client.get("/").content.decode().split("<main")[1][:400]
    client.post("/accounts/switch/", {"membership": second.pk})
    assert client.session["fk_membership"] == second.pk
    other_users = Membership.objects.exclude(user_id=actor.user_id).first()
    if other_users is not None:
        client.post("/accounts/switch/", {"membership": other_users.pk})
        assert client.session["fk_membership"] == second.pk  # someone else's membership is ignored


def test_sign_out_drops_cached_pages_but_keeps_queued_work(tree, make_actor, page_client):
    client = page_client(make_actor("sampler", tree["community_a"]))
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache"'
    assert client.get("/lab/sampling/").status_code == 302  # signed out


@pytest.mark.django_db
def test_schedule_page_shows_each_jobs_last_run_and_last_error(tree, page_client, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from django.db import OperationalError

    from fangkong.core import periodic

    def broken() -> str:
        raise OperationalError("server closed the connection <b>now</b>")

    jobs = {
        "fine_job": periodic.PeriodicJob("fine_job", timedelta(minutes=5), lambda: "done"),
        "broken_job": periodic.PeriodicJob("broken_job", timedelta(hours=1), broken),
    }
    monkeypatch.setattr(periodic, "_JOBS", jobs)
    periodic.Scheduler().tick(now=datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    response = page_client(admin).get("/accounts/schedule/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "fine_job" in page
    assert "broken_job" in page
    assert "OperationalError: server closed the connection &lt;b&gt;now&lt;/b&gt;" in page
    assert "2026-11-22" in page  # when they last started
    assert "/accounts/schedule/" in page  # reachable from the menu


@pytest.mark.django_db
def test_schedule_page_is_for_administrators_only(tree, page_client):
    assert Client().get("/accounts/schedule/").status_code == 302
    for role in (Role.COMMANDER, Role.GRID_WORKER):
        region = tree["city"] if role == Role.COMMANDER else tree["grid_a1"]
        other = actor_make(role=role, region=region)
        response = page_client(other).get("/accounts/schedule/")
        assert response.status_code == 403
        assert "audit_chain_verify" not in response.content.decode()
