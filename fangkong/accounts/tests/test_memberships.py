"""Granting and revoking roles, deactivating and reactivating accounts: the new scope holds at
once (sessions and tokens end), every change is audited, and nothing old comes back."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.accounts import services
from fangkong.accounts.choices import Role
from fangkong.accounts.models import ApiToken, Membership, User
from fangkong.accounts.tests.factories import PASSWORD, actor_make, token_make
from fangkong.core.errors import PermissionDenied
from fangkong.core.models import AuditEntry

LOGIN = "/accounts/login/"
ME = "/api/v1/accounts/me"


@pytest.fixture
def people(tree, settings):
    settings.MFA_ENFORCED = False
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    return admin, worker, User.objects.get(pk=worker.user_id)


def _signs_in(client: Client, username: str) -> bool:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    return response.status_code == 302 and "_auth_user_id" in client.session


def _me(clear: str) -> int:
    return Client().get(ME, headers={"Authorization": f"Bearer {clear}"}).status_code


@pytest.mark.django_db
def test_a_grant_ends_sessions_and_tokens_and_the_next_sign_in_has_the_new_scope(
    people, tree, page_client
):
    admin, worker, user = people
    browser, clear = page_client(worker), token_make(worker)
    assert browser.get("/").status_code == 200
    assert _me(clear) == 200

    membership = services.membership_grant(
        actor=admin, user=user, region=tree["grid_a2"], role=Role.GRID_WORKER
    )
    assert browser.get("/").status_code == 302
    assert _me(clear) == 401
    entry = AuditEntry.objects.get(action="membership_grant", object_id=str(membership.pk))
    assert entry.extra["region"] == tree["grid_a2"].code
    assert entry.extra["user"] == user.pk

    client = Client()
    assert _signs_in(client, user.username)
    page = client.get("/")
    assert page.status_code == 200
    held = {m.region_id for m in page.context["memberships"]}
    assert held == {tree["grid_a1"].pk, tree["grid_a2"].pk}


@pytest.mark.django_db
def test_a_grant_outside_the_actors_subtree_is_refused_and_changes_nothing(people, tree):
    admin, _worker, user = people
    epoch = user.session_epoch
    with pytest.raises(PermissionDenied):
        services.membership_grant(
            actor=admin, user=user, region=tree["grid_b1"], role=Role.GRID_WORKER
        )
    assert not Membership.objects.filter(user=user, region=tree["grid_b1"]).exists()
    assert User.objects.get(pk=user.pk).session_epoch == epoch
    assert not AuditEntry.objects.filter(action="membership_grant").exists()


@pytest.mark.django_db
def test_a_revoked_membership_is_gone_from_the_next_sign_in_and_audited(people, tree, page_client):
    admin, worker, user = people
    second = services.membership_grant(
        actor=admin, user=user, region=tree["grid_a2"], role=Role.GRID_WORKER
    )
    browser, clear = page_client(worker), token_make(worker)
    assert browser.get("/").status_code == 200

    services.membership_revoke(actor=admin, membership=second, reason="cover ended")
    assert browser.get("/").status_code == 302
    assert _me(clear) == 401
    assert not ApiToken.objects.filter(membership__user=user, revoked_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="membership_revoke", object_id=str(second.pk))
    assert entry.reason == "cover ended"

    client = Client()
    assert _signs_in(client, user.username)
    page = client.get("/")
    assert [m.pk for m in page.context["memberships"]] == [worker.membership_id]


@pytest.mark.django_db
def test_the_only_membership_revoked_leaves_a_signed_in_user_nothing_to_see(people, page_client):
    admin, worker, user = people
    services.membership_revoke(
        actor=admin, membership=Membership.objects.get(pk=worker.membership_id), reason="moved"
    )
    client = Client()
    assert _signs_in(client, user.username)
    assert client.get("/").status_code == 403  # no membership: no actor, no data


@pytest.mark.django_db
def test_a_revoke_outside_the_actors_subtree_is_refused(tree, people):
    _, worker, _ = people
    other_admin = actor_make(role=Role.ADMINISTRATOR, region=tree["district_b"])
    membership = Membership.objects.get(pk=worker.membership_id)
    with pytest.raises(PermissionDenied):
        services.membership_revoke(actor=other_admin, membership=membership, reason="x")
    assert Membership.objects.get(pk=membership.pk).is_active


@pytest.mark.django_db
def test_a_deactivated_user_cannot_sign_in_or_use_tokens(people, page_client):
    admin, worker, user = people
    browser, clear = page_client(worker), token_make(worker)
    services.user_deactivate(actor=admin, user=user, reason="left the service")
    assert browser.get("/").status_code == 302
    assert _me(clear) == 401
    assert not _signs_in(Client(), user.username)


@pytest.mark.django_db
def test_a_reactivated_user_signs_in_again_but_old_sessions_and_tokens_stay_dead(
    people, page_client
):
    admin, worker, user = people
    browser, clear = page_client(worker), token_make(worker)
    services.user_deactivate(actor=admin, user=user, reason="on leave")
    services.user_reactivate(actor=admin, user=user, reason="back from leave")
    assert AuditEntry.objects.filter(
        action="user_reactivate", object_id=str(user.pk), reason="back from leave"
    ).exists()

    assert browser.get("/").status_code == 302  # the old session does not come back
    assert _me(clear) == 401  # nor the old token
    client = Client()
    assert _signs_in(client, user.username)
    assert client.get("/").status_code == 200
    assert _me(token_make(worker)) == 200  # a new token works
