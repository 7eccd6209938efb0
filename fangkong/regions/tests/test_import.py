"""The division-table import: encodings, hostile files, every bad row reported, all or
nothing, re-imports, count reconciliation, batched queries, the operator command."""

from __future__ import annotations

import codecs
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import FangkongError, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.regions.models import Region
from fangkong.regions.services import region_import_csv

pytestmark = pytest.mark.django_db

HEADER = "code,name,parent_code\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def rejected(data: bytes, actor=SYSTEM) -> ValidationFailed:
    before = Region.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        region_import_csv(actor=actor, file=data)
    assert Region.objects.count() == before
    return caught.value


def problems(error: ValidationFailed) -> list[tuple[int | None, str, str]]:
    return [(e.get("row"), e["field"], e["code"]) for e in error.errors]


def test_a_new_district_lands_with_parents_before_children(tree):
    data = csv_bytes(
        "110102001001,月坛第一社区,110102001",  # child listed before its parent
        "110102,西城区,110100",
        "110102001,月坛街道,110102",
        "110102001001001,网格一,110102001001",
        "110100,市辖区,110000",  # already present: unchanged
    )
    report = region_import_csv(actor=SYSTEM, file=data, filename="xicheng.csv")
    assert (report.rows_read, report.created, report.unchanged, report.rejected) == (5, 4, 1, 0)
    assert report.rows_read == report.created + report.unchanged + report.rejected
    assert report.committed
    grid = Region.objects.get(code="110102001001001")
    assert grid.level == 6
    assert grid.path == "110000.110100.110102.110102001.110102001001.110102001001001"
    assert grid.parent is not None
    assert grid.parent.code == "110102001001"
    assert grid.time_zone == "Asia/Shanghai"
    entry = AuditEntry.objects.get(action="region_import_csv")
    assert entry.object_id == report.sha256
    assert entry.extra["created"] == 4
    assert entry.extra["filename"] == "xicheng.csv"


def test_the_same_file_twice_changes_nothing_and_says_so(tree):
    data = csv_bytes("110102,西城区,110100", "110102001,月坛街道,110102")
    first = region_import_csv(actor=SYSTEM, file=data)
    second = region_import_csv(actor=SYSTEM, file=data)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert second.nothing_to_do
    assert not second.committed
    assert AuditEntry.objects.filter(action="region_import_csv").count() == 1


def test_every_bad_row_is_reported_and_nothing_lands(tree):
    long_name = "长" * 10_000
    data = csv_bytes(
        "110102,西城区,110100",  # fine on its own
        "11010X,坏代码,110100",  # bad code format
        "110103,,110100",  # empty name
        f"110104,{long_name},110100",  # 10,000-character cell
        "110106,东城区,119900",  # unknown parent
        "110108,海淀区改名,110100",  # exists with another name
        "110102,西城区,110100",  # duplicate code in the file
        "110107,坏\x07名,110100",  # control character
        "110108002,街道,110108",  # parent exists: fine
        "110203,错位,110100",  # code does not extend the parent
        "110110,时区,110100,Mars/Base",  # too many cells for this header
    )
    error = rejected(data)
    assert error.code == "import_rejected"
    assert problems(error) == [
        (3, "code", "code_format"),
        (4, "name", "name_required"),
        (5, "name", "name_too_long"),
        (6, "parent_code", "unknown_parent"),
        (7, "name", "code_exists_different_name"),
        (8, "code", "duplicate_code"),
        (9, "name", "name_control_characters"),
        (11, "code", "code_parent_mismatch"),
        (12, "row", "column_count"),
    ]
    assert error.detail["rows_read"] == 11
    assert error.detail["rejected"] == 9
    assert error.detail["new"] == 2
    assert error.detail["unchanged"] == 0
    assert error.detail["rows_read"] == (
        error.detail["new"] + error.detail["unchanged"] + error.detail["rejected"]
    )
    assert "row 2" in error.errors[5]["message"]


def test_children_of_rejected_rows_are_reported_too(tree):
    data = csv_bytes("110102,,110100", "110102001,月坛街道,110102")
    assert problems(rejected(data)) == [
        (2, "name", "name_required"),
        (3, "parent_code", "parent_rejected"),
    ]


def test_parent_outside_the_administrators_subtree(tree, make_actor):
    admin = make_actor("administrator", tree["district_a"])
    data = csv_bytes(
        "110105002,朝阳第二街道,110105",  # inside: fine
        "110108002,海淀第二街道,110108",  # other district
        "120000,天津市,",  # a province: system only
        "110105,朝阳区,110100",  # the administrator's own node, unchanged
    )
    assert problems(rejected(data, actor=admin)) == [
        (3, "parent_code", "parent_out_of_scope"),
        (4, "parent_code", "parent_out_of_scope"),
    ]
    report = region_import_csv(actor=admin, file=csv_bytes("110105002,朝阳第二街道,110105"))
    assert report.created == 1


def test_only_administrators_import(tree, make_actor):
    with pytest.raises(PermissionDenied):
        region_import_csv(
            actor=make_actor("commander", tree["province"]), file=csv_bytes("110102,西城区,110100")
        )


def test_gb18030_file(tree):
    data = csv_bytes("110102,西城区,110100", "110102001,月坛街道,110102", encoding="gb18030")
    report = region_import_csv(actor=SYSTEM, file=data)
    assert report.encoding == "gb18030"
    assert Region.objects.get(code="110102001").name == "月坛街道"


def test_utf8_with_bom_and_crlf(tree):
    data = codecs.BOM_UTF8 + "code,name,parent_code\r\n110102,西城区,110100\r\n".encode()
    report = region_import_csv(actor=SYSTEM, file=data)
    assert (report.encoding, report.created) == ("utf-8-sig", 1)
    assert Region.objects.get(code="110102").name == "西城区"


def test_utf16_with_bom(tree):
    data = codecs.BOM_UTF16_LE + "code,name,parent_code\n110102,西城区,110100\n".encode("utf-16-le")
    assert region_import_csv(actor=SYSTEM, file=data).created == 1


def test_chinese_header_aliases_any_order_and_time_zone(tree):
    data = "名称,上级代码,代码,时区\n喀什市,110100,110199,Asia/Urumqi\n".encode()
    region_import_csv(actor=SYSTEM, file=data)
    assert Region.objects.get(code="110199").time_zone == "Asia/Urumqi"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"   \r\n", "file_empty"),
        (codecs.BOM_UTF8, "file_empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "file_binary"),
        (b"code,name,parent_code\n110102,\x00,110100\n", "file_binary"),
        (b"\xff\xfe\xfd\x80\x81", "file_encoding"),
        (b"code;name;parent\n", "header_invalid"),
        (b"code,name\n110102,x\n", "header_invalid"),
        (b"code,name,parent_code,colour\n", "header_invalid"),
        (b"code,code,name,parent_code\n", "header_invalid"),
        (b"110102,\xe8\xa5\xbf\xe5\x9f\x8e\xe5\x8c\xba,110100\n", "header_invalid"),
    ],
)
def test_hostile_and_malformed_files_are_refused_whole(tree, data, code):
    assert rejected(data).code == code


def test_header_only_imports_nothing_and_says_so(tree):
    report = region_import_csv(actor=SYSTEM, file=b"code,name,parent_code\n")
    assert (report.rows_read, report.created, report.unchanged) == (0, 0, 0)
    assert report.nothing_to_do


def test_header_problems_name_the_column(tree):
    error = rejected(b"code,name,colour\n")
    assert problems(error) == [
        (1, "column 3", "header_unknown_column"),
        (1, "parent_code", "header_missing_column"),
    ]


def test_size_and_row_limits_are_checked_before_work(tree):
    data = csv_bytes(*[f"11010{i},区{i},110100" for i in range(2, 6)])
    with pytest.raises(FangkongError) as caught:
        region_import_csv(actor=SYSTEM, file=data, max_bytes=20)
    assert (caught.value.status, caught.value.code) == (413, "file_too_large")
    with pytest.raises(ValidationFailed) as caught:
        region_import_csv(actor=SYSTEM, file=data, max_rows=3)
    assert caught.value.code == "file_too_many_rows"
    assert caught.value.errors[0]["row"] == 5


def test_a_huge_cell_is_a_malformed_file_not_a_crash(tree):
    data = b"code,name,parent_code\n110102," + b"x" * 200_000 + b",110100\n"
    assert rejected(data).code == "csv_malformed"


def test_dry_run_writes_nothing(tree):
    report = region_import_csv(actor=SYSTEM, file=csv_bytes("110102,西城区,110100"), dry_run=True)
    assert (report.new, report.created, report.dry_run) == (1, 0, True)
    assert not Region.objects.filter(code="110102").exists()


def test_parent_cycles_and_chains_do_not_recurse_forever(tree):
    rows = [f"{110200 + i},区{i},{110200 + i + 1}" for i in range(1, 3000)]
    error = rejected(csv_bytes(*rows))
    assert error.detail["rejected"] == len(rows)


def test_queries_do_not_grow_with_the_number_of_rows(tree, django_assert_max_num_queries):
    def district_file(district: str, streets: int) -> bytes:
        rows = [f"{district},区{district},110100"]
        rows += [f"{district}{i:03d},街道{i},{district}" for i in range(1, streets + 1)]
        return csv_bytes(*rows)

    with django_assert_max_num_queries(20) as small:
        region_import_csv(actor=SYSTEM, file=district_file("110111", 10))
    with django_assert_max_num_queries(30) as large:
        region_import_csv(actor=SYSTEM, file=district_file("110112", 900))
    # Existing codes are read in one query per 2,000; inserts go in batches (SQLite caps a
    # statement at 999 parameters, so about 110 rows per INSERT): never one query per row.
    assert len(large.captured_queries) - len(small.captured_queries) <= 900 // 100
    assert Region.objects.filter(code__startswith="110112").count() == 901


def test_operator_command_imports_as_the_system(tree, tmp_path):
    path = tmp_path / "provinces.csv"
    path.write_bytes(csv_bytes("120000,天津市,", "120100,市辖区,120000"))
    out = StringIO()
    call_command("regions_import", str(path), stdout=out)
    assert "created 2" in out.getvalue()
    assert Region.objects.get(code="120100").path == "120000.120100"
    out = StringIO()
    call_command("regions_import", str(path), stdout=out)
    assert "nothing changed" in out.getvalue()


def test_operator_command_reports_bad_rows_and_fails(tree, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes("130000,河北省,", "139999,坏,130000"))
    err = StringIO()
    with pytest.raises(CommandError, match="not imported"):
        call_command("regions_import", str(path), stderr=err)
    assert "row 3, code: code_parent_mismatch" in err.getvalue()
    assert not Region.objects.filter(code="130000").exists()
    with pytest.raises(CommandError, match="no such file"):
        call_command("regions_import", str(tmp_path / "missing.csv"))
