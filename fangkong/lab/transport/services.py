"""Packages (封包), hand-over to transport, and receipt at the lab with anomaly checks (R10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import Conflict, FangkongError, ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import AnomalyKind, PackageStatus, TubeStatus
from fangkong.lab.coverage.tallies import tube_tally_move
from fangkong.lab.events import TubeEventKind, tube_events_record
from fangkong.lab.models import Anomaly, Lab, Package, SamplingPoint, ScreeningRound, Tube
from fangkong.lab.roles import LAB_ROLES, SAMPLING_ROLES, TRANSPORT_ROLES
from fangkong.lab.sampling.codes import barcode_clean

MAX_TUBES_PER_PACKAGE = 500


def _clean_barcodes(barcodes: Sequence[str], *, field_name: str) -> list[str]:
    errors = []
    cleaned: list[str] = []
    for position, raw in enumerate(barcodes):
        try:
            cleaned.append(barcode_clean(raw, field=f"{field_name}[{position}]"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(_("Some barcodes are not valid."), errors=errors)
    return cleaned


def _staffed(actor: AnyActor, staff_ids: set[int]) -> bool:
    return isinstance(actor, SystemActor) or actor.user_id in staff_ids


@transaction.atomic
def package_seal(
    *,
    actor: AnyActor,
    point: SamplingPoint,
    screening_round: ScreeningRound,
    lab: Lab,
    code: str,
    barcodes: Sequence[str],
) -> Package:
    """Seal tubes of one point into a package with its package code.

    Every tube must be of this point and round, sampled and in no package yet
    (``tube_not_sealable`` names each one); a package holds 1–500 tubes; the code is unique
    (``package_exists``, 409).
    """
    require_role(actor, SAMPLING_ROLES)
    if not _staffed(actor, set(point.staff.values_list("id", flat=True))):
        raise FangkongError(
            _("You are not on the staff of this sampling point."),
            code="not_point_staff",
            status=403,
        )
    package_code = barcode_clean(code, field="code")
    cleaned = _clean_barcodes(barcodes, field_name="tubes")
    if not cleaned or len(cleaned) > MAX_TUBES_PER_PACKAGE:
        raise ValidationFailed(
            _("A package holds 1 to %(max)s tubes.") % {"max": MAX_TUBES_PER_PACKAGE},
            errors=[field_error("tubes", "package_size", _("A package holds 1 to 500 tubes."))],
        )
    if Package.objects.filter(code=package_code).exists():
        raise Conflict(_("A package with this code already exists."), code="package_exists")
    tubes = {
        tube.barcode: tube
        for tube in Tube.objects.select_for_update().filter(barcode__in=cleaned).order_by("id")
    }
    errors = []
    seen: set[str] = set()
    for position, barcode in enumerate(cleaned):
        tube = tubes.get(barcode)
        problem = ""
        if barcode in seen:
            problem = _("Scanned twice.")
        elif tube is None or tube.point_id != point.id or tube.round_id != screening_round.id:
            problem = _("Not a tube of this point and round.")
        elif tube.status != TubeStatus.CLOSED or tube.package_id is not None:
            problem = _("Already packaged or sent.")
        seen.add(barcode)
        if problem:
            errors.append(field_error(f"tubes[{position}]", "tube_not_sealable", problem))
    if errors:
        raise ValidationFailed(_("The package cannot be sealed."), errors=errors)
    now = timezone.now()
    package = Package.objects.create(
        code=package_code,
        round=screening_round,
        point=point,
        lab=lab,
        tube_count=len(cleaned),
        sealed_at=now,
        sealed_by=actor.username,
    )
    ids = [tubes[barcode].id for barcode in cleaned]
    Tube.objects.filter(id__in=ids).update(package=package, status=TubeStatus.PACKAGED)
    tube_tally_move(
        ((t.round_id, t.point_id, t.status) for t in tubes.values()), TubeStatus.PACKAGED
    )
    tube_events_record(
        tube_ids=ids, kind=TubeEventKind.PACKAGED, actor=actor, detail={"package": package_code}
    )
    audit_record(
        actor=actor,
        action="package_seal",
        object_type="package",
        object_id=package_code,
        fields=["tubes", "lab"],
        extra={"tubes": len(ids), "lab": str(lab.code), "point": str(point.code)},
    )
    return package


@transaction.atomic
def package_handover(
    *, actor: AnyActor, package: Package, vehicle: str, carrier: str = ""
) -> Package:
    """Hand a sealed package to transport (vehicle plate, carrier name)."""
    require_role(actor, TRANSPORT_ROLES)
    vehicle = vehicle.strip()
    if not vehicle or len(vehicle) > 40:
        raise ValidationFailed(
            _("Name the vehicle."),
            errors=[field_error("vehicle", "required", _("Name the vehicle (plate)."))],
        )
    now = timezone.now()
    updated = Package.objects.filter(pk=package.pk, status=PackageStatus.SEALED).update(
        status=PackageStatus.IN_TRANSIT,
        handed_over_at=now,
        vehicle=vehicle,
        carrier=carrier.strip()[:100],
        updated_at=now,
    )
    if not updated:
        raise Conflict(_("The package was already handed over."), code="package_not_sealed")
    # Locked, so the tally moves exactly the tubes a concurrent receipt has not taken.
    tubes = list(
        Tube.objects.select_for_update()
        .filter(package=package)
        .order_by("id")
        .values_list("id", "round_id", "point_id", "status")
    )
    ids = [tube_id for tube_id, _round, _point, _status in tubes]
    moving = [tube for tube in tubes if tube[3] == TubeStatus.PACKAGED]
    Tube.objects.filter(id__in=[tube[0] for tube in moving]).update(status=TubeStatus.IN_TRANSIT)
    tube_tally_move((tube[1:] for tube in moving), TubeStatus.IN_TRANSIT)
    tube_events_record(
        tube_ids=ids, kind=TubeEventKind.HANDED_OVER, actor=actor, detail={"vehicle": vehicle}
    )
    audit_record(
        actor=actor,
        action="package_handover",
        object_type="package",
        object_id=package.code,
        fields=["status", "vehicle", "carrier"],
    )
    package.refresh_from_db()
    return package


@dataclass(frozen=True)
class Receipt:
    """What a receipt scan found: tubes received now, and the anomalies raised."""

    package: Package | None
    received: list[str]
    anomalies: list[Anomaly] = field(default_factory=list)


def _anomaly(
    lab: Lab,
    kind: str,
    *,
    barcode: str = "",
    tube: Tube | None = None,
    package: Package | None = None,
    detail: dict[str, object] | None = None,
) -> Anomaly:
    return Anomaly(
        kind=kind,
        lab=lab,
        round_id=(tube.round_id if tube else package.round_id if package else None),
        package=package,
        tube=tube,
        barcode=barcode,
        detail=detail or {},
        at=timezone.now(),
    )


@transaction.atomic
def package_receive(
    *, actor: AnyActor, lab: Lab, package_code: str, barcodes: Sequence[str]
) -> Receipt:
    """Receive tubes at the lab by scanning (a package code, then its tubes; or loose tubes
    with an empty package code).

    Anomalies (R10), each a row, none stopping the receipt of the good tubes:
    ``unknown_tube``; ``tube_without_package`` (a tube never sealed); ``wrong_package``
    (sealed in another package); ``received_twice``; and ``count_mismatch`` when the tubes
    scanned for a package differ from the count sealed. A package is received once
    (``package_received``, 409).
    """
    require_role(actor, LAB_ROLES)
    if not _staffed(actor, set(lab.staff.values_list("id", flat=True))):
        raise FangkongError(
            _("You are not on the staff of this laboratory."), code="not_lab_staff", status=403
        )
    cleaned = _clean_barcodes(barcodes, field_name="tubes")
    package: Package | None = None
    if package_code:
        code = barcode_clean(package_code, field="package")
        package = Package.objects.select_for_update().filter(code=code, lab=lab).first()
        if package is None:
            raise FangkongError(
                _("No such package for this laboratory."),
                code="package_not_found",
                status=404,
            )
        if package.status == PackageStatus.RECEIVED:
            raise Conflict(_("This package was already received."), code="package_received")
    now = timezone.now()
    tubes = {
        tube.barcode: tube
        for tube in Tube.objects.select_for_update().filter(barcode__in=cleaned).order_by("id")
    }
    anomalies: list[Anomaly] = []
    received: list[Tube] = []
    seen: set[str] = set()
    for barcode in cleaned:
        tube = tubes.get(barcode)
        if tube is None:
            anomalies.append(
                _anomaly(lab, AnomalyKind.UNKNOWN_TUBE, barcode=barcode, package=package)
            )
            continue
        if barcode in seen or tube.received_at is not None:
            anomalies.append(
                _anomaly(
                    lab, AnomalyKind.RECEIVED_TWICE, barcode=barcode, tube=tube, package=package
                )
            )
            continue
        seen.add(barcode)
        if tube.package_id is None:
            anomalies.append(
                _anomaly(lab, AnomalyKind.TUBE_WITHOUT_PACKAGE, barcode=barcode, tube=tube)
            )
        elif package is None or tube.package_id != package.id:
            anomalies.append(
                _anomaly(
                    lab,
                    AnomalyKind.WRONG_PACKAGE,
                    barcode=barcode,
                    tube=tube,
                    package=package,
                    detail={"sealed_in": tube.package_id},
                )
            )
        received.append(tube)
    if package is not None:
        in_package = sum(1 for tube in received if tube.package_id == package.id)
        if in_package != package.tube_count:
            anomalies.append(
                _anomaly(
                    lab,
                    AnomalyKind.COUNT_MISMATCH,
                    package=package,
                    detail={"sealed": package.tube_count, "received": in_package},
                )
            )
        Package.objects.filter(pk=package.pk).update(
            status=PackageStatus.RECEIVED,
            received_at=now,
            received_by=actor.username,
            received_count=in_package,
            updated_at=now,
        )
        package.refresh_from_db()
    ids = [tube.id for tube in received]
    Tube.objects.filter(id__in=ids).update(status=TubeStatus.RECEIVED, received_at=now, lab=lab)
    tube_tally_move(((t.round_id, t.point_id, t.status) for t in received), TubeStatus.RECEIVED)
    Anomaly.objects.bulk_create(anomalies)
    tube_events_record(
        tube_ids=ids, kind=TubeEventKind.RECEIVED, actor=actor, detail={"lab": str(lab.code)}
    )
    audit_record(
        actor=actor,
        action="package_receive",
        object_type="package" if package else "lab",
        object_id=package.code if package else lab.code,
        fields=["received"],
        extra={
            "tubes": len(ids),
            "anomalies": sorted({anomaly.kind for anomaly in anomalies}),
        },
    )
    return Receipt(
        package=package, received=[tube.barcode for tube in received], anomalies=anomalies
    )
