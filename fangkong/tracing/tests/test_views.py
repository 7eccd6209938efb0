"""The tracing page (upload, per-day figures) and the ``tracing_load`` command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.people.tests.factories import person_make
from fangkong.regions.models import Region
from fangkong.tracing.models import IngestBatch
from fangkong.tracing.purge import tracing_purge
from fangkong.tracing.store import scans_frame
from fangkong.tracing.tests.factories import venue_make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _csv(tree: dict[str, Region], *, bad: bool = False) -> bytes:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    lines = ["person,venue,scanned_at,left_at"]
    lines.append(f"{person.code},{venue.code},2026-12-07 09:00,2026-12-07 09:40")
    lines.append(f"{person.code},{venue.code},2026-12-07T11:00:00+08:00,")
    if bad:
        lines.append(f"{person.code},NOPE,2026-12-07 12:00,2026-12-07 11:00")
    return ("\n".join(lines) + "\n").encode()


def test_the_page_is_for_feeds_only(
    page_client: Callable[..., Any], tree: dict[str, Region], client: Any
) -> None:
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    tracing_purge()
    answer = page_client(admin).get("/tracing/")
    assert answer.status_code == 200
    assert "Last purge" in answer.content.decode()
    investigator = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"])
    assert page_client(investigator).get("/tracing/").status_code == 403
    assert client.get("/tracing/").status_code == 302


def test_an_uploaded_file_lands_whole_or_names_its_rows(
    page_client: Callable[..., Any], tree: dict[str, Region]
) -> None:
    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    browser = page_client(admin)
    bad = browser.post(
        "/tracing/",
        {
            "kind": "scans",
            "source": "office",
            "file": SimpleUploadedFile("s.csv", _csv(tree, bad=True)),
        },
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "<td>4</td><td>Venue code</td><td>No such venue.</td>" in text  # the CSV's line 4
    assert "No such venue." in text
    assert "The departure is before the scan." in text
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 0
    data = _csv(tree)
    good = browser.post(
        "/tracing/",
        {"kind": "scans", "source": "office", "file": SimpleUploadedFile("s.csv", data)},
    )
    assert good.status_code == 200
    assert "Stored 2 rows" in good.content.decode()
    again = browser.post(
        "/tracing/",
        {"kind": "scans", "source": "office", "file": SimpleUploadedFile("t.csv", data)},
    )
    assert "loaded before" in again.content.decode()
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 2
    workbook = browser.post(
        "/tracing/",
        {"kind": "scans", "source": "office", "file": SimpleUploadedFile("s.csv", b"PK\x03\x04xx")},
    )
    assert workbook.status_code == 422


def test_the_command_loads_files_once_and_prints_every_rejected_row(
    tree: dict[str, Region], tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(tree))
    out = StringIO()
    call_command("tracing_load", str(good), kind="scans", source="nightly", stdout=out)
    call_command("tracing_load", str(good), kind="scans", source="nightly", stdout=out)
    assert "stored, 2 rows" in out.getvalue()
    assert "already stored" in out.getvalue()
    assert IngestBatch.objects.count() == 1
    parquet = tmp_path / "bad.parquet"
    person = person_make(region=tree["grid_a1"])
    pl.DataFrame(
        {
            "person": [str(person.code)] * 2,
            "cell": [5, 6],
            "start": [NOW - timedelta(hours=3), NOW - timedelta(days=30)],
            "end": [NOW - timedelta(hours=2), NOW - timedelta(days=29)],
        }
    ).write_parquet(parquet)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("tracing_load", str(parquet), kind="dwells", stdout=out, stderr=err)
    assert "row 2, start:" in err.getvalue()


def test_a_parquet_column_of_the_wrong_type_is_refused_by_name(
    tree: dict[str, Region], tmp_path: Path
) -> None:
    odd = tmp_path / "odd.parquet"
    pl.DataFrame(
        {"person": [{"a": 1}], "cell": [[1, 2]], "start": ["2026-12-07T01:00Z"], "end": ["x"]}
    ).write_parquet(odd)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("tracing_load", str(odd), kind="dwells", stdout=StringIO(), stderr=err)
    assert "person: This column holds neither text" in err.getvalue()
    assert "cell: This column holds neither text" in err.getvalue()


def test_the_page_runs_the_same_queries_whatever_the_batches(
    page_client: Callable[..., Any], tree: dict[str, Region]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.tracing.services import batch_ingest

    admin = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    browser = page_client(admin)
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])

    def load(count: int) -> None:
        for number in range(count):
            at = NOW - timedelta(hours=1, minutes=number)
            frame = pl.DataFrame(
                {"person": [str(person.code)], "venue": [venue.code], "scanned_at": [at]}
            )
            batch_ingest(
                actor=admin,
                kind="scans",
                frame=frame,
                source="feed",
                batch_key=f"{count}-{number}",
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/tracing/").status_code == 200
        return len(captured)

    load(2)
    few = queries()
    load(5)
    assert queries() == few
    assert browser.get("/tracing/").content.decode().count("<td>feed</td>") == 7
