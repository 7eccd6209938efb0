"""Reads of duty checks, scoped like directives: the sending command's subtree sees every
locality's answer, a locality's subtree only its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fangkong.command_center.duty_choices import AnswerStanding
from fangkong.command_center.models import DutyCheck, DutyCheckAnswer
from fangkong.core.actor import AnyActor
from fangkong.regions.subtree import in_subtree, region_in_scope


def duty_check_scope(actor: AnyActor) -> QuerySet[DutyCheck]:
    """Checks sent in the actor's subtree or asking a locality in it."""
    asked_here = DutyCheckAnswer.objects.filter(
        in_subtree(actor.region_path, field="region__path"), check_sent=OuterRef("pk")
    )
    return DutyCheck.objects.filter(
        Q(in_subtree(actor.region_path, field="region__path")) | Q(Exists(asked_here))
    )


def duty_check_list(*, actor: AnyActor) -> QuerySet[DutyCheck]:
    """Checks in scope, newest first, with localities asked and answered counted (one query)."""
    return (
        duty_check_scope(actor)
        .select_related("region")
        .annotate(
            asked=Count("answers", distinct=True),
            answered=Count("answers", filter=Q(answers__answered_at__isnull=False), distinct=True),
        )
    )


def answer_list(*, actor: AnyActor, check: DutyCheck) -> QuerySet[DutyCheckAnswer]:
    """The localities of ``check`` the actor may see, by node."""
    queryset = DutyCheckAnswer.objects.filter(check_sent=check).select_related("region")
    if region_in_scope(actor, check.region):
        return queryset
    return queryset.filter(in_subtree(actor.region_path, field="region__path"))


@dataclass(frozen=True)
class AnswerRow:
    """One locality's answer as the page and the API show it."""

    region_code: str
    region_name: str
    answered_at: datetime | None
    standing: str
    minutes: int | None

    @property
    def standing_label(self) -> str:
        return str(AnswerStanding(self.standing).label)


def answer_standing(answer: DutyCheckAnswer, *, due_at: datetime, now: datetime) -> str:
    """In time, late, still waiting (before the due time) or missed (after it)."""
    if answer.answered_at is not None:
        return AnswerStanding.ON_TIME if answer.answered_at <= due_at else AnswerStanding.LATE
    return AnswerStanding.WAITING if now <= due_at else AnswerStanding.MISSED


def answer_rows(*, actor: AnyActor, check: DutyCheck, now: datetime) -> list[AnswerRow]:
    """Every locality of ``check`` the actor may see, with how it stands and the minutes it
    took to answer."""
    rows = []
    for answer in answer_list(actor=actor, check=check):
        taken = (
            int((answer.answered_at - check.sent_at).total_seconds() // 60)
            if answer.answered_at
            else None
        )
        rows.append(
            AnswerRow(
                region_code=answer.region.code,
                region_name=answer.region.name,
                answered_at=answer.answered_at,
                standing=answer_standing(answer, due_at=check.due_at, now=now),
                minutes=taken,
            )
        )
    return rows
