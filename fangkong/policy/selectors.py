"""Reads of rule sets: which rules hold for a node on a date, lists, comparisons.

National editions are visible to every actor. An override is visible to actors at or above its
node (who manage it) and to actors below it (to whom it applies); siblings never see each
other's overrides.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from threading import Lock
from typing import Any

from cachetools import LRUCache, TTLCache
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound, ValidationFailed
from fangkong.policy.choices import RuleSetStatus
from fangkong.policy.models import RuleSet
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.schema import (
    RuleParameters,
    parameters_flatten,
    parameters_merge,
    parameters_validate,
)
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree

# Rows are immutable apart from ``status``, so the merged, validated parameters of a given
# combination of rows can be kept across requests. The key includes each row's creation time,
# which guards against a primary key being reused after a rollback.
_CACHE_SIZE = 256
_cache: LRUCache[tuple[tuple[int, str], ...], tuple[RuleParameters, tuple[str, ...]]] = LRUCache(
    maxsize=_CACHE_SIZE
)
_cache_lock = Lock()
#: Seconds an answer of ``rules_for_path`` is reused for the same node and day.
RULES_CACHE_SECONDS = 10.0
#: (node path, day) → the answer; bounded, expired answers dropped. Used under ``_cache_lock``.
_recent: TTLCache[tuple[str, date], EffectiveRules] = TTLCache(
    maxsize=_CACHE_SIZE, ttl=RULES_CACHE_SECONDS, timer=time.monotonic
)


def rule_set_scope(actor: AnyActor) -> QuerySet[RuleSet]:
    """Rule sets the actor may see: national editions, overrides on their node's ancestors
    (which apply to them) and overrides inside their subtree."""
    queryset = RuleSet.objects.select_related("region", "created_by")
    if not actor.region_path:
        return queryset
    return queryset.filter(
        Q(region__isnull=True)
        | Q(region__code__in=actor.region_path.split("."))
        | in_subtree(actor.region_path, field="region__path")
    )


def rule_set_list(
    *, actor: AnyActor, key: str = "", scope: str = "", status: str = "", latest_only: bool = True
) -> QuerySet[RuleSet]:
    """Rule sets in scope, ordered by effective date. ``scope`` is ``national``,
    ``override`` or empty; ``latest_only`` keeps the highest revision of each key. One query
    whatever the page size (the latest revision is a correlated subquery)."""
    queryset = rule_set_scope(actor).defer("parameters")
    if key:
        queryset = queryset.filter(key=key)
    if scope == "national":
        queryset = queryset.filter(region__isnull=True)
    elif scope == "override":
        queryset = queryset.filter(region__isnull=False)
    if status:
        queryset = queryset.filter(status=status)
    if latest_only:
        newest = RuleSet.objects.filter(key=OuterRef("key")).order_by("-revision")
        queryset = queryset.annotate(latest=Subquery(newest.values("revision")[:1])).filter(
            revision=F("latest")
        )
    return queryset.order_by("region__path", "effective_from", "key", "-revision")


def rule_set_get(*, actor: AnyActor, key: str, revision: int | None = None) -> RuleSet | None:
    """Revision ``revision`` of ``key`` (default: the highest, whatever its status) if the
    actor may see it, else ``None``."""
    queryset = rule_set_scope(actor).filter(key=key)
    if revision is not None:
        queryset = queryset.filter(revision=revision)
    return queryset.order_by("-revision").first()


def rule_set_revisions(rule_set: RuleSet) -> QuerySet[RuleSet]:
    """Every revision of the rule set's key, newest first (same scope as the row itself)."""
    return (
        RuleSet.objects.filter(key=rule_set.key)
        .select_related("created_by")
        .defer("parameters")
        .order_by("-revision")
    )


# --- the lookup -----------------------------------------------------------------------------


def _pick(rows: list[RuleSet]) -> RuleSet | None:
    """The row with the latest effective date, then the highest revision."""
    if not rows:
        return None
    return max(rows, key=lambda row: (row.effective_from, row.revision, row.pk))


def _depth(row: RuleSet) -> int:
    assert row.region is not None
    return row.region.path.count(".")


def rules_for_path(path: str, on: date) -> EffectiveRules:
    """The rules in force at the node with materialised ``path`` (``""``: national only) on
    ``on``.

    1. Load the metadata of every published row effective on or before ``on`` that is
       national or an override on the node or one of its ancestors (one query).
    2. Take the national edition with the latest ``effective_from`` (then highest revision),
       and for each override key its latest applicable revision, skipping overrides whose
       ``base_key`` is not the national edition in force.
    3. Lay the overrides over the national parameters from the least to the most specific
       node, validating after each; an override that would make the set invalid is skipped
       and reported in ``skipped``.
    4. The parsed result is cached by row identity; on a miss a second query loads the
       parameters of the chosen rows.

    Raises ``NotFound`` (``rule_set_not_in_force``) when no national edition applies yet.

    An answer is kept in this process for ``RULES_CACHE_SECONDS`` (a busy write path asks for
    the same node and day many times a second); a rule set saved in this process clears it at
    once, one saved elsewhere is in force here within that time.
    """
    key = (path, on)
    with _cache_lock:
        recent = _recent.get(key)
    if recent is not None:
        return recent
    rules = _rules_for_path(path, on)
    with _cache_lock:
        _recent[key] = rules
    return rules


def rules_forget() -> None:
    """Drop this process's recent answers of :func:`rules_for_path` and its parsed parameter
    sets (a rule set changed: re-reading and re-parsing the few sets in force is cheap, and
    no answer can outlive the rows it was made from, even where row ids are reused, as in a
    test database rolled back between tests)."""
    with _cache_lock:
        _recent.clear()
        _cache.clear()


def _rules_for_path(path: str, on: date) -> EffectiveRules:
    codes = path.split(".") if path else []
    rows = list(
        RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED, effective_from__lte=on)
        .filter(Q(region__isnull=True) | Q(region__code__in=codes))
        .select_related("region")
        .only("key", "revision", "effective_from", "base_key", "created_at", "region__path")
    )
    national = _pick([row for row in rows if row.region_id is None])
    if national is None:
        raise NotFound(
            _("No rule set is in force on that date."),
            code="rule_set_not_in_force",
            detail={"on": on.isoformat()},
        )
    by_key: dict[str, list[RuleSet]] = {}
    for row in rows:
        if row.region_id is not None and row.base_key in ("", national.key):
            by_key.setdefault(row.key, []).append(row)
    overrides = sorted(
        (picked for picked in map(_pick, by_key.values()) if picked is not None),
        key=lambda row: (_depth(row), row.effective_from, row.key),
    )
    chosen = [national, *overrides]
    cache_key = tuple((row.pk, row.created_at.isoformat()) for row in chosen)
    with _cache_lock:
        hit = _cache.get(cache_key)  # a hit becomes the most recently used
    if hit is None:
        hit = _merge(chosen)
        with _cache_lock:
            _cache[cache_key] = hit  # the least recently used goes beyond _CACHE_SIZE
    parameters, skipped = hit
    labels = tuple(row.version_label for row in chosen if row.version_label not in skipped)
    return EffectiveRules(
        parameters=parameters,
        labels=labels,
        on=on,
        region_code=codes[-1] if codes else "",
        skipped=skipped,
    )


def _merge(chosen: list[RuleSet]) -> tuple[RuleParameters, tuple[str, ...]]:
    values = dict(
        RuleSet.objects.filter(pk__in=[row.pk for row in chosen]).values_list("pk", "parameters")
    )
    national, *overrides = chosen
    data: dict[str, Any] = values[national.pk]
    parameters = parameters_validate(data)
    skipped: list[str] = []
    for row in overrides:
        candidate = parameters_merge(data, values[row.pk])
        try:
            parameters = parameters_validate(candidate)
        except ValidationFailed:
            skipped.append(row.version_label)
            continue
        data = candidate
    return parameters, tuple(skipped)


def rules_for(region: Region | None, on: date) -> EffectiveRules:
    """Which rules hold for ``region`` (``None``: the national edition alone) on ``on``; see
    :func:`rules_for_path`."""
    return rules_for_path(region.path if region is not None else "", on)


def rules_for_actor(actor: AnyActor, on: date) -> EffectiveRules:
    """The rules in force at the actor's own node on ``on``."""
    return rules_for_path(actor.region_path, on)


# --- comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterDiff:
    """One parameter path with its value in each rule set and whether they differ."""

    path: str
    a: Any
    b: Any
    changed: bool

    @property
    def in_a(self) -> bool:
        return self.a is not _MISSING

    @property
    def in_b(self) -> bool:
        return self.b is not _MISSING


class _Missing:
    def __repr__(self) -> str:
        return "—"

    def __str__(self) -> str:
        return "—"


_MISSING: Any = _Missing()


def rule_set_compare(a: RuleSet, b: RuleSet) -> list[ParameterDiff]:
    """Every parameter path of either rule set, sorted, with both values and a changed flag
    (a path present in only one of them counts as changed; its missing side is ``—``)."""
    flat_a = parameters_flatten(a.parameters)
    flat_b = parameters_flatten(b.parameters)
    diffs = []
    for path in sorted(set(flat_a) | set(flat_b)):
        value_a = flat_a.get(path, _MISSING)
        value_b = flat_b.get(path, _MISSING)
        diffs.append(ParameterDiff(path, value_a, value_b, value_a != value_b))
    return diffs
