"""Cases: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.personal_reads.world import Call, World, case_opened, epidemiologist_of, idempotency_key


def _case_post(w: World, api: Any, path: str, body: dict[str, Any], *, epi: bool = True) -> Any:
    actor = epidemiologist_of(w) if epi else w.clinician
    return api(actor).post(
        f"/api/v1/cases/{case_opened(w).code}{path}", body, headers=idempotency_key()
    )


def _visit_body() -> dict[str, Any]:
    return {
        "place": "菜市场",
        "started_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "source": "interview",
    }


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "POST /api/v1/cases/imports": (
        "an import's counts and file hash; rows refused are named by number and field"
    ),
    "GET /api/v1/cases/alerts": "timer alerts: case code, step, owner; no person",
    "POST /api/v1/cases/alerts/{code}/acknowledge": "a timer alert: case code, step, owner",
    "POST /api/v1/cases/alerts/{code}/close": "a timer alert: case code, step, owner",
    "GET /api/v1/cases/{code}/history": "a case's history: kinds, actors, reasons, rule sets",
    "POST /api/v1/cases/{code}/trajectory/{visit}/remove": "answers 204",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "GET /api/v1/cases": lambda w, api: (case_opened(w), api(w.clinician).get("/api/v1/cases"))[1],
    "POST /api/v1/cases": lambda w, api: api(w.clinician).post(
        "/api/v1/cases",
        {"person": str(w.s.people[3].code), "how_found": "fever_clinic", "reason": "fever"},
        headers=idempotency_key(),
    ),
    "GET /api/v1/cases/{code}": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{case_opened(w).code}"
    ),
    "POST /api/v1/cases/{code}/classify": lambda w, api: _case_post(
        w, api, "/classify", {"classification": "discarded", "reason": "PCR negative"}
    ),
    "POST /api/v1/cases/{code}/clinical": lambda w, api: _case_post(
        w, api, "/clinical", {"severity": "mild", "reason": "seen"}, epi=False
    ),
    "POST /api/v1/cases/{code}/take": lambda w, api: _case_post(w, api, "/take", {}),
    "POST /api/v1/cases/{code}/steps/{step}/complete": lambda w, api: _case_post(
        w, api, "/steps/report/complete", {}
    ),
    "GET /api/v1/cases/{code}/trajectory": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{case_opened(w).code}/trajectory"
    ),
    "POST /api/v1/cases/{code}/trajectory": lambda w, api: _case_post(
        w, api, "/trajectory", _visit_body()
    ),
    "GET /api/v1/cases/{code}/exposures": lambda w, api: api(w.clinician).get(
        f"/api/v1/cases/{case_opened(w).code}/exposures"
    ),
    "POST /api/v1/cases/{code}/exposures": lambda w, api: _case_post(
        w,
        api,
        "/exposures",
        {
            "kind": "household",
            "person": str(w.s.people[1].code),
            "exposed_on": str(timezone.localdate()),
        },
    ),
}
