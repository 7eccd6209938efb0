"""Set-based checks of incoming scans and dwell intervals (Polars, no row loop).

A frame comes in with the public ids (person codes, venue codes) and times as text or
datetimes; it goes out with the integer ids the store keeps, or with every rejected row named
by its 1-based row number and field. The checks collect all problems of a batch at once: the
batch lands whole, or its sender learns every row to fix.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.bulk import IN_CHUNK
from fangkong.people.selectors import person_scope
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.choices import FeedKind
from fangkong.tracing.models import Venue
from fangkong.tracing.store import TIME, day_start

#: A scan's stay may not be longer than this: a check-out a day later is a data error (and
#: readers look back one day for stays that began before midnight).
MAX_SCAN_STAY = timedelta(hours=24)
#: Times up to this far ahead of the server's clock are taken as clock skew, not refused.
CLOCK_SKEW = timedelta(minutes=5)
MAX_COMPANIONS = 50
MAX_CELL = 2**40
#: Above this many distinct person codes in a batch, the scope's codes are read whole (one
#: pass) instead of asked for in chunks.
PERSON_LOOKUP_WHOLE = 5_000
#: Rejected rows listed in one refusal; the count of all of them is always given.
MAX_REPORTED = 100_000

#: Columns each kind reads, and which of them are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    FeedKind.SCANS.value: (
        "person",
        "venue",
        "scanned_at",
        "left_at",
        "companions",
        "companion_for",
    ),
    FeedKind.DWELLS.value: ("person", "cell", "start", "end"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    FeedKind.SCANS.value: ("person", "venue", "scanned_at"),
    FeedKind.DWELLS.value: ("person", "cell", "start", "end"),
}
_TIME_COLUMNS = frozenset({"scanned_at", "left_at", "start", "end"})
_AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z")
_NAIVE_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M")


@dataclass
class Checked:
    """A checked frame (store columns, integer ids) or the rejected rows."""

    frame: pl.DataFrame
    rows_total: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows_rejected: int = 0


class _Errors:
    """Problems found so far: one mask per (field, code), rows numbered from 1."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.found: list[tuple[str, str, str, pl.Series]] = []

    def add(self, mask: pl.Expr, field_name: str, code: str, message: str) -> None:
        rows = self.frame.select(pl.col("_row").filter(mask.fill_null(False)))["_row"]
        if rows.len():
            self.found.append((field_name, code, message, rows))

    def report(self) -> tuple[list[dict[str, Any]], int]:
        """Every problem as ``{"row", "field", "code", "message"}`` in row order (at most
        :data:`MAX_REPORTED`), and the number of distinct rejected rows."""
        if not self.found:
            return [], 0
        table = pl.concat(
            [
                pl.DataFrame(
                    {"row": rows, "field": field_name, "code": code, "message": message},
                    schema={
                        "row": pl.Int64,
                        "field": pl.String,
                        "code": pl.String,
                        "message": pl.String,
                    },
                )
                for field_name, code, message, rows in self.found
            ]
        ).sort("row", "field", maintain_order=True)
        rejected = table["row"].n_unique()
        return table.head(MAX_REPORTED).to_dicts(), rejected


def _as_text(frame: pl.DataFrame, column: str) -> pl.Expr:
    dtype = frame.schema[column]
    if dtype == pl.String:
        return pl.col(column).str.strip_chars()
    return pl.col(column).cast(pl.String)


def _times(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A time column as UTC: datetimes as they are (naive ones are local time), text in ISO
    8601 with an offset (``Z`` allowed) or without one (local time)."""
    dtype = frame.schema[column]
    local = settings.TIME_ZONE
    if isinstance(dtype, pl.Datetime):
        value = pl.col(column).cast(pl.Datetime("us", dtype.time_zone))
        if dtype.time_zone is None:
            value = value.dt.replace_time_zone(local, ambiguous="earliest", non_existent="null")
        return value.dt.convert_time_zone("UTC")
    if dtype == pl.Null:
        return pl.lit(None, dtype=TIME)
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.strip_chars()
        .str.replace(r"^(\d{4}-\d{2}-\d{2})[ ]+", "${1}T")
        .str.replace(r"[Zz]$", "+00:00")
    )
    aware = [
        text.str.to_datetime(fmt, strict=False, time_unit="us").dt.convert_time_zone("UTC")
        for fmt in _AWARE_FORMATS
    ]
    naive = [
        text.str.to_datetime(fmt, strict=False, time_unit="us")
        .dt.replace_time_zone(local, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        for fmt in _NAIVE_FORMATS
    ]
    return pl.coalesce([*aware, *naive])


def _uuid_hex(expr: pl.Expr) -> pl.Expr:
    """A UUID written any usual way (dashes or not, any case) as 32 lower-case hex digits;
    null for text that is not a UUID."""
    text = expr.str.strip_chars().str.to_lowercase().str.replace_all("-", "", literal=True)
    return pl.when(text.str.contains(r"^[0-9a-f]{32}$")).then(text).otherwise(None)


def _person_ids(actor: AnyActor, codes: pl.Series) -> pl.DataFrame:
    """``hex`` (the code as 32 hex digits) → ``id`` for the persons of the actor's subtree
    among ``codes``; malformed and unknown codes are simply absent.

    Few codes are asked for in chunks; many (a day's feed) are matched against the scope's
    codes read whole, as text (no UUID object per row)."""
    wanted = codes.to_frame("code").select(hex=_uuid_hex(pl.col("code"))).drop_nulls().unique()
    scope = person_scope(actor)
    if wanted.height > PERSON_LOOKUP_WHOLE:
        pairs = list(
            scope.annotate(code_text=Cast("code", output_field=CharField()))
            .values_list("code_text", "id")
            .iterator(chunk_size=50_000)
        )
    else:
        values = [uuid.UUID(hex=value) for value in wanted["hex"].to_list()]
        pairs = []
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            pairs.extend(
                (str(code), pk)
                for code, pk in scope.filter(code__in=chunk).values_list("code", "id")
            )
    found = pl.DataFrame(pairs, schema={"code": pl.String, "id": pl.Int64}, orient="row")
    return found.select(hex=_uuid_hex(pl.col("code")), id=pl.col("id")).join(
        wanted, on="hex", how="semi"
    )


def _venue_ids(actor: AnyActor, codes: pl.Series) -> pl.DataFrame:
    """``code`` → ``id`` for the venues of the actor's subtree among ``codes``."""
    wanted = codes.drop_nulls().unique().to_list()
    found: list[tuple[str, int]] = []
    scope = Venue.objects.filter(in_subtree(actor.region_path, field="region__path"))
    for start in range(0, len(wanted), IN_CHUNK):
        found.extend(
            scope.filter(code__in=wanted[start : start + IN_CHUNK]).values_list("code", "id")
        )
    return pl.DataFrame(
        {"code": [code for code, _pk in found], "id": [pk for _code, pk in found]},
        schema={"code": pl.String, "id": pl.Int64},
    )


def _prepared(kind: str, frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """The kind's columns (missing optional ones as nulls), text trimmed, times parsed to UTC
    (``_sent_<time>`` keeps whether a value was sent), rows numbered from ``first_row``."""
    exprs: list[pl.Expr] = [
        pl.int_range(first_row, pl.len() + first_row, dtype=pl.Int64).alias("_row")
    ]
    for column in COLUMNS[kind]:
        if column not in frame.columns:
            exprs.append(
                pl.lit(None, dtype=TIME if column in _TIME_COLUMNS else pl.String).alias(column)
            )
            if column in _TIME_COLUMNS:
                exprs.append(pl.lit(False).alias(f"_sent_{column}"))
            continue
        if column in _TIME_COLUMNS:
            sent = _as_text(frame, column)
            exprs.append((sent.is_not_null() & (sent != "")).alias(f"_sent_{column}"))
            exprs.append(_times(frame, column).alias(column))
        else:
            text = _as_text(frame, column)
            exprs.append(pl.when(text == "").then(None).otherwise(text).alias(column))
    return frame.select(exprs)


def _integers(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False)


def frame_check(
    kind: str,
    frame: pl.DataFrame,
    *,
    actor: AnyActor,
    earliest: date,
    now: datetime,
    first_row: int = 1,
) -> Checked:
    """Check a batch of ``kind`` sent by ``actor``: every row named that is wrong, or the
    frame in the store's columns. Rows are numbered from ``first_row`` (1 for a JSON batch
    or a Parquet file; 2 for a CSV file, whose header is row 1, as a spreadsheet shows it).

    1. Columns: the required ones must be there (a file-level error on ``file``), holding
       text, numbers or times (``invalid_column_type``).
    2. Per row: required values present; times parse (ISO 8601, with or without an offset;
       without one they are local time); days not before ``earliest`` (the retention window
       of the rule set) nor after ``now`` + skew; a scan's ``left_at`` not before its
       ``scanned_at`` nor more than 24 h after; a dwell's ``end`` after its ``start``;
       counts and cells whole numbers in range.
    3. Ids: person codes of persons in the actor's subtree, venue codes of venues in it —
       unknown ones (and ones elsewhere, which look the same) are errors.
    4. Repeats inside the batch (same person, venue and scan time; same person and start)
       are errors on the later rows.
    """
    missing = [column for column in REQUIRED[kind] if column not in frame.columns]
    if missing:
        message = _("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)}
        return Checked(
            frame=pl.DataFrame(),
            rows_total=frame.height,
            errors=[{"field": "file", "code": "columns_missing", "message": message}],
            rows_rejected=frame.height,
        )
    unreadable = [
        column
        for column in COLUMNS[kind]
        if column in frame.columns
        and not (
            frame.schema[column] in (pl.String, pl.Null)
            or frame.schema[column].is_numeric()
            or isinstance(frame.schema[column], pl.Datetime)
        )
    ]
    if unreadable:
        return Checked(
            frame=pl.DataFrame(),
            rows_total=frame.height,
            errors=[
                {
                    "field": column,
                    "code": "invalid_column_type",
                    "message": _("This column holds neither text, numbers nor times."),
                }
                for column in unreadable
            ],
            rows_rejected=frame.height,
        )
    prepared = _prepared(kind, frame, first_row)
    errors = _Errors(prepared)
    for column in REQUIRED[kind]:
        sent = (
            pl.col(f"_sent_{column}") if column in _TIME_COLUMNS else pl.col(column).is_not_null()
        )
        errors.add(~sent, column, "required", _("This value is required."))
    for column in _TIME_COLUMNS & set(COLUMNS[kind]):
        errors.add(
            pl.col(f"_sent_{column}") & pl.col(column).is_null(),
            column,
            "invalid_time",
            _("Not a time: use ISO 8601, e.g. 2022-05-01T08:30:00+08:00."),
        )
    start, end = ("scanned_at", "left_at") if kind == FeedKind.SCANS else ("start", "end")
    low = day_start(earliest)
    errors.add(
        pl.col(start) < pl.lit(low).dt.convert_time_zone("UTC"),
        start,
        "too_old",
        _("Before the retention window of the rule set (kept from %(day)s on).")
        % {"day": earliest.isoformat()},
    )
    latest = pl.lit(now + CLOCK_SKEW).dt.convert_time_zone("UTC")
    errors.add(pl.col(start) > latest, start, "in_future", _("This time is in the future."))
    errors.add(pl.col(end) > latest, end, "in_future", _("This time is in the future."))
    if kind == FeedKind.SCANS:
        errors.add(
            pl.col(end) < pl.col(start),
            end,
            "left_before_scanned",
            _("The departure is before the scan."),
        )
        errors.add(
            pl.col(end) > pl.col(start) + MAX_SCAN_STAY,
            end,
            "stay_too_long",
            _("The departure is more than 24 hours after the scan."),
        )
        companions = _integers("companions")
        errors.add(
            pl.col("companions").is_not_null()
            & (
                companions.is_null()
                | (companions != companions.floor())
                | (companions < 0)
                | (companions > MAX_COMPANIONS)
            ),
            "companions",
            "invalid_number",
            _("Companions must be a whole number from 0 to %(max)s.") % {"max": MAX_COMPANIONS},
        )
    else:
        errors.add(
            pl.col(end) <= pl.col(start),
            end,
            "end_not_after_start",
            _("The end is not after the start."),
        )
        cell = _integers("cell")
        errors.add(
            pl.col("cell").is_not_null()
            & (cell.is_null() | (cell != cell.floor()) | (cell < 0) | (cell >= MAX_CELL)),
            "cell",
            "invalid_cell",
            _("The cell must be a whole number from 0."),
        )
    codes = [prepared["person"]]
    if kind == FeedKind.SCANS:
        codes.append(prepared["companion_for"])
    persons = _person_ids(actor, pl.concat(codes))
    prepared = prepared.with_columns(_person_hex=_uuid_hex(pl.col("person"))).join(
        persons.rename({"hex": "_person_hex", "id": "person_id"}), on="_person_hex", how="left"
    )
    errors.frame = prepared
    errors.add(
        pl.col("person").is_not_null() & pl.col("person_id").is_null(),
        "person",
        "person_not_found",
        _("No such person."),
    )
    if kind == FeedKind.SCANS:
        venues = _venue_ids(actor, prepared["venue"])
        prepared = prepared.join(
            venues.rename({"code": "venue", "id": "venue_id"}), on="venue", how="left"
        )
        prepared = prepared.with_columns(_for_hex=_uuid_hex(pl.col("companion_for"))).join(
            persons.rename({"hex": "_for_hex", "id": "companion_for_id"}),
            on="_for_hex",
            how="left",
        )
        errors.frame = prepared
        errors.add(
            pl.col("venue").is_not_null() & pl.col("venue_id").is_null(),
            "venue",
            "venue_not_found",
            _("No such venue."),
        )
        errors.add(
            pl.col("companion_for").is_not_null() & pl.col("companion_for_id").is_null(),
            "companion_for",
            "person_not_found",
            _("No such person."),
        )
        errors.add(
            pl.col("companion_for_id") == pl.col("person_id"),
            "companion_for",
            "companion_is_self",
            _("A person does not scan for themselves."),
        )
        key: Sequence[str] = ("person", "venue", "scanned_at")
    else:
        key = ("person", "start")
    prepared = errors.frame = prepared.sort("_row")
    errors.add(
        ~pl.struct(list(key)).is_first_distinct()
        & pl.all_horizontal([pl.col(c).is_not_null() for c in key]),
        "row",
        "duplicate_row",
        _("The same row came earlier in this batch."),
    )
    reported, rejected = errors.report()
    if reported:
        return Checked(
            frame=pl.DataFrame(), rows_total=frame.height, errors=reported, rows_rejected=rejected
        )
    if kind == FeedKind.SCANS:
        out = prepared.select(
            person=pl.col("person_id"),
            venue=pl.col("venue_id"),
            scanned_at=pl.col("scanned_at"),
            left_at=pl.col("left_at"),
            companions=_integers("companions").fill_null(0).cast(pl.Int16),
            companion_for=pl.col("companion_for_id"),
        )
    else:
        out = _split_at_midnight(
            prepared.select(
                person=pl.col("person_id"),
                cell=_integers("cell").cast(pl.Int64),
                start=pl.col("start"),
                end=pl.col("end"),
            )
        )
    return Checked(frame=out, rows_total=frame.height)


def _split_at_midnight(frame: pl.DataFrame) -> pl.DataFrame:
    """Dwell intervals cut at local midnight: one piece per local day, so each day partition
    holds everything that happened on that day (a reader of days needs no look-back, and the
    overlaps of two people's pieces add up to the overlap of their whole stays)."""
    local = settings.TIME_ZONE
    start_local = pl.col("start").dt.convert_time_zone(local)
    end_local = (pl.col("end") - pl.duration(microseconds=1)).dt.convert_time_zone(local)
    pieces = frame.with_columns(
        _day=pl.date_ranges(start_local.dt.date(), end_local.dt.date(), interval="1d")
    ).explode("_day")
    day_begin = (
        pl.col("_day")
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone(local, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    day_end = (
        pl.col("_day")
        .dt.offset_by("1d")
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone(local, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    return pieces.select(
        "person",
        "cell",
        start=pl.max_horizontal(pl.col("start"), day_begin),
        end=pl.min_horizontal(pl.col("end"), day_end),
    )
