"""The inbox: notify writes one row per user, e-mail and SMS leave after commit through the
mail backend and the configured transport, the default transport logs no identifier, and
nobody reads another user's inbox."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.db import transaction

from fangkong.accounts.models import User
from fangkong.command_center.duty_choices import NotificationKind
from fangkong.command_center.models import Notification, NotifyContact
from fangkong.command_center.notifications.delivery import notify
from fangkong.command_center.notifications.services import notify_contact_set
from fangkong.command_center.notifications.transports import LogTransport
from fangkong.command_center.tests.duty_factories import duty_staff_make

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []


class RecordingTransport:
    """The test's SMS gateway: keeps what it was given."""

    def send(self, *, number: str, text: str) -> None:
        SENT.append((number, text))


@pytest.fixture
def recording_sms(settings):
    SENT.clear()
    settings.COMMAND_SMS_TRANSPORT = f"{__name__}.RecordingTransport"
    return SENT


def test_notify_fills_the_inbox_and_delivers_by_mail_and_sms_after_commit(
    tree, recording_sms, django_capture_on_commit_callbacks
):
    staff = duty_staff_make(tree)
    User.objects.filter(pk=staff.officer_a.user_id).update(email="duty@example.org")
    notify_contact_set(
        actor=staff.officer_a, email_enabled=True, sms_enabled=True, mobile="13800138000"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        rows = notify(
            users=[staff.officer_a.user_id, staff.officer_a.user_id, staff.officer_b.user_id],
            kind=NotificationKind.DUTY_CHECK,
            subject="值班抽查",
            link="/command/duty/",
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(rows) == 2
    assert [m.to for m in mail.outbox] == [["duty@example.org"]]
    assert recording_sms == [("13800138000", "值班抽查 /command/duty/")]
    mine = Notification.objects.get(user_id=staff.officer_a.user_id)
    assert mine.emailed_at is not None
    assert mine.texted_at is not None
    theirs = Notification.objects.get(user_id=staff.officer_b.user_id)
    assert theirs.emailed_at is None
    assert theirs.texted_at is None


def test_a_failing_gateway_keeps_the_inbox_row(tree, settings, django_capture_on_commit_callbacks):
    staff = duty_staff_make(tree)
    settings.COMMAND_SMS_TRANSPORT = "builtins.object"  # has no send: every delivery fails
    notify_contact_set(
        actor=staff.officer_a, email_enabled=False, sms_enabled=True, mobile="13800138000"
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(users=[staff.officer_a.user_id], kind="late", subject="超时", link="")
    row = Notification.objects.get()
    assert row.texted_at is None
    assert row.read_at is None


def test_the_default_transport_logs_no_number_and_no_text(caplog):
    with caplog.at_level(logging.INFO):
        LogTransport().send(number="13800138000", text="值班抽查 请回复")
    assert "13800138000" not in caplog.text
    assert "值班" not in caplog.text
    assert "characters" in caplog.text


def test_sms_without_a_mobile_number_is_422_naming_mobile(tree, api):
    staff = duty_staff_make(tree)
    answer = api(staff.officer_a).put(
        "/api/v1/command/notifications/contact",
        {"email_enabled": True, "sms_enabled": True, "mobile": ""},
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["detail"]["errors"]] == ["mobile"]
    landline = api(staff.officer_a).put(
        "/api/v1/command/notifications/contact",
        {"email_enabled": True, "sms_enabled": True, "mobile": "010-62751234"},
    )
    assert landline.status_code == 422
    ok = api(staff.officer_a).put(
        "/api/v1/command/notifications/contact",
        {"email_enabled": False, "sms_enabled": True, "mobile": "138 0013 8000"},
    )
    assert ok.json() == {"email_enabled": False, "sms_enabled": True, "mobile_set": True}
    assert NotifyContact.objects.get().mobile == "13800138000"


def test_the_inbox_api_is_each_users_own(tree, api):
    staff = duty_staff_make(tree)
    with transaction.atomic():
        row = notify(users=[staff.officer_a.user_id], kind="late", subject="超时", link="")[0]
    base = "/api/v1/command/notifications"
    assert api(None).get(base).status_code == 401
    assert api(staff.officer_a).get(f"{base}/unread").json() == {"unread": 1}
    assert api(staff.officer_b).get(base).json()["total"] == 0
    other = api(staff.officer_b).post(f"{base}/{row.code}/read")
    missing = api(staff.officer_b).post(f"{base}/{'0' * 8}-0000-0000-0000-{'0' * 12}/read")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api(staff.officer_a).post(f"{base}/{row.code}/read").json()["read_at"] is not None
    assert api(staff.officer_a).get(f"{base}/unread").json() == {"unread": 0}


def test_the_inbox_page_shows_the_unread_count_and_opens_the_link(tree, page_client):
    staff = duty_staff_make(tree)
    with transaction.atomic():
        row = notify(
            users=[staff.grid.user_id], kind="directive", subject="新指令", link="/command/inbox/"
        )[0]
    client = page_client(staff.grid)
    page = client.get("/command/inbox/")
    assert page.status_code == 200
    assert 'data-unread="1"' in page.content.decode()
    opened = client.post(f"/command/inbox/{row.code}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == "/command/inbox/"
    assert Notification.objects.get().read_at is not None
    assert page_client(staff.officer_b).post(f"/command/inbox/{row.code}/open/").status_code == 404
