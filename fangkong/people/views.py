"""People pages: search, person, register, households, duplicate review.

Views parse input, call ``access``/``selectors``/``services`` and render; what is shown of
identity numbers and phones comes from ``presentation``. Every page is guarded by
``actor_required`` with ``PERSON_ROLES``; writes need ``PERSON_WRITE_ROLES`` (the access
function raises 403 otherwise).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.accounts.choices import AccessPurpose
from fangkong.core.actor import Actor
from fangkong.core.crypto import blind_index
from fangkong.core.errors import Conflict, FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.pages import actor_required
from fangkong.core.paging import Page
from fangkong.core.roles import PERSON_ROLES, PERSON_WRITE_ROLES
from fangkong.people import services
from fangkong.people.access import (
    access_duplicate,
    access_household,
    access_person,
    default_purpose,
    require_person_role,
)
from fangkong.people.choices import DocumentType
from fangkong.people.forms import (
    DocumentForm,
    HouseholdEditForm,
    HouseholdForm,
    HouseholdSearchForm,
    NeedForm,
    PersonCreateForm,
    PersonEditForm,
    ReviewForm,
    SearchForm,
)
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.people.presentation import (
    duplicate_card,
    person_card,
    person_row,
    shows_identity,
)
from fangkong.people.selectors import (
    PersonFilters,
    duplicate_candidate_list,
    household_list,
    household_members,
    person_search,
)
from fangkong.regions.access import access_region

PERSON_PAGE_ROLES = tuple(sorted(PERSON_ROLES))


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def _query_string(request: HttpRequest) -> str:
    return _without_page(request.GET)


def _without_page(params: QueryDict) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def _add_errors(form: Any, exc: FangkongError, fields: dict[str, str] | None = None) -> None:
    """Put a service error on the form: field errors on their fields where the form has them,
    the others with their row and label (``core.form_errors``)."""
    errors_on_form(form, exc, fields=fields)


# --------------------------------------------------------------------------- search


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def search_view(request: HttpRequest) -> HttpResponse:
    """One box for an identity number, a phone or a name (Simplified, Traditional or pinyin);
    results show documents and phones as the role may see them. An htmx request gets only the
    results table.

    What is typed in the box travels in a POST body, never in the address: identity numbers,
    phones and names must not reach a URL, a browser history or a server log. A GET lists
    persons by the filters alone (node, need, open duplicates — nothing that identifies
    anyone), and ignores a ``q`` someone put in an address by hand.
    """
    actor = actor_of(request)
    searching = request.method == "POST"
    source = request.POST.copy() if searching else request.GET.copy()
    if not searching:
        source.pop("q", None)
    form = SearchForm(source if source else None)
    data = form.cleaned_data if form.is_valid() else {}
    query = data.get("q", "") if searching else ""
    result = person_search(
        actor=actor,
        q=query,
        filters=PersonFilters(
            region=data.get("region", "").strip(),
            need=data.get("need", ""),
            has_duplicates=bool(data.get("has_duplicates")),
        ),
        page=_int(source.get("page"), 1),
        page_size=_int(source.get("page_size"), 50),
        purpose=default_purpose(actor),
    )
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "page": result.page,
        "rows": [person_row(actor, person) for person in result.page.items],
        # A search pages by posting the form again (page buttons); a list by GET links.
        "query": "" if searching else _without_page(source),
        "posted": searching,
        "searched": bool(query),
        "unmasked": shows_identity(actor),
        "can_write": actor.role in PERSON_WRITE_ROLES,
    }
    if request.headers.get("HX-Request"):
        return render(request, "people/_results.html", context)
    return render(request, "people/search.html", context)


# --------------------------------------------------------------------------- create


def _create_payload(data: dict[str, Any]) -> dict[str, Any]:
    """The form as the idempotency ledger hashes it (the number only as a keyed digest)."""
    payload = {key: value for key, value in data.items() if key != "idempotency_key"}
    payload["doc_number"] = blind_index(str(payload.get("doc_number", "")), purpose="idempotency")
    return payload


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def create_view(request: HttpRequest) -> HttpResponse:
    """Register a person; a double submit (same hidden key) creates one person. A number that
    is already registered is refused with a link to the holder unless the user says why it is
    registered again."""
    actor = actor_of(request)
    require_person_role(actor, write=True)
    form = PersonCreateForm(request.POST or None)
    existing_code = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def write() -> tuple[int, dict[str, Any]]:
            household = (
                access_household(actor, data["household"].strip(), write=True)
                if data["household"].strip()
                else None
            )
            region = (
                access_region(actor, data["region"].strip())
                if data["region"].strip() and household is None
                else None
            )
            documents = []
            if data["doc_number"].strip():
                documents.append(
                    services.DocumentInput(
                        doc_type=data["doc_type"] or DocumentType.RESIDENT_ID,
                        number=data["doc_number"],
                        issuing_country=data["issuing_country"],
                    )
                )
            created = services.person_create(
                actor=actor,
                name=data["name"],
                region=region,
                household=household,
                sex=data["sex"],
                birth_date=data["birth_date"],
                phone=data["phone"],
                occupation=data["occupation"],
                note=data["note"],
                documents=documents,
                needs=data["needs"],
                allow_duplicate=data["allow_duplicate"],
                duplicate_reason=data["duplicate_reason"],
            )
            return 201, {"code": str(created.person.code), "duplicates": len(created.duplicates)}

        try:
            with services.identity_claims_kept(actor):
                _status, body = run_idempotent(
                    actor=actor,
                    key=data.get("idempotency_key") or None,
                    operation="person_create_page",
                    payload=_create_payload(data),
                    write=write,
                )
        except FangkongError as exc:
            status = exc.status if exc.status in (404, 409, 422) else 400
            existing_code = str(exc.detail.get("person_code", ""))
            _add_errors(
                form,
                exc,
                {"documents[0].number": "doc_number", "region": "region"},
            )
        else:
            if body.get("duplicates"):
                messages.warning(
                    request, _("Registered; a possible duplicate was opened for review.")
                )
            else:
                messages.success(request, _("Registered."))
            return redirect("people:person", code=body["code"])
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "people/create.html",
        {"form": form, "existing_code": existing_code},
        status=status,
    )


# --------------------------------------------------------------------------- person


def _person_context(actor: Actor, person: Person, **extra: Any) -> dict[str, Any]:
    card = person_card(actor, person)
    context: dict[str, Any] = {
        "person": card,
        "edit_form": PersonEditForm(
            initial={
                "version": card.version,
                "name": card.name,
                "sex": card.sex,
                "birth_date": card.birth_date,
                "phone": card.phone if not card.phone or "*" not in card.phone else "",
                "occupation": card.occupation,
                "note": card.note,
            }
        ),
        "document_form": DocumentForm(),
        "need_form": NeedForm(),
        "conflict": False,
        "can_write": actor.role in PERSON_WRITE_ROLES,
    }
    context.update(extra)
    return context


def _edit_changes(form: PersonEditForm, card_phone_masked: bool) -> dict[str, Any]:
    data = form.cleaned_data
    changes = {key: data[key] for key in ("name", "sex", "birth_date", "occupation", "note")}
    if data["phone"] or not card_phone_masked:
        # A role that sees the phone masked leaves the box empty to keep it unchanged.
        changes["phone"] = data["phone"]
    return changes


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def person_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """A person: details, documents (numbers as the role may see them), needs, household; and
    the forms to edit (with the version read), add a document and set or clear a need."""
    actor = actor_of(request)
    if request.method == "GET":
        person = access_person(actor, code)
        return render(request, "people/person.html", _person_context(actor, person))
    person = access_person(actor, code, write=True)
    kind = request.POST.get("form", "")
    status = 200
    extra: dict[str, Any] = {}
    try:
        if kind == "edit":
            edit_form = PersonEditForm(request.POST)
            extra["edit_form"] = edit_form
            if not edit_form.is_valid():
                status = 422
            else:
                masked = bool(person.phone) and "*" in person_card(actor, person).phone
                services.person_update(
                    actor=actor,
                    person=person,
                    version=edit_form.cleaned_data["version"],
                    changes=_edit_changes(edit_form, masked),
                )
                messages.success(request, _("Saved."))
                return redirect("people:person", code=person.code)
        elif kind == "document":
            document_form = DocumentForm(request.POST)
            extra["document_form"] = document_form
            if not document_form.is_valid():
                status = 422
            else:
                data = document_form.cleaned_data
                with services.identity_claims_kept(actor):
                    services.document_add(
                        actor=actor,
                        person=person,
                        doc_type=data["doc_type"],
                        number=data["number"],
                        issuing_country=data["issuing_country"],
                        allow_duplicate=data["allow_duplicate"],
                        duplicate_reason=data["duplicate_reason"],
                    )
                messages.success(request, _("Document added."))
                return redirect("people:person", code=person.code)
        elif kind == "need":
            need_form = NeedForm(request.POST)
            if need_form.is_valid():
                data = need_form.cleaned_data
                if data["present"]:
                    services.person_need_set(
                        actor=actor, person=person, kind=data["kind"], note=data["note"]
                    )
                else:
                    services.person_need_unset(actor=actor, person=person, kind=data["kind"])
                return redirect("people:person", code=person.code)
            extra["need_form"] = need_form
            status = 422
        else:
            status = 400
    except Conflict as exc:
        status = 409
        if exc.code == "stale_version":
            extra["conflict"] = True
            extra.pop("edit_form", None)
        else:
            messages.error(request, exc.message)
    except FangkongError as exc:
        status = exc.status
        target = extra.get("edit_form") or extra.get("document_form") or extra.get("need_form")
        if target is not None:
            _add_errors(target, exc, {"documents[0].number": "number"})
        else:
            messages.error(request, exc.message)
    person = access_person(actor, code)
    return render(
        request, "people/person.html", _person_context(actor, person, **extra), status=status
    )


# --------------------------------------------------------------------------- households


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def households_view(request: HttpRequest) -> HttpResponse:
    """Households in scope by address, and the form to register one."""
    actor = actor_of(request)
    form = HouseholdForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_person_role(actor, write=True)
        if form.is_valid():
            data = form.cleaned_data
            try:

                def write() -> tuple[int, dict[str, Any]]:
                    household = services.household_create(
                        actor=actor,
                        region=access_region(actor, data["region"].strip()),
                        address=data["address"],
                    )
                    return 201, {"code": str(household.code)}

                _status, body = run_idempotent(
                    actor=actor,
                    key=data.get("idempotency_key") or None,
                    operation="household_create_page",
                    payload={"region": data["region"], "address": data["address"]},
                    write=write,
                )
            except FangkongError as exc:
                status = exc.status
                _add_errors(form, exc)
            else:
                messages.success(request, _("Household registered."))
                return redirect("people:household", code=body["code"])
        else:
            status = 422
    search = HouseholdSearchForm(request.GET or None)
    data = search.cleaned_data if search.is_valid() else {}
    page = household_list(
        actor=actor,
        q=data.get("q", ""),
        region=data.get("region", "").strip(),
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 50),
        purpose=default_purpose(actor),
    )
    return render(
        request,
        "people/households.html",
        {
            "form": form,
            "search": search,
            "page": page,
            "query": _query_string(request),
            "can_write": actor.role in PERSON_WRITE_ROLES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def household_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """A household: address and its parts, members, and the edit form (with the version)."""
    actor = actor_of(request)
    status = 200
    conflict = False
    form: HouseholdEditForm | None = None
    if request.method == "POST":
        household = access_household(actor, code, write=True)
        form = HouseholdEditForm(request.POST)
        if form.is_valid():
            try:
                services.household_update(
                    actor=actor,
                    household=household,
                    version=form.cleaned_data["version"],
                    address=form.cleaned_data["address"],
                )
            except Conflict:
                status, conflict, form = 409, True, None
            except FangkongError as exc:
                status = exc.status
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("people:household", code=household.code)
        else:
            status = 422
    household = access_household(actor, code)
    members = household_members(actor=actor, household=household, purpose=default_purpose(actor))
    if form is None:
        form = HouseholdEditForm(
            initial={"version": household.version, "address": household.address}
        )
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "members": [person_row(actor, member) for member in members],
            "form": form,
            "conflict": conflict,
            "can_write": actor.role in PERSON_WRITE_ROLES,
        },
        status=status,
    )


# --------------------------------------------------------------------------- duplicates


@require_http_methods(["GET", "POST"])
@actor_required(*PERSON_PAGE_ROLES)
def duplicates_view(request: HttpRequest) -> HttpResponse:
    """Open duplicate pairs with the review actions (never a merge)."""
    actor = actor_of(request)
    status = 200
    if request.method == "POST":
        candidate = access_duplicate(actor, request.POST.get("candidate", ""), write=True)
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.duplicate_review(
                    actor=actor,
                    candidate=candidate,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                )
            except FangkongError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Review saved."))
                return redirect("people:duplicates")
        else:
            messages.error(request, _("Choose a decision and write a note."))
            status = 422
    page = _duplicates_page(request, actor)
    return render(
        request,
        "people/duplicates.html",
        {
            "page": page,
            "cards": [duplicate_card(actor, item) for item in page.items],
            "review_form": ReviewForm(),
            "query": _query_string(request),
            "can_write": actor.role in PERSON_WRITE_ROLES,
        },
        status=status,
    )


def _duplicates_page(request: HttpRequest, actor: Actor) -> Page[DuplicateCandidate]:
    """The page of open pairs for the duplicates view."""
    return duplicate_candidate_list(
        actor=actor,
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 50),
        purpose=AccessPurpose.DUPLICATE_REVIEW,
    )
