"""Sign-in throttling by name and by address, with a cool-off, that strangers cannot turn
into a lock-out of someone else's account (issue 17 item 13)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from fangkong.accounts import services
from fangkong.accounts.choices import Role
from fangkong.accounts.models import LoginAttempt, User
from fangkong.accounts.tests.factories import PASSWORD, actor_make, mfa_enrol
from fangkong.core.client_address import client_address, throttle_key

LOGIN = "/accounts/login/"
MFA = "/accounts/mfa/"
START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def limits(settings):
    settings.MFA_ENFORCED = False
    settings.LOGIN_COOL_OFF_SECONDS = 900
    settings.LOGIN_FAILURES_PER_NAME_AND_ADDRESS = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 30
    settings.LOGIN_FAILURES_PER_NAME = 20
    return settings


def _client(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def _signs_in(client: Client, username: str, password: str = PASSWORD) -> bool:
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code == 302


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        assert not _signs_in(client, username, "wrong password, again")


@pytest.mark.django_db
def test_a_name_guessed_from_one_address_cools_off_and_then_works(tree, limits):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    with time_machine.travel(START, tick=False) as clock:
        guesser = _client("203.0.113.7")
        _fail(guesser, actor.username, 5)
        assert not _signs_in(guesser, actor.username)  # even the right password, from here
        _fail(guesser, actor.username, 50)  # refused, not counted: the lock does not grow
        assert LoginAttempt.objects.count() == 5
        clock.shift(timedelta(seconds=899))
        assert not _signs_in(guesser, actor.username)
        clock.shift(timedelta(seconds=2))
        assert _signs_in(guesser, actor.username)


@pytest.mark.django_db
def test_guesses_spread_over_many_names_from_one_address_are_limited(tree, limits):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    with time_machine.travel(START, tick=False) as clock:
        sprayer = _client("198.51.100.20")
        for number in range(30):  # a few guesses each at 30 names, known or not
            assert not _signs_in(sprayer, f"name{number}", "Password123!")
        assert not _signs_in(sprayer, actor.username)  # the address is held, whatever name
        assert not _signs_in(_client("198.51.100.20"), "name99", "Password123!")
        assert _signs_in(_client("198.51.100.21"), actor.username)  # a neighbour is not
        clock.shift(timedelta(seconds=901))
        assert _signs_in(sprayer, actor.username)


@pytest.mark.django_db
def test_an_ipv6_guesser_cannot_escape_by_changing_address_inside_its_64(tree, limits):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    for host in range(5):
        assert not _signs_in(_client(f"2001:db8:7:1::{host + 1}"), actor.username, "nope nope")
    assert not _signs_in(_client("2001:db8:7:1:ffff::9"), actor.username)
    assert _signs_in(_client("2001:db8:7:2::1"), actor.username)


@pytest.mark.django_db
def test_a_stranger_cannot_lock_the_commander_out_from_another_address(tree, limits):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    with time_machine.travel(START, tick=False):
        attacker = _client("192.0.2.66")
        _fail(attacker, commander.username, 500)
        assert LoginAttempt.objects.count() == 5  # one address adds at most five
        assert _signs_in(_client("10.1.2.3"), commander.username)


@pytest.mark.django_db
def test_guesses_at_one_name_from_many_addresses_hold_it_only_for_the_cool_off(tree, limits):
    commander = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    with time_machine.travel(START, tick=False) as clock:
        owner_browser = _client("10.1.2.3")
        assert _signs_in(owner_browser, commander.username)  # a sign-in completed earlier
        owner_browser.post("/accounts/logout/")
        for address in range(5):  # four failures from each of five addresses
            _fail(_client(f"192.0.2.{address + 1}"), commander.username, 4)
        assert LoginAttempt.objects.count() == 20
        # a guess from a new address is not even checked, nor is the owner on a new browser
        assert not _signs_in(_client("192.0.2.200"), commander.username)
        assert not _signs_in(_client("10.9.9.9"), commander.username)
        # the browser the owner signed in with before is not held by the per-name count
        assert _signs_in(owner_browser, commander.username)
        clock.shift(timedelta(seconds=901))
        assert _signs_in(_client("10.9.9.9"), commander.username)


@pytest.mark.django_db
def test_the_device_cookie_is_signed_and_names_no_account(tree, limits):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    client = _client("10.1.2.3")
    assert _signs_in(client, actor.username)
    cookie = client.cookies["fk_device"]
    assert actor.username not in cookie.value
    assert cookie["httponly"]
    for address in range(5):
        _fail(_client(f"192.0.2.{address + 1}"), actor.username, 4)
    forged = _client("10.1.2.4")
    forged.cookies["fk_device"] = cookie.value.replace(":", ";", 1)
    assert not _signs_in(forged, actor.username)


@pytest.mark.django_db
def test_wrong_mfa_codes_count_and_cool_off_like_passwords(tree, settings, limits):
    settings.MFA_ENFORCED = True
    commander = actor_make(role=Role.COMMANDER, region=tree["city"], mfa=False)
    user = User.objects.get(pk=commander.user_id)
    secret = mfa_enrol(user)
    with time_machine.travel(START, tick=False) as clock:
        client = _client("203.0.113.9")
        assert _signs_in(client, commander.username)  # the password step passes
        for _ in range(5):
            assert client.post(MFA, {"code": "000000"}).status_code == 200
        right = pyotp.TOTP(secret).at(START)
        assert client.post(MFA, {"code": right}).status_code == 200  # held, not checked
        clock.shift(timedelta(seconds=901))
        assert client.post(MFA, {"code": pyotp.TOTP(secret).now()}).status_code == 302
        assert client.cookies["fk_device"].value  # the sign-in is complete only now


@pytest.mark.django_db
def test_failures_are_stored_by_name_hash_and_address_key_only(tree, limits):
    _fail(_client("2001:db8:1:2:3:4:5:6"), "someone@example", 1)
    attempt = LoginAttempt.objects.get()
    assert "someone" not in attempt.username_hash
    assert attempt.ip == "2001:db8:1:2::/64"


def test_the_settings_refuse_a_name_limit_one_address_could_reach(monkeypatch):
    monkeypatch.setenv("FANGKONG_LOGIN_FAILURES_PER_NAME", "5")
    monkeypatch.setenv("FANGKONG_LOGIN_FAILURES_PER_NAME_AND_ADDRESS", "5")
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_LOGIN_FAILURES_PER_NAME must be"):
        importlib.reload(importlib.import_module("config.settings.base"))
    monkeypatch.delenv("FANGKONG_LOGIN_FAILURES_PER_NAME")
    monkeypatch.delenv("FANGKONG_LOGIN_FAILURES_PER_NAME_AND_ADDRESS")
    importlib.reload(importlib.import_module("config.settings.base"))


# --- the client address -----------------------------------------------------------------------


def test_the_client_is_remote_addr_and_a_forwarded_header_is_ignored_by_default(settings):
    settings.CLIENT_IP_HEADER = ""
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client_address(meta) == "127.0.0.1"


@pytest.mark.parametrize(
    ("remote", "header", "client"),
    [
        ("10.0.0.5", "198.51.100.1", "198.51.100.1"),  # from the trusted proxy
        ("10.0.0.5", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client forged a hop
        ("10.0.0.5", "198.51.100.1, 10.0.0.9", "198.51.100.1"),  # two trusted proxies
        ("203.0.113.4", "198.51.100.1", "203.0.113.4"),  # not a proxy: header not believed
        ("10.0.0.5", "not-an-address", "10.0.0.5"),
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_a_trusted_proxy_header_names_the_client(settings, remote, header, client):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_address({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": header}) == client


def test_throttle_keys_group_ipv6_by_64_and_unmap_ipv4():
    assert throttle_key("203.0.113.7") == "203.0.113.7"
    assert throttle_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert throttle_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert throttle_key("") == ""


@pytest.mark.django_db
def test_the_throttle_counts_addresses_behind_the_proxy(tree, limits):
    limits.CLIENT_IP_HEADER = "X-Forwarded-For"
    limits.TRUSTED_PROXIES = ["127.0.0.1"]
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    behind_proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.77")
    _fail(behind_proxy, actor.username, 5)
    assert not _signs_in(behind_proxy, actor.username)
    # another user behind the same proxy is a different client
    assert _signs_in(
        Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.78"), actor.username
    )
    assert services.login_is_throttled(actor.username, "198.51.100.77")
