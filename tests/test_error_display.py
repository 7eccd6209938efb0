"""Errors on pages name the field by its label and say the row: never a program's field path.

A service names a refused value by its API path (``results[2].barcode``, ``documents.number``,
a file's column ``tested_at`` with its row). Pages show them through ``core.form_errors`` only:

- every field name a service refuses (each literal ``field_error`` name in the code, each
  column of the result and jurisdiction files) has a label in ``FIELD_LABELS``;
- the lines read "第3行 · 管码：…" in zh-Hans, with no path and the row number;
- the pages that show service errors — the results form and the result-file table of the lab
  page, the jurisdiction import table — render them so, in zh-Hans.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.core.form_errors import FIELD_LABELS, NO_LABEL, shown_error, shown_errors

ROOT = Path(__file__).resolve().parents[1] / "fangkong"
#: ``field_error("name"`` / ``field_error(f"list[{i}].name"``: the field's last name.
LITERAL = re.compile(r'field_error\(\s*f?"(?P<path>[^"]*)"')
#: A field path as a program writes it: ``results[2].barcode``, ``documents.number``.
RAW_PATH = re.compile(r"\b[a-z_]+(\[\d+\])?\.[a-z_]+\b|\b[a-z_]+\[\d+\]")
HTML_TAG = re.compile(r"<[^>]+>")


def _last_name(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "", path.split(".")[-1]).split("[")[0].strip()


def literal_field_names() -> set[str]:
    names = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
            name = _last_name(match.group("path"))
            if name and not name.startswith("column"):
                names.add(name)
    return names


def test_every_field_a_service_refuses_has_a_label() -> None:
    from fangkong.cases.imports.reading import COLUMNS as CASE_IMPORT_COLUMNS
    from fangkong.lab.results.result_rows import COLUMNS as RESULT_COLUMNS
    from fangkong.regions.importer import COLUMNS as REGION_COLUMNS

    names = (
        literal_field_names() | set(RESULT_COLUMNS) | set(REGION_COLUMNS) | set(CASE_IMPORT_COLUMNS)
    )
    assert len(names) > 40
    assert sorted(names - set(FIELD_LABELS) - NO_LABEL) == []


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            field_error("results[2].barcode", "barcode_invalid", "管码无效"),
            "第3行 · 管码：管码无效",
        ),
        (field_error("barcode", "tube_not_found", "无此管", row=3), "第3行 · 管码：无此管"),
        (
            field_error("documents.number", "invalid", "号码无效", row=4),
            "第4行 · 证件号码：号码无效",
        ),
        (field_error("persons.phone", "invalid", "电话无效", row=2), "第2行 · 电话：电话无效"),
        (field_error("members[1].id_number", "x", "查无此人"), "第2人 · 证件号码：查无此人"),
        (field_error("members[1]", "person_already_bound", "已采样"), "第2人：已采样"),
        (field_error("source_notes.0.topic", "required", "必填"), "第1行 · 主题：必填"),
        (field_error("areas[1].zone", "invalid", "未知"), "第2行 · 区域：未知"),
        (field_error("tested_at", "in_the_future", "在将来"), "检测时间：在将来"),
        (field_error("row", "column_count", "格数不对", row=5), "第5行：格数不对"),
        (
            field_error("column 4", "header_unknown_column", "未知列", row=1),
            "第1行 · 第4列：未知列",
        ),
        (field_error("foo", "header_unknown_column", "未知列", row=1), "第1行 · 列“foo”：未知列"),
        (field_error("some_new_field", "invalid", "无效"), "无效"),
    ],
)
def test_an_error_line_names_the_row_and_the_label_in_chinese(
    error: dict[str, Any], expected: str
) -> None:
    with translation.override("zh-hans"):
        assert str(shown_error(error)) == expected


def test_an_error_without_entries_is_its_message() -> None:
    with translation.override("zh-hans"):
        [only] = shown_errors(ValidationFailed("整批被拒"))
    assert (str(only), only.row, only.field) == ("整批被拒", None, "")


def _problems(html: str, shown: str) -> list[str]:
    """Raw paths in the page's error text ``shown`` (a part of ``html``)."""
    assert shown in html
    return RAW_PATH.findall(HTML_TAG.sub(" ", shown))


@pytest.mark.django_db
def test_the_lab_page_says_row_and_label_for_form_and_file_errors(
    tree: Any, api: Any, page_client: Any
) -> None:
    import time_machine

    from fangkong.lab.tests.factories import package_sealed as _sealed
    from fangkong.lab.tests.factories import screening_make
    from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY

    with time_machine.travel(NINTH_EDITION_DAY, tick=True):
        _lab_pages(tree, api, page_client, screening_make, _sealed)


def _lab_pages(tree: Any, api: Any, page_client: Any, screening_make: Any, _sealed: Any) -> None:
    s = screening_make(tree)
    _sealed(s, api)
    client = page_client(s.technician)
    url = f"/lab/labs/{s.lab.code}/"
    received = {"package": "P0001", "tubes": "T0001\nT0002\n", "idempotency_key": uuid.uuid4().hex}
    assert client.post(f"{url}receive", received).status_code == 302
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

    rows = {
        "barcode_0": "T0001",
        "result_0": "negative",
        "barcode_1": "T0002",
        "result_1": "negative",
        "barcode_2": "T7777",
        "result_2": "negative",
        "idempotency_key": uuid.uuid4().hex,
    }
    form = client.post(f"{url}results", rows, **zh)
    assert form.status_code == 422
    html = form.content.decode()
    line = re.search(r"第3行 · 管码：[^<]+", html)
    assert line is not None, "the results form names row 3 and the barcode label"
    assert _problems(html, line.group(0)) == []
    assert "barcode:" not in html

    upload = client.post(
        f"{url}upload",
        {
            "file": SimpleUploadedFile("r.csv", "管码,结果\nT0001,阴性\nT7777,阴性\n".encode()),
            "idempotency_key": uuid.uuid4().hex,
        },
        **zh,
    )
    assert upload.status_code == 422
    html = upload.content.decode()
    table = html.split("tube_not_found", 1)[0].rsplit("<tr>", 1)[1]
    assert re.search(r'<td class="num">3</td><td>管码</td>', table), table
    assert _problems(html, table) == []


@pytest.mark.django_db
def test_the_jurisdiction_import_says_row_and_label(
    tree: Any, make_actor: Any, page_client: Any
) -> None:
    client = page_client(make_actor("administrator", tree["district_a"]))
    bad = "code,name,parent_code\n110105002,朝阳第二街道,110105\n110105003,,110105\n"
    rejected = client.post(
        "/regions/import/",
        {"file": SimpleUploadedFile("t.csv", bad.encode())},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert rejected.status_code == 422
    html = rejected.content.decode()
    table = html.split("name_required", 1)[0].rsplit("<tr>", 1)[1]
    assert re.search(r'<td class="num">3</td><td>名称</td>', table), table
    assert _problems(html, table) == []
