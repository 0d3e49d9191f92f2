"""`samverkan serve`: the app under gunicorn, with production settings unless told otherwise.

`samverkan serve` execs gunicorn (same process id, so systemd's Type=notify and signals reach
the gunicorn master directly). `--with-worker` instead runs gunicorn and the task worker side
by side, restarts the worker when it ends, and stops both together: what `make demo` and the
browser tests use.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

DEFAULT_BIND = "127.0.0.1:8000"
STOP_TIMEOUT = 40  # gunicorn's graceful_timeout (30 s) and some
RESTART_DELAY = 2.0  # before the task worker is started again (systemd: RestartSec)


def default_workers() -> int:
    """gunicorn's advice: two per core plus one (the cores this process may run on, on Linux)."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # macOS, for `make demo` on a laptop
        cores = os.cpu_count() or 1
    return 2 * cores + 1


def gunicorn_argv(*, bind: str, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:samverkan.gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "samverkan.wsgi:application",
    ]


def worker_argv() -> list[str]:
    return [str(Path(sys.executable).parent / "samverkan"), "db_worker", "--no-startup-delay"]


class Command(BaseCommand):
    help = (
        "Serve Samverkan with gunicorn (production settings unless DJANGO_SETTINGS_MODULE says "
        "otherwise). Workers default to 2 x cores + 1; SIGHUP reloads gracefully."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("SAMVERKAN_BIND", DEFAULT_BIND),
            help="address:port or unix:/path (default: $SAMVERKAN_BIND or %(default)s)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("SAMVERKAN_WEB_WORKERS", "0")) or default_workers(),
            help="gunicorn worker processes (default: $SAMVERKAN_WEB_WORKERS or 2 x cores + 1)",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="also run the task worker (db_worker) and stop both together (demo, tests)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        web = gunicorn_argv(bind=options["bind"], workers=options["workers"])
        # Workers open their own connections; none is carried into gunicorn.
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        if not options["with_worker"]:
            os.execv(sys.executable, web)  # noqa: S606 (our own interpreter, fixed arguments)
        code = supervise(web, worker_argv())
        if code:
            raise CommandError(f"stopped with exit code {code}")


def supervise(server: list[str], helper: list[str]) -> int:
    """Run the server with a helper beside it. The helper is restarted when it ends, after
    RESTART_DELAY, as systemd's Restart=always does for the worker (the task worker exits when
    the database goes away). SIGINT or SIGTERM, or the server ending, stops both (SIGTERM, then
    SIGKILL after STOP_TIMEOUT). Returns 0 when asked to stop and both stopped cleanly, else
    the server's exit code."""
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    def start(command: list[str]) -> subprocess.Popen[bytes]:
        # Each child in its own process group: Ctrl+C reaches only this process, which then
        # stops each child once (a second signal makes the task worker abandon its task).
        return subprocess.Popen(command, process_group=0)  # noqa: S603

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    web = start(server)
    beside = start(helper)
    helper_ended_at: float | None = None
    try:
        while not stopping and web.poll() is None:
            time.sleep(0.2)
            if helper_ended_at is None and beside.poll() is not None:
                sys.stderr.write(
                    f"{' '.join(helper[:3])} ended with {beside.returncode}; "
                    f"restarting it in {RESTART_DELAY:g} s\n"
                )
                helper_ended_at = time.monotonic()
            if helper_ended_at is not None and time.monotonic() - helper_ended_at >= RESTART_DELAY:
                beside = start(helper)
                helper_ended_at = None
    finally:
        for child in (web, beside):
            if child.poll() is None:
                child.terminate()
        for child in (web, beside):
            try:
                child.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    web_code = int(web.returncode)
    if not stopping:
        sys.stderr.write(f"{' '.join(server[:4])} ended with {web_code}; stopped all\n")
        return web_code or 1
    # Asked to stop: ending on our SIGTERM (before a child set its own handler) is clean too.
    codes = [web_code, int(beside.returncode) if helper_ended_at is None else 0]
    return max((abs(code) for code in codes if code != -signal.SIGTERM), default=0)
