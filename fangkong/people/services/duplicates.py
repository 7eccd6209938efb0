"""Duplicate pairs: opened by the person services, decided by a person, never merged."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, ValidationFailed, field_error
from fangkong.people.access import require_person_role
from fangkong.people.choices import DuplicateReason, DuplicateStatus
from fangkong.people.documents import IdentityExistsElsewhere
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.people.validation import MAX_REASON, text_field


def _pair(a: Person, b: Person) -> tuple[Person, Person]:
    return (a, b) if a.pk < b.pk else (b, a)


@transaction.atomic
def duplicate_open(
    *, actor: AnyActor, a: Person, b: Person, reason: str, note: str = ""
) -> DuplicateCandidate | None:
    """Open a review of ``a`` and ``b`` for ``reason`` (a :class:`DuplicateReason`), unless one
    is open already for the same pair and reason (then ``None``). ``note`` says why, e.g. the
    reason given for registering a number again. Audited; nothing about the persons changes."""
    require_person_role(actor, write=True)
    first, second = _pair(a, b)
    candidate, created = DuplicateCandidate.objects.get_or_create(
        person_a=first, person_b=second, reason=reason, defaults={"note": note}
    )
    if not created:
        return None
    audit_record(
        actor=actor,
        action="duplicate_open",
        object_type="duplicate_candidate",
        object_id=candidate.code,
        fields=["person_a", "person_b", "reason", "note"],
        extra={"reason": reason, "persons": [str(first.code), str(second.code)]},
    )
    return candidate


@transaction.atomic
def identity_claims_record(
    *, actor: AnyActor, refusal: IdentityExistsElsewhere
) -> list[DuplicateCandidate]:
    """Ask each holder's jurisdiction to review a refused registration of their number.

    One open claim per holder and claiming node (a repeated attempt adds nothing); the claim
    keeps the node and the user who tried, and the reason they gave. Audited. The writer is
    told nothing of it beyond the refusal's message.
    """
    require_person_role(actor, write=True)
    opened: list[DuplicateCandidate] = []
    for holder in refusal.holders:
        candidate, created = DuplicateCandidate.objects.get_or_create(
            person_a=holder,
            person_b=None,
            claimed_region=refusal.region,
            status=DuplicateStatus.OPEN,
            defaults={
                "reason": DuplicateReason.SAME_ID_ELSEWHERE,
                "note": refusal.note,
                "claimed_by": actor.username,
            },
        )
        if not created:
            continue
        audit_record(
            actor=actor,
            action="identity_claim_open",
            object_type="duplicate_candidate",
            object_id=candidate.code,
            fields=["person_a", "claimed_region", "claimed_by", "reason", "note"],
            extra={"person": str(holder.code), "claimed_region": refusal.region.code},
        )
        opened.append(candidate)
    return opened


@contextmanager
def identity_claims_kept(actor: AnyActor) -> Iterator[None]:
    """Run a registration (``person_create``, ``document_add``, with their idempotency
    wrapper) and, when it is refused with :class:`IdentityExistsElsewhere`, record the claim
    after the refused transaction has rolled back; the refusal then goes on to the caller.

    Use it outside the write's transaction: inside, the claim would roll back with it.
    """
    try:
        yield
    except IdentityExistsElsewhere as refusal:
        identity_claims_record(actor=actor, refusal=refusal)
        raise


REVIEW_OUTCOMES = (DuplicateStatus.NOT_DUPLICATE, DuplicateStatus.DUPLICATE)


@transaction.atomic
def duplicate_review(
    *, actor: AnyActor, candidate: DuplicateCandidate, status: str, note: str
) -> DuplicateCandidate:
    """Decide an open duplicate pair: ``not_duplicate`` or ``duplicate``, with a note.

    Nothing is merged: a confirmed duplicate is a finding for a person to act on. Raises
    ``ValidationFailed`` (bad status, missing note) or ``Conflict``
    ``duplicate_already_reviewed`` when someone decided it first. Audited.
    """
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    if status not in REVIEW_OUTCOMES:
        errors.append(
            field_error("status", "invalid_choice", _("Choose duplicate or not a duplicate."))
        )
    note = text_field(note, field="note", max_length=MAX_REASON, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The review cannot be saved."), errors=errors)
    now = timezone.now()
    updated = DuplicateCandidate.objects.filter(
        pk=candidate.pk, status=DuplicateStatus.OPEN
    ).update(
        status=status,
        review_note=note,
        reviewed_by=actor.username,
        reviewed_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
    if updated != 1:
        raise Conflict(_("This pair was already reviewed."), code="duplicate_already_reviewed")
    candidate.refresh_from_db()
    audit_record(
        actor=actor,
        action="duplicate_review",
        object_type="duplicate_candidate",
        object_id=candidate.code,
        fields=["status", "review_note", "reviewed_by", "reviewed_at"],
        extra={"status": status},
    )
    return candidate
