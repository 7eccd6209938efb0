"""No identity number or phone reaches a server log, whatever a client puts where.

Requests go through the whole app (API and pages) with known identity numbers and phones in
bodies, query strings, paths and referrers; every log line the server would write is captured
from the handlers the settings configure — the root logger, ``django``, ``django.request``,
``django.server`` (runserver's request lines) — and from gunicorn's access and error logs as
``fangkong serve`` sets them up (:class:`fangkong.core.logging.GunicornLogger`, fed the same
requests). The captured text is then searched for every identifier used, in every spelling.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from gunicorn.config import Config

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make, token_make
from fangkong.core.logging import GunicornLogger, ScrubFilter
from fangkong.people.tests.factories import id_number_make, person_make

pytestmark = pytest.mark.django_db

ID_18 = "11010519491231002X"
ID_LEGACY = "110105491231002"  # the same person's 15-digit number
ID_OTHER = id_number_make(address="440524", born=date(1988, 1, 1), sequence=14)
PHONE = "13800138000"
PHONE_SPACED = "+86 138 0013 8000"
PHONE_OTHER = "15912345678"
#: Every identifier the test uses, and the spellings a log could carry them in.
IDENTIFIERS = (ID_18, ID_18.lower(), ID_LEGACY, ID_OTHER, PHONE, PHONE_OTHER)
LOGGERS = ("", "django", "django.request", "django.server", "fangkong")


def _spellings(value: str) -> set[str]:
    return {value, quote(value), quote(value, safe=""), value[:6] + " " + value[6:]}


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Every stream handler of the configured loggers writes into one buffer for the test;
    a gunicorn logger as ``fangkong serve`` makes it writes its access and error logs to
    files. (pytest's own capture handlers are not the server's log and are left alone.)"""
    buffer = io.StringIO()
    swapped: list[tuple[logging.StreamHandler[Any], Any]] = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue
            assert isinstance(handler, logging.StreamHandler), handler
            assert any(isinstance(f, ScrubFilter) for f in handler.filters), (name, handler)
            # Not setStream: it flushes the old stream, which pytest may have closed.
            swapped.append((handler, handler.stream))
            handler.stream = buffer
    assert logging.getLogger("django.server").handlers, "runserver's request lines unhandled"
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    gunicorn = GunicornLogger(config)
    try:
        yield {"buffer": buffer, "gunicorn": gunicorn, "dir": tmp_path}
    finally:
        for handler, stream in swapped:
            handler.stream = stream
        for log in (gunicorn.error_log, gunicorn.access_log):
            for handler in list(log.handlers):
                handler.close()
                log.removeHandler(handler)


class _GunicornResponse:
    def __init__(self, status: int, size: int) -> None:
        self.status = f"{status} OK"
        self.headers = [("Content-Type", "application/json")]
        self.sent = size
        self.response_length = size


class _GunicornRequest:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.headers = [
            (key[5:].replace("_", "-"), value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]


def _served(log: dict[str, Any], response: Any) -> None:
    """Log the request as both servers would: runserver's line on ``django.server`` and
    gunicorn's access line (request line with query string, referrer, user agent)."""
    environ = dict(response.wsgi_request.environ)
    query = environ.get("QUERY_STRING", "")
    environ["RAW_URI"] = environ["PATH_INFO"] + (f"?{query}" if query else "")
    request_line = f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} HTTP/1.1"
    size = len(response.content)
    logging.getLogger("django.server").info('"%s" %s %s', request_line, response.status_code, size)
    log["gunicorn"].access(
        _GunicornResponse(response.status_code, size),
        _GunicornRequest(environ),
        environ,
        timedelta(milliseconds=12),
    )


def test_no_identity_number_or_phone_reaches_any_log(tree, server_log, page_client):
    person_make(
        region=tree["grid_a1"],
        name="张三",
        id_number=ID_18,
        phone=PHONE,
        actor=actor_make(role=Role.GRID_WORKER, region=tree["district_a"]),
    )
    actor = actor_make(role=Role.SAMPLER, region=tree["district_a"])
    api = Client(headers={"Authorization": f"Bearer {token_make(actor)}"})
    pages = page_client(actor)
    referrer = f"/people/?{urlencode({'q': ID_18})}"
    responses = [
        api.post(
            "/api/v1/people",
            {
                "name": "李四",
                "region_code": tree["grid_a1"].code,
                "phone": PHONE_OTHER,
                "documents": [{"doc_type": "01", "number": ID_OTHER}],
            },
            content_type="application/json",
        ),
        api.post(
            "/api/v1/people",
            {
                "name": "重复",
                "region_code": tree["grid_a1"].code,
                "documents": [{"doc_type": "01", "number": ID_18}],
            },
            content_type="application/json",
        ),
        api.post("/api/v1/people/search", {"q": ID_18}, content_type="application/json"),
        api.post("/api/v1/people/search", {"q": PHONE_SPACED}, content_type="application/json"),
        api.post("/api/v1/people/search", {"q": ID_LEGACY}, content_type="application/json"),
        # A client that still puts identifiers in the address: refused, and not logged.
        api.get("/api/v1/people", {"q": ID_18}),
        api.get("/api/v1/people", {"q": PHONE_SPACED}),
        api.get(f"/api/v1/people/{ID_18}"),
        api.get(f"/api/v1/people/{PHONE}/tests"),
        api.get(f"/api/v1/lab/people/{ID_LEGACY}/tests"),
        pages.post("/people/", {"q": ID_18}, headers={"referer": referrer}),
        pages.post("/people/", {"q": PHONE}, headers={"referer": referrer}),
        pages.get("/people/", {"q": ID_18.lower()}, headers={"referer": referrer}),
        pages.get(f"/people/{ID_18}/"),
    ]
    assert responses[0].status_code == 201, responses[0].content
    assert responses[2].json()["items"], "the search found nobody: the test searched nothing"
    for response in responses:
        _served(server_log, response)
    # An error report whose exception quotes an identifier (as a parser's message might).
    try:
        raise ValueError(f"cannot parse {ID_OTHER} / {PHONE_OTHER}")
    except ValueError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: %s", f"/api/v1/people?q={ID_OTHER}"
        )
        server_log["gunicorn"].exception(f"Error handling request /x?phone={PHONE_OTHER}")
    logging.getLogger("fangkong").warning("member %s phone %s", ID_18, PHONE_SPACED)

    written = server_log["buffer"].getvalue()
    for name in ("access.log", "error.log"):
        written += (server_log["dir"] / name).read_text()
    assert "/api/v1/people/search" in written  # the capture saw the requests
    assert "Traceback" in written  # and the error report
    assert "ValueError" in written
    for identifier in IDENTIFIERS:
        for spelling in _spellings(identifier):
            assert spelling not in written, spelling
    compact = "".join(ch for ch in written if ch.isalnum())
    for identifier in IDENTIFIERS:
        assert identifier not in compact, identifier
