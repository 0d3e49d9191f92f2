"""`samverkan serve`: the app under gunicorn, with production settings unless told otherwise.

`samverkan serve` execs gunicorn (same process id, so systemd's Type=notify and signals reach
the gunicorn master directly). `--with-worker` instead runs gunicorn, the task worker and the
audit sealer (`seal_audit --loop`) side by side, restarts a helper when it ends, and stops all
together: what `make demo` and the browser tests use.
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


def sealer_argv() -> list[str]:
    """The audit sealer, which links appended entries into their chains every few seconds."""
    return [str(Path(sys.executable).parent / "samverkan"), "seal_audit", "--loop"]


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
            help="also run the task worker (db_worker) and the audit sealer, and stop all "
            "together (demo, tests)",
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
        code = supervise(web, worker_argv(), sealer_argv())
        if code:
            raise CommandError(f"stopped with exit code {code}")


def supervise(server: list[str], *helpers: list[str]) -> int:
    """Run the server with helpers beside it. A helper is restarted when it ends, after
    RESTART_DELAY, as systemd's Restart=always does for the worker (the task worker exits when
    the database goes away). SIGINT or SIGTERM, or the server ending, stops all (SIGTERM, then
    SIGKILL after STOP_TIMEOUT). Returns 0 when asked to stop and all stopped cleanly, else
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
    beside = [start(helper) for helper in helpers]
    ended_at: list[float | None] = [None] * len(helpers)
    try:
        while not stopping and web.poll() is None:
            time.sleep(0.2)
            for i, helper in enumerate(helpers):
                if ended_at[i] is None and beside[i].poll() is not None:
                    sys.stderr.write(
                        f"{' '.join(helper[:3])} ended with {beside[i].returncode}; "
                        f"restarting it in {RESTART_DELAY:g} s\n"
                    )
                    ended_at[i] = time.monotonic()
                when = ended_at[i]
                if when is not None and time.monotonic() - when >= RESTART_DELAY:
                    beside[i] = start(helper)
                    ended_at[i] = None
    finally:
        for child in (web, *beside):
            if child.poll() is None:
                child.terminate()
        for child in (web, *beside):
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
    codes = [web_code] + [
        int(child.returncode) if when is None else 0
        for child, when in zip(beside, ended_at, strict=True)
    ]
    return max((abs(code) for code in codes if code != -signal.SIGTERM), default=0)
