"""`samverkan serve`'s pieces: gunicorn's command line and settings, and the supervisor behind
`--with-worker` (the whole server runs in test_production.py and every browser journey)."""

import sys
import time
from pathlib import Path

from samverkan import gunicorn_conf
from samverkan.core.management.commands.serve import (
    RESTART_DELAY,
    default_workers,
    gunicorn_argv,
    supervise,
)


def test_gunicorn_runs_the_wsgi_app_with_the_projects_settings() -> None:
    argv = gunicorn_argv(bind="127.0.0.1:8000", workers=3)

    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[-1] == "samverkan.wsgi:application"
    assert "python:samverkan.gunicorn_conf" in argv
    assert default_workers() >= 3


def test_the_access_log_holds_no_query_string_and_no_referrer() -> None:
    fmt = gunicorn_conf.access_log_format

    # %(r)s is the request line with its query string, %(q)s the query, %(f)s the referrer.
    assert not [token for token in ("%(r)s", "%(q)s", "%(f)s") if token in fmt]
    assert "%(U)s" in fmt
    assert gunicorn_conf.control_socket_disable is True


def test_when_the_server_ends_the_supervisor_stops_the_helper() -> None:
    started = time.monotonic()

    code = supervise([sys.executable, "-c", "raise SystemExit(3)"], ["sleep", "30"])

    assert code == 3
    assert time.monotonic() - started < 10


def test_a_helper_that_ends_is_started_again(tmp_path: Path) -> None:
    # The helper appends a line and dies at once (as the task worker does when the database
    # goes away); the server lives long enough for two restarts.
    runs = tmp_path / "runs"
    helper = [sys.executable, "-c", f"open({str(runs)!r}, 'a').write('x')"]
    server = [sys.executable, "-c", f"import time; time.sleep({2 * RESTART_DELAY + 1.5})"]

    code = supervise(server, helper)

    assert code == 1  # the server ended without being asked to
    assert len(runs.read_text()) >= 3
