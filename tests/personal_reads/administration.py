"""Accounts, jurisdictions and rule sets: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from tests.personal_reads.world import Call

#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "POST /api/v1/regions/boundaries": "outlines of jurisdictions",
    "GET /api/v1/regions": "jurisdiction nodes",
    "POST /api/v1/regions": "a jurisdiction node",
    "POST /api/v1/regions/import": "jurisdiction nodes",
    "GET /api/v1/regions/{code}": "a jurisdiction node",
    "POST /api/v1/regions/{code}/rename": "a jurisdiction node",
    "GET /api/v1/accounts/me": "the caller's own account",
    # Staff accounts are not the residents the access log is about; every change to them is
    # in the audit ledger, and their pages are administrators' only.
    "GET /api/v1/accounts/users": "staff accounts (administrators)",
    "POST /api/v1/accounts/users": "a staff account (administrators)",
    "GET /api/v1/accounts/users/{username}": "a staff account (administrators)",
    "POST /api/v1/accounts/users/{username}/grant": "a staff role (administrators)",
    "POST /api/v1/accounts/users/{username}/memberships/{membership_id}/revoke": "staff role",
    "POST /api/v1/accounts/users/{username}/deactivate": "a staff account (administrators)",
    "GET /api/v1/rule-sets": "rule sets",
    "POST /api/v1/rule-sets": "a rule set",
    "GET /api/v1/rule-sets/effective": "a rule set",
    "GET /api/v1/rule-sets/compare": "rule set differences",
    "GET /api/v1/rule-sets/{key}": "a rule set",
    "POST /api/v1/rule-sets/{key}/revisions": "a rule set revision",
    "POST /api/v1/rule-sets/{key}/revisions/{revision}/publish": "a rule set revision",
    "POST /api/v1/rule-sets/{key}/revisions/{revision}/retire": "a rule set revision",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {}
