"""User administration through the API: the access matrix, scope, audit, query counts."""

from __future__ import annotations

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AuditEntry

USERS = "/api/v1/accounts/users"


def _new_user(region_code: str, username: str = "newbie") -> dict[str, str]:
    return {
        "username": username,
        "display_name": "新 同事",
        "password": "a long enough passphrase 42",
        "region_code": region_code,
        "role": Role.GRID_WORKER,
    }


@pytest.mark.django_db
def test_user_endpoints_refuse_anonymous_and_non_administrators(tree, api):
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    assert api(None).get(USERS).status_code == 401
    assert api(None).post(USERS, _new_user(tree["grid_a1"].code)).status_code == 401
    response = api(worker).get(USERS)
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    assert api(worker).post(USERS, _new_user(tree["grid_a1"].code)).status_code == 403


@pytest.mark.django_db
def test_administrator_manages_users_only_inside_their_subtree(tree, api):
    admin_a = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])  # someone in district B
    client = api(admin_a)
    created = client.post(USERS, _new_user(tree["grid_a1"].code))
    assert created.status_code == 201, created.content
    assert created.json()["memberships"][0]["region_code"] == tree["grid_a1"].code
    assert AuditEntry.objects.filter(action="user_create").count() == 1

    # District B's grid is outside: the same 404 as a code that does not exist.
    outside = client.post(USERS, _new_user(tree["grid_b1"].code, "other"))
    missing = client.post(USERS, _new_user("999999999999999", "other"))
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["code"] == missing.json()["code"] == "region_not_found"

    listed = {u["username"] for u in client.get(USERS).json()["items"]}
    assert "newbie" in listed
    assert all(not u.startswith("user") or u == admin_a.username for u in listed - {"newbie"})


@pytest.mark.django_db
def test_other_jurisdiction_user_answers_404_like_a_missing_one(tree, api):
    admin_a = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    worker_b = actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])
    client = api(admin_a)
    assert client.get(f"{USERS}/{worker_b.username}").status_code == 404
    assert client.get(f"{USERS}/nobody-at-all").status_code == 404
    deactivate = client.post(f"{USERS}/{worker_b.username}/deactivate", {"reason": "x"})
    assert deactivate.status_code == 404


@pytest.mark.django_db
def test_validation_errors_name_the_field(tree, api):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    body = _new_user(tree["grid_a1"].code)
    body["password"] = "short"
    response = api(admin).post(USERS, body)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "password"
    body = _new_user(tree["grid_a1"].code)
    body["role"] = "emperor"
    response = api(admin).post(USERS, body)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "role"


@pytest.mark.django_db
def test_user_list_runs_the_same_queries_whatever_the_page_size(
    tree, api, django_assert_num_queries
):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    for i in range(12):
        actor_make(role=Role.GRID_WORKER, region=tree["grid_a1" if i % 2 else "grid_b1"])
    client = api(admin)
    client.get(USERS)  # warm up (token last-used stamp, the token's actor kept)
    with django_assert_num_queries(3) as small:  # the list counts its rows too
        client.get(USERS, page_size=3)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(USERS, page_size=50)
    assert len(response.json()["items"]) == 13
