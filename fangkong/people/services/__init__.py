"""Every write to persons, identity documents, households, special needs and duplicate pairs.

Each service takes the acting :class:`Actor`, checks its role (``PERSON_WRITE_ROLES``), runs in
one transaction and leaves an audit row naming the fields written (never their values). Names
and phones are normalised here (``core.names``, ``core.phones``), document numbers validated by
type (``people.documents``), encrypted (``purpose="id-number"``) and found through their blind
index. The raw identity input is kept only encrypted in the audit row
(``purpose="audit-raw-id"``), never in clear text.

Duplicates are never merged and never overwritten: the same identity number is refused
(``identity_exists``, 409) unless the caller says ``allow_duplicate`` with a reason, and then a
:class:`DuplicateCandidate` is opened for a person to review, as for the same name and birth.
A number held outside the writer's jurisdiction is refused without saying by whom or where
(``identity_exists_elsewhere``), and a claim is opened for the holder's jurisdiction to review
(``identity_claims_kept``; docs/privacy.md).
"""

from __future__ import annotations

from fangkong.people.documents import AUDIT_RAW_PURPOSE, DocumentInput, IdentityExistsElsewhere
from fangkong.people.services.duplicates import (
    duplicate_open,
    duplicate_review,
    identity_claims_kept,
    identity_claims_record,
)
from fangkong.people.services.households import household_create, household_update
from fangkong.people.services.persons import (
    PersonCreated,
    document_add,
    person_create,
    person_need_set,
    person_need_unset,
    person_update,
)

__all__ = [
    "AUDIT_RAW_PURPOSE",
    "DocumentInput",
    "IdentityExistsElsewhere",
    "PersonCreated",
    "document_add",
    "duplicate_open",
    "duplicate_review",
    "household_create",
    "household_update",
    "identity_claims_kept",
    "identity_claims_record",
    "person_create",
    "person_need_set",
    "person_need_unset",
    "person_update",
]
