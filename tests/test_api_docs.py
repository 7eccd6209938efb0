"""The interactive API docs are served from our own origin (no CDN): every script and style
the page names resolves here, and the page's CSP allows them and no inline script."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from django.test import Client


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[dict[str, str | None]] = []
        self._script_attrs: dict[str, str | None] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.urls.append(str(found["src"]))
            else:
                self._script_attrs = found
                self._script_text = ""
        elif tag == "link" and found.get("href"):
            self.urls.append(str(found["href"]))

    def handle_data(self, data: str) -> None:
        if self._script_attrs is not None:
            self._script_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_attrs is not None:
            if self._script_text.strip():
                self.inline_scripts.append(self._script_attrs)
            self._script_attrs = None


def _directive(policy: str, name: str) -> list[str]:
    for part in policy.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_api_docs_load_only_same_origin_assets_that_resolve_and_the_csp_allows(db: Any) -> None:
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html
    assets = _Assets()
    assets.feed(html)
    scripts = [url for url in assets.urls if url.endswith(".js")]
    styles = [url for url in assets.urls if url.endswith(".css")]
    assert any("swagger-ui-bundle" in url for url in scripts)
    assert any("swagger-ui" in url for url in styles)
    for url in assets.urls:
        assert re.match(r"^/(?!/)", url), f"{url} is not on our own origin"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.getvalue()
    # Inline script blocks are data only (the settings JSON), never code: script-src is 'self'.
    assert all(attrs.get("type") == "application/json" for attrs in assets.inline_scripts)
    policy = response["Content-Security-Policy"]
    assert _directive(policy, "script-src") == ["'self'"]
    assert "'self'" in _directive(policy, "style-src")
    assert "'self'" in _directive(policy, "connect-src")
    # The page names the schema it loads, on our origin too.
    assert '"url": "/api/v1/openapi.json"' in html
    assert client.get("/api/v1/openapi.json").status_code == 200
