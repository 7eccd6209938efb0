"""Service errors as pages show them: the field by its label, the row by its number.

A service refuses input with ``ValidationFailed`` whose ``errors`` name each problem's field as
the API does — a path such as ``results[2].barcode``, ``documents[0].number``, ``areas[1]`` or
a file's column ``tested_at`` with its ``row``. Those paths are for programs. A page says
"第 3 行 · 条码：…" instead: :func:`shown_errors` turns each entry into a :class:`ShownError`
(row number, translated field label, message) and :func:`errors_on_form` puts them on a form
(on the field itself where the form has it). Every page that shows service errors uses these
two, and ``FIELD_LABELS`` names every field a service refuses (a test lists the missing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangkong.core.errors import FangkongError

#: A field's name (the last name of its path) → its label on pages.
FIELD_LABELS: dict[str, str | Promise] = {
    # screening: tubes, results, rounds, points, packages
    "point": gettext_lazy("Sampling point"),
    "barcode": gettext_lazy("Barcode"),
    "result": gettext_lazy("Result"),
    "ct_orf1ab": gettext_lazy("Ct ORF1ab"),
    "ct_n": gettext_lazy("Ct N"),
    "tested_at": gettext_lazy("Test time"),
    "sampled_at": gettext_lazy("Sampling time"),
    "members": gettext_lazy("Persons in the tube"),
    "tubes": pgettext_lazy("field", "Tubes"),
    "bindings": pgettext_lazy("field", "Tubes"),
    "ratio": gettext_lazy("Pooling ratio"),
    "category": gettext_lazy("Turnaround category"),
    "swab_site": gettext_lazy("Swab site"),
    "sampling_code": gettext_lazy("Sampling code"),
    "areas": gettext_lazy("Areas"),
    "zone": gettext_lazy("Zone"),
    "starts_at": gettext_lazy("Starts at"),
    "deadline_at": gettext_lazy("Deadline"),
    "opens_at": gettext_lazy("Opens at"),
    "closes_at": gettext_lazy("Closes at"),
    "latitude": gettext_lazy("Latitude"),
    "longitude": gettext_lazy("Longitude"),
    "capacity_per_hour": gettext_lazy("Capacity per hour"),
    "capacity_per_day": gettext_lazy("Capacity per day"),
    "vehicle": gettext_lazy("Vehicle"),
    "carrier": gettext_lazy("Carrier"),
    "package": gettext_lazy("Package"),
    "valid_until": gettext_lazy("Valid until"),
    "until": gettext_lazy("Until"),
    "since": gettext_lazy("Since"),
    "group": gettext_lazy("Key group"),
    "origin": gettext_lazy("Origin"),
    "arrived_at": gettext_lazy("Arrived at"),
    "source": pgettext_lazy("field", "Source"),
    "kit_serial": gettext_lazy("Kit serial number"),
    "purpose": gettext_lazy("Purpose"),
    # people
    "name": pgettext_lazy("thing", "Name"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth"),
    "doc_type": gettext_lazy("Document type"),
    "id_type": gettext_lazy("Document type"),
    "number": gettext_lazy("Document number"),
    "id_number": gettext_lazy("Identity number"),
    "documents": gettext_lazy("Identity documents"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
    "household": gettext_lazy("Household"),
    "occupation": gettext_lazy("Occupation"),
    "needs": gettext_lazy("Special needs"),
    "person": gettext_lazy("Person"),
    # groups of people (their bulk load's members file)
    "group_key": gettext_lazy("Group key"),
    "duplicate_reason": gettext_lazy("Why this is not a duplicate"),
    "q": gettext_lazy("Search"),
    # regions
    "code": gettext_lazy("Code"),
    "parent_code": gettext_lazy("Parent code"),
    "region": gettext_lazy("Jurisdiction"),
    "region_code": gettext_lazy("Jurisdiction"),
    "level": gettext_lazy("Level"),
    "time_zone": gettext_lazy("Time zone"),
    # accounts
    "username": gettext_lazy("User name"),
    "role": gettext_lazy("Role"),
    "old_password": gettext_lazy("Current password"),
    # rule sets
    "key": gettext_lazy("Key"),
    "base_key": gettext_lazy("National edition"),
    "effective_from": gettext_lazy("In force from"),
    "parameters": gettext_lazy("Parameters"),
    "source_notes": gettext_lazy("Sources"),
    "topic": gettext_lazy("Topic"),
    # risk areas
    "unit": gettext_lazy("Drawn over"),
    "building": gettext_lazy("Building"),
    "stairwell": gettext_lazy("Stairwell unit"),
    "last_infection_on": gettext_lazy("Last infection found on"),
    "found_on": gettext_lazy("Found on"),
    "reference": gettext_lazy("Case or report code"),
    "last_exposure_on": gettext_lazy("Last close contact exposed on"),
    # tracing: venue scans and dwell intervals
    "venue": gettext_lazy("Venue code"),
    "scanned_at": gettext_lazy("Scan time"),
    "left_at": gettext_lazy("Departure"),
    "companions": gettext_lazy("Companions"),
    "companion_for": gettext_lazy("Scanned for"),
    "cell": gettext_lazy("Cell"),
    "start": gettext_lazy("Start"),
    "end": gettext_lazy("End"),
    "batch": gettext_lazy("Batch"),
    "days": gettext_lazy("Days"),
    # contacts and lead lists
    "contacts": gettext_lazy("Candidates"),
    "decision": gettext_lazy("Decision"),
    # shared
    "kind": pgettext_lazy("field", "Kind"),
    "status": pgettext_lazy("field", "Status"),
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "file": gettext_lazy("File"),
    # cases and their investigation
    "classification": gettext_lazy("Classification"),
    "how_found": gettext_lazy("How found"),
    "onset_date": gettext_lazy("Onset date"),
    "first_positive_on": gettext_lazy("First positive sampling"),
    "reported_at": gettext_lazy("Report time"),
    "report_card": gettext_lazy("Report card number"),
    "severity": gettext_lazy("Severity"),
    "treatment": gettext_lazy("Place of treatment"),
    "outcome": gettext_lazy("Outcome"),
    "step": gettext_lazy("Investigation step"),
    "state": pgettext_lazy("field", "State"),
    "place": gettext_lazy("Place"),
    "venue_code": gettext_lazy("Venue code"),
    "started_at": pgettext_lazy("trajectory", "From"),
    "ended_at": pgettext_lazy("trajectory", "To"),
    "description": gettext_lazy("Description"),
    "exposed_on": gettext_lazy("Exposure date"),
    # isolation: sites, rooms, orders, allocation
    "to": gettext_lazy("New status"),
    "numbers": gettext_lazy("Room numbers"),
    "floor": gettext_lazy("Floor"),
    "beds": gettext_lazy("Beds"),
    "own_bathroom": gettext_lazy("Own bathroom"),
    "accessible": gettext_lazy("Accessible"),
    "persons": gettext_lazy("Persons"),
    # community: a sweep's door-to-door team
    "samplers": gettext_lazy("Samplers"),
    "day0": gettext_lazy("Day 0"),
    "rule_set": gettext_lazy("Rule set"),
    "orders": gettext_lazy("Orders"),
    "together": gettext_lazy("Together in one room"),
    "release_on": gettext_lazy("Release"),
    "tests": gettext_lazy("Test tasks"),
    "day": pgettext_lazy("field", "Day"),
    "arrivals": gettext_lazy("Arrivals"),
    "case": gettext_lazy("Case"),
    # community: grids, sweeps, restrictions, requests
    "households": gettext_lazy("Households"),
    "present": gettext_lazy("Registered residents found"),
    "residents_counted": gettext_lazy("Residents counted"),
    "channel": gettext_lazy("Taken by"),
    "direction": gettext_lazy("Direction"),
    "return_by": gettext_lazy("Back by"),
    "plate": gettext_lazy("Plate"),
    "destination": gettext_lazy("Destination"),
    "pickup_address": gettext_lazy("Pickup address"),
    "driver": gettext_lazy("Driver"),
    "plan": gettext_lazy("Care plan"),
    "area": gettext_lazy("Risk area"),
    # treatment: admissions and transfers (issue 20 §6)
    "isolated_since": gettext_lazy("Isolated since (day 0)"),
    "room": gettext_lazy("Room"),
    # command centre: directives, duty checks, daily reports, notifications
    "deadline": gettext_lazy("Deadline"),
    "units": gettext_lazy("Units"),
    "evidence": gettext_lazy("Evidence"),
    "evidence_file": gettext_lazy("Evidence file"),
    "mobile": gettext_lazy("Mobile number"),
    "figure": gettext_lazy("Figure"),
    "corrected": gettext_lazy("Corrected value"),
    "zero": gettext_lazy("Zero report"),
    "checklist": gettext_lazy("Checklist"),
    "body": gettext_lazy("Command body"),
    "shift_hours": gettext_lazy("Shift pattern"),
    "video_url": gettext_lazy("Video room address"),
    "team": gettext_lazy("Team"),
    "theme": gettext_lazy("Theme"),
    "method": gettext_lazy("Method"),
    "on": pgettext_lazy("field", "Date"),
    # transfers and monitoring
    "capacity": gettext_lazy("Capacity"),
    "window_end": gettext_lazy("Pickup by"),
    "temperature": gettext_lazy("Temperature"),
    "symptoms": gettext_lazy("Symptoms"),
    # supplies and essential services
    "item": gettext_lazy("Item"),
    "sku": gettext_lazy("Item code"),
    "lines": gettext_lazy("Lines"),
    "population": gettext_lazy("Residents served"),
    "vulnerable": gettext_lazy("Vulnerable residents"),
    "receiving_point": gettext_lazy("Receiving point"),
    "expires_on": gettext_lazy("Expires on"),
    "tier": gettext_lazy("Priority tier"),
    "content": gettext_lazy("Content"),
    # companions for many cases at once
    "cases": gettext_lazy("Cases"),
    # boundaries (GeoJSON)
    "features": gettext_lazy("Features"),
    "type": gettext_lazy("Type"),
}

#: Field names that say nothing a page should repeat: the row itself ("this row has 7 cells").
NO_LABEL = frozenset({"row"})

#: The list an index counts in → how a page names its n-th item (default: a row).
ITEM_WORDS: dict[str, str | Promise] = {
    "members": gettext_lazy("Person %(number)s"),
}

_SEGMENT = re.compile(r"^(?P<name>[^\[\]]*)(?:\[(?P<index>\d+)\])?$")
_COLUMN = re.compile(r"^column (?P<number>\d+)$")
#: Codes whose field is a column's header as the file wrote it (shown quoted, not labelled).
_HEADER_CODES = frozenset({"header_unknown_column", "header_duplicate_column"})


@dataclass(frozen=True)
class ShownError:
    """One refused value as a page shows it; ``str()`` is the whole line."""

    row: int | None
    #: The row as the page says it ("第 3 行", "第 2 人"); empty without a row.
    where: str
    #: The field's label; empty when the row or the message says it all.
    field: str
    message: str
    code: str

    def __str__(self) -> str:
        if self.where and self.field:
            return _("%(where)s · %(field)s: %(message)s") % {
                "where": self.where,
                "field": self.field,
                "message": self.message,
            }
        if self.where or self.field:
            return _("%(where)s: %(message)s") % {
                "where": self.where or self.field,
                "message": self.message,
            }
        return self.message


def field_label(
    name: str, labels: Mapping[str, str | Promise] | None = None, *, code: str = ""
) -> str:
    """The label of the field ``name`` (one name, not a path); empty when none is known, so a
    page never shows a program's field name."""
    if labels and name in labels:
        return str(labels[name])
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    column = _COLUMN.match(name)
    if column:
        return _("Column %(number)s") % {"number": column.group("number")}
    if code in _HEADER_CODES and name:
        return _("Column “%(name)s”") % {"name": name}
    return ""


def shown_error(
    error: Mapping[str, Any],
    *,
    labels: Mapping[str, str | Promise] | None = None,
    default: str = "",
) -> ShownError:
    """``error`` (an entry of ``ValidationFailed.errors``) as a page shows it: the row from
    its ``row`` (files: 1-based, the header is row 1) or the first index of its path (0-based
    in the path, so ``results[2]`` is row 3); the label of the path's last name."""
    # A file's column as its header was written, with the column's key beside it: the key.
    path = str(error.get("column") or error.get("field", "") or "")
    code = str(error.get("code", "") or "")
    row = error.get("row")
    number: int | None = int(row) if isinstance(row, int) else None
    word: str | Promise = gettext_lazy("Row %(number)s")
    last = ""
    last_indexed = False
    parts = path.split(".") if path and not _COLUMN.match(path) else [path] if path else []
    for part in parts:
        match = _SEGMENT.match(part)
        if match is None:  # not a path: a header as written, say
            last, last_indexed = part, False
            continue
        name, index = match.group("name"), match.group("index")
        if name.isdigit():  # "source_notes.0": an index as its own part
            name, index = "", name
        if index is not None and number is None:
            number = int(index) + 1
            word = ITEM_WORDS.get(name or last, word)
        if name:
            last = name
        last_indexed = index is not None
    where = str(word) % {"number": number} if number is not None else ""
    label = "" if last_indexed or last in NO_LABEL else field_label(last, labels, code=code)
    message = str(error.get("message", "") or default)
    return ShownError(row=number, where=where, field=label, message=message, code=code)


def shown_errors(
    exc: FangkongError, *, labels: Mapping[str, str | Promise] | None = None
) -> list[ShownError]:
    """Every entry of ``exc``'s ``detail["errors"]`` as :func:`shown_error`; the error's own
    message when it has none."""
    entries = exc.detail.get("errors") or []
    if not entries:
        return [ShownError(row=None, where="", field="", message=exc.message, code=exc.code)]
    return [shown_error(entry, labels=labels, default=exc.message) for entry in entries]


def errors_on_form(
    form: forms.BaseForm, exc: FangkongError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Put ``exc`` on ``form``: an error of a field the form has (its name, or the path
    ``fields`` maps to one of its names) goes on that field, where its label stands; every
    other error on the form as a whole, as :class:`ShownError` says it (row and label)."""
    fields = fields or {}
    labels = {name: field.label for name, field in form.fields.items() if field.label}
    entries = exc.detail.get("errors") or []
    if not entries:
        form.add_error(None, exc.message)
        return
    for entry in entries:
        path = str(entry.get("field", "") or "")
        name = fields.get(path, path)
        if name in form.fields and entry.get("row") is None:
            form.add_error(name, str(entry.get("message", "") or exc.message))
        else:
            form.add_error(None, str(shown_error(entry, labels=labels, default=exc.message)))
