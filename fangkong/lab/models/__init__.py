"""Screening rounds, sampling points, labs, tubes and their bindings, packages, results, the
pooled-positive follow-up, coverage inputs (exemptions), key groups, antigen results, arrivals;
result files and export batches in ``exchange``, the tallies in ``tallies``.

The two tables that grow with the population (``Tube`` ≈ 2.4 M and ``Binding`` ≈ 25.7 M rows a
Shanghai day) hold only keys, codes and times: names, phones and addresses stay on the person
(R8 is met through the binding's person, tube, point and sampler). Everything a sampler,
lab technician or commander reads is scoped through the tube's point, lab or node.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from fangkong.core.models import TimestampedModel
from fangkong.lab.choices import (
    AlertKind,
    AlertStatus,
    AnomalyKind,
    AntigenResult,
    AntigenSource,
    EntryMethod,
    ExemptionReason,
    MemberOutcome,
    PackageStatus,
    Recipient,
    RetestReason,
    RetestStatus,
    RoundKind,
    RoundStatus,
    TubeKind,
    TubeResult,
    TubeStatus,
    person_outcome,
)
from fangkong.lab.models.exchange import ResultExport as ResultExport
from fangkong.lab.models.exchange import ResultUpload as ResultUpload
from fangkong.lab.models.tallies import RoundTally as RoundTally
from fangkong.lab.models.tallies import RoundTallyDelta as RoundTallyDelta
from fangkong.lab.models.tallies import TubeTally as TubeTally
from fangkong.lab.models.tallies import TubeTallyDelta as TubeTallyDelta


class ScreeningRound(TimestampedModel):
    """One round of screening (区域核酸检测) over some jurisdiction nodes.

    ``kind`` says whether it screens areas (in an outbreak, or routinely) or tests named
    people (targeted); the rules in force decide which kinds may open. ``deadline_at``
    defaults to ``starts_at`` + the rule set's deadline for the population (24 h under the
    3rd-edition guide), or the tightest first-screening limit of its zones; ``rule_set``
    records the version labels in force when the round was opened.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=RoundKind.choices, default=RoundKind.OUTBREAK)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    rule_set = models.CharField(max_length=200)
    population_at_open = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def past_deadline(self, now: datetime | None = None) -> bool:
        """Still open after its deadline (overdue): binding goes on until someone closes it."""
        return self.status == RoundStatus.OPEN and (now or timezone.now()) > self.deadline_at

    def __str__(self) -> str:
        return self.name


class RoundArea(models.Model):
    """A node covered by a round, with its zone (risk-level code or ``other``) that sets the
    default pool ratio of tubes bound at points inside it."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="areas")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    zone = models.CharField(max_length=40, default="other")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "region"], name="round_area_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.region_id} {self.zone}"


class SamplingPoint(TimestampedModel):
    """A sampling point (采样点) with location, opening hours, capacity and its staff."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(max_length=255, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    capacity_per_hour = models.PositiveIntegerField(default=300)
    sampler_posts = models.PositiveIntegerField(default=2)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region__path", "name"]

    def __str__(self) -> str:
        return self.name


class Lab(TimestampedModel):
    """A testing laboratory: capacity in tubes a day, and the technicians who work there."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    capacity_per_day = models.PositiveIntegerField(default=10_000)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Package(TimestampedModel):
    """A sealed package (封包) of tubes with its package code; ``tube_count`` is what was
    sealed, ``received_count`` what the lab scanned (R10)."""

    code = models.CharField(max_length=40, unique=True)
    round = models.ForeignKey(ScreeningRound, on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(SamplingPoint, on_delete=models.PROTECT, related_name="+")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=12, choices=PackageStatus.choices, default=PackageStatus.SEALED
    )
    tube_count = models.PositiveIntegerField()
    sealed_at = models.DateTimeField()
    sealed_by = models.CharField(max_length=150)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    vehicle = models.CharField(max_length=40, blank=True, default="")
    carrier = models.CharField(max_length=100, blank=True, default="")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.CharField(max_length=150, blank=True, default="")
    received_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sealed_at"]
        indexes = [models.Index(fields=["lab", "status"]), models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.code


class Tube(models.Model):
    """One sample tube: a pooled screening tube (1, a household, 5, 10 or 20 people) or a
    single re-test. Written whole, once, when the sampler closes it (R37: one write per tube).

    ``ratio`` and ``per_household`` come from the rule set (by zone and group, R7);
    ``due_at`` is the turnaround deadline for its category (R13).
    """

    barcode = models.CharField(max_length=32, unique=True)
    # round, point and lab are looked up through the composite indexes below (they lead with
    # them); a single-column index each would only be rewritten on every result.
    round = models.ForeignKey(
        ScreeningRound, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    point = models.ForeignKey(
        SamplingPoint, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=TubeKind.choices, default=TubeKind.SCREENING)
    zone = models.CharField(max_length=40, default="other")
    group = models.CharField(max_length=40, blank=True, default="")
    ratio = models.PositiveSmallIntegerField()
    per_household = models.BooleanField(default=False)
    category = models.CharField(max_length=40, default="pooled_screening")
    swab_site = models.CharField(max_length=20, default="oropharyngeal")
    sampler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    sampled_at = models.DateTimeField()
    member_count = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=TubeStatus.choices, default=TubeStatus.CLOSED)
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, null=True, blank=True, related_name="tubes"
    )
    lab = models.ForeignKey(
        Lab, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    received_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=16, choices=TubeResult.choices, default=TubeResult.PENDING)
    ct_orf1ab = models.FloatField(null=True, blank=True)
    ct_n = models.FloatField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    #: When the lab ran the test, as it reported (``reported_at`` is when the report arrived).
    tested_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    rule_set = models.CharField(max_length=200, blank=True, default="")
    #: Members of this pooled-positive or invalid screening tube whose re-test task is still
    #: derived (``lab.retests``): set with the result, one less as each task's row is written,
    #: 0 for every other tube. Derived tasks are read from the tubes above 0 (partial index),
    #: so a list of open tasks costs what is open, not every round's follow-up since.
    retests_open = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["point", "sampled_at"]),
            models.Index(fields=["lab", "status"]),
            models.Index(fields=["result", "round"]),
            # the result exports' cursor (R17)
            models.Index(
                fields=["reported_at", "id"],
                name="lab_tube_reported_cursor",
                condition=models.Q(reported_at__isnull=False),
            ),
            models.Index(
                fields=["due_at"],
                name="lab_tube_pending_due",
                condition=models.Q(reported_at__isnull=True),
            ),
            models.Index(
                fields=["round", "id"],
                name="lab_tube_retests_open",
                condition=models.Q(retests_open__gt=0),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ratio__gte=1) & models.Q(ratio__lte=20), name="tube_ratio_1_20"
            ),
            models.CheckConstraint(
                condition=models.Q(member_count__lte=models.F("ratio")), name="tube_not_overfull"
            ),
        ]

    def __str__(self) -> str:
        return self.barcode


class Binding(models.Model):
    """A person bound to a tube (TubeMember). ``region`` and ``household`` are the person's
    at sampling time, so coverage counts need no join to persons. ``doc_type`` and ``method``
    record how the person was identified; the number itself stays on the person, encrypted.
    """

    # No single-column index on the keys: the composite indexes below start with tube, round
    # and person; region and household are only looked up within a round. No index reads
    # ``outcome``: a result then changes millions of outcomes without touching an index.
    tube = models.ForeignKey(
        Tube, on_delete=models.CASCADE, related_name="bindings", db_index=False
    )
    round = models.ForeignKey(
        ScreeningRound, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    doc_type = models.CharField(max_length=2, blank=True, default="")
    method = models.CharField(max_length=8, choices=EntryMethod.choices)
    position = models.PositiveSmallIntegerField()
    #: In a single re-test tube (the person's screening binding then says held or to re-test).
    retest = models.BooleanField(default=False)
    scanned_at = models.DateTimeField()
    outcome = models.CharField(
        max_length=10, choices=MemberOutcome.choices, default=MemberOutcome.PENDING
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tube", "person"], name="binding_tube_person_unique"),
            # R8, enforced by the database too: a person is sampled into one screening tube a
            # round (re-test tubes apart), however two points race. The condition reads no
            # column a result changes, so recording outcomes is a heap-only (HOT) update on
            # PostgreSQL, where the table keeps half of each page free for it (migration 0006).
            models.UniqueConstraint(
                fields=["round", "person"],
                condition=models.Q(retest=False),
                name="binding_one_per_round",
            ),
        ]
        # No (round, person) index beside the unique one: a person's bindings are few, so
        # (person, scanned_at) answers "in this round?" for re-tests too, and every index
        # is written again for each of the millions of bindings of a round.
        indexes = [
            models.Index(fields=["round", "region"]),
            models.Index(fields=["person", "scanned_at"]),
            # Re-test bindings of a round, which coverage counts directly (few; the partial
            # index costs nothing on the millions of screening bindings).
            models.Index(
                fields=["round"], condition=models.Q(retest=True), name="binding_retest_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"

    @property
    def member_outcome(self) -> str:
        """The outcome for the person: ``outcome`` as written, else what the tube's result
        makes of its members (a negative tube's members are not written one by one)."""
        return person_outcome(self.outcome, self.tube.result)

    def get_member_outcome_display(self) -> str:
        return str(MemberOutcome(self.member_outcome).label)


class TubeEvent(models.Model):
    """Append-only history of a tube: bound, packaged, handed over, received, resulted."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=255, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.tube_id} {self.kind}"


class Anomaly(models.Model):
    """Something wrong found at receipt (R10): kept open until someone resolves it."""

    kind = models.CharField(max_length=24, choices=AnomalyKind.choices)
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(ScreeningRound, on_delete=models.PROTECT, null=True, related_name="+")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, null=True, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, null=True, related_name="+")
    barcode = models.CharField(max_length=32, blank=True, default="")
    detail = models.JSONField(default=dict)
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.barcode}"


class RetestTask(TimestampedModel):
    """A single-tube PCR task for one person: a member of a pooled positive or invalid tube,
    or someone whose antigen result needs PCR (R11, R16). Closed by the result of the tube
    bound for it. A member's first task is derived from their outcome until it is acted upon,
    and only then written here (``lab.retests``, which every reader of tasks goes through)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The indexes below lead with the person and the region; the source tube has its key's.
    # No index or foreign key another one already gives: the round is the source tube's
    # (``screening_round``), and the re-test tube is indexed once set.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    source_tube = models.ForeignKey(Tube, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(max_length=16, choices=RetestReason.choices)
    status = models.CharField(max_length=8, choices=RetestStatus.choices, default=RetestStatus.OPEN)
    retest_tube = models.ForeignKey(
        Tube, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    outcome = models.CharField(max_length=16, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["person", "status"]),
            models.Index(
                fields=["retest_tube"],
                name="retesttask_retest_tube",
                condition=models.Q(retest_tube__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.person_id}"

    @property
    def screening_round(self) -> ScreeningRound | None:
        """The round whose tube sent the person (none for an antigen result's task); needs
        ``source_tube__round`` loaded to cost no query."""
        return self.source_tube.round if self.source_tube is not None else None


class Notification(models.Model):
    """A pooled positive told to one recipient (R12): the testing working group, the
    emergency sampling squad, or one member community. ``latency_ms`` is from the result
    report to the notification."""

    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(max_length=20, choices=Recipient.choices)
    # (region, notified_at) below leads with the region
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    members = models.PositiveSmallIntegerField(default=0)
    result_at = models.DateTimeField()
    notified_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-notified_at", "-id"]
        indexes = [models.Index(fields=["region", "notified_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} {self.tube_id}"


class LabAlert(models.Model):
    """A late result or a late notification; owned, closed with a reason (R13, R30)."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ScreeningRound, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    detail = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    owner = models.CharField(max_length=150, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "tube"], name="lab_alert_kind_tube_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.tube_id}"


class Exemption(models.Model):
    """Someone left off the should-test list, with a reason and an expiry (§1.6, R14).
    ``round`` empty: every round until ``valid_until``. ``code`` names it in URLs (revoke)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(
        ScreeningRound, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ExemptionReason.choices)
    note = models.CharField(max_length=255, blank=True, default="")
    valid_until = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class KeyGroupMember(models.Model):
    """A person in a key group (重点人员, occupation category) whose test interval comes from
    the rule set's ``key_groups`` (R15)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=40)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "group"], name="key_group_person_unique")
        ]
        indexes = [models.Index(fields=["group", "region"])]

    def __str__(self) -> str:
        return f"{self.group} {self.person_id}"


class Arrival(models.Model):
    """Someone registered as arriving from elsewhere, owed a landing test (落地检)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    arrived_at = models.DateTimeField()
    origin = models.CharField(max_length=120)
    test_due_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-arrived_at"]
        indexes = [models.Index(fields=["region", "arrived_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} from {self.origin}"


class AntigenTest(models.Model):
    """An antigen result, self-reported or from a clinic: kept apart from PCR, never the
    confirming result of a case; a positive, or a negative of a suspected person, creates a
    PCR task (R16)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=8, choices=AntigenSource.choices)
    result = models.CharField(max_length=10, choices=AntigenResult.choices)
    tested_at = models.DateTimeField()
    kit_serial = models.CharField(max_length=64, blank=True, default="")
    #: Respiratory or fever symptoms, as the clinic or the person reported them with the test.
    symptomatic = models.BooleanField(default=False)
    #: Why a negative result still needed PCR (``symptoms``, ``held``), empty otherwise.
    suspected = models.CharField(max_length=16, blank=True, default="")
    reported_by = models.CharField(max_length=150)
    reported_at = models.DateTimeField()
    pcr_task = models.ForeignKey(
        RetestTask, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-tested_at"]
        indexes = [models.Index(fields=["person", "tested_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.result}"
