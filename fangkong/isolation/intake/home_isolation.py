"""A positive case allowed to isolate at home: an order of kind home isolation for the case's
person (issue 20 §2, §6; R25).

The decision is the case's (a clinician or epidemiologist judges the case mild enough, with a
reason); the order runs under the rule set's ``positives``: released no earlier than isolation
day 0 + ``release_after_days`` and after the release tests ``orders.positives`` judges with
the Fangcang discharge rule. The case is recorded against the order (``OrderSource`` of kind
``case``): allowing it again finds the order.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.models import Case
from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, field_refusal
from fangkong.isolation.checks import reason as reason_checked
from fangkong.isolation.checks import require_role
from fangkong.isolation.choices import (
    OrderEventKind,
    OrderKind,
    OrderSourceKind,
    OrderStatus,
)
from fangkong.isolation.events import order_event_record
from fangkong.isolation.models import IsolationOrder, OrderSource
from fangkong.isolation.orders.positives import HOME_ISOLATED_GROUP
from fangkong.isolation.roles import HOME_ISOLATION_ROLES
from fangkong.isolation.treatment.inputs import isolated_since_checked
from fangkong.isolation.treatment.services import POSITIVE
from fangkong.policy.choices import HomePhaseKind
from fangkong.policy.selectors import rules_for


def home_isolation_order_issue(
    *, actor: AnyActor, case: Case, reason: str | None, isolated_since: date | None = None
) -> IsolationOrder:
    """Allow the person of ``case`` (already accessed) to isolate at home.

    1. The role must be in ``HOME_ISOLATION_ROLES`` (403); the reason is required and
       ``isolated_since`` (day 0, today when not given) lies between the case's first
       positive test (and 30 days ago) and today (422 naming each field).
    2. The case must be open and confirmed or asymptomatic (``case_not_positive``, 409); the
       rules in force at the person's node must isolate positives (``positives``; else 422
       ``positives_not_isolated`` naming ``case``).
    3. A case allowed before finds its order; a person with an open home-isolation order
       keeps it (both returned, nothing written).
    4. Otherwise an open ``home_isolation`` order in ``HOME_ISOLATED_GROUP`` released no
       earlier than day 0 + ``positives.release_after_days``, under the rules' label, with
       an ``issued`` history row, the case recorded against it and an audit row.
    """
    require_role(actor, HOME_ISOLATION_ROLES)
    why = reason_checked(reason)
    day0 = isolated_since_checked(case, isolated_since, refusal=_("No order was issued."))
    if not case.is_open or case.classification not in POSITIVE:
        raise Conflict(
            _("Only an open positive case is isolated at home."), code="case_not_positive"
        )
    source = (
        OrderSource.objects.filter(kind=OrderSourceKind.CASE, source=case.code)
        .select_related("order")
        .first()
    )
    if source is not None:
        return source.order
    person = case.person
    rules = rules_for(person.region, timezone.localdate())
    positives = rules.parameters.positives
    if positives is None:
        raise field_refusal(
            "positives_not_isolated",
            _("The rules in force (%(rules)s) isolate no positive.") % {"rules": rules.label},
            field="case",
        )
    found = IsolationOrder.objects.filter(
        person=person, kind=OrderKind.HOME_ISOLATION, status=OrderStatus.OPEN
    ).first()
    now = timezone.now()
    with transaction.atomic():
        if found is None:
            try:
                with transaction.atomic():
                    found = IsolationOrder.objects.create(
                        person=person,
                        region_id=person.region_id,
                        kind=OrderKind.HOME_ISOLATION,
                        group=HOME_ISOLATED_GROUP,
                        day0=day0,
                        central_until=None,
                        release_on=day0 + timedelta(days=positives.release_after_days),
                        plan={
                            "home_days": positives.release_after_days,
                            "home_kind": HomePhaseKind.HOME_ISOLATION.value,
                            "tests": [],
                            "positives": positives.model_dump(mode="json"),
                        },
                        rule_set=rules.label,
                        issued_by=actor.username,
                        issued_at=now,
                        reason=why,
                    )
            except IntegrityError as clash:
                raise Conflict(
                    _("The order changed meanwhile; reload and try again."),
                    code="order_changed",
                ) from clash
            order_event_record(
                order=found,
                kind=OrderEventKind.ISSUED,
                actor=actor,
                reason=why,
                rule_set=rules.label,
                to_value=OrderStatus.OPEN,
                detail={
                    "group": HOME_ISOLATED_GROUP,
                    "kind": found.kind,
                    "day0": day0.isoformat(),
                    "case": str(case.code),
                },
            )
        OrderSource.objects.bulk_create(
            [
                OrderSource(
                    order=found, kind=OrderSourceKind.CASE, source=case.code, recorded_at=now
                )
            ],
            ignore_conflicts=True,
        )
        audit_record(
            actor=actor,
            action="home_isolation_order_issue",
            object_type="isolation_order",
            object_id=found.code,
            fields=["person", "kind", "group", "day0", "release_on"],
            reason=why,
            rule_set=rules.label,
            extra={"case": str(case.code)},
        )
    return found
