"""The one ``actor_of`` of API operations and pages (issue 18 §2)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from fangkong.core.actor import Actor
from fangkong.core.guards import actor_of


def _actor(username: str) -> Actor:
    return Actor(
        user_id=1,
        username=username,
        role="screening_admin",
        membership_id=1,
        region_id=1,
        region_path="0001",
        region_code="110000",
    )


def test_a_page_acts_as_the_session_actor():
    request = RequestFactory().get("/lab/")
    request.actor = _actor("session")  # type: ignore[attr-defined]
    assert actor_of(request).username == "session"


def test_an_api_request_acts_as_its_authenticated_actor_even_with_a_session_beside_it():
    request = RequestFactory().get("/api/v1/regions")
    request.actor = _actor("session")  # type: ignore[attr-defined]
    request.auth = _actor("token")  # type: ignore[attr-defined]
    assert actor_of(request).username == "token"


def test_an_api_request_never_falls_back_to_the_session_when_auth_holds_no_actor():
    request = RequestFactory().get("/api/v1/regions")
    request.actor = _actor("session")  # type: ignore[attr-defined]
    request.auth = None  # type: ignore[attr-defined]
    with pytest.raises(AssertionError):
        actor_of(request)


def test_a_request_without_an_actor_is_a_programming_error():
    request = RequestFactory().get("/lab/")
    request.actor = None  # type: ignore[attr-defined]
    with pytest.raises(AssertionError):
        actor_of(request)
