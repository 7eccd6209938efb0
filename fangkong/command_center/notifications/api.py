"""The inbox under ``/api/v1/command/notifications``: every staff role has one."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.command_center.models import Notification
from fangkong.command_center.notifications.access import access_notification
from fangkong.command_center.notifications.selectors import notification_list, unread_count
from fangkong.command_center.notifications.services import (
    notification_read,
    notifications_read_all,
    notify_contact_set,
)
from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields

router = Router(tags=["command centre: notifications"])


class InboxFilters(PageParams):
    unread: bool = False


class NotificationOut(Schema):
    code: str
    kind: str
    subject: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(PageOut):
    items: list[NotificationOut]


class UnreadOut(Schema):
    unread: int


class ContactIn(Schema):
    email_enabled: bool
    sms_enabled: bool
    mobile: str = Field("", max_length=40)


class NotifyContactOut(Schema):
    email_enabled: bool
    sms_enabled: bool
    mobile_set: bool


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(
        code=str(row.code),
        kind=row.kind,
        subject=row.subject,
        link=row.link,
        created_at=row.created_at,
        read_at=row.read_at,
    )


@router.get("/notifications", response={200: NotificationPageOut, **ERRORS}, summary="My inbox")
def notifications_list(request: HttpRequest, filters: Query[InboxFilters]) -> NotificationPageOut:
    """The caller's notifications, newest first."""
    actor = actor_of(request)
    page = paginate(
        notification_list(actor=actor, unread_only=filters.unread),
        page=filters.page,
        page_size=filters.page_size,
    )
    return NotificationPageOut(items=[_out(n) for n in page.items], **page_fields(page))


@router.get("/notifications/unread", response={200: UnreadOut, **ERRORS}, summary="Unread count")
def notifications_unread(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=unread_count(actor=actor_of(request)))


@router.post(
    "/notifications/{code}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    summary="Mark one notification read",
)
def notifications_read(request: HttpRequest, code: str) -> NotificationOut:
    actor = actor_of(request)
    return _out(notification_read(actor=actor, notification=access_notification(actor, code)))


@router.post(
    "/notifications/read-all", response={200: UnreadOut, **WRITE_ERRORS}, summary="Mark all read"
)
def notifications_read_all_api(request: HttpRequest) -> UnreadOut:
    actor = actor_of(request)
    notifications_read_all(actor=actor)
    return UnreadOut(unread=unread_count(actor=actor))


@router.put(
    "/notifications/contact",
    response={200: NotifyContactOut, **WRITE_ERRORS},
    summary="How my notifications are delivered (e-mail, SMS)",
)
def notifications_contact(request: HttpRequest, payload: ContactIn) -> NotifyContactOut:
    contact = notify_contact_set(actor=actor_of(request), **payload.model_dump())
    return NotifyContactOut(
        email_enabled=contact.email_enabled,
        sms_enabled=contact.sms_enabled,
        mobile_set=bool(contact.mobile),
    )
