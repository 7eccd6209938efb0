"""A round run in the browser from the demo, end to end: the sampler binds two tubes and seals
and hands over their package; the lab technician receives it by scanning and reports one tube
pooled positive, one negative; the commander's view of the round shows the pooled positive
with its members held, and the database holds the re-test tasks and notifications."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_sampling_offline import _bind_tube, _residents, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _query(demo_env: dict[str, str], sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(Path(demo_env["FANGKONG_DATA_DIR"]) / "fangkong.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def test_a_round_runs_end_to_end_in_the_browser(browser, server, demo_env, tmp_path):
    run = uuid.uuid4().hex[:6].upper()
    first, second, package = f"E2E{run}1", f"E2E{run}2", f"PKE2E{run}"

    sampler = browser.new_context(locale="en")
    page = sampler.new_page()
    _sign_in(page, server, "sampler")
    page.goto(f"{server}/lab/sampling/")
    if page.locator("#sampling").count() == 0:
        page.click("table.sampling-posts a.button >> nth=0")
    root = page.locator("#sampling")
    round_code = root.get_attribute("data-round")
    ratio = min(5, int(root.get_attribute("data-ratio")))
    free, _busy = _residents(sampler, server, demo_env, round_code)
    for barcode, members in ((first, free[:ratio]), (second, free[ratio : 2 * ratio])):
        _bind_tube(page, barcode, [number for _code, number in members])
        page.wait_for_selector(f"#uploaded-list li[data-barcode={barcode}]", timeout=20_000)

    page.goto(f"{server}/lab/sampling/packages/")
    for box in page.locator("input[name=tubes]").all():
        if box.get_attribute("value") not in (first, second):
            box.uncheck()
    page.fill("#package-code", package)
    page.click("#seal-form button[type=submit]")
    row = page.locator("tr", has_text=package)
    row.locator("input[name=vehicle]").fill("京A12345")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert _query(demo_env, "SELECT status FROM lab_package WHERE code = ?", package) == [
        ("in_transit",)
    ]
    sampler.close()

    lab = browser.new_context(locale="en")
    page = lab.new_page()
    _sign_in(page, server, "lab_technician")
    page.goto(f"{server}/lab/labs/")
    page.click("main table a >> nth=0")
    page.fill("input[name=package]", package)
    page.fill("textarea[name=tubes]", f"{first}\n{second}")
    page.click("form[action$='/receive'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=barcode_0]", first)
    page.select_option("select[name=result_0]", "pooled_positive")
    page.fill("input[name=barcode_1]", second)
    page.select_option("select[name=result_1]", "negative")
    page.click("form[action$='/results'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    lab.close()

    outcomes = dict(
        _query(
            demo_env,
            "SELECT t.barcode, group_concat(DISTINCT b.outcome) FROM lab_binding b "
            "JOIN lab_tube t ON t.id = b.tube_id WHERE t.barcode IN (?, ?) GROUP BY t.barcode",
            first,
            second,
        )
    )
    assert outcomes == {first: "held", second: "negative"}
    tasks = _query(
        demo_env,
        "SELECT COUNT(*) FROM lab_retesttask r JOIN lab_tube t ON t.id = r.source_tube_id "
        "WHERE t.barcode = ?",
        first,
    )
    assert tasks == [(ratio,)]
    recipients = {
        kind
        for (kind,) in _query(
            demo_env,
            "SELECT n.recipient FROM lab_notification n JOIN lab_tube t ON t.id = n.tube_id "
            "WHERE t.barcode = ?",
            first,
        )
    }
    assert recipients == {"working_group", "emergency_squad", "community"}

    command = browser.new_context(locale="en")
    page = command.new_page()
    _sign_in(page, server, "commander")
    page.goto(f"{server}/lab/rounds/{round_code}/")
    assert page.locator("main", has_text=first).count() == 1
    page.screenshot(path=str(tmp_path / "round.png"), full_page=True)
    command.close()
