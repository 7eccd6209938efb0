"""API tokens: expiry, revocation and account changes, in this process and in another one.

A server process keeps a valid token's actor for ``TOKEN_CACHE_SECONDS``. "Another process" is
simulated by the only state processes do not share: the token-actor cache. Its content is taken
after the other process used the token and put back after this process made the change (which
empties this process's cache), so the token is then answered as the other process would.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.accounts import services, tokens
from fangkong.accounts.choices import Role
from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.accounts.tests.factories import actor_make

ME = "/api/v1/accounts/me"


def _bearer(clear: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {clear}"}


@pytest.fixture
def people(tree, settings):
    settings.MFA_ENFORCED = False
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    membership = Membership.objects.get(pk=worker.membership_id)
    return admin, worker, membership


def _revoke(admin, worker, membership):
    services.token_revoke(actor=worker, token=ApiToken.objects.get(membership=membership))


def _deactivate(admin, worker, membership):
    services.user_deactivate(
        actor=admin, user=User.objects.get(pk=worker.user_id), reason="left the service"
    )


def _role_taken(admin, worker, membership):
    services.membership_revoke(actor=admin, membership=membership, reason="moved")


@pytest.mark.django_db
@pytest.mark.parametrize("change", [_revoke, _deactivate, _role_taken])
def test_a_change_in_another_process_ends_the_token_within_the_cache_time(
    people, client, settings, change
):
    settings.TOKEN_CACHE_SECONDS = 1
    admin, worker, membership = people
    clear = services.token_create(actor=worker, membership=membership, name="phone")
    assert client.get(ME, headers=_bearer(clear)).status_code == 200
    other_process = dict(tokens._known)
    assert other_process  # the other process keeps the token's actor

    change(admin, worker, membership)
    assert not tokens._known  # this process forgot at once
    assert client.get(ME, headers=_bearer(clear)).status_code == 401
    assert ApiToken.objects.get(membership=membership).revoked_at is not None

    tokens._known.update(other_process)  # now answer as the other process
    assert client.get(ME, headers=_bearer(clear)).status_code == 200  # within the bound
    time.sleep(settings.TOKEN_CACHE_SECONDS + 0.05)
    assert client.get(ME, headers=_bearer(clear)).status_code == 401


@pytest.mark.django_db
def test_an_expired_token_is_refused(people, client, settings, time_machine):
    settings.TOKEN_CACHE_SECONDS = 0  # every request reads the token: the expiry itself
    _, worker, membership = people
    time_machine.move_to(timezone.now(), tick=False)
    clear = services.token_create(actor=worker, membership=membership, name="phone", days=1)
    time_machine.shift(timedelta(days=1) - timedelta(seconds=1))
    assert client.get(ME, headers=_bearer(clear)).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    assert client.get(ME, headers=_bearer(clear)).status_code == 401


@pytest.mark.django_db
def test_a_kept_token_is_not_kept_past_its_expiry(people, client, settings):
    settings.TOKEN_CACHE_SECONDS = 60
    _, worker, membership = people
    clear = services.token_create(actor=worker, membership=membership, name="phone")
    ApiToken.objects.filter(membership=membership).update(
        expires_at=timezone.now() + timedelta(seconds=1)
    )
    assert client.get(ME, headers=_bearer(clear)).status_code == 200  # and kept
    time.sleep(1.05)
    assert client.get(ME, headers=_bearer(clear)).status_code == 401


@pytest.mark.django_db
def test_a_regrant_of_a_revoked_membership_ends_tokens_at_once_in_this_process(
    people, tree, client
):
    # The membership exists but is inactive: the grant reactivates it with a queryset update,
    # which sends no signal, so only the service itself can make this process forget.
    admin, worker, _ = people
    user = User.objects.get(pk=worker.user_id)
    second = services.membership_grant(
        actor=admin, user=user, region=tree["grid_a2"], role=Role.GRID_WORKER
    )
    services.membership_revoke(actor=admin, membership=second, reason="temporary cover ended")
    clear = services.token_create(
        actor=worker, membership=Membership.objects.get(pk=worker.membership_id), name="phone"
    )
    assert client.get(ME, headers=_bearer(clear)).status_code == 200
    services.membership_grant(actor=admin, user=user, region=tree["grid_a2"], role=Role.GRID_WORKER)
    assert client.get(ME, headers=_bearer(clear)).status_code == 401


@pytest.mark.django_db
def test_an_unknown_or_malformed_token_is_refused(people, client):
    _, worker, membership = people
    clear = services.token_create(actor=worker, membership=membership, name="phone")
    for other in (clear[:-1] + ("A" if clear[-1] != "A" else "B"), clear[3:], clear + "x" * 200):
        assert client.get(ME, headers=_bearer(other)).status_code == 401
    assert client.get(ME, headers=_bearer(clear)).status_code == 200
