"""Sign-in, MFA, the membership switch, the user's own security page, user administration and
the audit pages. Views parse input, call access/selectors/services and render."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as dtime
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from fangkong.accounts import services
from fangkong.accounts.access import access_membership, access_token, access_user
from fangkong.accounts.actors import active_memberships, client_ip, mfa_required
from fangkong.accounts.choices import AccessPurpose, Role
from fangkong.accounts.forms import (
    AuditFilterForm,
    GrantForm,
    LoginForm,
    MfaForm,
    PasswordChangeForm,
    ReasonForm,
    TokenForm,
    UserCreateForm,
)
from fangkong.accounts.login_devices import login_device_known, login_device_remember
from fangkong.accounts.middleware import (
    SESSION_EPOCH,
    SESSION_LOGIN_AT,
    SESSION_MEMBERSHIP,
    SESSION_MFA_OK,
    SESSION_SEEN_AT,
)
from fangkong.accounts.models import User
from fangkong.accounts.selectors import access_list, audit_list, token_list, user_list
from fangkong.core.actor import SystemActor
from fangkong.core.errors import FangkongError
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import Page, paginate
from fangkong.core.periodic import periodic_job_status_list
from fangkong.regions.access import access_region

ADMIN = Role.ADMINISTRATOR


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    """Password step. Failures answer with one message whatever the cause; while a throttle
    holds (``services.login_is_throttled``: by name and address, for a cool-off) the password
    is not even checked, and the refused attempt is not counted."""
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip = client_ip(request.META)
        user = None
        known = login_device_known(request, username)
        throttled = services.login_is_throttled(username, ip, known_device=known)
        if not throttled:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if user is None:
            if not throttled:
                services.login_failure_record(username, ip)
            error = _("The user name or password is wrong, or the account is locked for a while.")
        else:
            assert isinstance(user, User)
            login(request, user)
            now = time.time()
            request.session[SESSION_EPOCH] = user.session_epoch
            request.session[SESSION_LOGIN_AT] = now
            request.session[SESSION_SEEN_AT] = now
            request.session[SESSION_MFA_OK] = False
            memberships = active_memberships(user)
            if user.mfa_enabled or mfa_required(user, memberships):
                request.session["fk_next"] = _safe_next(request)
                return redirect("accounts:mfa")
            response = redirect(_safe_next(request))
            login_device_remember(request, response, user.username)
            return response
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
    )


def _qr_svg(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4)


@sensitive_post_parameters("code")
def mfa_view(request: HttpRequest) -> HttpResponse:
    """Second step: verify a TOTP code, or enrol first when the user has none yet."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    assert isinstance(user, User)
    self_actor = SystemActor(username=user.username, role="self", user_id=user.pk)
    form = MfaForm(request.POST or None)
    provisioning = ""
    if not user.mfa_enabled:
        if request.method == "GET" or not user.mfa_secret:
            provisioning = services.mfa_enrol_start(actor=self_actor, user=user)
        else:
            provisioning = services.mfa_provisioning_uri(user)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if user.mfa_enabled:
                ip = client_ip(request.META)
                known = login_device_known(request, user.username)
                if services.login_is_throttled(user.username, ip, known_device=known):
                    raise FangkongError(_("The code is not valid."), code="mfa_invalid")
                if not services.mfa_code_accept(user, code):
                    services.login_failure_record(user.username, ip)
                    raise FangkongError(_("The code is not valid."), code="mfa_invalid")
            else:
                services.mfa_enrol_confirm(actor=self_actor, user=user, code=code)
        except FangkongError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_MFA_OK] = True
            response = redirect(request.session.pop("fk_next", "/"))
            login_device_remember(request, response, user.username)
            return response
    return render(
        request,
        "accounts/mfa.html",
        {
            "form": form,
            "enrolling": not user.mfa_enabled,
            "qr": _qr_svg(provisioning) if provisioning else "",
            "secret": provisioning.split("secret=")[1].split("&")[0] if provisioning else "",
        },
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out. The browser is told to drop its cached pages (the sampling page keeps a copy
    for working offline) but not the whole origin's storage: the page's script deletes this
    user's sampling queue and its key before posting here (after asking, when tubes still
    wait), and other users' queues on a shared device stay."""
    logout(request)
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = '"cache"'
    return response


@require_POST
@actor_required()
def switch_view(request: HttpRequest) -> HttpResponse:
    """Act under another of the user's own memberships (the jurisdiction switcher)."""
    try:
        chosen = int(request.POST.get("membership", ""))
    except ValueError:
        chosen = 0
    if any(m.pk == chosen for m in getattr(request, "memberships", [])):
        request.session[SESSION_MEMBERSHIP] = chosen
    return redirect("web:home")


@sensitive_post_parameters("old_password", "new_password")
@actor_required()
def security_view(request: HttpRequest) -> HttpResponse:
    """The user's own page: roles, API tokens, password."""
    actor = actor_of(request)
    user = request.user
    assert isinstance(user, User)
    new_token = ""
    token_form = TokenForm(request.POST if request.POST.get("form") == "token" else None)
    password_form = PasswordChangeForm(
        request.POST if request.POST.get("form") == "password" else None
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "token" and token_form.is_valid():
                membership = next(
                    (
                        m
                        for m in getattr(request, "memberships", [])
                        if m.pk == token_form.cleaned_data["membership"]
                    ),
                    None,
                )
                if membership is None:
                    raise FangkongError(_("Choose one of your roles."), code="membership_not_found")
                new_token = services.token_create(
                    actor=actor,
                    membership=membership,
                    name=token_form.cleaned_data["name"],
                    days=token_form.cleaned_data["days"],
                )
            elif request.POST.get("form") == "revoke":
                token = access_token(actor, _int(request.POST.get("token"), 0))
                services.token_revoke(actor=actor, token=token)
                messages.success(request, _("Token revoked."))
                return redirect("accounts:security")
            elif request.POST.get("form") == "password" and password_form.is_valid():
                services.password_change(
                    actor=actor,
                    user=user,
                    old_password=password_form.cleaned_data["old_password"],
                    new_password=password_form.cleaned_data["new_password"],
                )
                messages.success(request, _("Password changed. Please sign in again."))
                return redirect("accounts:login")
        except FangkongError as exc:
            messages.error(request, exc.message)
            for error in exc.detail.get("errors", []):
                messages.error(request, error["message"])
    tokens = token_list(actor=actor)
    return render(
        request,
        "accounts/security.html",
        {
            "tokens": tokens,
            "token_form": token_form,
            "password_form": password_form,
            "new_token": new_token,
        },
    )


@actor_required(ADMIN)
def users_view(request: HttpRequest) -> HttpResponse:
    """Users in the administrator's subtree, and the form to add one."""
    actor = actor_of(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            region = access_region(actor, data["region"].strip())
            user = services.user_create(
                actor=actor,
                username=data["username"],
                display_name=data["display_name"],
                password=data["password"],
                region=region,
                role=data["role"],
            )
        except FangkongError as exc:
            form.add_error(None, exc.message)
            for error in exc.detail.get("errors", []):
                form.add_error(None, error["message"])
        else:
            messages.success(request, _("Account created."))
            return redirect("accounts:user", username=user.username)
    search = request.GET.get("q", "").strip()[:100]
    page = paginate(user_list(actor=actor, search=search), page=_int(request.GET.get("page"), 1))
    return render(request, "accounts/users.html", {"page": page, "form": form, "q": search})


@actor_required(ADMIN)
def user_view(request: HttpRequest, username: str) -> HttpResponse:
    """One user: grant and revoke roles, deactivate or reactivate."""
    actor = actor_of(request)
    target = access_user(actor, username)
    grant_form = GrantForm(request.POST if request.POST.get("form") == "grant" else None)
    reason_form = ReasonForm(
        request.POST if request.POST.get("form") in {"deactivate", "reactivate", "revoke"} else None
    )
    if request.method == "POST":
        try:
            kind = request.POST.get("form")
            if kind == "grant" and grant_form.is_valid():
                region = access_region(actor, grant_form.cleaned_data["region"].strip())
                services.membership_grant(
                    actor=actor, user=target, region=region, role=grant_form.cleaned_data["role"]
                )
                messages.success(request, _("Role granted; the user's sessions were ended."))
            elif kind in {"deactivate", "reactivate", "revoke"} and reason_form.is_valid():
                reason = reason_form.cleaned_data["reason"]
                if kind == "deactivate":
                    services.user_deactivate(actor=actor, user=target, reason=reason)
                    messages.success(request, _("Account deactivated; sessions and tokens ended."))
                elif kind == "reactivate":
                    services.user_reactivate(actor=actor, user=target, reason=reason)
                    messages.success(request, _("Account reactivated."))
                else:
                    membership = access_membership(actor, _int(request.POST.get("membership"), 0))
                    if membership.user_id != target.pk:
                        raise FangkongError(
                            _("No such role assignment."), code="membership_not_found", status=404
                        )
                    services.membership_revoke(actor=actor, membership=membership, reason=reason)
                    messages.success(request, _("Role revoked; the user's sessions were ended."))
            else:
                raise FangkongError(_("Fill in every field."), code="form_invalid")
        except FangkongError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:user", username=target.username)
    target = access_user(actor, username)
    return render(
        request,
        "accounts/user.html",
        {"target": target, "grant_form": grant_form, "reason_form": reason_form},
    )


@actor_required(ADMIN)
def schedule_view(request: HttpRequest) -> HttpResponse:
    """The periodic schedule: every job with its last start, last success, last error and
    failures in a row, so a job that stopped working shows here rather than nowhere."""
    return render(request, "accounts/schedule.html", {"jobs": periodic_job_status_list()})


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


@actor_required(ADMIN)
def audit_view(request: HttpRequest) -> HttpResponse:
    """Audit and read-access rows of the administrator's subtree, filterable."""
    actor = actor_of(request)
    form = AuditFilterForm(request.GET or None)
    text: dict[str, str] = {}
    since: datetime | None = None
    if form.is_valid():
        data = form.cleaned_data
        text = {
            k: (data.get(k) or "").strip()
            for k in ("username", "action", "object_type", "object_id")
        }
        if data.get("since"):
            since = timezone.make_aware(datetime.combine(data["since"], dtime.min))
    tab = "access" if request.GET.get("tab") == "access" else "audit"
    page_number = _int(request.GET.get("page"), 1)
    page: Page[Any]
    if tab == "access":
        page = paginate(
            access_list(actor=actor, username=text.get("username", ""), since=since),
            page=page_number,
        )
    else:
        page = paginate(
            audit_list(
                actor=actor,
                username=text.get("username", ""),
                action=text.get("action", ""),
                object_type=text.get("object_type", ""),
                object_id=text.get("object_id", ""),
                since=since,
            ),
            page=page_number,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit.html",
        {
            "form": form,
            "page": page,
            "tab": tab,
            "query": query.urlencode(),
            "purposes": dict(AccessPurpose.choices),
        },
    )
