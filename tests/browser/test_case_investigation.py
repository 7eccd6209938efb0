"""An epidemiologist opens a case the demo's lab chain opened (a re-tested pooled positive),
sees its timers counting down, and enters a trajectory from the keyboard: each Enter adds the
row in place and puts the cursor back in the place field."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_demo_case_takes_its_trajectory_row_by_row(page: Any, server: str) -> None:
    page.goto(f"{server}/accounts/login/")
    page.fill("input[name=username]", "epidemiologist")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")

    page.goto(f"{server}/cases/")
    first = page.locator('table.data a[href^="/cases/"]').first
    first.wait_for()
    first.click()
    page.wait_for_url(re.compile(r".*/cases/[0-9a-f-]{36}/$"))
    body = page.inner_text("main")
    assert "混管阳性单管复核" in body  # how found: the lab chain opened it
    countdown = page.locator("[data-due]").first
    before = countdown.inner_text()
    page.wait_for_timeout(1500)
    assert countdown.inner_text() != before  # it counts down in place

    page.click('a[href$="/investigation/"]')
    page.wait_for_url(re.compile(r".*/investigation/$"))
    # The demo may have given this case visits from its venue scans already.
    already = page.locator("#visit-rows tr").count()
    start = datetime.now().replace(second=0, microsecond=0) - timedelta(days=1)
    for number, place in enumerate(("望京菜市场", "社区卫生服务中心")):
        field = page.locator("#visit-form [name=place]")
        assert field.evaluate("el => el === document.activeElement")
        field.fill(place)
        if number == 0:  # the next row starts where this one ended
            page.fill("#visit-form [name=started_at]", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill(
            "#visit-form [name=ended_at]",
            (start + timedelta(hours=number + 1)).strftime("%Y-%m-%dT%H:%M"),
        )
        field.press("Enter")
        page.locator("#visit-rows tr", has_text=place).wait_for()
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.name === 'place'"
        )
    rows = page.locator("#visit-rows tr")
    assert rows.count() == already + 2
    assert page.url.endswith("/investigation/")  # no page load: htmx added the rows
    page.reload()
    assert page.locator("#visit-rows tr").count() == already + 2
