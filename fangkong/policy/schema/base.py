"""The bounded value types and the frozen base model every section of a rule set's
parameters is built from."""

from __future__ import annotations

from typing import Annotated

from django.db.models import TextChoices
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from fangkong.policy.choices import (
    CareCategory,
    DesignationUnit,
    PoolingGroup,
    QuarantineGroup,
    TurnaroundCategory,
)

#: Hard cap on people per tube (R7): no rule set may allow more.
MAX_POOL_RATIO = 20

Days = Annotated[int, Field(ge=0, le=60, strict=True)]
DayNumber = Annotated[int, Field(ge=1, le=60, strict=True)]
Hours = Annotated[int, Field(ge=1, le=720, strict=True)]
Count = Annotated[int, Field(ge=1, le=10_000_000, strict=True)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
RuleSetKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")]
ShortText = Annotated[str, Field(min_length=1, max_length=120)]
Ratio = Annotated[int, Field(ge=1, le=MAX_POOL_RATIO, strict=True)]

Minutes = Annotated[int, Field(ge=1, le=1440, strict=True)]
HourOfDay = Annotated[int, Field(ge=0, le=23, strict=True)]


def _one_of(choices: type[TextChoices]) -> AfterValidator:
    def check(value: str) -> str:
        if value not in choices.values:
            raise ValueError(f"expected one of {', '.join(choices.values)}")
        return value

    return AfterValidator(check)


#: Dict keys stay plain strings (``rules.quarantine["close_contact"]``) but must be known.
GroupKey = Annotated[str, _one_of(QuarantineGroup)]
PoolingGroupKey = Annotated[str, _one_of(PoolingGroup)]
TurnaroundKey = Annotated[str, _one_of(TurnaroundCategory)]
DesignationUnitKey = Annotated[str, _one_of(DesignationUnit)]
CareCategoryKey = Annotated[str, _one_of(CareCategory)]


class FrozenModel(BaseModel):
    """A section of the parameters: unknown keys refused, values never changed in place."""

    model_config = ConfigDict(extra="forbid", frozen=True)
