"""Shared bases and the product-wide ledgers: audit, read access, idempotency, job schedule."""

from __future__ import annotations

import uuid

from django.db import models


class TimestampedModel(models.Model):
    """Abstract base: creation and update times, and a ``version`` for optimistic concurrency.

    ``version`` starts at 1 and every service update bumps it with a conditional
    ``UPDATE ... WHERE version = <expected>``; a stale writer gets :class:`core.errors.Conflict`.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One append-only row per write: who, in which role and jurisdiction, what, and why.

    Rows hold references and field names, never the values of personal fields. Each row carries
    the SHA-256 of the previous row's hash plus its own canonical content (``prev_hash`` →
    ``row_hash``), so an edited or deleted row breaks the chain that ``ledger_verify`` walks,
    and a ``seal``: an HMAC of ``row_hash`` under the ledger key, which lives in the settings
    and not in the database, so whoever can write the table but lacks the key cannot append a
    row or recompute a chain that verifies. Rows from before seals existed have an empty seal;
    the first sealed row of a chain vouches for them (its hash covers them). Truncation is
    found by the signed :class:`LedgerCheckpoint` s. Database triggers (``core.dbguard``)
    refuse UPDATE and DELETE. docs/audit.md has the whole design.

    There are ``AUDIT_CHAINS`` chains, one per ``chain`` number (the actor's user id modulo the
    count for a single write, the writing server thread's for a batch): writers of different
    chains never wait for each other, which is what lets thousands of sampling points write at
    once. Rows from before chains existed are chain 0.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(default=0)
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40)
    region_path = models.CharField(max_length=255, db_index=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    reason = models.TextField(blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    extra = models.JSONField(default=dict)
    ip = models.CharField(max_length=64, blank=True, default="")
    chain = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)
    seal = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["chain", "id"], name="core_audit_chain_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_id}"


class AccessEntry(models.Model):
    """One row per read of identifiable personal data: actor, purpose and subject ids only.

    Append-only and chained exactly like :class:`AuditEntry` (its own ``AUDIT_CHAINS`` chains,
    ``prev_hash`` → ``row_hash``, a ``seal`` under the ledger key, covered by the same signed
    checkpoints, the same triggers). Rows logged before the chain existed were chained in
    chain 0 by migration ``core.0005`` and carry no seal.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(default=0)
    actor_username = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40)
    region_path = models.CharField(max_length=255, db_index=True)
    purpose = models.CharField(max_length=40)
    action = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=60)
    subject_ids = models.JSONField(default=list)
    subject_count = models.PositiveIntegerField(default=0)
    ip = models.CharField(max_length=64, blank=True, default="")
    chain = models.PositiveSmallIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, default="")
    row_hash = models.CharField(max_length=64, default="")
    seal = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["chain", "id"], name="core_access_chain_id")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.subject_type}"


class LedgerCheckpoint(models.Model):
    """A signed statement of where every chain of both ledgers stood at a moment.

    ``heads`` is ``{"audit": {chain: [rows, last id, last row_hash]}, "access": {...}}``; the
    checkpoint is signed with an Ed25519 key derived from the ledger key and carries the
    previous checkpoint's signature (``prev``), so checkpoints form a chain of their own.
    Written on a schedule (``ledger_checkpoint`` job) and exported as JSON lines
    (``fangkong manage audit_checkpoints``) to be kept off-site: a ledger whose newest rows
    were deleted, or whose chain was recomputed after an edit, contradicts the checkpoint.
    Append-only like the ledgers.
    """

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField()
    heads = models.JSONField(default=dict)
    prev = models.CharField(max_length=100, blank=True, default="")
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint {self.seq} @ {self.at:%Y-%m-%d %H:%M}"


class IdempotencyRecord(models.Model):
    """A request already answered: the same key from the same user replays the stored answer."""

    key = models.CharField(max_length=100)
    user_id = models.BigIntegerField()
    operation = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class PeriodicRun(models.Model):
    """One row per (job, time slot): the unique constraint makes each slot run exactly once.

    The scheduler in ``fangkong worker`` inserts the row before enqueuing; a second scheduler
    (another worker) hits the constraint and skips. ``finished_at`` stays empty while it runs,
    which is how a job refuses to overlap with its own previous run.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.CharField(max_length=80)
    slot = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True, default="")
    message = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="periodic_run_job_slot_unique")
        ]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"


class PeriodicJobState(models.Model):
    """Where each periodic job stands, one row per job, for the administrator's schedule page.

    Written by the scheduler of ``fangkong worker`` (any worker; counters move with ``F()``)
    after every attempt: when it last started, when it last finished well, the last error (one
    scrubbed line, never a traceback) and how many attempts in a row failed. ``retry_at`` is
    the back-off: the scheduler does not try the job again before it. No personal data.
    """

    job = models.CharField(max_length=80, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    consecutive_failures = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job"]

    def __str__(self) -> str:
        return self.job
