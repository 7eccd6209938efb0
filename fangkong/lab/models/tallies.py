"""Tallies the command view reads instead of counting millions of rows: a round's screening
bindings per node (kept by database triggers) and its tubes per point and status (kept by
the services); on PostgreSQL each with a delta table the worker folds in (``lab.coverage.tallies``).
"""

from __future__ import annotations

from django.db import models

from fangkong.lab.choices import TubeStatus


class RoundTally(models.Model):
    """Screening bindings of a round per node, kept exact by database triggers (migration
    lab 0010) so coverage at a city of 25 M reads one row per node (``lab.coverage.selectors``):

    * ``sampled``: at the node the person was sampled at (the binding's ``region``);
    * ``residing``: at the node the person lives at now (moved when the person moves).

    Inserting a screening binding adds one to both; deleting one takes it off; moving a
    person moves their ``residing`` in every round they were sampled in. A binding's round,
    person, node and kind never change (a trigger refuses it). Re-test bindings are not
    counted here: they are few, and coverage reads them directly. On PostgreSQL the triggers
    append :class:`RoundTallyDelta` rows instead, which the worker folds in every minute
    (``lab.coverage.tallies``). Derived data: never written by code but the fold and the repair."""

    round = models.ForeignKey("lab.ScreeningRound", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    sampled = models.IntegerField(default=0)
    residing = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "region"], name="roundtally_round_region")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.region_id}: {self.sampled}, {self.residing}"


class RoundTallyDelta(models.Model):
    """A change to a :class:`RoundTally` row not folded in yet (PostgreSQL). Appending rows
    takes no lock, so two sampling points whose batches touch the same grids never wait for
    each other, as they would updating one counter row; readers add the deltas to the
    tally in the same statement. Plain ids, no foreign keys: the rows live a minute."""

    round_id = models.BigIntegerField(db_index=True)
    region_id = models.BigIntegerField()
    sampled = models.IntegerField(default=0)
    residing = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.round_id}/{self.region_id}: {self.sampled:+}, {self.residing:+}"


class TubeTally(models.Model):
    """Tubes of a round per sampling point and status, for the command view's tubes by
    status (a Shanghai day has 3.9 M tubes). Kept by the services that store tubes or change
    their status, through ``lab.coverage.tallies.tube_tally_change`` (a status update on millions of
    tubes cannot afford a trigger: measured +0.6 s per 100,000-tube results file). On
    PostgreSQL the changes are appended as :class:`TubeTallyDelta` rows and folded in every
    minute, as for :class:`RoundTally`; ``lab.coverage.tallies.tube_tally_check`` recounts."""

    round = models.ForeignKey("lab.ScreeningRound", on_delete=models.CASCADE, related_name="+")
    point = models.ForeignKey("lab.SamplingPoint", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=12, choices=TubeStatus.choices)
    tubes = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "point", "status"], name="tubetally_round_point_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.point_id}/{self.status}: {self.tubes}"


class TubeTallyDelta(models.Model):
    """A change to a :class:`TubeTally` row not folded in yet (PostgreSQL; see
    :class:`RoundTallyDelta`)."""

    round_id = models.BigIntegerField(db_index=True)
    point_id = models.BigIntegerField()
    status = models.CharField(max_length=12)
    tubes = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.round_id}/{self.point_id}/{self.status}: {self.tubes:+}"
