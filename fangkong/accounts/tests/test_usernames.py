"""User names: one rule for the service, the forms and the API (``accounts.usernames``), and
URLs that open any stored name, even one from before the rule (issue 17 item 8)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils.html import escape

from fangkong.accounts.choices import Role
from fangkong.accounts.forms import UserCreateForm
from fangkong.accounts.models import Membership, User
from fangkong.accounts.services import user_create
from fangkong.accounts.tests.factories import actor_make, user_make
from fangkong.accounts.usernames import username_is_valid
from fangkong.core.errors import ValidationFailed

USERS = "/api/v1/accounts/users"

REFUSED = [
    "a/b",
    "a b",
    "<script>alert(1)</script>",
    "=cmd|' /C calc'!A0",
    "+sum",
    "-minus",
    "@at",
    ".hidden",
    "ab",  # too short
    "x" * 65,  # too long
    "admin\u202e",  # right-to-left override
    "аdmin",  # Cyrillic а
    "a\tb",
    "a?b",
    "a#b",
    "a%2Fb",
    "",
]
ACCEPTED = ["zhang.san", "li_si-2", "wang@district-a.example", "007", "A" * 64]

#: Names an older database may hold (created before the rule): every page and endpoint that
#: carries a user name must still open them.
STORED_BAD = ["a/b", "with space", "<b>x</b>", "=cmd|' /C calc'!A0", "trailing/", "q?x#y%z"]


@pytest.mark.parametrize("name", REFUSED)
def test_the_rule_refuses_names_that_break_urls_markup_or_spreadsheets(name):
    assert not username_is_valid(name)


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_rule_accepts_plain_names(name):
    assert username_is_valid(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", REFUSED)
def test_the_service_the_form_and_the_api_refuse_a_bad_name(tree, api, name):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        user_create(
            actor=admin,
            username=name,
            display_name="",
            password="a long enough passphrase 42",
            region=tree["grid_a1"],
            role=Role.GRID_WORKER,
        )
    assert [(e["field"], e["code"]) for e in caught.value.errors] == [
        ("username", "username_invalid")
    ]
    form = UserCreateForm(
        {"username": name, "password": "x" * 20, "region": "1", "role": Role.GRID_WORKER}
    )
    assert not form.is_valid()
    assert "username" in form.errors
    response = api(admin).post(
        USERS,
        {
            "username": name,
            "password": "a long enough passphrase 42",
            "region_code": tree["grid_a1"].code,
            "role": Role.GRID_WORKER,
        },
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]["errors"]
    # a direction control is refused by the text policy before the user-name rule sees it
    assert (error["field"], error["code"]) in {
        ("username", "username_invalid"),
        ("username", "text_bidi_control"),
    }
    assert User.objects.count() == before


@pytest.mark.django_db
def test_a_good_name_is_created_through_the_api(tree, api):
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    response = api(admin).post(
        USERS,
        {
            "username": "wang@district-a.example",
            "password": "a long enough passphrase 42",
            "region_code": tree["grid_a1"].code,
            "role": Role.GRID_WORKER,
        },
    )
    assert response.status_code == 201, response.content


def _stored(tree, names: list[str]) -> list[User]:
    """Accounts with names from before the rule, written straight to the database."""
    users = [user_make(username=name) for name in names]
    for user in users:
        Membership.objects.create(user=user, region=tree["grid_a1"], role=Role.GRID_WORKER)
    return users


@pytest.mark.django_db
def test_the_users_page_and_each_user_page_open_any_stored_name(tree, page_client):
    """A name with ``/`` made the administration page a 500 for every administrator above
    it; each such account can be opened and deactivated from its page."""
    users = _stored(tree, STORED_BAD)
    client = page_client(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))
    listing = client.get("/accounts/users/")
    assert listing.status_code == 200
    for user in users:
        url = reverse("accounts:user", kwargs={"username": user.username})
        assert url.startswith("/accounts/users/")
        assert f'href="{escape(url)}"' in listing.content.decode()
        page = client.get(url)
        assert page.status_code == 200, user.username
        done = client.post(url, {"form": "deactivate", "reason": "left the service"})
        assert done.status_code == 302
        assert done["Location"] == url
        user.refresh_from_db()
        assert user.is_active is False


@pytest.mark.django_db
def test_the_api_fetches_and_deactivates_any_stored_name(tree, api):
    users = _stored(tree, STORED_BAD)
    client = api(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))
    for user in users:
        path = f"{USERS}/{quote(user.username, safe='')}"
        fetched = client.get(path)
        assert fetched.status_code == 200, (user.username, fetched.content)
        assert fetched.json()["username"] == user.username
        done = client.post(f"{path}/deactivate", {"reason": "left the service"})
        assert done.status_code == 200, (user.username, done.content)
        user.refresh_from_db()
        assert user.is_active is False


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31"])
def test_the_audit_filter_takes_an_extreme_date_without_failing(tree, page_client, since):
    """A year-1 ``since`` overflowed turning midnight into UTC (a 500); the filter's dates keep
    the bounds of core.times."""
    client = page_client(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))
    response = client.get("/accounts/audit/", {"since": since})
    assert response.status_code == 200
