"""R9 in a real browser: a sampler binds 100 people with the network down, reloads the page
still offline (the queue survives), comes back online and exactly 100 bindings appear; a tube
sent again is stored once, and a tube the server refuses stays on the page with its reason.

"Offline" is both sides of it: Chromium's offline mode (``navigator.onLine`` false, page
requests fail) and the server stopped — Chromium's offline mode does not reach a service
worker's own requests (microsoft/playwright#2311), and a stopped server is what a sampler
out of coverage meets anyway. This module runs its own ``fangkong serve`` on the session's
demo data so it can stop and restart it on the same port (same origin: same storage, same
service worker).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from tests.browser.conftest import DEMO_PASSWORD, ROOT, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
SCREENSHOT = Path("/tmp/sampling_offline.png")  # noqa: S108 (a file to look at, by design)


class Server:
    """``fangkong serve`` on a fixed port that the test can stop and start again."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fangkong.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=1)  # noqa: S310 (loopback)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture(scope="module")
def own_server(demo_env: dict[str, str]) -> Iterator[Server]:
    server = Server(demo_env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _database(demo_env: dict[str, str]) -> Path:
    return Path(demo_env["FANGKONG_DATA_DIR"]) / "fangkong.sqlite3"


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _csrf(context: Any) -> str:
    return cast(str, next(c["value"] for c in context.cookies() if c["name"] == "csrftoken"))


def _post(context: Any, url: str, path: str, data: dict[str, Any]) -> Any:
    response = context.request.post(
        f"{url}{path}",
        data=data,
        headers={"X-CSRFToken": _csrf(context), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status in (201, 204), response.text()
    return response


def _ensure_post(browser: Any, url: str, demo_env: dict[str, str]) -> None:
    """The demo opens a round with a point staffed by ``sampler`` and a lab; on a demo
    without them, set them up through the API as the commander."""
    with sqlite3.connect(_database(demo_env)) as connection:
        staffed = connection.execute(
            "SELECT COUNT(*) FROM lab_samplingpoint_staff s JOIN accounts_user u "
            "ON u.id = s.user_id WHERE u.username = 'sampler'"
        ).fetchone()[0]
        opened = connection.execute(
            "SELECT COUNT(*) FROM lab_screeninground WHERE status = 'open'"
        ).fetchone()[0]
        (community, district) = connection.execute(
            "SELECT r.code, p.code FROM accounts_membership m JOIN accounts_user u "
            "ON u.id = m.user_id JOIN regions_region r ON r.id = m.region_id "
            "JOIN regions_region p ON r.path LIKE p.path || '.%' AND p.level = 3 "
            "WHERE u.username = 'sampler'"
        ).fetchone()
    if staffed and opened:
        return
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, url, "commander")
    _post(
        context,
        url,
        "/api/v1/lab/rounds",
        {"name": "离线采样演练", "areas": [{"region_code": district}]},
    )
    point = _post(
        context, url, "/api/v1/lab/points", {"region_code": community, "name": "演练采样点"}
    ).json()
    _post(context, url, f"/api/v1/lab/points/{point['code']}/staff", {"username": "sampler"})
    lab = _post(
        context, url, "/api/v1/lab/labs", {"region_code": district, "name": "演练实验室"}
    ).json()
    _post(context, url, f"/api/v1/lab/labs/{lab['code']}/staff", {"username": "lab_technician"})
    context.close()


def residents(
    context: Any, url: str, demo_env: dict[str, str], round_code: str
) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """100 residents not yet bound in the round, and one whose tube in it awaits its result
    (``None`` if there is none), each as (code, identity number), read as the sampler (who
    sees numbers unmasked)."""
    with sqlite3.connect(_database(demo_env)) as connection:
        pending = {
            str(uuid.UUID(code))
            for (code,) in connection.execute(
                "SELECT p.code FROM lab_binding b JOIN people_person p ON p.id = b.person_id "
                "JOIN lab_screeninground r ON r.id = b.round_id "
                "WHERE r.code = ? AND b.outcome = 'pending'",
                [uuid.UUID(round_code).hex],
            )
        }
        bound = {
            str(uuid.UUID(code))
            for (code,) in connection.execute(
                "SELECT p.code FROM lab_binding b JOIN people_person p ON p.id = b.person_id "
                "JOIN lab_screeninground r ON r.id = b.round_id WHERE r.code = ?",
                [uuid.UUID(round_code).hex],
            )
        }
    free: list[tuple[str, str]] = []
    busy: list[tuple[str, str]] = []
    for number in range(1, 60):
        response = context.request.get(f"{url}/api/v1/people?page_size=200&page={number}")
        assert response.status == 200, response.text()
        body = response.json()
        for row in body["items"]:
            if not RESIDENT_ID.match(row["id_number"]):
                continue
            pair = (row["code"], row["id_number"])
            if row["code"] not in bound:
                free.append(pair)
            elif row["code"] in pending:
                busy.append(pair)
        if (len(free) >= 100 and busy) or not body["has_next"]:
            break
    assert len(free) >= 100, f"only {len(free)} unbound residents in the sampler's scope"
    return free[:100], (busy[0] if busy else None)


def _unregistered_id() -> str:
    """A well-formed resident ID (check digit right) that nobody in the demo holds."""
    first17 = "11010519000101" + f"{uuid.uuid4().int % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def bind_tube(page: Any, barcode: str, numbers: list[str]) -> None:
    page.fill("#barcode", barcode)
    page.press("#barcode", "Enter")
    for number in numbers:
        page.fill("#member-input", number)
        page.press("#member-input", "Enter")
    page.wait_for_function(
        "n => document.getElementById('member-count').textContent === String(n)", arg=len(numbers)
    )
    page.click("#close-tube")
    # Queued, or (online) already uploaded and out of the queue: an upload can finish between
    # two polls, and the queue alone then never shows the tube.
    page.wait_for_function(
        "b => JSON.parse(localStorage.getItem(`fangkong.sampling.queue.sampler`) || '[]')"
        ".some(item => item.barcode === b)"
        " || document.querySelector(`#uploaded-list li[data-barcode='${b}']`) !== null",
        arg=barcode,
    )


def _status(page: Any) -> dict[str, str]:
    return cast(
        dict[str, str],
        page.eval_on_selector(
            "#sync-status",
            "node => ({state: node.dataset.state, tubes: node.dataset.waitingTubes, "
            "people: node.dataset.waitingPeople, rejected: node.dataset.rejectedTubes, "
            "text: node.textContent})",
        ),
    )


def _counts(
    demo_env: dict[str, str], round_code: str, person_codes: list[str], barcodes: list[str]
) -> tuple[int, int, int]:
    """(bindings of these persons in the round, tubes with these barcodes, their members)."""
    person_marks = ",".join("?" * len(person_codes))
    tube_marks = ",".join("?" * len(barcodes))
    bindings_sql = (
        "SELECT COUNT(*) FROM lab_binding b JOIN lab_screeninground r ON r.id = b.round_id "  # noqa: S608 (only "?" marks)
        "JOIN people_person p ON p.id = b.person_id "
        f"WHERE r.code = ? AND p.code IN ({person_marks})"
    )
    tubes_sql = (
        "SELECT COUNT(*), COALESCE(SUM(member_count), 0) FROM lab_tube "  # noqa: S608 (only "?" marks)
        f"WHERE barcode IN ({tube_marks})"
    )
    with sqlite3.connect(_database(demo_env)) as connection:
        (bindings,) = connection.execute(
            bindings_sql, [uuid.UUID(round_code).hex, *(uuid.UUID(c).hex for c in person_codes)]
        ).fetchone()
        tubes, members = connection.execute(tubes_sql, barcodes).fetchone()
    return int(bindings), int(tubes), int(members)


def test_bind_100_people_offline_reload_reconnect_exactly_100_bindings(
    browser, own_server, demo_env
):
    url = own_server.url
    _ensure_post(browser, url, demo_env)
    context = browser.new_context(locale="en")
    page = context.new_page()
    sign_in(page, url, "sampler")
    page.goto(f"{url}/lab/sampling/")
    if page.locator("#sampling").count() == 0:  # several posts: take the first
        page.click("table.sampling-posts a.button >> nth=0")
    root = page.locator("#sampling")
    round_code = root.get_attribute("data-round")
    ratio = int(root.get_attribute("data-ratio"))
    assert 1 <= ratio <= 20
    free, busy = residents(context, url, demo_env, round_code)
    # the service worker is in and this page, its script and styles are cached
    page.wait_for_selector("#sampling[data-offline-ready=true]", state="attached", timeout=20_000)
    assert _status(page)["state"] == "online"

    run = uuid.uuid4().hex[:6].upper()
    tubes = [free[i : i + ratio] for i in range(0, len(free), ratio)]
    barcodes = [f"OFF{run}{n:03d}" for n in range(len(tubes))]
    refused_barcode = f"REJ{run}"

    context.set_offline(True)
    own_server.stop()
    for barcode, members in zip(barcodes, tubes, strict=True):
        bind_tube(page, barcode, [number for _code, number in members])
    # one tube the server will refuse: someone already in a tube of the round awaiting its
    # result (R8), or, on a demo without one, a well-formed number nobody holds
    refused_code = "person_already_bound" if busy else "person_unknown"
    bind_tube(page, refused_barcode, [busy[1] if busy else _unregistered_id()])
    status = _status(page)
    assert status["state"] == "offline", status
    assert status["tubes"] == str(len(tubes) + 1)
    assert status["people"] == "101"
    assert str(len(tubes) + 1) in status["text"]
    assert page.locator("#queue-list li").count() == len(tubes) + 1
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # on disk the queue holds barcodes and counts in clear, the people only encrypted
    assert root.get_attribute("data-queue-store") == "encrypted"
    stored = page.evaluate("localStorage.getItem('fangkong.sampling.queue.sampler')")
    assert barcodes[0] in stored
    leaked = [number for _code, number in free if number in stored]
    assert not leaked, f"{len(leaked)} identity numbers in clear in localStorage"
    assert not any(entry.get("body") for entry in json.loads(stored))

    page.reload()  # no network, no server: the service worker serves the page from its cache
    page.wait_for_selector("#sync-status[data-state=offline]", state="attached")
    status = _status(page)
    assert status["tubes"] == str(len(tubes) + 1), status
    assert status["people"] == "101"
    assert _counts(demo_env, round_code, [c for c, _n in free], barcodes) == (0, 0, 0)

    sent: dict[str, dict[str, str]] = {}  # barcode -> the upload's body and idempotency key
    page.on(
        "request",
        lambda request: (
            sent.setdefault(
                json.loads(request.post_data or "{}").get("barcode", ""),
                {
                    "body": request.post_data or "",
                    "key": request.headers.get("idempotency-key", ""),
                },
            )
            if request.method == "POST" and request.url.endswith("/api/v1/lab/tubes")
            else None
        ),
    )
    own_server.start()
    context.set_offline(False)  # the `online` event starts the upload
    page.wait_for_function(
        "() => { const s = document.getElementById('sync-status').dataset;"
        " return s.waitingTubes === '0' && s.state === 'online'; }",
        timeout=120_000,
    )
    assert _counts(demo_env, round_code, [c for c, _n in free], barcodes) == (100, len(tubes), 100)

    # the refused tube stays on the page with the server's reason, nothing of it stored
    rejected = page.locator(f"#rejected-list li[data-barcode={refused_barcode}]")
    assert rejected.count() == 1
    assert rejected.get_attribute("data-code") == refused_code
    assert "Person 1" in rejected.inner_text() or refused_code == "person_already_bound"
    assert _status(page)["rejected"] == "1"
    assert _counts(demo_env, round_code, [], [refused_barcode])[1] == 0

    # the same upload again with its idempotency key: the stored answer, nothing new
    first = sent[barcodes[0]]
    replay = context.request.post(
        f"{url}/api/v1/lab/tubes",
        data=first["body"],
        headers={
            "X-CSRFToken": _csrf(context),
            "Idempotency-Key": first["key"],
            "Content-Type": "application/json",
        },
    )
    assert replay.status == 201, replay.text()
    assert replay.json()["barcode"] == barcodes[0]
    # the same tube closed again on the page (a new key): already stored, no duplicate
    bind_tube(page, barcodes[0], [number for _code, number in tubes[0]])
    page.wait_for_selector(f"#uploaded-list li[data-barcode={barcodes[0]}] >> nth=0")
    page.wait_for_function(
        "() => document.getElementById('sync-status').dataset.waitingTubes === '0'"
    )
    assert "already stored" in page.inner_text("#uploaded-list li >> nth=0")
    assert _counts(demo_env, round_code, [c for c, _n in free], barcodes) == (100, len(tubes), 100)

    # signing out with a tube still waiting asks first, then deletes the queue and its key
    page.route("**/api/v1/lab/tubes", lambda route: route.abort())
    bind_tube(page, f"OUT{run}", [_unregistered_id()])
    page.wait_for_function(
        "() => document.getElementById('sync-status').dataset.state === 'offline'"
    )
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    page.click("form[data-signout] button")
    page.wait_for_url("**/accounts/login/**")
    assert len(asked) == 1
    assert "1 closed tubes" in asked[0], asked
    assert page.evaluate("localStorage.getItem('fangkong.sampling.queue.sampler')") is None
    keys = page.evaluate(
        "() => new Promise(done => { const o = indexedDB.open('fangkong-sampling', 1);"
        " o.onupgradeneeded = () => o.result.createObjectStore('keys');"
        " o.onsuccess = () => { const r = o.result.transaction('keys').objectStore('keys')"
        ".getAllKeys(); r.onsuccess = () => done(r.result); }; })"
    )
    assert "sampler" not in keys
    context.close()
