"""Risk areas: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from tests.personal_reads.world import Call

#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/risk-areas": "risk areas: places, levels, dates",
    "POST /api/v1/risk-areas": "a risk area: a place, its level and dates",
    "GET /api/v1/risk-areas/{code}": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/level": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/lift": "a risk area: a place, its level and dates",
    "POST /api/v1/risk-areas/{code}/contacts": "a risk area; the contact's date, no person",
    "POST /api/v1/risk-areas/{code}/infections": "an infection by case code (never an "
    "identity or phone number, refused) and its area",
    "GET /api/v1/risk-areas/{code}/infections": "infections by case code and date",
    "GET /api/v1/risk-areas/{code}/history": "an area's history: levels, staff names, reasons",
    "GET /api/v1/risk-areas/{code}/lifting": "an area's clock and round counts",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {}
