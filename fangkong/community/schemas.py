"""API schemas shared by the community routers: household and request rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from fangkong.core.schemas import PageOut

REGION_CODE = r"^[0-9]{1,15}$"
CODE = r"^[0-9a-fA-F-]{32,36}$"


class CoveredHouseholdOut(Schema):
    code: str
    address: str
    building: str
    unit: str
    responsible: str


class CoveredHouseholdPageOut(PageOut):
    items: list[CoveredHouseholdOut]


class CommunityReasonIn(Schema):
    reason: str = Field(max_length=255)


class CommunityCountOut(Schema):
    count: int


class ExitOut(Schema):
    approved: bool
    vehicle_plate: str
    driver: str
    transfer_task: str | None
    return_by: datetime | None
    returned_at: datetime | None
    destination: str
    transfer_state: str
    return_task: str | None
    return_state: str


class RequestOut(Schema):
    code: str
    household_code: str
    address: str
    category: str
    urgency: str
    status: str
    channel: str
    description: str
    owner: str
    filed_at: datetime
    deadline: datetime
    overdue: bool
    escalation: int
    refusal_reason: str
    rule_set: str
    medical_exit: ExitOut | None


class RequestPageOut(PageOut):
    items: list[RequestOut]


def row_dict(row: Any) -> dict[str, Any]:
    """A presentation row (a dataclass) as the API's fields: UUIDs as text."""
    values = dict(row.__dict__)
    for key, value in values.items():
        if hasattr(value, "hex") and not isinstance(value, (str, bytes)):
            values[key] = str(value)
        elif hasattr(value, "__dataclass_fields__"):
            values[key] = row_dict(value)
    return values
