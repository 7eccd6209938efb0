"""The API shapes of the "2+4+24" timer alerts (``/api/v1/cases/alerts``): an alert, a page of
them, the list's filter and a handling note, and how an alert is shown."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from fangkong.cases.choices import AlertState
from fangkong.cases.models import CaseAlert
from fangkong.core.schemas import PageOut, PageParams


class TimerAlertOut(Schema):
    code: UUID
    case: UUID
    step: str
    due_at: datetime
    raised_at: datetime
    state: str
    owner: str
    owner_role: str
    owner_region: str
    handled_by: str
    note: str


class AlertPageOut(PageOut):
    items: list[TimerAlertOut]


class AlertFilterIn(PageParams):
    state: AlertState | None = None


class NoteIn(Schema):
    note: str = Field("", max_length=255)


def alert_out(alert: CaseAlert) -> TimerAlertOut:
    return TimerAlertOut(
        code=alert.code,
        case=alert.case.code,
        step=alert.timer.step,
        due_at=alert.timer.due_at,
        raised_at=alert.raised_at,
        state=alert.state,
        owner=alert.owner.username if alert.owner else "",
        owner_role=alert.owner_role,
        owner_region=alert.owner_region.code if alert.owner_region else "",
        handled_by=alert.handled_by,
        note=alert.note,
    )
