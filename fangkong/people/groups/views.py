"""Group pages under ``/people/groups/``: the groups in the actor's subtree, one group with
its members, and the bulk load of groups and members from CSV files.

Reads go through ``selectors``/``access`` as the API's do (members shown through
``people.presentation.person_row``, masked by role, the read logged as ``group_members``);
the upload calls ``groups_bulk_load``, which refuses the whole load naming every bad row.
The list and a group are for ``PERSON_ROLES``; the upload for ``PERSON_WRITE_ROLES``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import polars as pl
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.errors import ValidationFailed
from fangkong.core.form_errors import shown_error
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import DEFAULT_PAGE_SIZE
from fangkong.core.roles import PERSON_ROLES, PERSON_WRITE_ROLES
from fangkong.core.tabular import csv_frame, file_error
from fangkong.people.access import default_purpose
from fangkong.people.choices import GroupKind
from fangkong.people.groups.access import access_group
from fangkong.people.groups.bulk import groups_bulk_load
from fangkong.people.groups.forms import GroupFilterForm, GroupsLoadForm
from fangkong.people.groups.selectors import MAX_MEMBERS_SHOWN, group_list, group_members
from fangkong.people.presentation import person_row, shows_identity

#: An uploaded list: at most this many bytes and rows (larger registries load by command).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_ROWS = 200_000
#: Refused rows shown on the page per file (the count of all of them is always shown).
SHOWN_ERRORS = 200
#: The tables of a load as the refusal names them, and the file each comes from.
TABLES = {"groups": ("key", "kind", "name", "region_code"), "members": ("group_key", "person")}


def _int(value: str | None, default: int, highest: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, highest))


@require_http_methods(["GET"])
@actor_required(*sorted(PERSON_ROLES))
def groups_view(request: HttpRequest) -> HttpResponse:
    """Work teams, school classes and other groups in the actor's subtree with their member
    counts, paged, narrowed by kind, name and node. Names no person: nothing is logged."""
    actor = actor_of(request)
    form = GroupFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    page = group_list(
        actor=actor,
        kind=data.get("kind", ""),
        region=data.get("region", ""),
        q=data.get("q", "").strip(),
        page=_int(request.GET.get("page"), 1, 100_000),
        page_size=_int(request.GET.get("page_size"), DEFAULT_PAGE_SIZE, 200),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/groups.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"group": group, "kind_label": GroupKind(group.kind).label} for group in page.items
            ],
            "query": query.urlencode(),
        },
    )


@require_http_methods(["GET"])
@actor_required(*sorted(PERSON_ROLES))
def group_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One group: where it sits and its members in the actor's subtree (the first
    ``MAX_MEMBERS_SHOWN``), masked by role; the read is logged with the persons shown."""
    actor = actor_of(request)
    group = access_group(actor, code)
    shown = group_members(actor=actor, group=group, purpose=default_purpose(actor))
    return render(
        request,
        "people/group.html",
        {
            "group": group,
            "kind_label": GroupKind(group.kind).label,
            "members": [person_row(actor, member) for member in shown.members],
            "in_scope": shown.in_scope,
            "outside_scope": shown.outside_scope,
            "more": max(0, shown.in_scope - len(shown.members)),
            "shown_limit": MAX_MEMBERS_SHOWN,
            "unmasked": shows_identity(actor),
        },
    )


def _frame(upload: UploadedFile[bytes] | None, columns: tuple[str, ...]) -> pl.DataFrame:
    """The rows of an uploaded CSV file (an empty frame of ``columns`` without one)."""
    if upload is None:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise file_error(
            _("The file is larger than %(mib)s MiB.") % {"mib": MAX_UPLOAD_BYTES // (1024 * 1024)},
            "file_too_large",
        )
    frame = csv_frame(upload.read(MAX_UPLOAD_BYTES + 1))
    if frame.height > MAX_UPLOAD_ROWS:
        raise file_error(
            _("The file has more than %(rows)s rows; split it.") % {"rows": f"{MAX_UPLOAD_ROWS:,}"},
            "file_too_many_rows",
        )
    return frame


def _refusal(exc: ValidationFailed, table: str = "") -> dict[str, Any]:
    """A refusal as the page shows it: the message, then per file its rows (at most
    ``SHOWN_ERRORS`` each) with field label and problem, and how many more there are.
    ``table``: the file a file-level refusal (unreadable, too large) is about."""
    entries = exc.detail.get("errors") or []
    files: dict[str, list[Any]] = {name: [] for name in TABLES}
    other = []
    for entry in entries:
        name, _dot, _rest = str(entry.get("field", "")).partition(".")
        if name in files:
            files[name].append(shown_error(entry))
        elif table in files:
            files[table].append(shown_error(entry))
        else:
            other.append(shown_error(entry))
    return {
        "message": exc.message,
        "other": other,
        "files": [
            {
                "table": name,
                "errors": errors[:SHOWN_ERRORS],
                "more": max(0, len(errors) - SHOWN_ERRORS),
            }
            for name, errors in files.items()
            if errors
        ],
    }


@require_http_methods(["GET", "POST"])
@actor_required(*sorted(PERSON_WRITE_ROLES))
def groups_load_view(request: HttpRequest) -> HttpResponse:
    """Load groups and their members from two CSV files (the columns of the API's rows,
    header first). Every bad row of both files is named (the header is row 1) and nothing is
    stored; the same files from the same source sent again store nothing more."""
    actor = actor_of(request)
    context: dict[str, Any] = {}
    status = 200
    form = GroupsLoadForm()
    if request.method == "POST":
        form = GroupsLoadForm(request.POST, request.FILES)
        if form.is_valid():
            table = "groups"
            try:
                groups = _frame(form.cleaned_data["groups"], TABLES["groups"])
                table = "members"
                members = _frame(form.cleaned_data["members"], TABLES["members"])
                table = ""
                context["loaded"] = groups_bulk_load(
                    actor=actor,
                    source=form.cleaned_data["source"],
                    groups=groups,
                    members=members,
                    first_row=2,
                )
                form = GroupsLoadForm()
            except ValidationFailed as exc:
                status = 413 if exc.code == "file_too_large" else 422
                context["refusal"] = _refusal(exc, table)
        else:
            status = 422
    context["form"] = form
    return render(request, "people/groups_load.html", context, status=status)
