"""Schemathesis against our own OpenAPI document: no input, however hostile, gets a 5xx.

Every operation is exercised with generated data (valid and invalid) as an administrator of
district A, through the WSGI app in process, on the test database with a small tree and
a few persons in place. Marked slow: it makes a few thousand requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from config.wsgi import application
from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make, token_make


@pytest.fixture
def admin_token(tree: Any) -> str:
    return token_make(actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"]))


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """Requests through the WSGI app close stale connections when they finish; inside a test
    transaction that would close the test's own connection (Django's test client does the same
    disconnection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("keep_connection")
def test_no_request_makes_the_server_fail(admin_token: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def exercise(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500, (case.method, case.formatted_path)

        exercise()
