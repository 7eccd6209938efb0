"""The command centre: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from tests.personal_reads.world import Call

#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/command/bodies": "command bodies and working groups: staff members; no resident",
    "GET /api/v1/command/directives": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "GET /api/v1/command/directives/{code}": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "GET /api/v1/command/duty-checks": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "GET /api/v1/command/duty-checks/{code}": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "GET /api/v1/command/incidents": "an outbreak's command level and its history; no resident",
    "GET /api/v1/command/incidents/{code}": (
        "an outbreak's command level and its history; no resident"
    ),
    "GET /api/v1/command/inspections": "inspections and findings about units; no resident",
    "GET /api/v1/command/inspections/{code}": "inspections and findings about units; no resident",
    "GET /api/v1/command/meetings": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "GET /api/v1/command/meetings/{code}": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "GET /api/v1/command/notifications": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/notifications/unread": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/reports": "a unit's daily figures and notes; counts, no person",
    "POST /api/v1/command/bodies": "command bodies and working groups: staff members; no resident",
    "POST /api/v1/command/bodies/{code}/groups": (
        "command bodies and working groups: staff members; no resident"
    ),
    "POST /api/v1/command/bodies/{code}/groups/{kind}/members": (
        "command bodies and working groups: staff members; no resident"
    ),
    "POST /api/v1/command/directives": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/acknowledge": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/complete": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/directives/{code}/units/{region_code}/progress": (
        "directives to units: text, deadlines, units' answers; no resident"
    ),
    "POST /api/v1/command/duty-checks": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "POST /api/v1/command/duty-checks/{code}/answer": (
        "a duty check: localities and the staff who answered; no resident"
    ),
    "POST /api/v1/command/incidents": "an outbreak's command level and its history; no resident",
    "POST /api/v1/command/incidents/{code}/escalate": (
        "an outbreak's command level and its history; no resident"
    ),
    "POST /api/v1/command/inspections": "inspections and findings about units; no resident",
    "POST /api/v1/command/inspections/{code}/findings": (
        "inspections and findings about units; no resident"
    ),
    "POST /api/v1/command/inspections/{code}/findings/{finding}/transition": (
        "inspections and findings about units; no resident"
    ),
    "POST /api/v1/command/meetings": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/meetings/{code}/minutes": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/meetings/{code}/roll-call": (
        "a dispatch meeting: localities, roll call, minutes; no resident"
    ),
    "POST /api/v1/command/notifications/read-all": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "POST /api/v1/command/notifications/{code}/read": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "POST /api/v1/command/reports": "a unit's daily figures and notes; counts, no person",
    "POST /api/v1/command/reports/{code}/corrections": (
        "a unit's daily figures and notes; counts, no person"
    ),
    "PUT /api/v1/command/notifications/contact": (
        "the signed-in staff member's own inbox and delivery settings; no resident"
    ),
    "GET /api/v1/command/picture/{code}": "figures summed over a subtree and outlines; no person",
    "POST /api/v1/command/figures/refresh": "how many figures were computed",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {}
