"""``fangkong serve``: the production server's process settings."""

from __future__ import annotations

import sys

import pytest
from gunicorn.app.base import BaseApplication

from fangkong import cli


@pytest.mark.parametrize("microseconds", [500, 2000])
def test_serve_sets_the_interpreter_switch_interval_before_the_workers_fork(
    monkeypatch, settings, tmp_path, microseconds
):
    settings.SERVER_SWITCH_MICROSECONDS = microseconds
    settings.STATIC_ROOT = str(tmp_path / "static")
    seen: dict[str, object] = {}

    def run(self: BaseApplication) -> None:
        seen["interval"] = sys.getswitchinterval()
        seen["threads"] = self.cfg.threads

    monkeypatch.setattr(BaseApplication, "run", run)
    before = sys.getswitchinterval()
    try:
        cli.serve("127.0.0.1:0", workers=1, threads=4)
    finally:
        sys.setswitchinterval(before)
    assert seen == {"interval": pytest.approx(microseconds / 1_000_000), "threads": 4}
