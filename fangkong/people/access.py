"""The only way an interface gets one person, household or duplicate pair.

* Wrong role → :class:`PermissionDenied` (403): only ``PERSON_ROLES`` see persons and
  households, only ``PERSON_WRITE_ROLES`` change them.
* Missing, malformed code, or outside the actor's subtree → the same :class:`NotFound` (404).
* Every successful access logs one read-access row (ids only).
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import access_record
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.roles import PERSON_ROLES, PERSON_WRITE_ROLES, Role
from fangkong.people.models import DuplicateCandidate, Household, IdentityDocument, Person
from fangkong.people.selectors import household_scope, person_scope
from fangkong.regions.subtree import in_subtree, region_in_scope

_DEFAULT_PURPOSE: dict[str, str] = {
    Role.EPIDEMIOLOGIST.value: AccessPurpose.INVESTIGATION.value,
    Role.SAMPLER.value: AccessPurpose.SCREENING.value,
    Role.LAB_TECHNICIAN.value: AccessPurpose.SCREENING.value,
    Role.ADMINISTRATOR.value: AccessPurpose.ADMINISTRATION.value,
}


def default_purpose(actor: AnyActor) -> str:
    """The purpose logged when the caller names none: what the role is there to do."""
    return _DEFAULT_PURPOSE.get(actor.role, AccessPurpose.CARE.value)


def purpose_or_default(actor: AnyActor, purpose: str | None) -> str:
    """``purpose`` if it is one of :class:`AccessPurpose`, else the role's default."""
    if purpose and purpose in AccessPurpose.values:
        return purpose
    return default_purpose(actor)


def require_person_role(actor: AnyActor, *, write: bool = False) -> None:
    """Raise ``PermissionDenied`` unless the actor's role may read (or ``write``) persons."""
    if isinstance(actor, SystemActor):
        return
    allowed = PERSON_WRITE_ROLES if write else PERSON_ROLES
    if actor.role not in allowed:
        raise PermissionDenied(
            _("Your role may not change person records.")
            if write
            else _("Your role does not give access to person records."),
            code="role_not_allowed",
        )


def parse_code(code: object) -> uuid.UUID | None:
    """A UUID from a path segment, or ``None`` for anything malformed (answered with 404)."""
    if isinstance(code, uuid.UUID):
        return code
    text = str(code)
    if len(text) > 45:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def person_detail_queryset(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """What a person detail needs in three queries: the row with its node and household, its
    documents, its needs."""
    return queryset.select_related("region", "household").prefetch_related(
        Prefetch("documents", queryset=IdentityDocument.objects.order_by("-is_primary", "id")),
        "needs",
    )


def access_person(
    actor: AnyActor, code: object, *, purpose: str | None = None, write: bool = False
) -> Person:
    """The person with ``code`` in the actor's subtree, documents and needs prefetched.

    Raises ``PermissionDenied`` for a role that may not read (or, with ``write``, change)
    persons, and ``NotFound`` for a missing, malformed or out-of-scope code. Logs one access row
    (``person_view`` or ``person_edit``) with the person's code.
    """
    require_person_role(actor, write=write)
    parsed = parse_code(code)
    person = None
    if parsed is not None:
        person = person_detail_queryset(person_scope(actor)).filter(code=parsed).first()
    if person is None:
        raise NotFound(_("No such person."), code="person_not_found")
    access_record(
        actor=actor,
        purpose=purpose_or_default(actor, purpose),
        action="person_edit" if write else "person_view",
        subject_type="person",
        subject_ids=[person.code],
    )
    return person


def access_household(
    actor: AnyActor, code: object, *, purpose: str | None = None, write: bool = False
) -> Household:
    """The household with ``code`` in the actor's subtree (its node loaded).

    Same errors as :func:`access_person`; logs ``household_view``/``household_edit``.
    """
    require_person_role(actor, write=write)
    parsed = parse_code(code)
    household = None
    if parsed is not None:
        household = household_scope(actor).select_related("region").filter(code=parsed).first()
    if household is None:
        raise NotFound(_("No such household."), code="household_not_found")
    access_record(
        actor=actor,
        purpose=purpose_or_default(actor, purpose),
        action="household_edit" if write else "household_view",
        subject_type="household",
        subject_ids=[household.code],
    )
    return household


def access_duplicate(actor: AnyActor, code: object, *, write: bool = False) -> DuplicateCandidate:
    """A duplicate pair of which at least one person lies in the actor's subtree.

    Same errors as :func:`access_person`; logs ``duplicate_view`` with the visible persons.
    """
    require_person_role(actor, write=write)
    parsed = parse_code(code)
    candidate = None
    if parsed is not None:
        queryset = DuplicateCandidate.objects.select_related(
            "person_a__region", "person_b__region", "claimed_region"
        ).filter(code=parsed)
        if actor.region_path:
            queryset = queryset.filter(
                Q(in_subtree(actor.region_path, field="person_a__region__path"))
                | Q(in_subtree(actor.region_path, field="person_b__region__path"))
            )
        candidate = queryset.first()
    if candidate is None:
        raise NotFound(_("No such duplicate candidate."), code="duplicate_not_found")
    visible = [
        person.code
        for person in (candidate.person_a, candidate.person_b)
        if person is not None and region_in_scope(actor, person.region)
    ]
    access_record(
        actor=actor,
        purpose=AccessPurpose.DUPLICATE_REVIEW,
        action="duplicate_view",
        subject_type="person",
        subject_ids=visible,
    )
    return candidate
