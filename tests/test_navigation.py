"""Every link a role is shown leads somewhere it may go: signed in as each role of the demo
(one account per role, at its usual node, over a screened district), every main-menu entry
and every link on the page each entry lands on answers 200 (after redirects)."""

from __future__ import annotations

import io
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from fangkong.accounts.actors import actor_from_membership
from fangkong.accounts.choices import Role
from fangkong.accounts.models import Membership
from fangkong.core.actor import Actor

#: Links that act rather than show (sign-out is a form, never a link) or leave the app.
SKIPPED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout")


class _Links(HTMLParser):
    """The ``href`` of every ``<a>``, and those inside ``<nav class="mainnav">`` apart."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.menu: list[str] = []
        self._in_menu = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and "mainnav" in (found.get("class") or ""):
            self._in_menu = True
        if tag == "a" and found.get("href"):
            href = str(found["href"])
            self.links.append(href)
            if self._in_menu:
                self.menu.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_menu = False


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _internal(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _get(client: Client, url: str) -> tuple[int, str, str]:
    """Status, final path and body of a GET that follows redirects."""
    response = client.get(url, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else url
    body = b"" if response.streaming else response.content
    return response.status_code, final, body.decode(errors="replace")


@pytest.fixture
def demo_city(transactional_db: Any, national_editions: None, monkeypatch: Any) -> None:
    from fangkong.sim.demo import demo_prepare

    monkeypatch.setenv("FANGKONG_DEMO_PASSWORD", "Navigation-Walk-Passphrase-91")
    demo_prepare(residents=400, seed=7, fresh=False, days=3, out=io.StringIO())


@pytest.mark.slow
@pytest.mark.usefixtures("demo_city")
def test_every_menu_link_and_every_link_of_its_landing_page_answers_200_for_every_role(
    page_client: Callable[[Actor], Client],
) -> None:
    failures: list[str] = []
    for role in Role:
        membership = Membership.objects.select_related("region", "user").get(
            user__username=role.value
        )
        client = page_client(actor_from_membership(membership))
        status, _final, home = _get(client, "/")
        assert status == 200, role
        menu = [url for url in map(_internal, _links(home).menu) if url]
        assert menu, f"{role}: no menu"
        seen: set[str] = set()
        for entry in menu:
            status, landing, body = _get(client, entry)
            if status != 200:
                failures.append(f"{role.value}: menu {entry} → {status}")
                continue
            for url in map(_internal, _links(body).links):
                if url is None or url in seen:
                    continue
                seen.add(url)
                status, _final, _body = _get(client, url)
                if status != 200:
                    failures.append(f"{role.value}: {url} (on {landing}) → {status}")
    assert not failures, "\n".join(failures)
