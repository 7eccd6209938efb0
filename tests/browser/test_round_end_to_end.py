"""A round run in the browser from the demo, end to end: the sampler binds two tubes and seals
and hands over their package; the lab technician receives it by scanning and reports one tube
pooled positive, one negative; the commander's view of the round shows the pooled positive
with its members held, and the database holds the re-test tasks and notifications; then the
sampler binds a single re-test tube for each held member, the lab reports one of them
positive, and the others are cleared."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_sampling_offline import bind_tube, residents, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _query(demo_env: dict[str, str], sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(Path(demo_env["FANGKONG_DATA_DIR"]) / "fangkong.sqlite3") as db:
        return db.execute(sql, args).fetchall()


def _bind_page(page: Any, server: str) -> Any:
    page.goto(f"{server}/lab/sampling/")
    if page.locator("#sampling").count() == 0:
        page.click("table.sampling-posts a.button >> nth=0")
    return page.locator("#sampling")


def _bind_and_upload(page: Any, tubes: dict[str, list[str]]) -> None:
    for barcode, numbers in tubes.items():
        bind_tube(page, barcode, numbers)
        page.wait_for_selector(f"#uploaded-list li[data-barcode={barcode}]", timeout=20_000)


def _seal_and_hand_over(page: Any, server: str, barcodes: list[str], package: str) -> None:
    page.goto(f"{server}/lab/sampling/packages/")
    for box in page.locator("input[name=tubes]").all():
        if box.get_attribute("value") not in barcodes:
            box.uncheck()
    page.fill("#package-code", package)
    page.click("#seal-form button[type=submit]")
    row = page.locator("tr", has_text=package)
    row.locator("input[name=vehicle]").fill("京A12345")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def _receive_and_report(page: Any, package: str, results: dict[str, str]) -> None:
    page.fill("input[name=package]", package)
    page.fill("textarea[name=tubes]", "\n".join(results))
    page.click("form[action$='/receive'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    for index, (barcode, result) in enumerate(results.items()):
        page.fill(f"input[name=barcode_{index}]", barcode)
        page.select_option(f"select[name=result_{index}]", result)
    page.click("form[action$='/results'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _outcomes(demo_env: dict[str, str], barcode: str) -> list[str]:
    """Each member's outcome for the person, as the product reads it (a negative tube's
    members are not written one by one: they read negative through the tube)."""
    from fangkong.lab.choices import person_outcome

    return sorted(
        person_outcome(outcome, result)
        for outcome, result in _query(
            demo_env,
            "SELECT b.outcome, t.result FROM lab_binding b JOIN lab_tube t ON t.id = b.tube_id "
            "WHERE t.barcode = ?",
            barcode,
        )
    )


def _tasks(demo_env: dict[str, str], barcode: str) -> list[tuple[str]]:
    """The statuses of the re-test task rows the tube ``barcode`` sent people to."""
    return _query(
        demo_env,
        "SELECT r.status FROM lab_retesttask r JOIN lab_tube t ON t.id = r.source_tube_id "
        "WHERE t.barcode = ?",
        barcode,
    )


def test_a_round_runs_end_to_end_in_the_browser(browser, server, demo_env, tmp_path):
    run = uuid.uuid4().hex[:6].upper()
    first, second, package = f"E2E{run}1", f"E2E{run}2", f"PKE2E{run}"

    sampler = browser.new_context(locale="en")
    sampling = sampler.new_page()
    sign_in(sampling, server, "sampler")
    root = _bind_page(sampling, server)
    round_code = root.get_attribute("data-round")
    ratio = min(5, int(root.get_attribute("data-ratio")))
    free, _busy = residents(sampler, server, demo_env, round_code)
    numbers = [number for _code, number in free]
    _bind_and_upload(sampling, {first: numbers[:ratio], second: numbers[ratio : 2 * ratio]})
    _seal_and_hand_over(sampling, server, [first, second], package)
    assert _query(demo_env, "SELECT status FROM lab_package WHERE code = ?", package) == [
        ("in_transit",)
    ]

    lab = browser.new_context(locale="en")
    bench = lab.new_page()
    sign_in(bench, server, "lab_technician")
    bench.goto(f"{server}/lab/labs/")
    bench.click("main table a >> nth=0")
    _receive_and_report(bench, package, {first: "pooled_positive", second: "negative"})

    assert _outcomes(demo_env, first) == ["held"] * ratio
    assert _outcomes(demo_env, second) == ["negative"] * ratio
    # Each held member's re-test task is derived from their outcome: no row until acted upon
    assert _tasks(demo_env, first) == []
    recipients = {
        kind
        for (kind,) in _query(
            demo_env,
            "SELECT n.recipient FROM lab_notification n JOIN lab_tube t ON t.id = n.tube_id "
            "WHERE t.barcode = ?",
            first,
        )
    }
    assert recipients == {"working_group", "emergency_squad", "police", "community"}

    command = browser.new_context(locale="en")
    page = command.new_page()
    sign_in(page, server, "commander")
    page.goto(f"{server}/lab/rounds/{round_code}/")
    assert page.locator("main", has_text=first).count() == 1
    page.screenshot(path=str(tmp_path / "round.png"), full_page=True)
    command.close()

    # The emergency squad re-samples each held member in a single tube; one is positive.
    _bind_page(sampling, server)
    sampling.check("#retest")
    assert sampling.text_content("#member-max") == "1"
    retests = {f"R2E{run}{n}": [number] for n, number in enumerate(numbers[:ratio])}
    _bind_and_upload(sampling, retests)
    assert _tasks(demo_env, first) == [("sampled",)] * ratio  # written as the tubes took them
    _seal_and_hand_over(sampling, server, list(retests), f"PKR{run}")
    bench.goto(bench.url)
    _receive_and_report(
        bench,
        f"PKR{run}",
        {barcode: "positive" if n == 0 else "negative" for n, barcode in enumerate(retests)},
    )
    assert _outcomes(demo_env, first) == sorted(["positive"] + ["cleared"] * (ratio - 1))
    assert _tasks(demo_env, first) == [("done",)] * ratio
    sampler.close()
    lab.close()
