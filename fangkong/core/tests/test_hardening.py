"""Deployment hardening that tests can see: headers, error pages, scrubbed logs (T36, T37),
text no database can store refused with its field."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.accounts.jobs import dormant_accounts
from fangkong.accounts.tests.factories import actor_make, user_make
from fangkong.core.logging import ScrubFilter, scrub
from fangkong.core.models import AuditEntry


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


@pytest.mark.django_db
def test_a_nul_character_in_a_json_body_is_refused_with_its_field(tree, api):

    client = api(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    before = AuditEntry.objects.count()
    response = client.post(
        "/api/v1/lab/tubes",
        {"round": "R", "point": "P", "barcode": "T1", "members": [{"id_number": "11\x0001"}]},
    )
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [
        {
            "field": "members[0].id_number",
            "code": "text_nul",
            "message": "The text contains a NUL character.",
        }
    ]
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_nul_character_in_a_query_or_a_form_is_refused(api, tree):

    client = api(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))
    response = client.get("/api/v1/people?q=%E5%BC%A0%00%E4%B8%89")
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "q"
    page = Client().post("/accounts/login/", {"username": "a\x00b", "password": "x"})
    assert page.status_code == 400
    assert page.content.decode().startswith("username:")


@pytest.mark.django_db
def test_an_escaped_backslash_u0000_is_text_not_a_nul(api, tree):

    client = api(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    response = client.post(
        "/api/v1/lab/tubes",
        {"round": "R", "point": "P", "barcode": "T1", "members": [{"id_number": "\\u0000"}]},
    )
    assert "text_nul" not in response.content.decode()
    assert response.status_code in {404, 422}
