"""Jurisdiction pages: the browser (breadcrumbs, children with counts, search, node details),
node administration, and the division-table import for administrators.

Views parse input, call ``access``/``selectors``/``services`` and render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.form_errors import shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.core.roles import Role
from fangkong.regions import services
from fangkong.regions.access import access_region
from fangkong.regions.forms import ChildForm, ImportForm, RenameForm
from fangkong.regions.importer import MAX_IMPORT_BYTES
from fangkong.regions.selectors import (
    region_breadcrumbs,
    region_descendant_count,
    region_list_with_counts,
)

ADMIN = Role.ADMINISTRATOR


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 100_000))


def _error_messages(request: HttpRequest, exc: FangkongError) -> None:
    messages.error(request, exc.message)
    for error in exc.detail.get("errors", []):
        messages.error(request, f"{error.get('field', '')}: {error.get('message', '')}")


@actor_required()
def browse_view(request: HttpRequest, code: str = "") -> HttpResponse:
    """One node of the actor's subtree (default: their own): breadcrumbs, details, children
    with their own child counts, or the results of a name/code search."""
    actor = actor_of(request)
    node = access_region(actor, code or actor.region_code)
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    queryset = (
        region_list_with_counts(actor=actor, search=search)
        if search
        else region_list_with_counts(actor=actor, parent_code=node.code)
    )
    page = paginate(
        queryset,
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 50),
    )
    is_admin = actor.role == ADMIN
    context: dict[str, Any] = {
        "node": node,
        "breadcrumbs": region_breadcrumbs(actor, node),
        "page": page,
        "q": search,
        "query": urlencode({"q": search}) if search else "",
        "descendants": region_descendant_count(node),
        "is_admin": is_admin,
    }
    if is_admin:
        context["rename_form"] = RenameForm(initial={"version": node.version, "name": node.name})
        context["child_form"] = ChildForm()
    return render(request, "regions/browse.html", context)


@require_POST
@actor_required(ADMIN)
def node_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    """Rename the node or add a child to it (administrators, inside their subtree)."""
    actor = actor_of(request)
    node = access_region(actor, code)
    action = request.POST.get("action")
    try:
        if action == "rename":
            form: RenameForm | ChildForm = RenameForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Fill in the new name."))
            services.region_rename(
                actor=actor,
                region=node,
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Renamed."))
        elif action == "child":
            form = ChildForm(request.POST)
            if not form.is_valid():
                raise ValidationFailed(_("Give a code of 6 to 15 digits and a name."))
            child = services.region_create(
                actor=actor,
                parent=node,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                time_zone=form.cleaned_data["time_zone"] or None,
            )
            messages.success(request, _("Added %(name)s.") % {"name": child.name})
        else:
            raise ValidationFailed(_("Unknown action."))
    except FangkongError as exc:
        _error_messages(request, exc)
    return redirect("regions:node", code=node.code)


@actor_required(ADMIN)
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload a division table: the report of every rejected row, or the counts."""
    actor = actor_of(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise FangkongError(
                    _("The file is larger than %(mb)s MB; split it.")
                    % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
                    code="file_too_large",
                    status=413,
                )
            report = services.region_import_csv(
                actor=actor,
                file=upload.read(MAX_IMPORT_BYTES + 1),
                dry_run=form.cleaned_data["dry_run"],
                filename=str(upload.name)[:200],
            )
        except ValidationFailed as exc:
            errors = shown_errors(exc) if exc.errors else []
            context.update(failure=exc, errors=errors, counts=exc.detail)
            status = 422
        except FangkongError as exc:
            context.update(failure=exc, errors=[], counts={})
            status = exc.status
        else:
            context["report"] = report
    return render(request, "regions/import.html", context, status=status)
