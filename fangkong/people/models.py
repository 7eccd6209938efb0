"""Persons, their identity documents, households and special needs."""

from __future__ import annotations

import uuid

from django.db import models

from fangkong.core.models import TimestampedModel
from fangkong.people.choices import (
    DocumentType,
    DuplicateReason,
    DuplicateStatus,
    GroupKind,
    Sex,
    SpecialNeed,
)


class Household(TimestampedModel):
    """A dwelling (户): address to the room, in one grid.

    ``address_key`` is the normalised building-unit-room (``3-2-501`` for ``3号楼2单元501``) so
    the same flat written two ways is found as one.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255)
    building = models.CharField(max_length=20, blank=True, default="")
    unit = models.CharField(max_length=20, blank=True, default="")
    room = models.CharField(max_length=20, blank=True, default="")
    address_key = models.CharField(max_length=255, db_index=True, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["region", "address_key"])]

    def __str__(self) -> str:
        return self.address


class Person(TimestampedModel):
    """A resident or any other person the system follows.

    ``name`` is kept exactly as entered (after NFC); ``name_key`` is the search key (NFKC, one
    script through OpenCC, middle-dot variants and spaces folded) and ``name_pinyin`` the
    toneless pinyin without spaces, so ``張三``, ``张三`` and ``zhang san`` meet. ``region`` is the
    lowest node the person belongs to (normally their household's grid) and scopes every read.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, db_index=True)
    name_pinyin = models.CharField(max_length=200, db_index=True, blank=True, default="")
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True, default="", db_index=True)
    occupation = models.CharField(max_length=60, blank=True, default="")
    note = models.TextField(blank=True, default="")
    #: Soft problems for a person to review, as warning codes (``id_sex_mismatch``,
    #: ``name_has_digits``, ...); never values.
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["name_key", "birth_date"])]

    def __str__(self) -> str:
        return self.name


class IdentityDocument(TimestampedModel):
    """An identity document of a person; the number is stored only encrypted.

    ``number_index`` is the keyed blind index of the normalised number (for resident IDs, the
    18-digit form, so a 15-digit legacy number finds the same person). ``masked`` is what roles
    without identity rights see (``1101**********002X``). ``legacy_number`` keeps a 15-digit
    number as entered, encrypted too.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(max_length=2, choices=DocumentType.choices)
    number_encrypted = models.TextField()
    number_index = models.CharField(max_length=64, db_index=True)
    masked = models.CharField(max_length=40)
    legacy_number_encrypted = models.TextField(blank=True, default="")
    issuing_country = models.CharField(max_length=3, blank=True, default="")
    is_primary = models.BooleanField(default=True)

    class Meta:
        ordering = ["person_id", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "doc_type", "number_index"], name="document_person_type_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.masked}"


class PersonNeed(models.Model):
    """A special need of a person (elderly alone, pregnant, dialysis, chronic, disability)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(max_length=20, choices=SpecialNeed.choices)
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="person_need_unique")
        ]
        indexes = [models.Index(fields=["kind", "person"])]

    def __str__(self) -> str:
        return self.kind


class DuplicateCandidate(TimestampedModel):
    """Two persons that may be one; reviewed by a person, never merged automatically.

    ``person_a`` is always the one with the lower id, so a pair is stored once per reason.
    ``note`` says why it was opened (the reason given when a duplicate identity number was
    registered on purpose); ``review_note`` what the reviewer decided and why.

    A *claim* (reason ``same_id_elsewhere``) has no ``person_b``: a writer at
    ``claimed_region`` tried to register (or add to a person) an identity number that
    ``person_a``, outside the writer's jurisdiction, already holds. The writer was refused
    without learning who or where (docs/privacy.md); the claim asks ``person_a``'s
    jurisdiction to review it. One open claim per holder and claiming node.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    reason = models.CharField(max_length=20, choices=DuplicateReason.choices)
    note = models.TextField(blank=True, default="")
    claimed_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    claimed_by = models.CharField(max_length=150, blank=True, default="")
    status = models.CharField(
        max_length=20, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    reviewed_by = models.CharField(max_length=150, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b", "reason"], name="duplicate_pair_reason_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="duplicate_pair_order"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    person_b__isnull=True,
                    claimed_region__isnull=False,
                    reason=DuplicateReason.SAME_ID_ELSEWHERE,
                )
                | models.Q(
                    person_b__isnull=False,
                    claimed_region__isnull=True,
                )
                & ~models.Q(reason=DuplicateReason.SAME_ID_ELSEWHERE),
                name="duplicate_pair_or_claim",
            ),
            models.UniqueConstraint(
                fields=["person_a", "claimed_region"],
                condition=models.Q(person_b__isnull=True, status=DuplicateStatus.OPEN),
                name="duplicate_claim_open_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "id"])]

    @property
    def is_claim(self) -> bool:
        return self.person_b_id is None

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.reason})"


class NodePopulation(models.Model):
    """Persons whose node is ``region``, kept exact by database triggers on ``people_person``
    (insert, delete, a change of node; migration people 0005), so coverage reads one row per
    node instead of counting millions of persons. Derived data: never written by code;
    ``lab.coverage.tallies.round_tally_check`` compares it with a direct count."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    persons = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.region_id}: {self.persons}"


class PeopleTally(models.Model):
    """Pre-computed counts per jurisdiction node for the overview pages (house style:
    dashboards read pre-computed aggregates). Derived data, never a source of truth: rebuilt
    whole by ``people.tallies.people_tally_refresh`` (periodic job, and after bulk loads)."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    persons = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    with_needs = models.PositiveIntegerField(default=0)
    needs = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.region_id}: {self.persons}"


class PersonGroup(TimestampedModel):
    """A fixed group of people who spend their days together — a work team (班组), a school
    class (班级) or another group — as a contact tracer asks about it: when one member is a
    case, the others are close-contact candidates (issue 19 §4).

    ``region`` is the node where the group sits (the workplace's or school's district, say),
    which scopes who may see and change it; its members may live anywhere. ``source`` and
    ``source_key`` name a group loaded in bulk (``groups_bulk_load``), so that a load sent
    again finds the groups it made instead of making them twice; a group made by hand has
    neither.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=GroupKind.choices)
    name = models.CharField(max_length=100)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=40, blank=True, default="")
    source_key = models.CharField(max_length=80, blank=True, default="")
    members = models.ManyToManyField(Person, through="GroupMember", related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["region", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_key"],
                condition=~models.Q(source=""),
                name="person_group_source_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    """One person in one group (once); ``added_at`` says since when."""

    group = models.ForeignKey(PersonGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="group_memberships")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="group_member_once")
        ]
        indexes = [models.Index(fields=["person", "group"])]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.person_id}"
