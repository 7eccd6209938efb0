"""A grid worker signs in, finds a resident by the Traditional form of their name, opens the
record and sees the identity number masked; the language switch translates the shell."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import opencc
import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

MASKED_ID = re.compile(r"\d{4}\*{10}\d{3}[\dX]")


def _resident_in_scope_of(demo_env: dict[str, str], username: str) -> tuple[str, str]:
    """(name, code) of a resident inside the user's jurisdiction whose name has a distinct
    Traditional form."""
    database = Path(demo_env["FANGKONG_DATA_DIR"]) / "fangkong.sqlite3"
    with sqlite3.connect(database) as connection:
        (path,) = connection.execute(
            "SELECT r.path FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id "
            "JOIN regions_region r ON r.id = m.region_id WHERE u.username = ?",
            [username],
        ).fetchone()
        rows = connection.execute(
            "SELECT p.name, p.code FROM people_person p "
            "JOIN regions_region r ON r.id = p.region_id "
            "WHERE r.path >= ? AND r.path < ? ORDER BY p.id LIMIT 2000",
            [path, path + "~"],
        ).fetchall()
    to_traditional = opencc.OpenCC("s2t")
    for name, code in rows:
        if to_traditional.convert(name) != name:
            return name, str(uuid.UUID(code))  # SQLite stores UUIDs as bare hex
    raise AssertionError("no resident with a distinct Traditional name in scope")


def _sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_search_by_traditional_name_opens_the_person_with_the_id_masked(page, server, demo_env):
    name, code = _resident_in_scope_of(demo_env, "grid_worker")
    traditional = opencc.OpenCC("s2t").convert(name)
    _sign_in(page, server, "grid_worker")
    assert page.locator(".demo-banner").is_visible()

    page.goto(f"{server}/people/")
    page.fill("input[name=q]", traditional)
    page.keyboard.press("Enter")
    link = page.locator(f'a[href*="{code}"]').first
    link.wait_for()
    link.click()
    page.wait_for_url(re.compile(rf".*/people/{code}/?$"))
    body = page.inner_text("main")
    assert name in body
    assert MASKED_ID.search(body), body[:500]


def test_the_shell_is_translated_and_escapes_nothing_unsafely(page, server):
    _sign_in(page, server, "commander")
    nav = page.inner_text("nav.mainnav")
    assert "人员" in nav or "概览" in nav  # Simplified Chinese by default
    with page.expect_navigation():
        page.select_option("#lang-switch", "en")
    assert "Overview" in page.inner_text("nav.mainnav")
    with page.expect_navigation():
        page.select_option("#lang-switch", "zh-hant")
    assert "概覽" in page.inner_text("nav.mainnav")
