"""Cases (suspected, confirmed, asymptomatic infections) and their investigation (流调)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from fangkong.cases.choices import (
    AlertState,
    CaseClassification,
    CaseEventKind,
    ExposureKind,
    HowFound,
    InvestigationStep,
    Outcome,
    Severity,
    Treatment,
    VisitSource,
)
from fangkong.core.models import TimestampedModel


class Case(TimestampedModel):
    """One infection episode of one person: opened by a lab finding (a positive single re-test,
    a positive antigen result) or by hand (fever clinic, ...), classified by the governed
    transitions of ``services.cases``. ``region`` is the person's node when it was opened (the
    scope it is seen in). At most one open case per person (``closed_at`` empty), and
    ``episode`` numbers a person's cases 1, 2, ...: a result applied twice finds the open one.
    Addressed everywhere by ``code``, never by the person."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    episode = models.PositiveSmallIntegerField(default=1)
    classification = models.CharField(
        max_length=14, choices=CaseClassification.choices, default=CaseClassification.SUSPECTED
    )
    how_found = models.CharField(max_length=20, choices=HowFound.choices)
    onset_date = models.DateField(null=True, blank=True)
    first_positive_on = models.DateField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True, default="")
    treatment = models.CharField(max_length=16, choices=Treatment.choices, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The antigen result that opened the case, if one did (never a confirming result, R16).
    antigen_test = models.ForeignKey(
        "lab.AntigenTest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    rule_set = models.CharField(max_length=200, blank=True, default="")
    #: The report card number (报告卡编号) of a case imported from the direct reporting
    #: system, kept for reconciliation; empty for cases opened in Fangkong.
    report_card = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "episode"], name="case_person_episode"),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(closed_at__isnull=True),
                name="case_one_open_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["region", "opened_at"]),
            models.Index(fields=["classification", "opened_at"]),
            # The case list's order, newest first: a page is read off the index instead of
            # sorting every case in scope (1 M cases: 10 s → a page's worth of rows).
            models.Index(fields=["-opened_at", "-id"], name="case_newest_first"),
        ]

    def __str__(self) -> str:
        return f"case {self.code}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseEvent(models.Model):
    """Append-only history of a case: who, why, under which rule set, from → to. Written in
    the transaction of the change; never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=CaseEventKind.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    actor_role = models.CharField(max_length=40, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    from_value = models.CharField(max_length=40, blank=True, default="")
    to_value = models.CharField(max_length=40, blank=True, default="")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_value}→{self.to_value}"


class CaseTube(models.Model):
    """A lab tube that found the case (the positive single re-test, the pooled tube that sent
    the person there); linked once, whatever reports it again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tubes")
    tube = models.ForeignKey("lab.Tube", on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "tube"], name="casetube_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.tube_id}"


class InvestigationTimer(models.Model):
    """One "2+4+24" step of a case's investigation (R18): due ``hours`` after the case was
    opened, by the rule set in force then; ``met_at`` once done (``note`` says why when it was
    done before the case was imported). ``alerted`` when its breach
    raised the one alert it may raise."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timers")
    step = models.CharField(max_length=12, choices=InvestigationStep.choices)
    hours = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.CharField(max_length=150, blank=True, default="")
    rule_set = models.CharField(max_length=200, blank=True, default="")
    #: Why the step counts as done without being done in Fangkong (an imported case whose
    #: step was due before the import: "investigated before import").
    note = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="timer_one_per_step")]
        indexes = [
            models.Index(
                fields=["due_at"], name="timer_pending_due", condition=models.Q(met_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"

    @property
    def position(self) -> int:
        return list(InvestigationStep.values).index(self.step)


class CaseAlert(TimestampedModel):
    """A breached investigation timer, raised once per timer (a unique timer), owned by the
    case's investigator or, when it has none, by the epidemiologists on duty at its district
    (``owner_role`` at ``owner_region``)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    timer = models.OneToOneField(InvestigationTimer, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_role = models.CharField(max_length=40, blank=True, default="")
    owner_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    raised_at = models.DateTimeField()
    handled_by = models.CharField(max_length=150, blank=True, default="")
    note = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["region", "state"])]

    def __str__(self) -> str:
        return f"alert {self.code}"


class TrajectoryVisit(models.Model):
    """A place the case was, from ``started_at`` to ``ended_at``, and how it is known. Removed
    visits stay (``removed_at``, with the reason) for the history; lists leave them out."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="visits")
    place = models.CharField(max_length=200)
    venue_code = models.CharField(max_length=40, blank=True, default="")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=VisitSource.choices)
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=150, blank=True, default="")
    removed_reason = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["case", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="visit_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"visit {self.code}"


class Exposure(models.Model):
    """Someone the case was exposed with (a person of the register) or a setting described in
    words, on a day."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="exposures")
    kind = models.CharField(max_length=10, choices=ExposureKind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(max_length=255, blank=True, default="")
    exposed_on = models.DateField()
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["-exposed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(description=""),
                name="exposure_person_or_description",
            )
        ]

    def __str__(self) -> str:
        return f"exposure {self.code}"
