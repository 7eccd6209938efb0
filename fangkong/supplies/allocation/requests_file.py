"""The day's requests as a CSV file (a street or district office collects its compounds'
needs each afternoon, R27): one row per request line,

    region,population,vulnerable,epidemic_facility,item,quantity

``region`` is the requesting node's code (a district or a compound), ``item`` a key item's
code. Rows of one region form one request and must agree on its population, vulnerable count
and facility flag. Parsed and checked set-based (Polars): every bad row is named (1-based,
the header being row 1) with its field.
"""

from __future__ import annotations

import io

import polars as pl
from django.utils.translation import gettext as _

from fangkong.core.errors import field_error
from fangkong.supplies.checks import MAX_QUANTITY, Errors, refuse_if

REQUEST_COLUMNS = ("region", "population", "vulnerable", "epidemic_facility", "item", "quantity")
MAX_ROWS = 2_000_000
MAX_ERRORS = 100
TRUE = ("1", "true", "yes")
FALSE = ("0", "false", "no", "")


def _bad(frame: pl.DataFrame, mask: pl.Expr, field: str, code: str, message: str) -> Errors:
    rows = frame.filter(mask).get_column("row").head(MAX_ERRORS).to_list()
    return [field_error(field, code, message, row=int(row)) for row in rows]


def requests_parse(content: str) -> pl.DataFrame:
    """The rows of ``content`` as a frame (``row``, ``region``, ``population``,
    ``vulnerable``, ``epidemic_facility``, ``item``, ``quantity``). Raises
    ``ValidationFailed`` listing every bad row and field (up to 100 per check)."""
    message = _("The request file was not imported.")
    try:
        raw = pl.read_csv(
            io.StringIO(content),
            infer_schema=False,
            has_header=True,
            truncate_ragged_lines=False,
        )
    except (pl.exceptions.PolarsError, ValueError):
        refuse_if([field_error("content", "csv_unreadable", _("Not a CSV file."), row=1)], message)
        raise AssertionError from None  # refuse_if raised
    if tuple(raw.columns) != REQUEST_COLUMNS:
        refuse_if(
            [
                field_error(
                    "content",
                    "header_invalid",
                    _("The first row must be: %(columns)s")
                    % {"columns": ",".join(REQUEST_COLUMNS)},
                    row=1,
                )
            ],
            message,
        )
    if raw.height == 0 or raw.height > MAX_ROWS:
        refuse_if(
            [field_error("content", "row_count", _("Between 1 and 2,000,000 rows."), row=1)],
            message,
        )
    frame = raw.with_columns(
        pl.int_range(2, raw.height + 2).alias("row"),
        *(pl.col(c).fill_null("").str.strip_chars() for c in REQUEST_COLUMNS),
    ).with_columns(
        pl.col("population").cast(pl.Int64, strict=False).alias("population_n"),
        pl.col("vulnerable").cast(pl.Int64, strict=False).alias("vulnerable_n"),
        pl.col("quantity").cast(pl.Int64, strict=False).alias("quantity_n"),
        pl.col("epidemic_facility").str.to_lowercase().alias("facility_text"),
    )
    errors: Errors = []
    errors += _bad(
        frame,
        ~pl.col("region").str.contains(r"^[0-9]{1,15}$"),
        "region",
        "invalid",
        _("A jurisdiction code of digits."),
    )
    errors += _bad(
        frame,
        pl.col("population_n").is_null() | (pl.col("population_n") < 1),
        "population",
        "invalid",
        _("A whole number of at least 1."),
    )
    errors += _bad(
        frame,
        pl.col("vulnerable_n").is_null()
        | (pl.col("vulnerable_n") < 0)
        | (pl.col("vulnerable_n") > pl.col("population_n")),
        "vulnerable",
        "invalid",
        _("A whole number from 0 to the population."),
    )
    errors += _bad(
        frame,
        ~pl.col("facility_text").is_in(TRUE + FALSE),
        "epidemic_facility",
        "invalid",
        _("1 or 0."),
    )
    errors += _bad(
        frame,
        pl.col("quantity_n").is_null()
        | (pl.col("quantity_n") < 1)
        | (pl.col("quantity_n") > MAX_QUANTITY),
        "quantity",
        "quantity_out_of_range",
        _("A whole number from 1 to %(most)d.") % {"most": MAX_QUANTITY},
    )
    refuse_if(errors, message)
    frame = frame.select(
        "row",
        "region",
        pl.col("population_n").alias("population"),
        pl.col("vulnerable_n").alias("vulnerable"),
        pl.col("facility_text").is_in(TRUE).alias("epidemic_facility"),
        "item",
        pl.col("quantity_n").alias("quantity"),
    )
    errors += _bad(
        frame,
        pl.struct("region", "item").is_duplicated(),
        "item",
        "item_repeated",
        _("This item is named twice for one region."),
    )
    errors += _bad(
        frame,
        pl.struct("population", "vulnerable", "epidemic_facility").n_unique().over("region") > 1,
        "population",
        "request_inconsistent",
        _("The rows of one region must agree on population, vulnerable and facility."),
    )
    refuse_if(errors, message)
    return frame
