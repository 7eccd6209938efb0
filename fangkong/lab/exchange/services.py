"""Results out to the health-code / personal-result service and the provincial platform in
batches (R17).

Every minute the worker cuts the results recorded since the last batch of each configured
target into batches of at most ``EXPORT_BATCH_RECORDS`` records (the provincial uploader's
5,000 per batch), oldest first, and sends every batch that is due. A batch is a range of
tubes by ``(reported_at, id)``; its records are built from the tubes at each attempt (the
identity numbers decrypted then, never stored in clear) and posted as one JSON document with
the batch code as ``Idempotency-Key``, so a receiver that saw an attempt already can tell. A
failed attempt is retried with a growing pause (1, 2, 4 … 60 minutes); batches of a target
go out in order, a later one only after the earlier ones were accepted.

Results are cut only once they are ``EXPORT_LAG`` old, so a transaction that recorded a
result a moment before the cut cannot commit below the cursor unseen.

Record fields follow the lab-to-platform uploader (domain reference §1.4): ID types are the
``WS02_01_031_01`` codes our document types already use; results 阴性 / 阳性 / 混管可疑阳性;
test item 1 (PCR); request number ``SQ`` + sample number, report number ``BG`` + sample
number; the reporting laboratory's code and name; the report time.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.core.audit import AuditSpec, access_record, audit_record, audit_record_many
from fangkong.core.crypto import decrypt
from fangkong.core.errors import Conflict, ValidationFailed
from fangkong.lab.access import require_role
from fangkong.lab.choices import ExportStatus, ExportTarget, TubeResult
from fangkong.lab.models import Binding, ResultExport, Tube
from fangkong.lab.roles import EXPORT_ROLES
from fangkong.people.documents import ID_PURPOSE
from fangkong.people.models import IdentityDocument
from fangkong.people.validation import text_field

#: Records per batch (the provincial uploader's ``datanum``).
EXPORT_BATCH_RECORDS = 5000
#: Tubes cut per run at most (a backlog drains over several runs; no run walks millions).
EXPORT_CUT_TUBES = 100_000
#: Results younger than this are left for the next cut.
EXPORT_LAG = timedelta(seconds=60)
#: Pause before the next attempt after ``n`` failures: 2**(n-1) minutes, at most an hour.
MAX_PAUSE = timedelta(hours=1)
#: How results are spelled for the receiving systems (§1.4, ``WS04_30_009_03``).
RESULT_TEXT = {
    TubeResult.NEGATIVE: "阴性",
    TubeResult.POSITIVE: "阳性",
    TubeResult.POOLED_POSITIVE: "混管可疑阳性",
}
PCR_TEST_ITEM = "1"  # WS04_30_019_01: 1 = PCR


def export_destinations() -> dict[str, str]:
    """Configured targets and where their batches go (``https://…``, ``http://…`` or
    ``file:///directory``); targets without one are not exported."""
    configured = {
        ExportTarget.HEALTH_CODE: settings.RESULT_EXPORT_HEALTH_CODE_URL,
        ExportTarget.PROVINCIAL: settings.RESULT_EXPORT_PROVINCIAL_URL,
    }
    return {str(target): url for target, url in configured.items() if url}


def _after(at: datetime, tube_id: int) -> Q:
    """Tubes after the cursor ``(at, tube_id)`` in ``(reported_at, id)`` order."""
    return Q(reported_at__gt=at) | Q(reported_at=at, id__gt=tube_id)


def _cursor_after(target: str) -> tuple[datetime | None, int]:
    last = ResultExport.objects.filter(target=target).order_by("-upto_at", "-upto_tube").first()
    return (last.upto_at, last.upto_tube) if last is not None else (None, 0)


def result_exports_cut(*, target: str, now: datetime) -> list[ResultExport]:
    """Cut the results recorded since the target's last batch (and at least ``EXPORT_LAG``
    ago) into new pending batches of at most ``EXPORT_BATCH_RECORDS`` records; audited."""
    made: list[ResultExport] = []
    with transaction.atomic():
        after_at, after_tube = _cursor_after(target)
        reportable = Tube.objects.filter(
            reported_at__isnull=False,
            reported_at__lte=now - EXPORT_LAG,
            result__in=list(RESULT_TEXT),
        )
        if after_at is not None:
            reportable = reportable.filter(_after(after_at, after_tube))
        tubes = reportable.order_by("reported_at", "id").values_list(
            "id", "reported_at", "member_count"
        )[:EXPORT_CUT_TUBES]
        batch: list[tuple[int, datetime, int]] = []
        records = 0
        for tube_id, reported_at, members in tubes.iterator(chunk_size=10_000):
            assert reported_at is not None
            row = (tube_id, reported_at, members)
            if batch and records + members > EXPORT_BATCH_RECORDS:
                made.append(_batch(target, after_at, after_tube, batch, records, now))
                after_at, after_tube = batch[-1][1], batch[-1][0]
                batch, records = [], 0
            batch.append(row)
            records += members
        if batch:
            made.append(_batch(target, after_at, after_tube, batch, records, now))
        audit_record_many(
            [
                AuditSpec(
                    actor=SYSTEM,
                    action="result_export_cut",
                    object_type="result_export",
                    object_id=export.code,
                    fields=("tubes", "records"),
                    extra={"target": target, "tubes": export.tubes, "records": export.records},
                )
                for export in made
            ]
        )
    return made


def _batch(
    target: str,
    after_at: datetime | None,
    after_tube: int,
    tubes: list[tuple[int, datetime, int]],
    records: int,
    now: datetime,
) -> ResultExport:
    return ResultExport.objects.create(
        target=target,
        after_at=after_at,
        after_tube=after_tube,
        upto_at=tubes[-1][1],
        upto_tube=tubes[-1][0],
        tubes=len(tubes),
        records=records,
        next_attempt_at=now,
        created_at=now,
    )


@dataclass(frozen=True)
class ExportRecord:
    """One person's result as the receiving systems take it."""

    name: str
    id_type: str
    id_number: str
    sample_no: str
    request_no: str
    report_no: str
    test_item: str
    result: str
    ct_orf1ab: float | None
    ct_n: float | None
    sampled_at: str
    reported_at: str
    org_code: str
    org_name: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def export_records(export: ResultExport) -> list[ExportRecord]:
    """The batch's records, built from its tubes now (identity numbers decrypted; the read
    is logged with the purpose ``result_export``)."""
    tubes = Tube.objects.filter(
        reported_at__isnull=False, result__in=list(RESULT_TEXT)
    ).select_related("lab")
    tubes = tubes.exclude(_after(export.upto_at, export.upto_tube))
    if export.after_at is not None:
        tubes = tubes.filter(_after(export.after_at, export.after_tube))
    by_id = {tube.id: tube for tube in tubes}
    members = list(
        Binding.objects.filter(tube_id__in=list(by_id))
        .select_related("person")
        .order_by("tube_id", "position")
    )
    documents: dict[int, IdentityDocument] = {}
    for held in IdentityDocument.objects.filter(
        person_id__in={b.person_id for b in members}
    ).order_by("person_id", "-is_primary", "id"):
        documents.setdefault(held.person_id, held)
    records: list[ExportRecord] = []
    for binding in members:
        tube = by_id[binding.tube_id]
        document = documents.get(binding.person_id)
        assert tube.reported_at is not None
        records.append(
            ExportRecord(
                name=binding.person.name,
                id_type=document.doc_type if document else "99",
                id_number=decrypt(document.number_encrypted, purpose=ID_PURPOSE)
                if document
                else "",
                sample_no=tube.barcode,
                request_no=f"SQ{tube.barcode}",
                report_no=f"BG{tube.barcode}",
                test_item=PCR_TEST_ITEM,
                result=RESULT_TEXT[TubeResult(tube.result)],
                ct_orf1ab=tube.ct_orf1ab,
                ct_n=tube.ct_n,
                sampled_at=tube.sampled_at.isoformat(),
                reported_at=tube.reported_at.isoformat(),
                org_code=str(tube.lab.code) if tube.lab else "",
                org_name=tube.lab.name if tube.lab else "",
            )
        )
    access_record(
        actor=SYSTEM,
        purpose="result_export",
        action=f"result_export:{export.target}",
        subject_type="person",
        subject_ids=sorted({str(b.person.code) for b in members}),
    )
    return records


def _deliver(url: str, export: ResultExport, body: bytes) -> None:
    """Hand one batch to its destination; raises ``OSError`` when it was not accepted."""
    if url.startswith("file://"):
        directory = Path(url.removeprefix("file://"))
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / f".{export.code}.json.part"
        partial.write_bytes(body)
        partial.replace(directory / f"{export.target}-{export.code}.json")
        return
    if not url.startswith(("https://", "http://")):
        raise OSError(f"unsupported destination {url.split(':', 1)[0]!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": str(export.code),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            if not 200 <= answer.status < 300:
                raise OSError(f"HTTP {answer.status}")
    except urllib.error.HTTPError as exc:
        raise OSError(f"HTTP {exc.code}") from None


def result_export_send(export: ResultExport, *, url: str, now: datetime) -> bool:
    """One attempt at one batch: build, deliver, record the outcome (audited). True if the
    destination accepted it."""
    records = [record.as_dict() for record in export_records(export)]
    document = {
        "batch": str(export.code),
        "target": export.target,
        "record_count": len(records),
        "records": records,
    }
    body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    digest = hashlib.sha256(body).hexdigest()
    error = ""
    try:
        _deliver(url, export, body)
    except OSError as exc:
        error = str(exc)[:500] or exc.__class__.__name__
    export.attempts += 1
    export.payload_sha256 = export.payload_sha256 or digest
    if error:
        export.status = ExportStatus.FAILED
        export.last_error = error
        export.next_attempt_at = now + min(MAX_PAUSE, timedelta(minutes=2 ** (export.attempts - 1)))
    else:
        export.status = ExportStatus.SENT
        export.last_error = ""
        export.sent_at = now
    with transaction.atomic():
        export.save(
            update_fields=[
                "attempts",
                "payload_sha256",
                "status",
                "last_error",
                "next_attempt_at",
                "sent_at",
            ]
        )
        audit_record(
            actor=SYSTEM,
            action="result_export_send",
            object_type="result_export",
            object_id=export.code,
            fields=["status", "attempts"],
            reason=error,
            extra={"target": export.target, "records": len(records), "sha256": digest},
        )
    return not error


def result_exports_run(*, now: datetime | None = None) -> dict[str, int]:
    """Cut new batches and send the due ones, target by target, oldest first; a failure
    stops that target until its pause is over. Returns batches sent per target."""
    now = now or timezone.now()
    sent: dict[str, int] = {}
    for target, url in export_destinations().items():
        result_exports_cut(target=target, now=now)
        sent[target] = 0
        for export in (
            ResultExport.objects.filter(target=target)
            .exclude(status=ExportStatus.SENT)
            .order_by("upto_at", "upto_tube")
        ):
            if export.next_attempt_at > now or not result_export_send(export, url=url, now=now):
                break
            sent[target] += 1
    return sent


def result_export_retry(*, actor: AnyActor, export: ResultExport, reason: str) -> ResultExport:
    """Send a failed batch again at the worker's next run instead of after its pause (the
    receiver is back); audited with the reason. ``export_not_failed`` (409) otherwise."""
    require_role(actor, EXPORT_ROLES)
    errors: list[dict[str, Any]] = []
    text = text_field(reason, field="reason", max_length=255, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("Say why the export is retried now."), errors=errors)
    with transaction.atomic():
        updated = ResultExport.objects.filter(pk=export.pk, status=ExportStatus.FAILED).update(
            next_attempt_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("Only a failed export is retried."), code="export_not_failed")
        audit_record(
            actor=actor,
            action="result_export_retry",
            object_type="result_export",
            object_id=export.code,
            fields=["next_attempt_at"],
            reason=text,
            extra={"target": export.target, "attempts": export.attempts},
        )
    export.refresh_from_db()
    return export
