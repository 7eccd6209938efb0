"""Who is in a tube: the members a sampler scanned (personal sampling codes, ID cards, typed
numbers) resolved to registered persons, for a whole batch of tubes at once (R35, R36)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.lab.choices import EntryMethod
from fangkong.lab.sampling.codes import sampling_code_verify
from fangkong.people.choices import DocumentType
from fangkong.people.documents import document_validate
from fangkong.people.holders import PersonKey, document_holders, persons_by_code


@dataclass(frozen=True)
class MemberInput:
    """One scanned person: a personal sampling code, or a document type and number (ID card
    read or typed). ``scanned_at`` defaults to the tube's sampling time."""

    sampling_code: str = ""
    doc_type: str = ""
    id_number: str = ""
    method: str = ""
    scanned_at: datetime | None = None


#: A person bound to a tube: the columns a binding and an answer need (from ``people``).
Member = PersonKey


@dataclass
class ScannedMembers:
    """One tube's members: by position, a person code (signed sampling code) or a blind index
    (identity number); the entry methods; the persons once resolved; every error."""

    count: int
    codes: dict[int, Any] = field(default_factory=dict)
    indexes: dict[int, str] = field(default_factory=dict)
    methods: list[str] = field(default_factory=list)
    persons: list[Member] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def members_scan(members: Sequence[MemberInput]) -> ScannedMembers:
    """A tube's members as scanned: signed codes checked offline (no database), numbers
    through their validator and blind index; every error named by member."""
    item = ScannedMembers(count=len(members))
    for position, member in enumerate(members):
        prefix = f"members[{position}]"
        if member.sampling_code:
            try:
                item.codes[position] = sampling_code_verify(
                    member.sampling_code, field=f"{prefix}.sampling_code"
                ).person_code
            except ValidationFailed as exc:
                item.errors.extend(exc.errors)
            item.methods.append(EntryMethod.SAMPLING_CODE)
            continue
        if not member.id_number:
            item.errors.append(
                field_error(
                    f"{prefix}.id_number",
                    "member_unidentified",
                    _("Scan a sampling code or an ID card, or type the identity number."),
                )
            )
            item.methods.append(EntryMethod.MANUAL)
            continue
        try:
            document = document_validate(
                doc_type=member.doc_type or DocumentType.RESIDENT_ID,
                number=member.id_number,
                field=f"{prefix}.id_number",
            )
        except ValidationFailed as exc:
            item.errors.extend(exc.errors)
            item.methods.append(EntryMethod.MANUAL)
            continue
        item.indexes[position] = document.index
        item.methods.append(
            member.method
            if member.method in (EntryMethod.ID_CARD, EntryMethod.MANUAL)
            else EntryMethod.MANUAL
        )
    return item


def members_resolve(items: Sequence[ScannedMembers]) -> None:
    """Persons for every item's members in scan order (one query for the documents with
    their persons, one for persons by sampling code, over the whole batch);
    ``person_unknown`` and ``person_ambiguous`` per member, into each scan."""
    holders: dict[str, set[int]] = {}
    by_id: dict[int, Member] = {}
    by_code: dict[Any, Member] = {}
    indexes = {value for item in items for value in item.indexes.values()}
    codes = {value for item in items for value in item.codes.values()}
    for index_value, holder in document_holders(indexes):
        holders.setdefault(index_value, set()).add(holder.id)
        by_id[holder.id] = holder
        by_code[holder.code] = holder
    for found_person in persons_by_code(codes - set(by_code)):
        by_id[found_person.id] = found_person
        by_code[found_person.code] = found_person
    for item in items:
        for position in range(item.count):
            person: Member | None = None
            if position in item.codes:
                person = by_code.get(item.codes[position])
                field_name = f"members[{position}].sampling_code"
            elif position in item.indexes:
                found = sorted(holders.get(item.indexes[position], ()))
                field_name = f"members[{position}].id_number"
                if len(found) > 1:
                    item.errors.append(
                        field_error(
                            field_name,
                            "person_ambiguous",
                            _("Several persons hold this number; resolve the duplicate first."),
                        )
                    )
                    continue
                person = by_id.get(found[0]) if found else None
            else:
                continue
            if person is None:
                item.errors.append(
                    field_error(
                        field_name,
                        "person_unknown",
                        _(
                            "Nobody with this code or number is registered; register the "
                            "person first."
                        ),
                    )
                )
                continue
            item.persons.append(person)
