"""Schemas shared by every app's API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from ninja import Field, P, Schema
from ninja.params import HeaderEx
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from fangkong.core.paging import COUNT_CAP, MAX_PAGE_SIZE, Page
from fangkong.core.times import (
    EARLIEST_OBSERVATION,
    PLANNING_HORIZON,
    TimeOutOfBounds,
    date_bounds,
    observed_at_bounds,
    planned_at_bounds,
)


class ErrorOut(Schema):
    """The one error envelope: a stable code, a human message, details."""

    code: str
    message: str
    detail: dict[str, Any]


#: Responses every authenticated endpoint may give besides its own.
ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

#: Responses of endpoints that write (a stale ``version`` or a lost race answers 409).
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}

# ----------------------------------------------------------------------------- lists
# Every list answer is one page of a list that says how many rows it has: a page schema
# derives from ``PageOut`` and adds its ``items``; the view fills the rest from the
# ``core.paging.Page`` it listed with ``page_fields``. A house test walks the OpenAPI
# document and fails on a list answer without them.


class PageParams(Schema):
    """The paging parameters every list takes (query or body)."""

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class PageOut(Schema):
    """One page of a list: its number and size, whether another follows, and the list's
    total (counted up to 10,000; ``total_capped`` when there are more)."""

    page: int
    page_size: int
    has_next: bool
    total: int = Field(
        description=f"Rows in the whole list, counted up to {COUNT_CAP:,}; "
        "with total_capped, the list has more."
    )
    total_capped: bool = Field(description=f"The list has more than {COUNT_CAP:,} rows.")


def page_fields(page: Page[Any]) -> dict[str, Any]:
    """``PageOut``'s fields of ``page`` (its items are the caller's to present)."""
    return {
        "page": page.page,
        "page_size": page.page_size,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


#: The ``Idempotency-Key`` header every create takes (see core.idempotency).
IdempotencyKey = HeaderEx[
    str | None,
    P(
        alias="Idempotency-Key",
        max_length=100,
        description="Repeat the same create with the same key and it is done once.",
    ),
]


# ----------------------------------------------------------------------------- times
# One datetime type per kind of time for every input schema of the API (``core.times`` has
# the bounds and why); a plain ``datetime`` in an input schema is refused by a house test.


def _pydantic(check: Any) -> Any:
    def validate(value: Any) -> Any:
        try:
            return check(value)
        except TimeOutOfBounds as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return validate


_DATETIME_SCHEMA = {"type": "string", "format": "date-time"}

#: Something that happened: with its UTC offset, from 2019-12-01 to now + 1 day.
ObservedAt = Annotated[
    datetime,
    AfterValidator(_pydantic(observed_at_bounds)),
    WithJsonSchema(
        {
            **_DATETIME_SCHEMA,
            "description": f"With its UTC offset; from {EARLIEST_OBSERVATION} to now + 1 day.",
        }
    ),
]

#: Something planned: with its UTC offset, from 2019-12-01 to now + 366 days.
PlannedAt = Annotated[
    datetime,
    AfterValidator(_pydantic(planned_at_bounds)),
    WithJsonSchema(
        {
            **_DATETIME_SCHEMA,
            "description": (
                f"With its UTC offset; from {EARLIEST_OBSERVATION} "
                f"to now + {PLANNING_HORIZON.days} days."
            ),
        }
    ),
]

#: A calendar day of the epidemic: from 2019-12-01 to today + 366 days.
EpidemicDate = Annotated[
    date,
    AfterValidator(_pydantic(lambda value: date_bounds(value, ahead=PLANNING_HORIZON))),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": f"From {EARLIEST_OBSERVATION} to today + {PLANNING_HORIZON.days} days.",
        }
    ),
]


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError(
            "time_has_offset",
            "A time of day is the local wall-clock time of the place; send it without an offset.",
        )
    return value


#: A time of day at a place (opening hours): its local wall-clock time, without an offset
#: (an offset would say nothing about the place's own zone and cannot be stored).
TimeOfDay = Annotated[
    time,
    AfterValidator(_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "format": "time",
            "description": "Local wall-clock time (HH:MM[:SS]), without an offset.",
        }
    ),
]
