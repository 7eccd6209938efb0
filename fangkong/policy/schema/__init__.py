"""The typed shape of a rule set's ``parameters`` (pydantic), one module per section, and the
helpers that merge, flatten and validate parameter dicts (``parameters``).

Every edition states every value (no defaults hide in code): a field an edition did not change
is carried over explicitly in its data file. ``None`` means "the edition has no such rule" (for
example no quarantine for close contacts under the 10th edition), never "use a default".

The public names of every section are importable from here
(``from fangkong.policy.schema import QuarantinePlan``).
"""

from fangkong.policy.schema.base import (
    MAX_POOL_RATIO,
    CareCategoryKey,
    Code,
    Count,
    DayNumber,
    Days,
    DesignationUnitKey,
    FrozenModel,
    GroupKey,
    HourOfDay,
    Hours,
    Minutes,
    PoolingGroupKey,
    Ratio,
    RuleSetKey,
    ShortText,
    TurnaroundKey,
)
from fangkong.policy.schema.care import CareDeadline, CareRequests
from fangkong.policy.schema.command import CommandDuty
from fangkong.policy.schema.community import Community, RestrictionMeasures
from fangkong.policy.schema.contacts import ContactRules, QuarantinePlan
from fangkong.policy.schema.investigation import Investigation
from fangkong.policy.schema.isolation_sites import ActivationStage, IsolationSites
from fangkong.policy.schema.monitoring import Monitoring
from fangkong.policy.schema.parameters import (
    EditionFile,
    RuleParameters,
    SourceNote,
    parameters_dump,
    parameters_flatten,
    parameters_merge,
    parameters_validate,
)
from fangkong.policy.schema.positives import Positives
from fangkong.policy.schema.risk_areas import LiftRule, RiskAreas, RiskLevel
from fangkong.policy.schema.supplies import (
    POWER_TIER_CODES,
    IncidentDeadline,
    PowerTierCode,
    RestoreMinutes,
    Supplies,
)
from fangkong.policy.schema.testing import (
    Antigen,
    Arrivals,
    DeadlineTier,
    KeyGroupSchedule,
    Pooling,
    PoolRule,
    Screening,
    Turnaround,
    TurnaroundTarget,
)
from fangkong.policy.schema.tracing import Companions, LeadLists, TracingRetention
from fangkong.policy.schema.transfers import Transfers

__all__ = [
    "MAX_POOL_RATIO",
    "POWER_TIER_CODES",
    "ActivationStage",
    "Antigen",
    "Arrivals",
    "CareCategoryKey",
    "CareDeadline",
    "CareRequests",
    "Code",
    "CommandDuty",
    "Community",
    "Companions",
    "ContactRules",
    "Count",
    "DayNumber",
    "Days",
    "DeadlineTier",
    "DesignationUnitKey",
    "EditionFile",
    "FrozenModel",
    "GroupKey",
    "HourOfDay",
    "Hours",
    "IncidentDeadline",
    "Investigation",
    "IsolationSites",
    "KeyGroupSchedule",
    "LeadLists",
    "LiftRule",
    "Minutes",
    "Monitoring",
    "PoolRule",
    "Pooling",
    "PoolingGroupKey",
    "Positives",
    "PowerTierCode",
    "QuarantinePlan",
    "Ratio",
    "RestoreMinutes",
    "RestrictionMeasures",
    "RiskAreas",
    "RiskLevel",
    "RuleParameters",
    "RuleSetKey",
    "Screening",
    "ShortText",
    "SourceNote",
    "Supplies",
    "TracingRetention",
    "Transfers",
    "Turnaround",
    "TurnaroundKey",
    "TurnaroundTarget",
    "parameters_dump",
    "parameters_flatten",
    "parameters_merge",
    "parameters_validate",
]
