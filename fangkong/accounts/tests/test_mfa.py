"""TOTP codes: accepted once, within the documented drift, never replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.test import Client

from fangkong.accounts import services
from fangkong.accounts.choices import Role
from fangkong.accounts.models import LoginAttempt, User
from fangkong.accounts.tests.factories import PASSWORD, actor_make, mfa_enrol
from fangkong.core.errors import ValidationFailed

LOGIN = "/accounts/login/"
MFA = "/accounts/mfa/"
#: The start of a 30-second TOTP step, so a shift of a few seconds stays inside it.
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def commander(tree, settings):
    settings.MFA_ENFORCED = True
    actor = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    user = User.objects.get(pk=actor.user_id)
    return user, mfa_enrol(user)


def _password_step(client: Client, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == MFA


@pytest.mark.django_db
def test_a_code_is_accepted_once_and_refused_when_replayed(commander):
    user, secret = commander
    with time_machine.travel(START, tick=False) as clock:
        code = pyotp.TOTP(secret).now()
        assert services.mfa_code_accept(user, code)
        clock.shift(timedelta(seconds=10))  # still the same step, and inside the drift after it
        assert not services.mfa_code_accept(user, code)
        # another process reading the user afresh refuses it too: the step is in the database
        assert not services.mfa_code_accept(User.objects.get(pk=user.pk), code)
        clock.shift(STEP)
        assert services.mfa_code_accept(user, pyotp.TOTP(secret).now())
    user.refresh_from_db()
    assert user.mfa_last_step == pyotp.TOTP(secret).timecode(START + STEP)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_codes_one_step_either_side_are_accepted_and_further_ones_are_not(
    commander, offset, accepted
):
    user, secret = commander
    assert services.MFA_DRIFT_STEPS == 1
    with time_machine.travel(START, tick=False):
        code = pyotp.TOTP(secret).at(START + offset * STEP)
        assert services.mfa_code_accept(user, code) is accepted


@pytest.mark.django_db
def test_an_older_code_is_refused_after_a_newer_one(commander):
    user, secret = commander
    with time_machine.travel(START, tick=False):
        totp = pyotp.TOTP(secret)
        assert services.mfa_code_accept(user, totp.at(START + STEP))  # a phone a little ahead
        assert not services.mfa_code_accept(user, totp.at(START))  # earlier, though in the drift
        assert not services.mfa_code_accept(user, totp.at(START - STEP))


@pytest.mark.django_db
def test_wrong_and_malformed_codes_are_refused(commander):
    user, secret = commander
    with time_machine.travel(START, tick=False):
        right = pyotp.TOTP(secret).now()
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for code in (wrong, "", "12345", "1234567", "abcdef"):
            assert not services.mfa_code_accept(user, code)
        assert User.objects.get(pk=user.pk).mfa_last_step is None
        assert services.mfa_code_accept(user, f" {right[:3]} {right[3:]} ")  # spaces are fine


@pytest.mark.django_db
def test_a_code_replayed_at_sign_in_is_refused_and_counted(commander):
    user, secret = commander
    with time_machine.travel(START, tick=False):
        code = pyotp.TOTP(secret).now()
        first = Client()
        _password_step(first, user.username)
        assert first.post(MFA, {"code": code}).status_code == 302
        assert first.get("/").status_code == 200

        # Someone who has the password and saw the code tries it again within its validity.
        second = Client()
        _password_step(second, user.username)
        assert second.post(MFA, {"code": code}).status_code == 200  # the form again
        assert second.get("/").status_code == 302  # still owes the second factor
        assert LoginAttempt.objects.count() == 1


@pytest.mark.django_db
def test_the_enrolment_code_cannot_be_used_again_to_sign_in(tree, settings):
    settings.MFA_ENFORCED = True
    actor = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    user = User.objects.get(pk=actor.user_id)
    with time_machine.travel(START, tick=False):
        services.mfa_enrol_start(actor=actor, user=user)
        secret = services.mfa_secret_of(user)
        assert secret
        code = pyotp.TOTP(secret).now()
        services.mfa_enrol_confirm(actor=actor, user=user, code=code)
        user.refresh_from_db()
        assert user.mfa_enabled
        client = Client()
        _password_step(client, user.username)
        assert client.post(MFA, {"code": code}).status_code == 200
        with pytest.raises(ValidationFailed):  # nor to confirm an enrolment twice
            services.mfa_enrol_confirm(actor=actor, user=user, code=code)
