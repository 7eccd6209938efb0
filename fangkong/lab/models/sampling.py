"""Tubes, who is in them (bindings) and each tube's history.

The two tables that grow with the population (``Tube`` ≈ 2.4 M and ``Binding`` ≈ 25.7 M rows a
Shanghai day) hold only keys, codes and times: names, phones and addresses stay on the person
(R8 is met through the binding's person, tube, point and sampler). Everything a sampler,
lab technician or commander reads is scoped through the tube's point, lab or node."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fangkong.lab.choices import (
    EntryMethod,
    MemberOutcome,
    TubeKind,
    TubeResult,
    TubeStatus,
    person_outcome,
)


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
        "lab.ScreeningRound", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    point = models.ForeignKey(
        "lab.SamplingPoint", on_delete=models.PROTECT, related_name="+", db_index=False
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
        "lab.Package", on_delete=models.PROTECT, null=True, blank=True, related_name="tubes"
    )
    lab = models.ForeignKey(
        "lab.Lab", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
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
    #: derived (``lab.results.retests``): set with the result, one less as each task's row is
    #: written, 0 for every other tube. Derived tasks are read from the tubes above 0 (partial
    #: index), so a list of open tasks costs what is open, not every round's follow-up since.
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
        "lab.ScreeningRound", on_delete=models.PROTECT, related_name="+", db_index=False
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
