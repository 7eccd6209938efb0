"""Request pages: the queue with the filing form (grid worker at the door, hotline
operator), one request with its steps and medical exit, and the resident's own page reached
by the household's signed link (no sign-in, no identifier in the URL)."""

from __future__ import annotations

from uuid import UUID, uuid4

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.community.access import access_community_household
from fangkong.community.choices import RequestCategory
from fangkong.community.closures.selectors import restrictions_over
from fangkong.community.pages import page_asked
from fangkong.community.presentation import request_rows
from fangkong.community.requests.access import access_request, access_resident_link
from fangkong.community.requests.forms import ActionForm, FileForm, ResidentForm
from fangkong.community.requests.selectors import household_requests, request_queue
from fangkong.community.requests.services import (
    RESIDENT,
    exit_approve,
    exit_return,
    exit_vehicle,
    request_file,
    request_transition,
)
from fangkong.community.roles import (
    EXIT_APPROVE_ROLES,
    READ_ROLES,
    REQUEST_ROLES,
    VEHICLE_ROLES,
)
from fangkong.core.errors import FangkongError, NotFound, PermissionDenied
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate


@actor_required(*READ_ROLES)
def requests_view(request: HttpRequest) -> HttpResponse:
    """The open requests, an emergency first; the filing form for grid workers and the
    hotline (``?household=<code>`` fills in the household from the compound page)."""
    actor = actor_of(request)
    may_file = actor.role in REQUEST_ROLES
    initial = {"household": request.GET.get("household", "")}
    form = FileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not may_file:
            raise PermissionDenied(_("Your role may not file requests."), code="forbidden")
        if form.is_valid():
            try:
                household = access_community_household(actor, form.cleaned_data["household"])
                filed = request_file(
                    actor=actor,
                    household=household,
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    channel=form.cleaned_data["channel"],
                )
            except FangkongError as exc:
                if exc.status == 403:
                    raise
                errors_on_form(form, exc)
            else:
                messages.success(request, _("Request filed."))
                return redirect("community:request", code=filed.code)
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    page = paginate(
        request_queue(actor=actor, overdue_at=now if overdue else None),
        page=page_asked(request),
        page_size=100,
    )
    return render(
        request,
        "community/requests.html",
        {
            "page": page,
            "rows": request_rows(actor, list(page.items), now=now),
            "form": form,
            "may_file": may_file,
            "overdue": overdue,
            "query": "overdue=1" if overdue else "",
        },
        status=422 if request.method == "POST" else 200,
    )


def _request_page(request: HttpRequest, code: UUID, form: ActionForm | None = None) -> HttpResponse:
    actor = actor_of(request)
    found = access_request(actor, code)
    [row] = request_rows(actor, [found], now=timezone.now())
    return render(
        request,
        "community/request.html",
        {
            "row": row,
            "form": form or ActionForm(),
            "may_work": actor.role in REQUEST_ROLES,
            "may_approve": actor.role in EXIT_APPROVE_ROLES,
            "may_drive": actor.role in VEHICLE_ROLES,
        },
        status=422 if form is not None else 200,
    )


@actor_required(*READ_ROLES, *VEHICLE_ROLES)
def request_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One request: its deadline, owner, escalation and medical exit."""
    return _request_page(request, code)


@require_POST
@actor_required(*REQUEST_ROLES, *EXIT_APPROVE_ROLES, *VEHICLE_ROLES)
def request_action_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """One step of a request or its exit (each service checks the role)."""
    actor = actor_of(request)
    found = access_request(actor, code, roles=REQUEST_ROLES | EXIT_APPROVE_ROLES | VEHICLE_ROLES)
    form = ActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "approve":
                exit_approve(
                    actor=actor,
                    request=found,
                    reason=data["reason"],
                    destination=data["destination"],
                )
            elif data["action"] == "vehicle":
                exit_vehicle(
                    actor=actor,
                    request=found,
                    plate=data["plate"],
                    driver=data["driver"],
                    return_by=data["return_by"],
                )
            elif data["action"] == "return":
                exit_return(actor=actor, request=found)
            else:
                request_transition(
                    actor=actor, request=found, to=data["action"], reason=data["reason"]
                )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("community:request", code=found.code)
    return _request_page(request, code, form)


def resident_view(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's page (no sign-in: a refusal renders the error page with its status,
    a bad link the same 404 as any missing page); see :func:`_resident_page`."""
    try:
        return _resident_page(request, token)
    except FangkongError as exc:
        return render(
            request,
            "web/error.html",
            {"error_code": exc.code, "error_message": exc.message},
            status=exc.status,
        )


def _resident_page(request: HttpRequest, token: str) -> HttpResponse:
    """The resident's page: why and until when the household is restricted, its own
    requests, a form to ask for something and a button to confirm what was done. Reached
    only by the household's signed link; a bad, expired or revoked link is a 404."""
    household = access_resident_link(token)
    form = ResidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        confirm = request.POST.get("confirm", "")
        try:
            if confirm:
                parsed = _uuid(confirm)
                mine = household_requests(household).filter(code=parsed).first() if parsed else None
                if mine is None:
                    raise NotFound(_("No such request."), code="request_not_found")
                request_transition(actor=RESIDENT, request=mine, to="confirmed")
                messages.success(request, _("Thank you: confirmed."))
                return redirect("community:resident", token=token)
            if form.is_valid():
                request_file(
                    actor=RESIDENT,
                    household=household,
                    category=form.cleaned_data["category"],
                    description=form.cleaned_data["description"],
                    channel="resident",
                    submit_key=_uuid(request.POST.get("submit_key", "")),
                )
                messages.success(request, _("Your request is filed."))
                return redirect("community:resident", token=token)
        except FangkongError as exc:
            if exc.status == 404:
                raise
            errors_on_form(form, exc)
    now = timezone.now()
    return render(
        request,
        "community/resident.html",
        {
            "household": household,
            "restrictions": list(restrictions_over(household)),
            "rows": request_rows(RESIDENT, list(household_requests(household)[:50]), now=now),
            "categories": RequestCategory.choices,
            "submit_key": uuid4(),
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
