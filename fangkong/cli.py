"""The ``fangkong`` command: serve, worker, demo, and Django's management commands.

fangkong demo [--residents N] [--port P]   a synthetic city on SQLite, served locally with
                                           the worker beside it
fangkong serve [--bind HOST:PORT] [--workers N]   the production server (gunicorn)
fangkong worker                             job queue + periodic schedule
fangkong manage <django command> ...        any management command (migrate, check, ...)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _demo_worker() -> subprocess.Popen[bytes]:
    """The job queue and the periodic schedule for the demo, in a process of its own beside
    the server (``fangkong worker``): the command figures refresh every five minutes, late
    timers, missed checks and overdue directives are raised as they would be in production.
    Ctrl+C reaches both (one process group); stopped otherwise, the server leaves the worker
    to stop by itself (``--exit-with-parent``)."""
    return subprocess.Popen([sys.executable, "-m", "fangkong.cli", "worker", "--exit-with-parent"])


def _setup(settings_module: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or "config.settings.base")
    import django

    django.setup()


def serve(bind: str, workers: int, threads: int) -> None:
    """Run gunicorn with the project's WSGI app (threads suit SQLite's single writer)."""
    from django.conf import settings
    from gunicorn.app.base import BaseApplication

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # before the app loads

    from config.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                # request lines and referrers scrubbed of identity numbers and phones
                "logger_class": "fangkong.core.logging.GunicornLogger",
                "timeout": 60,
                "graceful_timeout": 10,
                "forwarded_allow_ips": os.environ.get("FANGKONG_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()


def _exit_with_parent() -> None:
    """Watch the process that started this one; when it is gone (this process was handed to
    another parent), stop as on Ctrl+C: the demo's worker does not outlive its server."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(2)
    os.kill(os.getpid(), signal.SIGINT)


def worker(interval: float, *, exit_with_parent: bool = False) -> None:
    """Run the database job queue and, in a thread beside it, the periodic schedule."""
    from django.core.management import call_command

    from fangkong.core.periodic import Scheduler, schedule_forever

    def schedule() -> None:
        # A failed attempt is logged and backed off inside; nothing ends this loop.
        schedule_forever(Scheduler(), interval=interval)

    threading.Thread(target=schedule, name="fangkong-schedule", daemon=True).start()
    if exit_with_parent:
        threading.Thread(target=_exit_with_parent, name="fangkong-parent", daemon=True).start()
    call_command("db_worker", "--queue-name", "*", "--interval", str(interval))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fangkong", description="Fangkong command line")
    commands = parser.add_subparsers(dest="command", required=True)

    p_serve = commands.add_parser("serve", help="run the production web server")
    p_serve.add_argument("--bind", default=os.environ.get("FANGKONG_BIND", "127.0.0.1:8000"))
    p_serve.add_argument("--workers", type=int, default=2)
    # 16 threads a worker: concurrent sampling writes of a process are stored together (group
    # commit), so more threads make larger batches (measured best on 2 cores: 2 × 16)
    p_serve.add_argument("--threads", type=int, default=16)

    p_worker = commands.add_parser("worker", help="run the job queue and the periodic schedule")
    p_worker.add_argument("--interval", type=float, default=5.0)
    p_worker.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started it ends (the demo's server)",
    )

    p_demo = commands.add_parser("demo", help="build a synthetic city on SQLite and serve it")
    p_demo.add_argument("--residents", type=int, default=50_000)
    p_demo.add_argument("--port", type=int, default=8000)
    p_demo.add_argument("--seed", type=int, default=20220404)
    p_demo.add_argument(
        "--days", type=int, default=10, help="days the outbreak runs before today's screening"
    )
    p_demo.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
    p_demo.add_argument(
        "--fresh", action="store_true", help="delete an existing demo database first"
    )

    p_manage = commands.add_parser("manage", help="run a Django management command")
    p_manage.add_argument("args", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    try:
        if args.command == "manage":
            _setup()
            from django.core.management import execute_from_command_line

            execute_from_command_line(["fangkong", *args.args])
        elif args.command == "serve":
            _setup()
            serve(args.bind, args.workers, args.threads)
        elif args.command == "worker":
            _setup()
            worker(args.interval, exit_with_parent=args.exit_with_parent)
        elif args.command == "demo":
            os.environ.setdefault("FANGKONG_DEMO", "1")
            _setup()
            from fangkong.sim.demo import demo_prepare

            demo_prepare(residents=args.residents, seed=args.seed, fresh=args.fresh, days=args.days)
            if not args.no_serve:
                worker_process = _demo_worker()
                print(
                    f"The worker runs beside the server (pid {worker_process.pid}): figures, "
                    "timers and escalations keep up by themselves.",
                    flush=True,
                )
                print(f"Serving on http://127.0.0.1:{args.port}/  (Ctrl+C to stop)", flush=True)
                # A fresh process serves: building the city ran Polars' thread pool here, and a
                # worker forked from a process whose pool has run can deadlock in its first
                # Polars call (the chain page hung on a group-by until this).
                bind = f"127.0.0.1:{args.port}"
                command = [sys.executable, "-m", "fangkong.cli", "serve", "--bind", bind]
                os.execv(sys.executable, [*command, "--workers", "1", "--threads", "8"])  # noqa: S606
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from django.core.exceptions import ImproperlyConfigured

        if isinstance(exc, ImproperlyConfigured):
            print(f"fangkong: configuration error: {exc}", file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
