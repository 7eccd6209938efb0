"""The API also serves the signed-in browser (htmx pages): safe methods with the session,
unsafe ones only with the CSRF token, never a token in the query string."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.middleware import (
    SESSION_EPOCH,
    SESSION_LOGIN_AT,
    SESSION_MEMBERSHIP,
    SESSION_MFA_OK,
    SESSION_SEEN_AT,
)
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.people.models import Person


def _browser(actor) -> Client:
    client = Client(enforce_csrf_checks=True)
    user = User.objects.get(pk=actor.user_id)
    client.force_login(user)
    session = client.session
    now = time.time()
    session.update(
        {
            SESSION_EPOCH: user.session_epoch,
            SESSION_LOGIN_AT: now,
            SESSION_SEEN_AT: now,
            SESSION_MFA_OK: True,
            SESSION_MEMBERSHIP: actor.membership_id,
        }
    )
    session.save()
    return client


BODY = {"name": "张三", "region_code": "110105001001001", "sex": "M"}


@pytest.mark.django_db
def test_a_session_reads_the_api_but_writes_only_with_the_csrf_token(tree):
    grid_worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    client = _browser(grid_worker)
    assert client.get("/api/v1/accounts/me").status_code == 200

    refused = client.post("/api/v1/people", BODY, content_type="application/json")
    assert refused.status_code == 401
    assert not Person.objects.exists()

    client.get("/people/")  # a page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/v1/people", BODY, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.content
    assert Person.objects.count() == 1
