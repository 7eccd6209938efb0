"""Sign-in, throttling, MFA, sessions and tokens that end when they should."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts import services
from fangkong.accounts.choices import Role
from fangkong.accounts.models import ApiToken, LoginAttempt, User
from fangkong.accounts.tests.factories import PASSWORD, actor_make, token_make, user_make
from fangkong.core.errors import ValidationFailed
from fangkong.core.models import AuditEntry

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_login_rotates_the_session_and_lands_on_the_overview(tree, settings):
    settings.MFA_ENFORCED = False
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    client = Client()
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    response = _login(client, actor.username)
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_and_unknown_user_get_the_same_answer(tree):
    actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    known = _login(Client(), "user-does-exist", "wrong password here")
    user = User.objects.first()
    assert user is not None
    wrong = _login(Client(), user.username, "wrong password here")
    assert known.status_code == wrong.status_code == 200
    assert known.content.decode().count("error") == wrong.content.decode().count("error")
    assert LoginAttempt.objects.count() == 2


@pytest.mark.django_db
def test_failures_on_a_name_from_many_addresses_lock_even_the_right_password(tree, settings):
    settings.MFA_ENFORCED = False
    settings.LOGIN_FAILURES_PER_NAME = 20
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    for number in range(20):
        services.login_failure_record(actor.username, f"10.0.0.{number}")
    client = Client()
    response = _login(client, actor.username)
    assert response.status_code == 200  # the form again, not a redirect
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # not signed in


@pytest.mark.django_db
def test_commander_must_enrol_in_mfa_before_seeing_anything(tree, settings):
    settings.MFA_ENFORCED = True
    actor = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    client = Client()
    response = _login(client, actor.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:mfa")
    assert client.get("/").status_code == 302  # still owes the second factor
    page = client.get(reverse("accounts:mfa"))
    assert page.status_code == 200
    user = User.objects.get(pk=actor.user_id)
    secret = services.mfa_secret_of(user)
    assert secret
    assert client.post(reverse("accounts:mfa"), {"code": "000000"}).status_code == 200
    assert (
        client.post(reverse("accounts:mfa"), {"code": pyotp.TOTP(secret).now()}).status_code == 302
    )
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.mfa_enabled


@pytest.mark.django_db
def test_mfa_is_offered_but_not_enforced_in_demo_mode(tree, settings):
    settings.MFA_ENFORCED = False
    settings.DEMO_MODE = True
    actor = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    client = Client()
    assert _login(client, actor.username)["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "demo-banner" in page.content.decode()


@pytest.mark.django_db
def test_role_change_and_deactivation_end_sessions_and_tokens_at_once(
    tree, settings, page_client, api
):
    settings.MFA_ENFORCED = False
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    browser = page_client(worker)
    client = api(worker)
    assert browser.get("/").status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 200

    user = User.objects.get(pk=worker.user_id)
    services.membership_grant(actor=admin, user=user, region=tree["grid_a2"], role=Role.GRID_WORKER)
    assert browser.get("/").status_code == 302  # back to sign-in
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert not ApiToken.objects.filter(revoked_at__isnull=True, membership__user=user).exists()

    token_make(worker)
    fresh = api(worker)
    services.user_deactivate(actor=admin, user=user, reason="left the service")
    assert fresh.get("/api/v1/accounts/me").status_code == 401
    assert AuditEntry.objects.filter(action="user_deactivate", reason="left the service").exists()


@pytest.mark.django_db
def test_api_refuses_tokens_in_the_query_string_and_unknown_schemes(tree, api):
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    clear = token_make(worker)
    client = Client()
    assert client.get(f"/api/v1/accounts/me?access_token={clear}").status_code == 401
    assert (
        client.get("/api/v1/accounts/me", headers={"Authorization": f"Basic {clear}"}).status_code
        == 401
    )
    assert (
        client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {clear}"}).status_code
        == 200
    )


@pytest.mark.django_db
def test_password_rules_refuse_short_and_common_passwords(tree):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    for weak in ("short", "password1234"):
        with pytest.raises(ValidationFailed) as info:
            services.user_create(
                actor=admin,
                username=f"new-{len(weak)}",
                display_name="",
                password=weak,
                region=tree["grid_a1"],
                role=Role.GRID_WORKER,
            )
        assert info.value.errors[0]["field"] == "password"
    user = user_make()
    assert user.password.startswith(("argon2", "md5"))


@pytest.mark.django_db
def test_an_idle_session_must_sign_in_again(tree, settings, page_client, time_machine):
    settings.MFA_ENFORCED = False
    time_machine.move_to("2026-11-22 09:00:00+08:00", tick=False)
    worker = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    browser = page_client(worker)
    assert browser.get("/").status_code == 200
    time_machine.shift(settings.SESSION_IDLE_SECONDS - 120)
    assert browser.get("/").status_code == 200  # still within the idle limit
    time_machine.shift(settings.SESSION_IDLE_SECONDS + 1)
    assert browser.get("/").status_code == 302
