"""The demo's worker stops when the server that started it is gone (``--exit-with-parent``)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from fangkong import cli


def test_the_worker_stops_as_on_ctrl_c_once_its_parent_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parents = iter([100, 100, 100, 1])  # handed to init after the third look
    sent: list[tuple[int, int]] = []
    slept: list[float] = []
    monkeypatch.setattr(os, "getppid", lambda: next(parents))
    monkeypatch.setattr(os, "kill", lambda pid, sig: sent.append((pid, sig)))
    monkeypatch.setattr(time, "sleep", slept.append)
    cli._exit_with_parent()
    assert sent == [(os.getpid(), signal.SIGINT)]
    assert len(slept) == 2


def test_the_demo_starts_its_worker_with_the_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []

    class Popen:
        def __init__(self, command: list[str]) -> None:
            started.append(command)

    monkeypatch.setattr(subprocess, "Popen", Popen)
    cli._demo_worker()
    assert started[0][-3:] == ["fangkong.cli", "worker", "--exit-with-parent"]
