"""Packages (seal, one package, hand-over to transport) and receipt at the lab."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
)
from fangkong.lab.access import (
    access_lab,
    access_package,
    access_point,
    access_round,
)
from fangkong.lab.models import Package
from fangkong.lab.roles import LAB_ROLES, SAMPLING_ROLES, TRANSPORT_ROLES
from fangkong.lab.transport.services import package_handover, package_receive, package_seal

router = Router()


class SealIn(Schema):
    code: str = Field(min_length=1, max_length=64, description="Package code (封包码)")
    round: str = Field(max_length=45)
    point: str = Field(max_length=45)
    lab: str = Field(max_length=45, description="Destination laboratory")
    tubes: list[str] = Field(min_length=1, max_length=500)


class PackageOut(Schema):
    code: str
    round: str
    point: str
    lab: str
    status: str
    tube_count: int
    sealed_at: datetime
    handed_over_at: datetime | None
    vehicle: str
    received_at: datetime | None
    received_count: int


class HandoverIn(Schema):
    vehicle: str = Field(min_length=1, max_length=40)
    carrier: str = Field("", max_length=100)


class ReceiveIn(Schema):
    package: str = Field("", max_length=64, description="Package code; empty for loose tubes")
    tubes: list[str] = Field(min_length=1, max_length=500)


class AnomalyOut(Schema):
    kind: str
    barcode: str
    detail: dict[str, Any]


class ReceiptOut(Schema):
    package: str | None
    received: list[str]
    anomalies: list[AnomalyOut]


def package_out(package: Package) -> PackageOut:
    return PackageOut(
        code=package.code,
        round=str(package.round.code),
        point=str(package.point.code),
        lab=str(package.lab.code),
        status=package.status,
        tube_count=package.tube_count,
        sealed_at=package.sealed_at,
        handed_over_at=package.handed_over_at,
        vehicle=package.vehicle,
        received_at=package.received_at,
        received_count=package.received_count,
    )


@router.post(
    "/packages",
    operation_id="fangkong_lab_api_labwork_packages_seal",
    response={201: PackageOut, **WRITE_ERRORS},
    summary="Seal a package",
)
def packages_seal(
    request: HttpRequest, payload: SealIn, idempotency_key: IdempotencyKey = None
) -> Status[PackageOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        package = package_seal(
            actor=actor,
            point=access_point(actor, payload.point, roles=SAMPLING_ROLES),
            screening_round=access_round(actor, payload.round, roles=SAMPLING_ROLES),
            lab=access_lab(actor, payload.lab, roles=SAMPLING_ROLES),
            code=payload.code,
            barcodes=payload.tubes,
        )
        return 201, {"code": package.code}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="package_seal",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, package_out(access_package(actor, body["code"])))


@router.get(
    "/packages/{code}",
    operation_id="fangkong_lab_api_labwork_packages_get",
    response={200: PackageOut, **ERRORS},
    summary="One package",
)
def packages_get(request: HttpRequest, code: str) -> PackageOut:
    return package_out(access_package(actor_of(request), code))


@router.post(
    "/packages/{code}/handover",
    operation_id="fangkong_lab_api_labwork_packages_handover",
    response={200: PackageOut, **WRITE_ERRORS},
    summary="Hand a package over to transport",
)
def packages_handover(request: HttpRequest, code: str, payload: HandoverIn) -> PackageOut:
    actor = actor_of(request)
    package = access_package(actor, code, roles=TRANSPORT_ROLES)
    return package_out(
        package_handover(
            actor=actor, package=package, vehicle=payload.vehicle, carrier=payload.carrier
        )
    )


@router.post(
    "/labs/{code}/receipts",
    operation_id="fangkong_lab_api_labwork_labs_receive",
    response={200: ReceiptOut, **WRITE_ERRORS},
    summary="Receive tubes at a laboratory",
    description=(
        "Scan a package code and its tubes (or loose tubes). Anomalies — `unknown_tube`, "
        "`tube_without_package`, `wrong_package`, `received_twice`, `count_mismatch` — are "
        "recorded and returned; good tubes are received all the same."
    ),
)
def labs_receive(
    request: HttpRequest, code: str, payload: ReceiveIn, idempotency_key: IdempotencyKey = None
) -> ReceiptOut:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        lab = access_lab(actor, code, roles=LAB_ROLES)
        receipt = package_receive(
            actor=actor, lab=lab, package_code=payload.package, barcodes=payload.tubes
        )
        return 200, {
            "package": receipt.package.code if receipt.package else None,
            "received": receipt.received,
            "anomalies": [
                {"kind": a.kind, "barcode": a.barcode, "detail": a.detail}
                for a in receipt.anomalies
            ],
        }

    _status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="package_receive",
        payload={"lab": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return ReceiptOut(**body)
