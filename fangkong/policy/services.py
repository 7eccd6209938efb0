"""Every write to rule sets: new revisions, jurisdiction overrides, publishing drafts,
retiring. Each runs in one transaction with its audit row.

Who may write: commanders and administrators (and the product itself). National editions
apply to every node, so only an actor at a root node changes them; an override can be created
and revised by actors at its node or above.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.concurrency import update_versioned
from fangkong.core.errors import Conflict, PermissionDenied, ValidationFailed, field_error
from fangkong.core.roles import Role
from fangkong.policy.choices import RuleSetStatus
from fangkong.policy.models import RuleSet
from fangkong.policy.schema import (
    SourceNote,
    parameters_dump,
    parameters_flatten,
    parameters_merge,
    parameters_validate,
)
from fangkong.policy.selectors import rules_forget
from fangkong.regions.models import Region

WRITE_ROLES = frozenset({Role.COMMANDER, Role.ADMINISTRATOR})
_KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$"
MAX_REASON = 1000
#: Path segments of the pages and the API that a key must not shadow.
RESERVED_KEYS = frozenset({"effective", "compare", "overrides", "revisions", "new"})


def _require_writer(actor: AnyActor) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor.role not in WRITE_ROLES:
        raise PermissionDenied(
            _("Only commanders and administrators change rule sets."), code="role_not_allowed"
        )


def _require_manages(actor: AnyActor, region: Region | None) -> None:
    """National rows need a root-level actor; an override needs its node in the actor's
    subtree."""
    if not actor.region_path:
        return
    if region is None:
        if "." in actor.region_path:
            raise PermissionDenied(
                _(
                    "Only the top-level command changes a national edition; create an "
                    "override for your jurisdiction instead."
                ),
                code="national_rule_set_root_only",
            )
    elif not region.is_within(actor.region_path):
        raise PermissionDenied(
            _("This override belongs to a higher jurisdiction."), code="region_out_of_scope"
        )


def _has_control(text: str) -> bool:
    return any((ord(char) < 32 and char not in "\t\n\r") or ord(char) == 127 for char in text)


def _clean_text(value: str, *, field: str, limit: int) -> str:
    """Stripped ``value`` of 1..``limit`` characters without control characters."""
    value = value.strip()
    if not value or len(value) > limit:
        raise ValidationFailed(
            _("A required text is missing or too long."),
            errors=[
                field_error(field, "required", _("Give 1–%(limit)s characters.") % {"limit": limit})
            ],
        )
    if _has_control(value):
        raise ValidationFailed(
            _("The text contains control characters."),
            errors=[field_error(field, "control_characters", _("Remove control characters."))],
        )
    return value


def _clean_reason(reason: str) -> str:
    return _clean_text(reason, field="reason", limit=MAX_REASON)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _strings(item)


def _no_control_in(data: Any, *, field: str) -> None:
    """Refuse control characters in any key or string of a JSON structure (PostgreSQL's
    ``jsonb`` cannot store NUL, and such values are never meant)."""
    if any(_has_control(text) for text in _strings(data)):
        raise ValidationFailed(
            _("The parameters contain control characters."),
            errors=[field_error(field, "control_characters", _("Remove control characters."))],
        )


def _clean_notes(notes: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    _no_control_in(list(notes), field="source_notes")
    for index, note in enumerate(notes):
        try:
            cleaned.append(SourceNote.model_validate(note).model_dump(mode="json"))
        except ValidationError:
            raise ValidationFailed(
                _("A source note is not valid."),
                errors=[
                    field_error(
                        f"source_notes.{index}",
                        "invalid",
                        _("Give a topic, a source and a note (may be empty)."),
                    )
                ],
            ) from None
    return cleaned


def _national_base(on: date, base_key: str) -> RuleSet:
    queryset = RuleSet.objects.filter(
        region__isnull=True, status=RuleSetStatus.PUBLISHED, effective_from__lte=on
    )
    if base_key:
        queryset = RuleSet.objects.filter(
            region__isnull=True, status=RuleSetStatus.PUBLISHED, key=base_key
        )
    base = queryset.order_by("-effective_from", "-revision").first()
    if base is None:
        raise ValidationFailed(
            _("No national edition to lay the override over."),
            errors=[
                field_error(
                    "base_key" if base_key else "effective_from",
                    "no_national_edition",
                    _("No published national edition is in force for this override."),
                )
            ],
        )
    return base


def _validated(
    parameters: Mapping[str, Any], *, region: Region | None, on: date, base_key: str
) -> dict[str, Any]:
    """Full parameters for a national row; for an override, a non-empty partial set that
    yields valid parameters when laid over the national edition it applies to."""
    _no_control_in(parameters, field="parameters")
    if region is None:
        return parameters_dump(parameters_validate(parameters))
    if not parameters:
        raise ValidationFailed(
            _("An override must change something."),
            errors=[field_error("parameters", "required", _("Give at least one parameter."))],
        )
    base = _national_base(on, base_key)
    parameters_validate(parameters_merge(base.parameters, parameters))
    return dict(parameters)


def _changed_paths(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    flat_before, flat_after = parameters_flatten(before), parameters_flatten(after)
    return sorted(
        path
        for path in set(flat_before) | set(flat_after)
        if flat_before.get(path, object()) != flat_after.get(path, object())
    )


def _created_by(actor: AnyActor) -> int | None:
    return actor.user_id or None


@transaction.atomic
def rule_set_publish_revision(
    *,
    actor: AnyActor,
    rule_set: RuleSet,
    expected_revision: int,
    reason: str,
    parameters: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    effective_from: date | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    source_notes: Sequence[Mapping[str, Any]] | None = None,
    draft: bool = False,
) -> RuleSet:
    """Publish (or draft) a new revision of ``rule_set``'s key based on ``rule_set``.

    The new parameters are either ``parameters`` (the complete set: full for a national
    edition, the partial set for an override) or ``changes`` laid over ``rule_set``'s
    parameters; unspecified fields are carried from ``rule_set``. ``expected_revision`` is the
    highest revision the caller saw.

    Raises ``PermissionDenied`` (role, jurisdiction), ``ValidationFailed`` (bad or unchanged
    parameters, both or neither of ``parameters``/``changes``, no reason), ``Conflict``
    (``stale_version``) when a newer revision exists. Audited with the changed paths.
    """
    _require_writer(actor)
    _require_manages(actor, rule_set.region)
    reason = _clean_reason(reason)
    if (parameters is None) == (changes is None):
        raise ValidationFailed(
            _("Give either the complete parameters or the changes."),
            errors=[
                field_error("parameters", "one_of", _("Give parameters or changes, not both."))
            ],
        )
    latest = (
        RuleSet.objects.select_for_update().filter(key=rule_set.key).order_by("-revision").first()
    )
    assert latest is not None
    if latest.revision != expected_revision:
        raise Conflict(
            _("Someone published a newer revision; reload it and try again."),
            code="stale_version",
            detail={"expected_version": expected_revision, "current_version": latest.revision},
        )
    raw = (
        parameters
        if parameters is not None
        else parameters_merge(rule_set.parameters, changes or {})
    )
    effective = effective_from or rule_set.effective_from
    new_parameters = _validated(
        raw, region=rule_set.region, on=effective, base_key=rule_set.base_key
    )
    names = (
        _clean_text(name_zh or rule_set.name_zh, field="name_zh", limit=200),
        _clean_text(name_en or rule_set.name_en, field="name_en", limit=200),
    )
    changed = _changed_paths(latest.parameters, new_parameters)
    if (
        not changed
        and effective == latest.effective_from
        and names == (latest.name_zh, latest.name_en)
    ):
        raise ValidationFailed(
            _("Nothing changed compared with the latest revision."),
            errors=[
                field_error("parameters", "rule_set_unchanged", _("Change at least one value."))
            ],
            code="rule_set_unchanged",
        )
    try:
        with transaction.atomic():
            created = RuleSet.objects.create(
                key=rule_set.key,
                revision=latest.revision + 1,
                name_zh=names[0],
                name_en=names[1],
                effective_from=effective,
                region=rule_set.region,
                base_key=rule_set.base_key,
                parameters=new_parameters,
                source_notes=(
                    _clean_notes(source_notes)
                    if source_notes is not None
                    else list(rule_set.source_notes)
                ),
                reason=reason,
                status=RuleSetStatus.DRAFT if draft else RuleSetStatus.PUBLISHED,
                created_by_id=_created_by(actor),
            )
    except IntegrityError:
        raise Conflict(
            _("Someone published a newer revision; reload it and try again."),
            code="stale_version",
            detail={"expected_version": expected_revision},
        ) from None
    audit_record(
        actor=actor,
        action="rule_set_publish_revision",
        object_type="rule_set",
        object_id=created.version_label,
        fields=["parameters", "effective_from", "name_zh", "name_en", "status"],
        reason=reason,
        rule_set=created.version_label,
        extra={
            "key": created.key,
            "revision": created.revision,
            "based_on": rule_set.version_label,
            "status": created.status,
            "effective_from": created.effective_from.isoformat(),
            "changed_paths": changed[:200],
            "changed_count": len(changed),
        },
    )
    return created


@transaction.atomic
def rule_set_override_create(
    *,
    actor: AnyActor,
    key: str,
    region: Region,
    name_zh: str,
    name_en: str,
    effective_from: date,
    parameters: Mapping[str, Any],
    reason: str,
    base_key: str = "",
    source_notes: Sequence[Mapping[str, Any]] = (),
    draft: bool = False,
) -> RuleSet:
    """Create revision 1 of a jurisdiction override at ``region`` (in the actor's subtree).

    ``parameters`` is a partial set laid over the national edition in force (only while
    ``base_key`` is in force, when given). Raises ``PermissionDenied`` (role, node outside the
    subtree) and ``ValidationFailed`` (key format or taken, unknown base, invalid parameters,
    empty names or reason). Audited.
    """
    _require_writer(actor)
    _require_manages(actor, region)
    reason = _clean_reason(reason)
    key = key.strip()
    errors = []
    if not re.match(_KEY_PATTERN, key) or key in RESERVED_KEYS:
        errors.append(
            field_error("key", "invalid", _("Use 3–40 lower-case letters, digits and hyphens."))
        )
    elif RuleSet.objects.filter(key=key).exists():
        errors.append(field_error("key", "key_taken", _("A rule set with this key exists.")))
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        try:
            _clean_text(value, field=field, limit=200)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if base_key and not RuleSet.objects.filter(key=base_key, region__isnull=True).exists():
        errors.append(field_error("base_key", "unknown", _("No national edition has this key.")))
    if errors:
        raise ValidationFailed(_("The override cannot be created."), errors=errors)
    cleaned = _validated(parameters, region=region, on=effective_from, base_key=base_key)
    created = RuleSet.objects.create(
        key=key,
        revision=1,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        effective_from=effective_from,
        region=region,
        base_key=base_key,
        parameters=cleaned,
        source_notes=_clean_notes(source_notes),
        reason=reason,
        status=RuleSetStatus.DRAFT if draft else RuleSetStatus.PUBLISHED,
        created_by_id=_created_by(actor),
    )
    audit_record(
        actor=actor,
        action="rule_set_override_create",
        object_type="rule_set",
        object_id=created.version_label,
        fields=["parameters", "effective_from", "region", "base_key", "status"],
        reason=reason,
        rule_set=created.version_label,
        extra={
            "key": key,
            "region": region.code,
            "base_key": base_key,
            "status": created.status,
            "effective_from": effective_from.isoformat(),
            "changed_paths": sorted(parameters_flatten(cleaned))[:200],
        },
    )
    return created


def _status_change(
    *,
    actor: AnyActor,
    rule_set: RuleSet,
    version: int,
    reason: str,
    allowed_from: frozenset[str],
    to: str,
    action: str,
) -> RuleSet:
    _require_writer(actor)
    _require_manages(actor, rule_set.region)
    reason = _clean_reason(reason)
    if rule_set.status not in allowed_from:
        raise Conflict(
            _("The rule set is not in a state that allows this."),
            code="rule_set_wrong_status",
            detail={"status": rule_set.status},
        )
    before = rule_set.status
    update_versioned(rule_set, expected_version=version, changes={"status": to})
    rules_forget()
    transaction.on_commit(rules_forget)
    audit_record(
        actor=actor,
        action=action,
        object_type="rule_set",
        object_id=rule_set.version_label,
        fields=["status"],
        reason=reason,
        rule_set=rule_set.version_label,
        extra={"from": before, "to": to},
    )
    return rule_set


@transaction.atomic
def rule_set_publish(*, actor: AnyActor, rule_set: RuleSet, version: int, reason: str) -> RuleSet:
    """Publish a draft revision (it becomes eligible for lookup). Version-checked; raises
    ``Conflict`` when the row is not a draft or changed meanwhile. Audited."""
    return _status_change(
        actor=actor,
        rule_set=rule_set,
        version=version,
        reason=reason,
        allowed_from=frozenset({RuleSetStatus.DRAFT}),
        to=RuleSetStatus.PUBLISHED,
        action="rule_set_publish",
    )


@transaction.atomic
def rule_set_retire(*, actor: AnyActor, rule_set: RuleSet, version: int, reason: str) -> RuleSet:
    """Withdraw one revision: lookups skip it from now on (a lower published revision of the
    same key applies again, if any). Version-checked; raises ``Conflict`` when already
    retired or changed meanwhile. Audited."""
    return _status_change(
        actor=actor,
        rule_set=rule_set,
        version=version,
        reason=reason,
        allowed_from=frozenset({RuleSetStatus.DRAFT, RuleSetStatus.PUBLISHED}),
        to=RuleSetStatus.RETIRED,
        action="rule_set_retire",
    )
