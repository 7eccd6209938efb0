"""Care requests and appeals (人文关怀, issue 20 §7): a person under an open order, or their
family, asks for medicine, a special diet, a carer, files a complaint or appeals against the
order — through staff on their behalf or through the resident's own page. Each request gets
the deadline the rule set gives its category (``care.deadlines``) and an owner; it ends
with an outcome and a note. An appeal is decided by someone other than the order's issuer,
by a role that may decide appeals. Every step writes a history row and an audit row.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, PermissionDenied, field_error
from fangkong.isolation.care.events import care_event_record
from fangkong.isolation.care.roles import APPEAL_DECIDE_ROLES, CARE_ROLES
from fangkong.isolation.checks import Errors, raise_if, require_role, text
from fangkong.isolation.choices import (
    CareEventKind,
    CareFiler,
    CareOutcome,
    CareStatus,
    OrderStatus,
)
from fangkong.isolation.models import CareRequest, IsolationOrder
from fangkong.isolation.orders.release import order_lift
from fangkong.policy.choices import CareCategory
from fangkong.policy.selectors import rules_for

#: Who acts when a resident files through their own page (residents are not users).
RESIDENT = SystemActor(username="resident-link", role="resident")
#: Open requests one order may hold at once (a resident page cannot flood the care group).
OPEN_MAX_PER_ORDER = 20
#: Outcomes by kind of request: an appeal upholds the order or is granted.
OUTCOMES: dict[str, frozenset[str]] = {
    CareCategory.APPEAL: frozenset({CareOutcome.UPHELD, CareOutcome.GRANTED}),
}
OTHER_OUTCOMES: frozenset[str] = frozenset(
    {CareOutcome.GRANTED, CareOutcome.REFUSED, CareOutcome.RESOLVED}
)
TEXT_MAX = 1000


def _file(
    *, actor: AnyActor, order: IsolationOrder, category: str, body: str | None, filer: str
) -> CareRequest:
    errors: Errors = []
    if category not in CareCategory.values:
        errors.append(
            field_error("category", "invalid_choice", _("Not one of the allowed values."))
        )
    cleaned = text(body, field="text", max_length=TEXT_MAX, errors=errors, required=True)
    raise_if(errors, _("The request was not filed."))
    if order.status != OrderStatus.OPEN:
        raise Conflict(_("The order is no longer open."), code="order_not_open")
    rules = rules_for(order.region, timezone.localdate())
    hours = rules.parameters.care.deadlines[category].hours
    now = timezone.now()
    with transaction.atomic():
        # one order's requests are filed one at a time, so the cap holds under concurrency
        IsolationOrder.objects.select_for_update().filter(pk=order.pk).first()
        open_count = CareRequest.objects.filter(order=order, status=CareStatus.OPEN).count()
        if open_count >= OPEN_MAX_PER_ORDER:
            raise FangkongError(
                _("Too many requests are open for this order; wait for answers."),
                code="too_many_open_requests",
                status=429,
            )
        request = CareRequest.objects.create(
            order=order,
            person_id=order.person_id,
            region_id=order.region_id,
            category=category,
            filed_by_kind=filer,
            filed_by=actor.username,
            filed_at=now,
            text=cleaned,
            deadline=now + timedelta(hours=hours),
            rule_set=rules.label,
            owner_id=actor.user_id if filer == CareFiler.STAFF else None,
        )
        care_event_record(
            request=request,
            kind=CareEventKind.FILED,
            actor=actor,
            rule_set=rules.label,
            to_value=category,
        )
        audit_record(
            actor=actor,
            action="care_request_file",
            object_type="care_request",
            object_id=request.code,
            fields=["order", "category", "text", "deadline", "owner"],
            rule_set=rules.label,
            extra={"filed_by_kind": filer, "deadline_hours": hours},
        )
    return request


def care_request_file(
    *, actor: AnyActor, order: IsolationOrder, category: str, text: str | None
) -> CareRequest:
    """Staff file a request on behalf of the person of an open order (or their family) and
    own it. Raises ``PermissionDenied`` outside ``CARE_ROLES``, ``ValidationFailed`` naming
    ``category`` or ``text``, ``Conflict`` ``order_not_open``, 429 ``too_many_open_requests``
    past :data:`OPEN_MAX_PER_ORDER`. The deadline is the rule set's hours for the category.
    History and audit rows."""
    require_role(actor, CARE_ROLES)
    return _file(actor=actor, order=order, category=category, body=text, filer=CareFiler.STAFF)


def care_request_file_by_resident(
    *, order: IsolationOrder, category: str, text: str | None, family: bool
) -> CareRequest:
    """The person of an open order (or, with ``family``, their family) files a request
    through the resident's own page, which has resolved its personal link to ``order``.
    Unowned until staff take it; otherwise as :func:`care_request_file`."""
    filer = CareFiler.FAMILY if family else CareFiler.PERSON
    return _file(actor=RESIDENT, order=order, category=category, body=text, filer=filer)


def _changed(request: CareRequest, **changes: object) -> None:
    changed = CareRequest.objects.filter(
        pk=request.pk, status=CareStatus.OPEN, version=request.version
    ).update(version=F("version") + 1, **changes)
    if changed != 1:
        raise Conflict(
            _("The request changed meanwhile; reload and try again."), code="care_request_changed"
        )


@transaction.atomic
def care_request_take(*, actor: AnyActor, request: CareRequest) -> CareRequest:
    """The acting staff member becomes the owner of an open request (``care_request_closed``
    409 once decided; a concurrent change loses with ``care_request_changed``). History and
    audit rows."""
    require_role(actor, CARE_ROLES)
    if request.status != CareStatus.OPEN:
        raise Conflict(_("The request is decided."), code="care_request_closed")
    before = request.owner.username if request.owner else ""
    _changed(request, owner_id=actor.user_id)
    care_event_record(
        request=request,
        kind=CareEventKind.ASSIGNED,
        actor=actor,
        from_value=before[:40],
        to_value=actor.username[:40],
    )
    audit_record(
        actor=actor,
        action="care_request_take",
        object_type="care_request",
        object_id=request.code,
        fields=["owner"],
    )
    request.refresh_from_db()
    return request


@transaction.atomic
def care_request_decide(
    *, actor: AnyActor, request: CareRequest, outcome: str, note: str | None
) -> CareRequest:
    """Decide an open request with an outcome and a note (the reason).

    1. ``CARE_ROLES`` (403); an appeal only by ``APPEAL_DECIDE_ROLES`` and never by the
       order's issuer (``appeal_decided_by_issuer``, 403).
    2. The outcome fits the category (an appeal: upheld or granted; otherwise granted,
       refused or resolved) and the note is given (422 naming ``outcome``, ``note``).
    3. Conditional on the request still being open at its version (409 otherwise).
    4. A ``decided`` history row with the request's rule set and an audit row. Granting an
       appeal lifts the order (``orders.release.order_lift``: a governed status change with
       the decider, the note as reason and the rules in force; the transfer home when the
       person is in a site), in the same transaction; upholding it keeps the order.
    """
    require_role(actor, CARE_ROLES)
    appeal = request.category == CareCategory.APPEAL
    if appeal:
        require_role(actor, APPEAL_DECIDE_ROLES)
        if actor.username == request.order.issued_by:
            raise PermissionDenied(
                _("An appeal is decided by someone other than who issued the order."),
                code="appeal_decided_by_issuer",
            )
    errors: Errors = []
    if outcome not in OUTCOMES.get(request.category, OTHER_OUTCOMES):
        errors.append(field_error("outcome", "invalid_choice", _("Not one of the allowed values.")))
    why = text(note, field="note", max_length=TEXT_MAX, errors=errors, required=True)
    raise_if(errors, _("The request was not decided."))
    if request.status != CareStatus.OPEN:
        raise Conflict(_("The request is decided."), code="care_request_closed")
    _changed(
        request,
        status=CareStatus.DECIDED,
        outcome=outcome,
        outcome_note=why,
        decided_by=actor.username,
        decided_at=timezone.now(),
    )
    care_event_record(
        request=request,
        kind=CareEventKind.DECIDED,
        actor=actor,
        reason=why,
        rule_set=request.rule_set,
        from_value=CareStatus.OPEN,
        to_value=outcome,
    )
    audit_record(
        actor=actor,
        action="care_request_decide",
        object_type="care_request",
        object_id=request.code,
        fields=["status", "outcome", "outcome_note"],
        reason=why,
        rule_set=request.rule_set,
        extra={"category": request.category, "order_issued_by_other": appeal},
    )
    if appeal and outcome == CareOutcome.GRANTED:
        order = IsolationOrder.objects.select_related("region").get(pk=request.order_id)
        if order.status == OrderStatus.OPEN:  # an order that ended meanwhile has nothing to lift
            order_lift(actor=actor, order=order, reason=why, appeal=str(request.code))
    request.refresh_from_db()
    return request
