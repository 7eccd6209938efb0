"""The one way an interface gets a single rule set."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound, ValidationFailed, field_error
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import rule_set_get

_REFERENCE = re.compile(
    r"\A(?P<key>[a-z0-9][a-z0-9-]{1,38}[a-z0-9])(?:@r?(?P<revision>\d{1,6}))?\Z", re.ASCII
)


def rule_set_reference_parse(text: str, *, field: str = "key") -> tuple[str, int | None]:
    """``"nhc-9"`` → ``("nhc-9", None)``; ``"nhc-9@r2"`` or ``"nhc-9@2"`` → ``("nhc-9", 2)``.

    Raises ``ValidationFailed`` naming ``field`` for anything else.
    """
    match = _REFERENCE.match(text.strip())
    if match is None:
        raise ValidationFailed(
            _("Not a rule-set reference."),
            errors=[field_error(field, "invalid", _("Use a key, optionally with @r<revision>."))],
        )
    revision = match.group("revision")
    return match.group("key"), int(revision) if revision else None


def access_rule_set(actor: AnyActor, key: str, *, revision: int | None = None) -> RuleSet:
    """Revision ``revision`` of ``key`` (default: the highest revision, whatever its status)
    if the actor may see it; the same 404 for a key that does not exist and one outside the
    actor's scope."""
    if _REFERENCE.match(key) is None or "@" in key:
        raise NotFound(_("No such rule set."), code="rule_set_not_found")
    rule_set = rule_set_get(actor=actor, key=key, revision=revision)
    if rule_set is None:
        raise NotFound(_("No such rule set."), code="rule_set_not_found")
    return rule_set
