"""Pages of the sampling point: choose a post, bind people to tubes, seal and hand over.

``/lab/sampling/`` lets a sampler choose one of their points and an open round covering it,
then shows the bind screen: the tube barcode, then each person's personal sampling code or
identity number, closed as one whole tube. With JavaScript (``fangkong/sampling.js``) every
closed tube goes into a queue kept in the browser and is uploaded from there to
``POST /api/v1/lab/tubes`` with an idempotency key, so the page keeps working offline (R9);
without JavaScript the same form posts here and the tube is bound at once.

``/lab/sampling/packages/`` seals the point's sampled tubes into a package (封包) for a
laboratory and hands packages over to transport. ``/lab/sampling/sw.js`` is the service
worker that keeps the sampling pages available when the network is down.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError, NotFound
from fangkong.core.form_errors import shown_errors
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.access import access_lab, access_package, access_point, access_round
from fangkong.lab.choices import EntryMethod, PackageStatus, TubeKind
from fangkong.lab.roles import SAMPLING_ROLES
from fangkong.lab.sampling.codes import PREFIX, public_key_b64
from fangkong.lab.sampling.selectors import (
    SamplingPost,
    point_packages,
    point_tubes_to_package,
    sampling_post_get,
    sampling_posts,
)
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.scope import lab_scope
from fangkong.lab.transport.services import package_handover, package_seal
from fangkong.people.choices import DocumentType
from fangkong.policy.choices import PoolingGroup
from fangkong.policy.rules import pool_ratio
from fangkong.policy.selectors import rules_for

SAMPLING_PAGE_ROLES = tuple(sorted(SAMPLING_ROLES))
#: Packages shown at once on the packages page (a phone's screen; the pager says how many).
PACKAGES_PER_PAGE = 20


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


#: Lines a no-JavaScript form may carry in its member box (the service refuses more than the
#: rule set's pooling.max_ratio, at most 20).
MAX_MEMBER_LINES = 40


def _post_of(request: HttpRequest, actor: Actor) -> tuple[SamplingPost | None, list[SamplingPost]]:
    """The chosen post (``?point=&round=``, or the only one), and every post of the actor.

    A point or round outside the actor's scope is a 404 like a missing one; a round that is
    closed or does not cover the point is ``post_not_found`` (404)."""
    point_code = request.GET.get("point") or request.POST.get("point")
    round_code = request.GET.get("round") or request.POST.get("round")
    posts = sampling_posts(actor)
    if not point_code and not round_code:
        return (posts[0] if len(posts) == 1 else None), posts
    point = access_point(actor, point_code, roles=SAMPLING_ROLES)
    screening_round = access_round(actor, round_code, roles=SAMPLING_ROLES)
    post = sampling_post_get(actor, point=point, screening_round=screening_round)
    if post is None:
        raise NotFound(
            _("This round is closed or does not cover this sampling point."),
            code="post_not_found",
        )
    return post, posts


def _post_query(post: SamplingPost) -> str:
    return urlencode({"point": str(post.point.code), "round": str(post.round.code)})


def _members_from_text(text: str, doc_type: str, method: str) -> list[MemberInput]:
    """One member per non-empty line: a ``FK1.`` sampling code, else an identity number of
    ``doc_type`` (typed, or read from an ID card)."""
    members: list[MemberInput] = []
    for line in text.splitlines()[:MAX_MEMBER_LINES]:
        value = line.strip()
        if not value:
            continue
        if value.startswith(f"{PREFIX}."):
            members.append(MemberInput(sampling_code=value))
        else:
            members.append(MemberInput(doc_type=doc_type, id_number=value, method=method))
    return members


def _error_lines(exc: FangkongError) -> list[str]:
    """The service's field errors as lines a sampler can act on ("Person 3 · …: …")."""
    return [str(error) for error in shown_errors(exc)]


def _bind_context(actor: Actor, post: SamplingPost) -> dict[str, Any]:
    rules = rules_for(post.point.region, timezone.localdate())
    most = rules.parameters.pooling.max_ratio
    ratio, per_household = pool_ratio(rules, zone=post.zone)
    # groups with their own ratio (R7): key groups, isolation sites, sealed compounds
    groups = []
    for value, label in PoolingGroup.choices:
        group_ratio, group_household = pool_ratio(rules, zone=post.zone, group=value)
        groups.append((value, label, min(group_ratio, most), group_household))
    return {
        "post": post,
        "ratio": min(ratio, most),
        "per_household": per_household,
        "groups": groups,
        "rule_set": rules.label,
        "public_key": public_key_b64(),
        "doc_types": DocumentType.choices,
        "methods": [
            (EntryMethod.MANUAL.value, EntryMethod.MANUAL.label),
            (EntryMethod.ID_CARD.value, EntryMethod.ID_CARD.label),
        ],
        "waiting_tubes": len(
            point_tubes_to_package(actor, point=post.point, screening_round=post.round)
        ),
        "query": _post_query(post),
        "queue_owner": actor.username,
        "api_tubes": reverse("api:tubes_bind"),
    }


@require_http_methods(["GET", "POST"])
@actor_required(*SAMPLING_PAGE_ROLES)
def sampling_view(request: HttpRequest) -> HttpResponse:
    """Choose a post, then bind tubes at it. A POST (the form without JavaScript) binds one
    whole tube through ``tube_bind`` and redirects back; the same tube sent twice is stored
    once."""
    actor = actor_of(request)
    post, posts = _post_of(request, actor)
    if post is None:
        return render(request, "lab/sampling_choose.html", {"posts": posts})
    context = _bind_context(actor, post)
    status = 200
    if request.method == "POST":
        doc_type = request.POST.get("doc_type", DocumentType.RESIDENT_ID)
        method = request.POST.get("method", EntryMethod.MANUAL)
        members_text = request.POST.get("members", "")
        try:
            bound = tube_bind(
                actor=actor,
                screening_round=post.round,
                point=post.point,
                data=TubeInput(
                    barcode=request.POST.get("barcode", ""),
                    group=request.POST.get("group", "")[:40],
                    kind=TubeKind.RETEST
                    if request.POST.get("kind") == TubeKind.RETEST
                    else TubeKind.SCREENING,
                    members=_members_from_text(
                        members_text,
                        doc_type if doc_type in DocumentType.values else DocumentType.RESIDENT_ID,
                        method if method == EntryMethod.ID_CARD else EntryMethod.MANUAL,
                    ),
                ),
            )
        except FangkongError as exc:
            context.update(
                form_errors=_error_lines(exc),
                form_barcode=request.POST.get("barcode", ""),
                form_members=members_text,
            )
            status = exc.status
        else:
            if bound.created:
                messages.success(
                    request,
                    _("Tube %(barcode)s bound with %(count)s people.")
                    % {"barcode": bound.tube.barcode, "count": len(bound.persons)},
                )
            else:
                messages.info(
                    request,
                    _("Tube %(barcode)s was already stored with these people.")
                    % {"barcode": bound.tube.barcode},
                )
            return redirect(f"{reverse('lab:sampling')}?{_post_query(post)}")
    context["form_key"] = uuid.uuid4()
    return render(request, "lab/sampling.html", context, status=status)


def _seal(request: HttpRequest, actor: Actor, post: SamplingPost) -> str:
    lab = access_lab(actor, request.POST.get("lab"), roles=SAMPLING_ROLES)
    package = package_seal(
        actor=actor,
        point=post.point,
        screening_round=post.round,
        lab=lab,
        code=request.POST.get("code", ""),
        barcodes=request.POST.getlist("tubes"),
    )
    return _("Package %(code)s sealed with %(count)s tubes for %(lab)s.") % {
        "code": package.code,
        "count": package.tube_count,
        "lab": lab.name,
    }


def _handover(request: HttpRequest, actor: Actor) -> str:
    package = access_package(actor, request.POST.get("package"), roles=SAMPLING_ROLES)
    package = package_handover(
        actor=actor,
        package=package,
        vehicle=request.POST.get("vehicle", ""),
        carrier=request.POST.get("carrier", ""),
    )
    return _("Package %(code)s handed over to vehicle %(vehicle)s.") % {
        "code": package.code,
        "vehicle": package.vehicle,
    }


@require_http_methods(["GET", "POST"])
@actor_required(*SAMPLING_PAGE_ROLES)
def packages_view(request: HttpRequest) -> HttpResponse:
    """The point's tubes not yet packaged, a form to seal them (package code, laboratory,
    tubes) and the point's packages with a hand-over form for the sealed ones."""
    actor = actor_of(request)
    post, posts = _post_of(request, actor)
    if post is None:
        return render(
            request, "lab/sampling_choose.html", {"posts": posts, "target": "lab:sampling_packages"}
        )
    status = 200
    errors: list[str] = []
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "seal":
                done = _seal(request, actor, post)
            elif action == "handover":
                done = _handover(request, actor)
            else:
                raise NotFound(_("Unknown action."), code="action_unknown")
        except FangkongError as exc:
            errors = _error_lines(exc)
            status = exc.status
        else:
            messages.success(request, done)
            return redirect(f"{reverse('lab:sampling_packages')}?{_post_query(post)}")
    tubes = list(point_tubes_to_package(actor, point=post.point, screening_round=post.round))
    context = {
        "post": post,
        "query": _post_query(post),
        "tubes": tubes,
        "labs": list(lab_scope(actor)[:100]),
        "packages": paginate(
            point_packages(actor, point=post.point),
            page=_page_number(request.GET.get("page")),
            page_size=PACKAGES_PER_PAGE,
        ),
        "sealed": PackageStatus.SEALED,
        "errors": errors,
        "action": action,
        "form_code": request.POST.get("code", "") if action == "seal" else "",
        "form_lab": request.POST.get("lab", ""),
        "checked": set(request.POST.getlist("tubes")) if action == "seal" else None,
    }
    return render(request, "lab/sampling_packages.html", context, status=status)


@require_GET
def service_worker_view(request: HttpRequest) -> HttpResponse:
    """The service worker of the sampling pages: it loads ``sampling.js`` (which runs its
    worker half there). Served from ``/lab/sampling/`` so its scope covers these pages; it
    holds no data and needs no sign-in (a signed-out fetch of the pages still redirects)."""
    script = f"importScripts({json.dumps(static('fangkong/sampling.js'))});\n"
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns: list[URLPattern] = [
    path("sampling/", sampling_view, name="sampling"),
    path("sampling/packages/", packages_view, name="sampling_packages"),
    path("sampling/sw.js", service_worker_view, name="sampling_sw"),
]
