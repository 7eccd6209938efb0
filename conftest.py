"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.tests.factories import actor_make, token_make
from fangkong.core.actor import Actor
from fangkong.regions.models import Region
from fangkong.regions.tests.factories import tree_make


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Each test starts as a fresh server process would: no rules, token actors, rounds or
    points kept from another test (whose rows its rollback took away)."""
    from fangkong.accounts.tokens import tokens_forget
    from fangkong.lab.sampling.placing import places_forget
    from fangkong.policy.selectors import rules_forget

    rules_forget()
    tokens_forget()
    places_forget()


@pytest.fixture
def tree(db: Any) -> dict[str, Region]:
    """A small jurisdiction tree: province > city > districts A and B > ... > grids."""
    return tree_make()


@pytest.fixture
def national_editions(db: Any) -> None:
    """The shipped national editions, for transactional tests: Django flushes the tables after
    each of them, which takes away the rows the policy migration loaded (serialized rollback
    would restore them but collides with the content types the flush re-creates)."""
    from importlib import import_module

    from django.apps import apps

    import_module("fangkong.policy.migrations.0002_load_national_editions").load(apps, None)


@pytest.fixture
def make_actor(db: Any) -> Callable[..., Actor]:
    def make(role: str, region: Region) -> Actor:
        return actor_make(role=role, region=region)

    return make


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer`` for one actor."""

    def __init__(self, actor: Actor | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_make(actor)}"} if actor else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            path,
            data or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def put(self, path: str, data: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self.client.put(
            path,
            data or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def patch(self, path: str, data: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self.client.patch(
            path,
            data or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )


@pytest.fixture
def api(db: Any) -> Callable[[Actor | None], ApiClient]:
    """``api(actor)`` → a client authenticated as that actor (``api(None)`` is anonymous)."""
    return ApiClient


@pytest.fixture
def page_client(db: Any) -> Callable[[Actor], Client]:
    """``page_client(actor)`` → a browser-like client logged in as the actor's user, past MFA."""
    import time

    from fangkong.accounts.middleware import (
        SESSION_EPOCH,
        SESSION_LOGIN_AT,
        SESSION_MEMBERSHIP,
        SESSION_MFA_OK,
        SESSION_SEEN_AT,
    )
    from fangkong.accounts.models import User

    def make(actor: Actor) -> Client:
        client = Client()
        user = User.objects.get(pk=actor.user_id)
        client.force_login(user)
        session = client.session
        now = time.time()
        session[SESSION_EPOCH] = user.session_epoch
        session[SESSION_LOGIN_AT] = now
        session[SESSION_SEEN_AT] = now
        session[SESSION_MFA_OK] = True
        session[SESSION_MEMBERSHIP] = actor.membership_id
        session.save()
        return client

    return make


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """Each test starts and ends in the default language: a request through the test client
    runs in this thread, and the locale middleware leaves the language it chose active (a test
    that asked in Chinese made the next test's messages Chinese)."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
