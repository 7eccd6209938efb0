"""The shell as a signed-in user meets it: the overview of their own subtree, the menu of
their role, the jurisdiction and language switches, and the error pages inside the layout."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.accounts.middleware import SESSION_EPOCH, SESSION_LOGIN_AT, SESSION_SEEN_AT
from fangkong.accounts.models import Membership, User
from fangkong.accounts.tests.factories import actor_make, user_make
from fangkong.people.tests.factories import household_make, person_make
from fangkong.web.navigation import NAV

MAINNAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)


def _figure(page: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}">([\d,]+)<', page)
    assert match, f"no {name} figure"
    return int(match.group(1).replace(",", ""))


def _menu(page: str) -> set[str]:
    match = MAINNAV.search(page)
    return set(re.findall(r'href="([^"]+)"', match.group(1))) if match else set()


@pytest.fixture
def residents(tree):
    """Two residents in district A (one household), one in district B."""
    home = household_make(region=tree["grid_a1"])
    person_make(region=tree["grid_a1"], household=home, name="张三")
    person_make(region=tree["grid_a2"], name="李四")
    person_make(region=tree["grid_b1"], name="王五")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_overview_of_its_own_subtree(
    tree, settings, residents, page_client, role
):
    settings.MFA_ENFORCED = False
    page = page_client(actor_make(role=role, region=tree["district_a"])).get("/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"<h1>Overview of {tree['district_a'].name}</h1>" in text
    assert _figure(text, "residents") == 2  # not district B's resident
    assert _figure(text, "households") == 1
    assert _figure(text, "regions") == 5  # district, street, community, two grids


@pytest.mark.django_db
def test_the_overview_of_a_higher_node_counts_everything_below_it(tree, residents, page_client):
    page = page_client(actor_make(role=Role.COMMANDER, region=tree["city"])).get("/")
    assert _figure(page.content.decode(), "residents") == 3


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_the_menu_hides_exactly_the_sections_the_role_may_not_open(tree, page_client, role):
    client = page_client(actor_make(role=role, region=tree["city"]))
    shown = _menu(client.get("/").content.decode())
    assert reverse("web:home") in shown
    for item in NAV:
        url = reverse(item.url_name)
        status = client.get(url).status_code
        if url in shown:
            assert status in (200, 302), f"{role} is shown {url} but gets {status}"
        else:
            assert status == 403, f"{role} is not shown {url}, which answers {status}"


@pytest.mark.django_db
def test_administration_is_in_the_administrators_menu_only(tree, page_client):
    admin = _menu(
        page_client(actor_make(role=Role.ADMINISTRATOR, region=tree["city"]))
        .get("/")
        .content.decode()
    )
    worker = _menu(
        page_client(actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]))
        .get("/")
        .content.decode()
    )
    for name in ("accounts:users", "accounts:audit"):
        assert reverse(name) in admin
        assert reverse(name) not in worker


@pytest.mark.django_db
def test_the_current_section_is_marked_in_the_menu(tree, page_client):
    page = page_client(actor_make(role=Role.COMMANDER, region=tree["city"])).get("/")
    nav = MAINNAV.search(page.content.decode())
    assert nav
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav.group(1)) == ["/"]


@pytest.mark.django_db
def test_the_jurisdiction_switch_changes_what_the_overview_counts(tree, residents, page_client):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"])
    user = User.objects.get(pk=actor.user_id)
    other = Membership.objects.create(user=user, region=tree["district_b"], role=Role.GRID_WORKER)
    client = page_client(actor)
    page = client.get("/").content.decode()
    assert 'id="membership-switch"' in page
    assert f"<h1>Overview of {tree['grid_a1'].name}</h1>" in page
    assert (_figure(page, "residents"), _figure(page, "regions")) == (1, 1)
    assert client.post(reverse("accounts:switch"), {"membership": other.pk}).status_code == 302
    page = client.get("/").content.decode()
    assert f"<h1>Overview of {tree['district_b'].name}</h1>" in page
    assert (_figure(page, "residents"), _figure(page, "regions")) == (1, 5)  # 王五; five nodes
    # someone else's membership cannot be chosen: the choice stays
    stranger = actor_make(role=Role.COMMANDER, region=tree["city"])
    client.post(reverse("accounts:switch"), {"membership": stranger.membership_id})
    page = client.get("/").content.decode()
    assert f"<h1>Overview of {tree['district_b'].name}</h1>" in page
    assert _figure(page, "regions") == 5


@pytest.mark.django_db
def test_the_language_switch_changes_the_page_language_and_stays_on_the_site(tree, page_client):
    client = page_client(actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]))
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page  # the test settings' default
    assert "概览" not in page
    for code, word in (("zh-hans", "概览"), ("zh-hant", "概覽"), ("en", "Overview")):
        response = client.post(reverse("set_language"), {"language": code, "next": "/"})
        assert response.status_code == 302
        assert response["Location"] == "/"
        page = client.get("/").content.decode()
        assert f'<html lang="{code}">' in page
        assert word in page
    outside = client.post(
        reverse("set_language"), {"language": "en", "next": "https://elsewhere.example/"}
    )
    assert outside["Location"] == "/"


@pytest.mark.django_db
def test_a_missing_page_answers_404_inside_the_shell(tree, page_client):
    client = page_client(actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]))
    for url in ("/no-such-page/", reverse("regions:node", args=["999999999"])):
        response = client.get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert "<h1>Not found</h1>" in page
        assert MAINNAV.search(page)  # the menu is still there
        assert reverse("web:home") in page


@pytest.mark.django_db
def test_a_node_outside_the_jurisdiction_answers_like_a_missing_one(tree, page_client):
    client = page_client(actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]))
    outside = client.get(reverse("regions:node", args=[tree["grid_b1"].code]))
    missing = client.get(reverse("regions:node", args=["999999999"]))
    assert outside.status_code == missing.status_code == 404
    assert _main(outside.content.decode()) == _main(missing.content.decode())


def _main(page: str) -> str:
    match = re.search(r'<main id="main">(.*?)</main>', page, re.S)
    assert match
    return match.group(1)


@pytest.mark.django_db
def test_a_page_the_role_may_not_open_answers_403_inside_the_shell(tree, page_client):
    client = page_client(actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]))
    response = client.get(reverse("accounts:users"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert MAINNAV.search(page)


@pytest.mark.django_db
def test_a_user_without_an_active_role_gets_403_and_no_menu(tree, settings):
    settings.MFA_ENFORCED = False
    user = user_make()
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_EPOCH] = user.session_epoch
    session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = time.time()
    session.save()
    response = client.get("/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>No active role</h1>" in page
    assert not MAINNAV.search(page)
