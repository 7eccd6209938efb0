"""The commander opens the command picture of the demo outbreak from the overview: the chain,
four charts and the map are drawn (canvases with pixels on them), the district that is behind
is listed, and a click on it in the map opens that district's picture with its street behind."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

#: Painted pixels on a canvas (alpha above zero): a drawn chart has thousands.
PAINTED = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""

#: The page position of the first district's centre, from the map's own projection.
DISTRICT_CENTRE = """() => {
  const box = document.getElementById('picture-map');
  const chart = window.echarts.getInstanceByDom(box);
  const data = JSON.parse(document.getElementById('picture-data').textContent);
  const feature = data.map.features[0];
  const ring = feature.geometry.type === 'Polygon'
    ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
  let lon = 0, lat = 0;
  ring.slice(1).forEach(([x, y]) => { lon += x; lat += y; });
  const n = ring.length - 1;
  const point = chart.convertToPixel({ geoIndex: 0 }, [lon / n, lat / n]);
  const rect = box.getBoundingClientRect();
  return { x: rect.left + point[0], y: rect.top + point[1], code: feature.properties.code };
}"""


def test_the_commander_sees_the_picture_drawn_and_drills_down(page: Any, server: str) -> None:
    page.goto(f"{server}/accounts/login/")
    page.fill("input[name=username]", "commander")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")

    page.click("a[data-command-picture]")
    page.wait_for_url(f"{server}/command/picture/")
    assert page.locator(".stage").count() == 7  # sampling … release, and the residents
    for chart in ("curve", "tests", "contacts", "rooms"):
        box = page.locator(f'[data-chart="{chart}"]')
        box.locator("canvas").wait_for()
        assert box.evaluate(PAINTED) > 1000, chart
    page.locator("#picture-map canvas").wait_for()
    page.wait_for_function(
        "() => window.echarts.getInstanceByDom(document.getElementById('picture-map'))"
    )
    assert page.locator("#picture-map").evaluate(PAINTED) > 10000
    sampled = page.locator('[data-measure="tests_sampled"]').inner_text()
    assert int(sampled.replace(",", "")) > 0  # the demo screened today

    # the demo's open risk areas are drawn over the districts, counted by level in the legend
    data = page.evaluate("() => JSON.parse(document.getElementById('picture-data').textContent)")
    assert data["risk_areas"]["areas"], "no risk area drawn"
    counts = page.locator("[data-area-legend] .area-level b").all_inner_texts()
    assert sum(int(c.replace(",", "")) for c in counts) >= len(data["risk_areas"]["areas"])

    page.select_option("#map-measure", "tests_sampled")
    assert page.locator("#picture-map").evaluate(PAINTED) > 10000

    # the outbreak district is behind (a package of its tubes held up on the road: results
    # late), listed first among the units behind; the map's first district is that one
    assert page.locator('[data-measure="results_late"]').inner_text() != "0"
    late_district = page.locator("table[data-behind] tbody a").first.get_attribute("href")

    page.locator("#picture-map").scroll_into_view_if_needed()
    centre = page.evaluate(DISTRICT_CENTRE)
    assert late_district == f"/command/picture/{centre['code']}/"
    page.mouse.click(centre["x"], centre["y"])
    page.wait_for_url(re.compile(rf".*/command/picture/{centre['code']}/$"))
    assert page.locator('[data-chart="curve"] canvas').count() == 1
    # and in the district, the street that is behind
    assert page.locator("table[data-behind] tbody a").count() >= 1
