"""Reads of persons, households and duplicate pairs, always inside the actor's subtree.

Lists run a constant number of queries whatever the page size (one for the page, one per
prefetched relation, one access-log insert), and every list or search that returns
identifiable persons writes one read-access row with their codes (never names or numbers).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _lazy

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import address_key
from fangkong.core.audit import access_record
from fangkong.core.errors import ValidationFailed
from fangkong.core.lookups import prefix_q
from fangkong.core.names import has_han, name_query_keys
from fangkong.core.paging import DEFAULT_PAGE_SIZE, Page, paginate
from fangkong.core.phones import normalise_phone
from fangkong.people.choices import DuplicateStatus, SpecialNeed
from fangkong.people.documents import search_indexes
from fangkong.people.models import (
    DuplicateCandidate,
    Household,
    IdentityDocument,
    Person,
    PersonNeed,
)
from fangkong.people.tallies import people_tally_read
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree, region_in_scope

MAX_QUERY_LENGTH = 100
#: Shorter name keys match exactly only: a one-character prefix (a surname) would match a
#: sizeable share of a city and make the ranked sort scan it all.
MIN_PREFIX = 2


def _nodes_of(actor: AnyActor) -> QuerySet[Region, int]:
    return Region.objects.filter(in_subtree(actor.region_path)).values_list("id", flat=True)


def person_scope(actor: AnyActor) -> QuerySet[Person]:
    """Persons whose node lies in the actor's subtree (everyone for the system actor).

    Written as ``region_id IN (nodes of the subtree)`` rather than a join on the path: the
    planner can then start from a selective index (a name key, a phone) and test the node
    against the small set, instead of walking every person of the subtree.
    """
    queryset = Person.objects.all()
    if actor.region_path:
        queryset = queryset.filter(region_id__in=_nodes_of(actor))
    return queryset


def household_scope(actor: AnyActor) -> QuerySet[Household]:
    """Households whose node lies in the actor's subtree (see :func:`person_scope`)."""
    queryset = Household.objects.all()
    if actor.region_path:
        queryset = queryset.filter(region_id__in=_nodes_of(actor))
    return queryset


def people_summary(*, actor: AnyActor) -> dict[str, Any]:
    """Counts for the overview: persons, households, persons with any special need, and the
    number per need, with ``as_of`` (when they were counted).

    Read from the per-node tallies (``people.tallies``), a handful of rows per subtree; before
    the first tally (a fresh installation) counted live with three aggregate queries.
    """
    tally = people_tally_read(actor=actor)
    if tally is None:
        needs = PersonNeed.objects.all()
        if actor.region_path:
            needs = needs.filter(person__region_id__in=_nodes_of(actor))
        by_kind = dict(needs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
        tally = {
            "persons": person_scope(actor).count(),
            "households": household_scope(actor).count(),
            "with_needs": needs.values("person_id").distinct().count(),
            "needs": by_kind,
            "as_of": None,
        }
    return {
        "persons": tally["persons"] or 0,
        "households": tally["households"] or 0,
        "special_needs": tally["with_needs"] or 0,
        "needs_by_kind": [
            (label, tally["needs"][value])
            for value, label in SpecialNeed.choices
            if tally["needs"].get(value)
        ],
        "as_of": tally["as_of"],
    }


# --------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonFilters:
    """Filters shared by the search page and ``GET /people``.

    ``region`` is a node code (its whole subtree), ``household`` a household code, ``need`` a
    :class:`SpecialNeed` value, ``has_duplicates`` keeps persons with an open duplicate pair.
    """

    region: str = ""
    household: str = ""
    need: str = ""
    has_duplicates: bool = False


@dataclass(frozen=True)
class PersonSearch:
    """A page of persons and how the query was read.

    ``kind`` is ``all`` (no query), ``id_number``, ``phone``, ``number`` (digits or another
    document) or ``name``; ``problem`` is an error code when the query looked like an identity
    number but is not a valid one (the page says so instead of just showing nothing).
    """

    page: Page[Person]
    kind: str
    problem: str = ""
    problem_message: str = ""


def _clean_query(text: str | None) -> str:
    """A typed query, trimmed and capped; NUL (PostgreSQL refuses it in a literal) and lone
    surrogates (not encodable) dropped."""
    text = "".join(char for char in (text or "") if char != "\x00" and not _surrogate(char))
    return text.strip()[:MAX_QUERY_LENGTH]


def _surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def person_list_relations(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """Related rows for a page of persons, fetched per page (a constant number of queries).

    Node and household are prefetched, not joined: a join lets the planner drive the search
    from the jurisdiction tables and walk every person of the subtree, where the name or
    phone index should lead.
    """
    return queryset.prefetch_related(
        "region",
        "household",
        Prefetch("documents", queryset=IdentityDocument.objects.order_by("-is_primary", "id")),
        "needs",
    )


def _open_duplicate_exists() -> Exists:
    return Exists(
        DuplicateCandidate.objects.filter(
            Q(person_a=OuterRef("pk")) | Q(person_b=OuterRef("pk")), status=DuplicateStatus.OPEN
        )
    )


def _apply_filters(queryset: QuerySet[Person], filters: PersonFilters) -> QuerySet[Person]:
    if filters.region:
        if not filters.region.isdigit():
            return queryset.none()
        path = Region.objects.filter(code=filters.region[:15]).values_list("path", flat=True)
        node_path = path.first()
        if node_path is None:
            return queryset.none()
        queryset = queryset.filter(in_subtree(node_path, field="region__path"))
    if filters.household:
        try:
            household_code = uuid.UUID(filters.household[:45])
        except ValueError:
            return queryset.none()
        queryset = queryset.filter(household__code=household_code)
    if filters.need:
        queryset = queryset.filter(needs__kind=filters.need)
    if filters.has_duplicates:
        queryset = queryset.filter(_open_duplicate_exists())
    return queryset


def _phone_query(query: str) -> str | None:
    try:
        return normalise_phone(query).number
    except ValidationFailed:
        return None


def _classify(queryset: QuerySet[Person], query: str) -> tuple[QuerySet[Person], str, str]:
    """Narrow ``queryset`` by what ``query`` is: identity number, phone, digits, or a name."""
    number = search_indexes(query)
    documents = Q(
        pk__in=IdentityDocument.objects.filter(number_index__in=number.indexes).values("person_id")
    )
    if number.resident:
        return queryset.filter(documents).order_by("id"), "id_number", ""
    phone = _phone_query(query)
    if phone:
        condition = Q(phone=phone) | documents if number.indexes else Q(phone=phone)
        return queryset.filter(condition).order_by("id"), "phone", ""
    compact = unicodedata.normalize("NFKC", "".join(query.split()))
    if number.indexes or number.problem or any(char.isdigit() for char in compact):
        condition = documents if number.indexes else Q(pk__in=[])
        if compact.isascii() and compact.isdigit() and len(compact) >= 4:
            condition |= prefix_q("phone", compact)
        return queryset.filter(condition).order_by("id"), "number", number.problem
    keys = name_query_keys(query)
    condition = Q()
    exact = Q()
    same_name = Q()
    for key in keys.name_keys:
        exact |= Q(name_key=key)
        same_name |= Q(name_key=key)
        if len(key) >= MIN_PREFIX:
            condition |= prefix_q("name_key", key)
    # The pinyin of one Han character is already several letters; count characters typed.
    typed = max((len(key) for key in keys.name_keys), default=0) if has_han(query) else None
    for key in keys.pinyin_keys:
        exact |= Q(name_pinyin=key)
        if (typed if typed is not None else len(key)) >= MIN_PREFIX:
            condition |= prefix_q("name_pinyin", key)
    condition |= exact
    if not condition:
        return queryset.none(), "name", ""
    # The very name first, then homophones (same pinyin), then names that start with the query.
    whens = [When(same_name, then=Value(0))] if same_name else []
    rank = Case(*whens, When(exact, then=Value(1)), default=Value(2), output_field=IntegerField())
    queryset = queryset.filter(condition).annotate(rank=rank).order_by("rank", "name_key", "id")
    return queryset, "name", ""


_PROBLEM_MESSAGES = {
    "id_check_digit": _lazy("This looks like an identity number, but its check digit is wrong."),
    "id_birth_date": _lazy("This looks like an identity number, but its birth date is not valid."),
    "id_excel_damaged": _lazy("This identity number looks damaged by a spreadsheet."),
    "id_lookalike_x": _lazy("The X at the end was typed with a look-alike character."),
    "id_length": _lazy("This looks like an identity number, but it has the wrong length."),
    "id_characters": _lazy("This looks like an identity number, but has a wrong character."),
}


def person_search(
    *,
    actor: AnyActor,
    q: str = "",
    filters: PersonFilters | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    purpose: str,
) -> PersonSearch:
    """Persons in the actor's subtree matching one free query box, a page at a time.

    1. Work out what ``q`` is: a valid resident number (15-digit legacy numbers become 18) or
       another document number → blind-index lookup; a phone → exact canonical match; other
       digits → phone prefix; anything else is a name → ``name_key`` and pinyin keys, exact or
       (from two characters) prefix, both orders of a Latin name, ``lu``/``lv`` variants
       (exact matches first).
    2. Apply :class:`PersonFilters`, fetch one page (constant queries), log one access row with
       the codes of the persons returned (action ``person_search`` or ``person_list``).

    ``purpose`` is an :class:`~fangkong.accounts.choices.AccessPurpose` value. The role check is
    the caller's (``access.require_person_role``).
    """
    query = _clean_query(q)
    queryset = _apply_filters(person_scope(actor), filters or PersonFilters())
    kind, problem = "all", ""
    if query:
        queryset, kind, problem = _classify(queryset, query)
    else:
        queryset = queryset.order_by("id")
    result = paginate(person_list_relations(queryset), page=page, page_size=page_size)
    access_record(
        actor=actor,
        purpose=purpose,
        action="person_search" if query else "person_list",
        subject_type="person",
        subject_ids=[person.code for person in result.items],
    )
    message = str(_PROBLEM_MESSAGES[problem]) if problem in _PROBLEM_MESSAGES else ""
    return PersonSearch(page=result, kind=kind, problem=problem, problem_message=message)


def person_list(
    *,
    actor: AnyActor,
    filters: PersonFilters | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    purpose: str,
) -> Page[Person]:
    """Persons in the actor's subtree by filters only (see :func:`person_search`)."""
    return person_search(
        actor=actor, q="", filters=filters, page=page, page_size=page_size, purpose=purpose
    ).page


def household_members(*, actor: AnyActor, household: Household, purpose: str) -> list[Person]:
    """The members of a household (already accessed), in scope, with list relations; logs one
    access row ``household_members`` with their codes."""
    members = list(
        person_list_relations(person_scope(actor).filter(household=household).order_by("id"))
    )
    access_record(
        actor=actor,
        purpose=purpose,
        action="household_members",
        subject_type="person",
        subject_ids=[person.code for person in members],
    )
    return members


# --------------------------------------------------------------------------- households


def household_list(
    *,
    actor: AnyActor,
    q: str = "",
    region: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    purpose: str,
) -> Page[Household]:
    """Households in the actor's subtree with their member counts; ``q`` matches the address
    text or its building-unit-room key. Logs one access row with the household codes."""
    queryset = household_scope(actor).select_related("region")
    if region and not region.isdigit():
        queryset = queryset.none()
    elif region:
        node_path = Region.objects.filter(code=region[:15]).values_list("path", flat=True).first()
        if node_path is None:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(in_subtree(node_path, field="region__path"))
    query = _clean_query(q)
    if query:
        key = address_key(query)
        condition = Q(address__icontains=query)
        if key:
            condition |= Q(address_key=key)
        queryset = queryset.filter(condition)
    queryset = queryset.annotate(member_count=Count("members")).order_by("id")
    result: Page[Household] = paginate(queryset, page=page, page_size=page_size)
    access_record(
        actor=actor,
        purpose=purpose,
        action="household_list",
        subject_type="household",
        subject_ids=[household.code for household in result.items],
    )
    return result


# --------------------------------------------------------------------------- duplicates


def duplicate_candidate_list(
    *,
    actor: AnyActor,
    status: str = DuplicateStatus.OPEN,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    purpose: str,
) -> Page[DuplicateCandidate]:
    """Duplicate pairs with at least one person in the actor's subtree, oldest first.

    ``status`` empty means every status. Logs one access row with the codes of the persons the
    actor may see (a side in another jurisdiction is shown as hidden, without its region).
    """
    queryset = DuplicateCandidate.objects.select_related(
        "person_a__region", "person_b__region", "claimed_region"
    )
    if actor.region_path:
        queryset = queryset.filter(
            Q(in_subtree(actor.region_path, field="person_a__region__path"))
            | Q(in_subtree(actor.region_path, field="person_b__region__path"))
        )
    if status:
        queryset = queryset.filter(status=status)
    result = paginate(queryset.order_by("id"), page=page, page_size=page_size)
    visible = [
        person.code
        for candidate in result.items
        for person in (candidate.person_a, candidate.person_b)
        if person is not None and region_in_scope(actor, person.region)
    ]
    access_record(
        actor=actor,
        purpose=purpose,
        action="duplicate_list",
        subject_type="person",
        subject_ids=list(dict.fromkeys(visible)),
    )
    return result
