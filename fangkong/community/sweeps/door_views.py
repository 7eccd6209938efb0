"""Door-to-door sampling pages (phone-sized): the sweeps with residents listed, one sweep's
list with its progress, where a door-to-door sampler binds each resident's tube, and the
sweep's door-to-door team, which a commander or duty officer sets up."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.community.pages import page_asked
from fangkong.community.presentation import DoorRow, door_rows
from fangkong.community.roles import DOOR_READ_ROLES, DOOR_SAMPLING_ROLES, DOOR_TEAM_ROLES
from fangkong.community.sweeps.access import access_door_sample, access_sweep
from fangkong.community.sweeps.door_sampling import (
    door_housemates,
    door_sample_bind,
    door_sampling_progress,
    sweep_sampling_list,
)
from fangkong.community.sweeps.door_team import (
    door_sampler_choices,
    door_team_set_up,
    door_teams,
)
from fangkong.community.sweeps.forms import DoorBindForm, DoorTeamForm
from fangkong.community.sweeps.selectors import sweep_list
from fangkong.core.actor import Actor
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.lab.choices import PointKind
from fangkong.lab.sampling.selectors import SamplingPost, sampling_posts

#: Residents shown at once on a phone (the pager says how many more).
PER_PAGE = 30
#: Housemates offered for one pooled household tube (the rules allow at most 20 a tube).
MAX_HOUSEMATES = 20


def _door_posts(actor: Actor) -> dict[str, SamplingPost]:
    """The actor's door-to-door posts (point × open round), keyed ``point:round``."""
    if actor.role not in DOOR_SAMPLING_ROLES:
        return {}
    return {
        f"{post.point.code}:{post.round.code}": post
        for post in sampling_posts(actor)
        if post.point.kind == PointKind.DOOR_TO_DOOR
    }


def _bind_form(
    posts: dict[str, SamplingPost], housemates: list[DoorRow], data: object = None
) -> DoorBindForm:
    form = DoorBindForm(data)  # type: ignore[arg-type]
    choice = form.fields["post"]
    choice.choices = [  # type: ignore[attr-defined]
        (key, f"{post.point.name} · {post.round.name}") for key, post in posts.items()
    ]
    if housemates:
        form.fields["housemates"].choices = [  # type: ignore[attr-defined]
            (str(row.entry_id), f"{row.name or '—'} · {row.reason_label}") for row in housemates
        ]
    else:
        del form.fields["housemates"]
    return form


@actor_required(*DOOR_READ_ROLES)
def door_sweeps_view(request: HttpRequest) -> HttpResponse:
    """Sweeps in scope, newest first, each linking to its door-to-door sampling list."""
    actor = actor_of(request)
    page = paginate(sweep_list(actor=actor), page=page_asked(request), page_size=50)
    return render(request, "community/door_sweeps.html", {"page": page})


@actor_required(*DOOR_READ_ROLES)
def door_sampling_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """The sweep's residents to sample at the door: progress, then per person the reason,
    the tube and its result; a door-to-door sampler's form for each not yet sampled."""
    actor = actor_of(request)
    sweep = access_sweep(actor, code, roles=DOOR_READ_ROLES)
    posts = _door_posts(actor)
    page = paginate(
        sweep_sampling_list(actor=actor, sweep=sweep), page=page_asked(request), page_size=PER_PAGE
    )
    return render(
        request,
        "community/door_sampling.html",
        {
            "sweep": sweep,
            "page": page,
            "rows": door_rows(actor, page.items),
            "progress": door_sampling_progress(actor=actor, sweep=sweep),
            "may_sample": actor.role in DOOR_SAMPLING_ROLES,
            "may_set_up_team": actor.role in DOOR_TEAM_ROLES,
            "has_team": bool(posts),
        },
    )


@actor_required(*DOOR_SAMPLING_ROLES)
def door_bind_view(request: HttpRequest, code: UUID, entry: int) -> HttpResponse:
    """Bind one listed resident's tube (POST); refusals shown on the resident's own form."""
    actor = actor_of(request)
    found = access_door_sample(actor, code, entry, roles=DOOR_SAMPLING_ROLES)
    posts = _door_posts(actor)
    others = {e.pk: e for e in door_housemates(actor=actor, entry=found)[:MAX_HOUSEMATES]}
    form = _bind_form(
        posts,
        door_rows(actor, list(others.values())) if found.tube_id is None else [],
        request.POST if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        post = posts[form.cleaned_data["post"]]
        try:
            door_sample_bind(
                actor=actor,
                entry=found,
                screening_round=post.round,
                point=post.point,
                barcode=form.cleaned_data["barcode"],
                housemates=[others[int(pk)] for pk in form.cleaned_data.get("housemates", [])],
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Tube bound."))
            return redirect("community:door_sampling", code=found.sweep.code)
    return render(
        request,
        "community/door_bind.html",
        {"entry": found, "row": door_rows(actor, [found])[0], "form": form},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(*DOOR_TEAM_ROLES)
def door_team_view(request: HttpRequest, code: UUID) -> HttpResponse:
    """The sweep's door-to-door teams with their samplers, and the form that sets up one
    (a ``door_to_door`` sampling point at the sweep's node and the samplers chosen among
    those of the jurisdiction); refusals by field, on the form."""
    actor = actor_of(request)
    sweep = access_sweep(actor, code, roles=DOOR_TEAM_ROLES)
    offered = {user.username: user for user in door_sampler_choices(actor=actor)}
    form = DoorTeamForm(request.POST if request.method == "POST" else None)
    form.fields["samplers"].choices = [  # type: ignore[attr-defined]
        (username, user.display_name or username) for username, user in offered.items()
    ]
    if request.method == "POST" and form.is_valid():
        try:
            point = door_team_set_up(
                actor=actor,
                sweep=sweep,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
                samplers=[offered[name] for name in form.cleaned_data["samplers"]],
            )
        except FangkongError as exc:
            if exc.status in (403, 404):
                raise
            errors_on_form(form, exc)
        else:
            messages.success(request, _("Door-to-door team %(name)s set up.") % {"name": point})
            return redirect("community:door_team", code=sweep.code)
    return render(
        request,
        "community/door_team.html",
        {"sweep": sweep, "teams": door_teams(actor=actor, sweep=sweep), "form": form},
        status=422 if request.method == "POST" else 200,
    )
