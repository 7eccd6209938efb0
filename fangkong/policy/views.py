"""Rule-set pages: the list (with what holds today at your node), one rule set in readable
tables, the effective lookup, side-by-side comparison, and — for commanders and
administrators — new revisions, overrides, publishing and retiring.

Views parse input, call ``access``/``selectors``/``services`` and render.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.chinese import in_script
from fangkong.core.errors import FangkongError
from fangkong.core.form_errors import errors_on_form
from fangkong.core.guards import actor_of
from fangkong.core.pages import actor_required
from fangkong.core.paging import paginate
from fangkong.core.roles import Role
from fangkong.policy import services
from fangkong.policy.access import access_rule_set, rule_set_reference_parse
from fangkong.policy.choices import RuleSetStatus
from fangkong.policy.forms import CompareForm, LookupForm, OverrideForm, RevisionForm, StatusForm
from fangkong.policy.models import RuleSet
from fangkong.policy.presentation import compared_rows, flat_rows, level_names, sections
from fangkong.policy.rules import EffectiveRules
from fangkong.policy.schema import parameters_validate
from fangkong.policy.selectors import (
    rule_set_compare,
    rule_set_list,
    rule_set_revisions,
    rules_for_actor,
    rules_for_path,
)
from fangkong.regions.access import access_region

WRITERS = (Role.COMMANDER, Role.ADMINISTRATOR)


def _int(value: str | None, default: int) -> int:
    try:
        number = int(value or default)
    except ValueError:
        return default
    return max(1, min(number, 1_000_000))


def _add_errors(form: Any, exc: FangkongError) -> None:
    """A service error on the form (``core.form_errors``). A rule parameter's error goes on the
    parameters field with its path (``parameters.pooling.max_ratio``): the name the author
    typed in the JSON, which has no other label."""
    entries = exc.detail.get("errors") or []
    parameters = [e for e in entries if str(e.get("field", "")).startswith("parameters.")]
    for error in parameters:
        field = "parameters" if "parameters" in form.fields else None
        form.add_error(field, f"{error['field']}: {error.get('message', exc.message)}")
    rest = [e for e in entries if e not in parameters]
    if rest or not parameters:
        errors_on_form(form, FangkongError(exc.message, code=exc.code, detail={"errors": rest}))


def _today_rules(request: HttpRequest) -> EffectiveRules | None:
    try:
        return rules_for_actor(actor_of(request), timezone.localdate())
    except FangkongError:
        return None


@actor_required()
def list_view(request: HttpRequest) -> HttpResponse:
    """Every rule set the actor may see (latest revision of each key) with its effective date
    and whether it holds today at the actor's node; forms for the lookup and the comparison."""
    actor = actor_of(request)
    page = paginate(
        rule_set_list(actor=actor),
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 50),
    )
    today = _today_rules(request)
    return render(
        request,
        "policy/list.html",
        {
            "page": page,
            "today": today,
            "in_force": set(today.labels) if today else set(),
            "lookup_form": LookupForm(initial={"on": timezone.localdate()}),
            "compare_form": CompareForm(initial={"a": "nhc-8", "b": "nhc-9"}),
            "can_write": actor.role in WRITERS,
        },
    )


@actor_required()
def detail_view(request: HttpRequest, key: str) -> HttpResponse:
    """One revision of a rule set in readable tables, its revisions and its sources."""
    actor = actor_of(request)
    revision = request.GET.get("revision")
    rule_set = access_rule_set(actor, key, revision=_int(revision, 1) if revision else None)
    context: dict[str, Any] = {
        "rule_set": rule_set,
        "revisions": rule_set_revisions(rule_set),
        "can_write": actor.role in WRITERS,
        "status_form": StatusForm(initial={"version": rule_set.version}),
    }
    if rule_set.is_override:
        context["override_rows"] = flat_rows(rule_set.parameters)
    else:
        context["s"] = sections(parameters_validate(rule_set.parameters))
    return render(request, "policy/detail.html", context)


@actor_required()
def effective_view(request: HttpRequest) -> HttpResponse:
    """The lookup: which rules hold for a node (default: yours) on a date (default: today)."""
    actor = actor_of(request)
    form = LookupForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        code = form.cleaned_data["region"] or actor.region_code
        on = form.cleaned_data["on"] or timezone.localdate()
        try:
            region = access_region(actor, code)
            effective = rules_for_path(region.path, on)
        except FangkongError as exc:
            form.add_error(None, exc.message)
        else:
            contributors = []
            for label in effective.labels:
                key, revision = rule_set_reference_parse(label)
                contributors.append((key, revision, label))
            context.update(
                region=region,
                effective=effective,
                contributors=contributors,
                s=sections(effective.parameters),
            )
    return render(request, "policy/effective.html", context)


@actor_required()
def compare_view(request: HttpRequest) -> HttpResponse:
    """Two rule sets side by side; changed rows are highlighted."""
    actor = actor_of(request)
    form = CompareForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        try:
            key_a, revision_a = rule_set_reference_parse(form.cleaned_data["a"], field="a")
            key_b, revision_b = rule_set_reference_parse(form.cleaned_data["b"], field="b")
            a = access_rule_set(actor, key_a, revision=revision_a)
            b = access_rule_set(actor, key_b, revision=revision_b)
        except FangkongError as exc:
            _add_errors(form, exc)
        else:
            rows = rule_set_compare(a, b)
            names = level_names(a.parameters, b.parameters)
            context.update(
                a=a,
                b=b,
                changed_count=sum(row.changed for row in rows),
                rows=compared_rows(
                    [row for row in rows if row.changed or not form.cleaned_data["changed"]],
                    names,
                ),
            )
    return render(request, "policy/compare.html", context)


@actor_required(*WRITERS)
def revise_view(request: HttpRequest, key: str) -> HttpResponse:
    """Publish a new revision of ``key`` starting from ``?revision=`` (default: the latest)."""
    actor = actor_of(request)
    latest = access_rule_set(actor, key)
    based_on_number = request.POST.get("based_on") or request.GET.get("revision")
    source = (
        access_rule_set(actor, key, revision=_int(based_on_number, 1))
        if based_on_number
        else latest
    )
    form = RevisionForm(
        request.POST or None,
        initial={
            "version": latest.revision,
            "based_on": source.revision,
            "parameters": {},
            "effective_from": source.effective_from,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        as_changes = data["mode"] == "changes"
        try:
            created = services.rule_set_publish_revision(
                actor=actor,
                rule_set=source,
                expected_revision=data["version"],
                reason=data["reason"],
                parameters=None if as_changes else data["parameters"],
                changes=data["parameters"] if as_changes else None,
                effective_from=data["effective_from"],
                draft=data["draft"],
            )
        except FangkongError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Published %(label)s.") % {"label": created.version_label}
                if created.status == RuleSetStatus.PUBLISHED
                else _("Saved %(label)s as a draft.") % {"label": created.version_label},
            )
            return redirect(_detail_url(created))
    return render(
        request,
        "policy/revise.html",
        {
            "form": form,
            "rule_set": source,
            "latest": latest,
            "current_json": json.dumps(source.parameters, ensure_ascii=False, indent=2),
        },
    )


@actor_required(*WRITERS)
def override_create_view(request: HttpRequest) -> HttpResponse:
    """A jurisdiction override for a node in the actor's subtree."""
    actor = actor_of(request)
    editions = [
        (row.key, f"{row.key} · {in_script(row.name_zh)}")
        for row in rule_set_list(actor=actor, scope="national")
    ]
    form = OverrideForm(
        request.POST or None,
        editions=editions,
        initial={"region": actor.region_code, "effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # A node outside the subtree answers 404 like any out-of-scope object.
        region = access_region(actor, data["region"])
        try:
            created = services.rule_set_override_create(
                actor=actor,
                key=data["key"],
                region=region,
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                effective_from=data["effective_from"],
                parameters=data["parameters"],
                reason=data["reason"],
                base_key=data["base_key"],
                draft=data["draft"],
            )
        except FangkongError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Override %(label)s created.") % {"label": created.version_label}
            )
            return redirect(_detail_url(created))
    return render(request, "policy/override_create.html", {"form": form})


@require_POST
@actor_required(*WRITERS)
def status_view(request: HttpRequest, key: str, revision: int) -> HttpResponse:
    """Publish a draft or retire a revision (version-checked, with a reason)."""
    actor = actor_of(request)
    rule_set = access_rule_set(actor, key, revision=revision)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect(_detail_url(rule_set))
    data = form.cleaned_data
    change = services.rule_set_publish if data["action"] == "publish" else services.rule_set_retire
    try:
        change(actor=actor, rule_set=rule_set, version=data["version"], reason=data["reason"])
    except FangkongError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Status changed."))
    return redirect(_detail_url(rule_set))


def _detail_url(rule_set: RuleSet) -> str:
    return f"{reverse('policy:detail', args=[rule_set.key])}?revision={rule_set.revision}"
