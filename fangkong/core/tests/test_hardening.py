"""Deployment hardening that tests can see: headers, error pages, scrubbed logs (T36, T37)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.jobs import dormant_accounts
from fangkong.accounts.tests.factories import user_make
from fangkong.core.logging import ScrubFilter, scrub


@pytest.mark.django_db
def test_pages_carry_the_security_headers():
    response = Client().get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_error_page_shows_no_traceback_or_settings(settings, client):
    settings.DEBUG = False
    from fangkong.web.views import server_error

    response = server_error(client.get("/accounts/login/").wsgi_request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "Traceback" not in body
    assert "SECRET_KEY" not in body


def test_log_lines_lose_identity_numbers_phones_and_line_breaks():
    line = scrub("bind 11010519491231002X phone 13800138000\nINFO fake line")
    assert "11010519491231002X" not in line
    assert "13800138000" not in line
    assert "\n" not in line
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "person %s", ("440524188001010014",), None
    )
    ScrubFilter().filter(record)
    assert "440524188001010014" not in record.getMessage()


@pytest.mark.django_db
def test_dormant_accounts_are_listed(time_machine):
    old = user_make(username="sleepy")
    user_make(username="fresh")
    old.last_login = timezone.now() - timedelta(days=120)
    old.save(update_fields=["last_login"])
    time_machine.move_to(timezone.now() + timedelta(days=1))
    assert dormant_accounts() == ["sleepy"]
