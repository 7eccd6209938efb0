"""Lab result files: CSV and XLSX, the same content again, and every bad input of
security-reference c3–c5 — each refused with a clear error, and the database untouched."""

from __future__ import annotations

import codecs
import io
import uuid
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import FangkongError, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.lab.choices import MemberOutcome, TubeResult
from fangkong.lab.models import Binding, ResultUpload, Tube
from fangkong.lab.results.retests import retest_tasks_in_scope
from fangkong.lab.results.uploads import results_upload
from fangkong.lab.tests.factories import Screening, package_sealed, screening_make

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUBES = {"T0001": 3, "T0002": 3, "T0003": 1, "T0004": 3}


def _received(tree, api) -> Screening:
    """Four tubes (three pooled, one single) bound, sealed, handed over and received."""
    s = screening_make(tree, residents=12)
    sampler, tech = api(s.sampler), api(s.technician)
    start = 0
    for barcode, members in TUBES.items():
        bound = sampler.post(
            "/api/v1/lab/tubes",
            {
                "round": str(s.round.code),
                "point": str(s.point.code),
                "barcode": barcode,
                "members": [{"id_number": n} for n in s.ids[start : start + members]],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert bound.status_code == 201, bound.json()
        start += members
    sealed = sampler.post(
        "/api/v1/lab/packages",
        {
            "code": "P0001",
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": list(TUBES),
        },
    )
    assert sealed.status_code == 201, sealed.json()
    assert (
        sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪A1"}).status_code == 200
    )
    receipt = tech.post(
        f"/api/v1/lab/labs/{s.lab.code}/receipts", {"package": "P0001", "tubes": list(TUBES)}
    )
    assert receipt.status_code == 200, receipt.json()
    return s


def _csv(rows, *, encoding: str = "utf-8", bom: bytes = b"") -> bytes:
    text = "".join(",".join(str(cell) for cell in row) + "\r\n" for row in rows)
    return bom + text.encode(encoding)


def _xlsx(rows, *, creator="fangkong", width=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.properties.creator = creator
    if width:
        sheet.column_dimensions["A"].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    data: bytes = buffer.getvalue()
    return data


HEADER = ["管码", "结果", "Ct ORF1ab", "Ct N", "检测时间"]
GOOD = [
    HEADER,
    ["T0001", "阴性", "", "", "2022-07-15 08:30"],
    ["T0002", "混管可疑阳性", "31.2", "30.5", "2022/7/15 8:40"],
    ["T0003", "阴性", "", "", "2022年7月15日 8:50"],
    ["T0004", "待出", "", "", ""],
]


def _state():
    """What an upload may change: tube results, re-test tasks, uploads."""
    return (
        sorted(Tube.objects.values_list("barcode", "result", "ct_orf1ab", "ct_n", "status")),
        len(retest_tasks_in_scope(SYSTEM)),
        ResultUpload.objects.count(),
    )


def _upload(s, data, name="results.csv"):
    return results_upload(actor=s.technician, lab=s.lab, filename=name, data=data)


def _refused(s, data, name="results.csv") -> ValidationFailed:
    before = _state()
    with pytest.raises(ValidationFailed) as caught:
        _upload(s, data, name)
    assert _state() == before
    return caught.value


def test_good_csv_applies_every_row_and_reconciles(tree, api):
    s = _received(tree, api)
    report = _upload(s, _csv(GOOD))
    assert (report.rows_total, report.rows_applied, report.rows_unchanged) == (4, 3, 1)
    assert report.rows_total == report.rows_applied + report.rows_unchanged + report.rows_rejected
    assert not report.is_repeat
    tubes = dict(Tube.objects.values_list("barcode", "result"))
    assert tubes == {
        "T0001": TubeResult.NEGATIVE,
        "T0002": TubeResult.POOLED_POSITIVE,
        "T0003": TubeResult.NEGATIVE,
        "T0004": TubeResult.PENDING,
    }
    assert Tube.objects.get(barcode="T0002").ct_orf1ab == 31.2
    held = Binding.objects.filter(tube__barcode="T0002").values_list("outcome", flat=True)
    assert set(held) == {MemberOutcome.HELD}
    assert report.retest_tasks == len(retest_tasks_in_scope(SYSTEM)) == 3
    upload = ResultUpload.objects.get()
    assert (upload.rows_total, upload.rows_applied, upload.rows_unchanged) == (4, 3, 1)
    assert upload.lab_id == s.lab.id
    assert (
        AuditEntry.objects.filter(action="results_upload", object_id=str(s.lab.code)).count() == 1
    )


def test_good_xlsx_with_date_cells_and_excel_serials(tree, api):
    s = _received(tree, api)
    rows = [
        ["barcode", "result", "ct_orf1ab", "ct_n", "tested_at"],
        ["T0001", "negative", None, None, datetime(2022, 7, 15, 8, 30)],
        ["T0002", "混管阳性", 31.2, 30.5, 44757.35],  # Excel serial: 2022-07-15 08:24
        ["T0003", "阳性", 25, 24, "2022-07-15T00:50:00Z"],
    ]
    report = _upload(s, _xlsx(rows), "results.xlsx")
    assert (report.file_format, report.rows_total, report.rows_applied) == ("xlsx", 3, 3)
    assert Tube.objects.get(barcode="T0003").result == TubeResult.POSITIVE
    assert Tube.objects.get(barcode="T0002").ct_n == 30.5


def test_same_file_twice_renamed_changes_nothing_and_is_a_repeat(tree, api):
    s = _received(tree, api)
    data = _csv(GOOD)
    _upload(s, data)
    before = _state()
    audits = AuditEntry.objects.count()
    again = _upload(s, data, "renamed copy.csv")
    assert again.is_repeat
    assert again.same_bytes
    assert again.repeat_of is not None
    assert again.repeat_of.filename == "results.csv"
    assert (again.rows_applied, again.rows_unchanged) == (0, 4)
    assert _state() == before
    assert AuditEntry.objects.count() == audits + 1  # the repeat is audited, not stored


def test_reordered_rows_and_excel_resave_are_the_same_content(tree, api):
    s = _received(tree, api)
    first = _upload(s, _xlsx(GOOD), "a.xlsx")
    before = _state()
    resaved = _xlsx(GOOD, creator="Microsoft Excel", width=18)
    assert resaved != _xlsx(GOOD)
    second = _upload(s, resaved, "a (2).xlsx")
    assert second.is_repeat
    assert not second.same_bytes
    assert second.rows_sha256 == first.rows_sha256
    reordered = [GOOD[0], *reversed(GOOD[1:])]
    as_csv = _upload(s, _csv(reordered), "a.csv")
    assert as_csv.is_repeat
    assert as_csv.rows_sha256 == first.rows_sha256
    assert _state() == before


def test_duplicate_rows_inside_one_file(tree, api):
    s = _received(tree, api)
    same = _upload(s, _csv([HEADER[:2], ["T0001", "阴性"], ["T0001", "negative"]]))
    assert (same.rows_total, same.rows_applied, same.rows_unchanged) == (2, 1, 1)
    assert same.duplicate_rows == 1
    error = _refused(s, _csv([HEADER[:2], ["T0002", "阴性"], ["T0002", "混管阳性"]]))
    assert error.code == "upload_rejected"
    assert {(e["row"], e["field"], e["code"]) for e in error.errors} == {
        (3, "管码", "row_conflict")
    }


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_written(tree, api):
    s = _received(tree, api)
    rows = [
        HEADER,
        ["T0001", "阴性", "", "", "2022-07-15 08:30"],
        ["T0002", "阳性", "", "", ""],  # a pooled tube cannot be single positive
        ["T0003", "阴性", "abc", "", ""],
        ["T0004", "maybe", "", "", "0000-00-00"],
        ["T9999", "阴性", "", "", "1900-01-00"],
        ["T0001", "阴性", "", "", "2099-01-01 00:00"],
    ]
    error = _refused(s, _csv(rows))
    found = {(e["row"], e["field"], e["code"]) for e in error.errors}
    assert found == {
        (3, "结果", "single_result_for_pool"),
        (4, "Ct ORF1ab", "ct_not_a_number"),
        (5, "检测时间", "date_invalid"),
        (6, "检测时间", "date_invalid"),
        (7, "检测时间", "datetime_too_late"),  # beyond the API's bounds (core.times)
    }
    assert error.detail["rows_total"] == 6
    assert error.detail["rows_rejected"] == 6
    assert error.detail["rows_with_errors"] == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-07-15 08:30", "2022-07-15T00:30:00+00:00"),
        ("2022-07-15T00:30:00Z", "2022-07-15T00:30:00+00:00"),
        ("2022-07-15T08:30:00+08:00", "2022-07-15T00:30:00+00:00"),
        ("2022-07-15T08:30:00+0800", "2022-07-15T00:30:00+00:00"),
        ("2022/7/15 8:30", "2022-07-15T00:30:00+00:00"),
        ("2022年7月15日 8:30", "2022-07-15T00:30:00+00:00"),
        ("2022年7月15日", "2022-07-14T16:00:00+00:00"),
    ],
)
def test_time_formats_mean_the_same_instant(tree, api, value, expected):
    s = _received(tree, api)
    canonical = _upload(s, _csv([[*HEADER[:2], "检测时间"], ["T0004", "待出", expected]]))
    other = _upload(s, _csv([[*HEADER[:2], "检测时间"], ["T0004", "待出", value]]), "b.csv")
    assert other.rows_sha256 == canonical.rows_sha256


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0000-00-00", "date_invalid"),
        ("1900-01-00", "date_invalid"),
        ("2022-02-29 09:00", "date_invalid"),
        ("44757", "date_invalid"),  # a serial number is only read from a workbook cell
        ("1900-01-01", "datetime_too_early"),
        ("0001-01-01 00:00", "datetime_too_early"),  # the API's bounds (core.times)
        ("2019-11-30 23:59", "datetime_too_early"),
        ("9999-12-31 23:59", "datetime_too_late"),
        ("2022-07-16 09:00", "in_the_future"),
    ],
)
def test_bad_times_are_row_errors(tree, api, value, code):
    s = _received(tree, api)
    error = _refused(s, _csv([["管码", "结果", "检测时间"], ["T0001", "阴性", value]]))
    assert [(e["row"], e["field"], e["code"]) for e in error.errors] == [(2, "检测时间", code)]


def test_encodings_utf8_bom_utf16_and_gb18030(tree, api):
    s = _received(tree, api)
    rows = [HEADER[:2], ["T0001", "阴性"]]
    assert _upload(s, _csv(rows, bom=codecs.BOM_UTF8)).encoding == "utf-8-sig"
    utf16 = _upload(s, _csv(rows, encoding="utf-16"), "b.csv")
    assert utf16.encoding == "utf-16"
    assert utf16.is_repeat
    gb = _upload(s, _csv(rows, encoding="gb18030"), "c.csv")
    assert gb.encoding == "gb18030"
    assert gb.is_repeat
    assert Tube.objects.get(barcode="T0001").result == TubeResult.NEGATIVE


def _bomb() -> bytes:
    good = _xlsx(GOOD)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        target.writestr("xl/media/filler.xml", b"<a>" + b" " * 300_000_000 + b"</a>")
    return buffer.getvalue()


def _with_part(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_xlsx(GOOD))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry, source.read(entry))
        target.writestr(name, content)
    return buffer.getvalue()


BAD_FILES = {
    "empty": (b"", "results.csv", "file_empty"),
    "blank": (b"\r\n \r\n", "results.csv", "file_empty"),
    "header only": (_csv([HEADER]), "results.csv", "file_no_rows"),
    "header missing": (_csv([["T0001", "阴性"]]), "results.csv", "header_invalid"),
    "unknown column": (_csv([[*HEADER, "备注"], GOOD[1] + ["x"]]), "r.csv", "header_invalid"),
    "wrong template": (
        _csv([["code", "name", "parent_code"], ["1", "a", ""]]),
        "r.csv",
        "header_invalid",
    ),
    "1 MB cell": (_csv([HEADER[:2], ["T0001", "x" * 1_000_000]]), "r.csv", "cell_too_long"),
    "300-char cell": (_csv([HEADER[:2], ["T0001", "x" * 300]]), "r.csv", "cell_too_long"),
    "NUL byte": (b"barcode,result\r\nT0001,neg\x00ative\r\n", "r.csv", "file_binary"),
    "unterminated quote": (b'barcode,result\r\n"T0001,negative\r\n', "r.csv", "csv_malformed"),
    "binary as csv": (bytes(range(256)) * 40, "r.csv", "file_binary"),
    "workbook as csv": (_xlsx(GOOD), "results.csv", "file_wrong_type"),
    "csv as workbook": (_csv(GOOD), "results.xlsx", "file_wrong_type"),
    "xlsm": (_xlsx(GOOD), "results.xlsm", "file_macros"),
    "vba inside xlsx": (_with_part("xl/vbaProject.bin", b"\x00" * 10), "r.xlsx", "file_macros"),
    "external link": (
        _with_part("xl/externalLinks/externalLink1.xml", b"<externalLink/>"),
        "r.xlsx",
        "file_external_links",
    ),
    "doctype": (
        _with_part("xl/extra.xml", b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'),
        "r.xlsx",
        "file_xml_dtd",
    ),
    "pdf": (b"%PDF-1.4 ...", "results.pdf", "file_extension"),
    "10,000 columns": (_csv([HEADER[:2] + ["c"] * 9998]), "r.csv", "file_too_many_columns"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_clearly_and_change_nothing(tree, api, case):
    s = _received(tree, api)
    data, name, code = BAD_FILES[case]
    error = _refused(s, data, name)
    assert error.code == code or code in {e["code"] for e in error.errors}, error.errors
    assert error.message
    assert all(e["message"] and "field" in e for e in error.errors)


@pytest.mark.slow
def test_xlsx_zip_bomb_is_refused_before_unpacking(tree, api):
    s = _received(tree, api)
    error = _refused(s, _bomb(), "bomb.xlsx")
    assert error.code == "file_zip_bomb"


def test_too_many_rows_is_refused(tree, api, monkeypatch):
    from fangkong.lab.results import result_file

    monkeypatch.setattr(result_file, "MAX_UPLOAD_ROWS", 3)
    s = _received(tree, api)
    error = _refused(s, _csv([HEADER[:2]] + [[f"T{n:04d}", "阴性"] for n in range(1, 6)]))
    assert error.code == "file_too_many_rows"


def test_too_large_is_413(tree, api):
    s = _received(tree, api)
    with pytest.raises(FangkongError) as caught:
        _upload(s, b"x" * (20 * 1024 * 1024 + 1))
    assert (caught.value.code, caught.value.status) == ("file_too_large", 413)


def test_api_upload_reports_counts_and_every_rejected_row(tree, api):
    s = _received(tree, api)
    tech = api(s.technician)
    url = f"/api/v1/lab/labs/{s.lab.code}/uploads"
    bad = _csv([HEADER[:2], ["T0001", "阴性"], ["T0002", "阳性"], ["T9999", "阴性"]])
    refused = tech.client.post(url, {"file": _named(bad, "r.csv")}, headers=tech.headers)
    assert refused.status_code == 422, refused.json()
    body = refused.json()
    assert body["code"] == "upload_rejected"
    assert [(e["row"], e["code"]) for e in body["detail"]["errors"]] == [
        (3, "single_result_for_pool"),
        (4, "tube_not_found"),
    ]
    assert Tube.objects.get(barcode="T0001").result == TubeResult.PENDING
    good = tech.client.post(url, {"file": _named(_csv(GOOD), "r.csv")}, headers=tech.headers)
    assert good.status_code == 200, good.json()
    assert good.json()["rows_applied"] == 3
    assert good.json()["repeat"] is False
    again = tech.client.post(url, {"file": _named(_csv(GOOD), "r.csv")}, headers=tech.headers)
    assert again.json()["repeat"] is True
    assert again.json()["same_bytes"] is True
    assert ResultUpload.objects.count() == 1


def test_api_upload_scopes_and_roles(tree, api):
    s = _received(tree, api)
    url = f"/api/v1/lab/labs/{s.lab.code}/uploads"
    for actor, status in ((None, 401), (s.sampler, 403)):
        client = api(actor)
        answer = client.client.post(
            url, {"file": _named(_csv(GOOD), "r.csv")}, headers=client.headers
        )
        assert answer.status_code == status
    other = screening_make(tree)
    client = api(other.technician)
    answer = client.client.post(url, {"file": _named(_csv(GOOD), "r.csv")}, headers=client.headers)
    assert answer.status_code == 404
    assert ResultUpload.objects.count() == 0


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def _damaged(kind: str) -> bytes:
    """A sound workbook with its worksheet member damaged in the ZIP's central directory:
    ``crc`` (the checksum no longer matches the data), ``size`` (the uncompressed size is a
    lie, smaller than the data) or ``size_up`` (larger than the data)."""
    data = bytearray(_xlsx(GOOD))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entry = archive.getinfo("xl/worksheets/sheet1.xml")
    # The member's central-directory record: signature, then CRC at +16, sizes at +20/+24.
    name = entry.filename.encode()
    record = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    assert data[record + 46 : record + 46 + len(name)] == name
    if kind == "crc":
        data[record + 16 : record + 20] = (entry.CRC ^ 0xFFFF).to_bytes(4, "little")
    elif kind == "size":
        data[record + 24 : record + 28] = (entry.file_size // 2).to_bytes(4, "little")
    else:
        data[record + 24 : record + 28] = (entry.file_size + 500).to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("kind", ["crc", "size", "size_up"])
def test_a_damaged_workbook_is_refused_clearly(tree, api, kind):
    """A bad CRC inside or a lying uncompressed size is ``file_damaged`` (it was a
    ``BadZipFile`` 500), through the service and through the API."""
    s = _received(tree, api)
    error = _refused(s, _damaged(kind), "r.xlsx")
    assert error.code == "file_damaged"
    assert [(e["field"], e["code"]) for e in error.errors] == [("file", "file_damaged")]
    tech = api(s.technician)
    answer = tech.client.post(
        f"/api/v1/lab/labs/{s.lab.code}/uploads",
        {"file": _named(_damaged(kind), "r.xlsx")},
        headers=tech.headers,
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "file_damaged"
    assert answer.json()["detail"]["errors"][0]["field"] == "file"
    assert ResultUpload.objects.count() == 0


def test_a_workbook_damaged_inside_its_xml_is_refused_clearly(tree, api):
    """A sound ZIP whose worksheet XML is broken is refused (openpyxl reads rows lazily)."""
    s = _received(tree, api)
    buffer = io.BytesIO()
    sheet = "xl/worksheets/sheet1.xml"
    with (
        zipfile.ZipFile(io.BytesIO(_xlsx(GOOD))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            broken = b"<worksheet><sheetData><row"
            target.writestr(entry, broken if entry.filename == sheet else source.read(entry))
    error = _refused(s, buffer.getvalue(), "r.xlsx")
    assert error.code == "file_wrong_type"


@pytest.mark.parametrize("kind", ["crc", "size"])
def test_a_damaged_workbook_through_the_upload_page_is_a_clear_refusal(
    tree, api, page_client, kind
):
    s = screening_make(tree)
    package_sealed(s, api)
    client = page_client(s.technician)
    answer = client.post(
        f"/lab/labs/{s.lab.code}/upload",
        {
            "file": SimpleUploadedFile("r.xlsx", _damaged(kind)),
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert answer.status_code == 422
    assert "file_damaged" in answer.content.decode()
    assert ResultUpload.objects.count() == 0
