"""A request body too large to read is a 413 in the API's envelope (and a 413 page), never a
bare HTML 400 (issue 17 item 9)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make


@pytest.mark.django_db
def test_a_10_mb_json_body_is_a_413_in_the_error_envelope(tree, api):
    client = api(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    body = {"round": "R", "point": "P", "barcode": "T1", "members": [{"id_number": "x" * 64}]}
    body["filler"] = "x" * (10 * 1024 * 1024)
    response = client.post("/api/v1/lab/tubes", body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["code"] == "request_too_large"
    assert answer["message"]
    assert answer["detail"]["max_bytes"] > 0


@pytest.mark.django_db
def test_a_large_body_without_authentication_is_a_413_too(db):
    response = Client().post(
        "/api/v1/people", json.dumps({"x": "y" * 3_000_000}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
def test_a_too_large_form_post_is_a_413_page(tree, page_client):
    client = page_client(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))
    response = client.post("/accounts/users/", {"username": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_a_body_under_the_limit_goes_on_to_the_view(tree, api):
    client = api(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    response = client.post("/api/v1/lab/tubes", {"round": "R", "filler": "x" * 100_000})
    assert response.status_code == 422
