"""Versioned rule sets: each national edition or jurisdiction override, one row per revision."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.policy.choices import RuleSetStatus


class RuleSet(TimestampedModel):
    """One revision of a rule set (an edition such as ``nhc-9``, or a local override).

    Rows are never edited in place: a change publishes a new revision under the same ``key``
    (only ``status`` moves, draft → published → retired, with a version check). A row without
    ``region`` is a national edition and holds a complete parameter set; a row with ``region``
    is a jurisdiction override holding a partial parameter set that is laid over the national
    edition in force for nodes in that subtree (optionally only while ``base_key`` is the
    edition in force). ``effective_from`` is the first day the revision applies.

    ``version_label`` (``nhc-9@r1``) is what services record next to every rule-driven status
    change.
    """

    key = models.CharField(max_length=40)
    revision = models.PositiveIntegerField()
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    effective_from = models.DateField()
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for a jurisdiction override; empty for a national edition.",
    )
    base_key = models.CharField(max_length=40, blank=True, default="")
    parameters = models.JSONField()
    source_notes = models.JSONField(default=list)
    reason = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the product itself loaded the row (shipped editions).",
    )

    class Meta:
        ordering = ["effective_from", "key", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["key", "revision"], name="rule_set_key_revision"),
            models.CheckConstraint(
                condition=models.Q(revision__gte=1), name="rule_set_revision_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "effective_from"], name="rule_set_status_eff"),
            models.Index(fields=["region", "status"], name="rule_set_region_status"),
        ]

    def __str__(self) -> str:
        return self.version_label

    @property
    def version_label(self) -> str:
        return f"{self.key}@r{self.revision}"

    @property
    def is_override(self) -> bool:
        return self.region_id is not None
