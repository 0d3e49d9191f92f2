"""The production smoke test: the installation the runbook describes, run by hand.

A fresh database (SQLite in a temporary folder, or on the PostgreSQL server of DATABASE_URL a
database of its own), production settings from the environment as /etc/samverkan/samverkan.env
would give them, `migrate`, a small demo municipality, `collectstatic`. Then each systemd unit's
ExecStart runs once in the foreground: the web server and the task worker until they serve and
are stopped, every oneshot job to its exit code. PID 1 here is not systemd: nothing is booted.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from samverkan.settings.environment import REQUIRED

from .units import BACKUP_DIR, INSTALLED_BIN, THIS_BIN, Unit, services

SAMVERKAN = Path(sys.executable).parent / "samverkan"
HOST = "samverkan.kommun.example"
HTTPS = {"Host": HOST, "X-Forwarded-Proto": "https"}
HEALTHZ_TOKEN = "monitor-" + "t" * 32
COMMAND_TIMEOUT = 180
START_TIMEOUT = 60
STOP_TIMEOUT = 45
# A loaded CI machine (load 26 on 2 cores) once took over 10 s for one request.
HTTP_TIMEOUT = 60
LONG_RUNNING = {"samverkan-web.service", "samverkan-worker.service", "samverkan-sealer.service"}


@dataclass
class Installation:
    env: dict[str, str]
    data_dir: Path
    port: int

    def run(
        self, argv: list[str], timeout: float = COMMAND_TIMEOUT, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            argv, env=env or self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def samverkan(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run([str(SAMVERKAN), *args])

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=HTTP_TIMEOUT) as response:
                return int(response.status), dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return int(error.code), dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(data_dir: Path) -> dict[str, str]:
    """What /etc/samverkan/samverkan.env gives the units (deploy/samverkan.env.example)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    for key in [k for k in env if k.startswith("SAMVERKAN_")]:
        env.pop(key)
    env.update(
        DJANGO_SETTINGS_MODULE="samverkan.settings.production",
        SAMVERKAN_SECRET_KEY=secrets.token_urlsafe(50),
        SAMVERKAN_ALLOWED_HOSTS=HOST,
        SAMVERKAN_BASE_URL=f"https://{HOST}",
        SAMVERKAN_FROM_EMAIL=f"samverkan@{HOST}",
        SAMVERKAN_AUDIT_KEYS="k1:" + secrets.token_urlsafe(32),
        SAMVERKAN_DATA_DIR=str(data_dir),
        SAMVERKAN_AUDIT_CHECKPOINT_DIR=str(data_dir / "audit"),
        SAMVERKAN_STATIC_ROOT=str(data_dir / "static"),
        SAMVERKAN_WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def installation(
    tmp_path_factory: pytest.TempPathFactory, scratch_database: Callable[[str], str]
) -> Installation:
    data_dir = tmp_path_factory.mktemp("production")
    env = production_env(data_dir)
    port = _free_port()
    env["SAMVERKAN_BIND"] = f"127.0.0.1:{port}"
    env["SAMVERKAN_HEALTHZ_TOKEN"] = HEALTHZ_TOKEN
    database_url = scratch_database("deploy")
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    installation = Installation(env=env, data_dir=data_dir, port=port)
    for args in (
        ["migrate", "--noinput", "-v", "0"],
        ["load_demo", "--children", "20", "--seed", "3"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        result = installation.samverkan(*args)
        assert result.returncode == 0, f"samverkan {' '.join(args)}:\n{result.stderr[-3000:]}"
    return installation


def exec_start(unit: Unit, instance: str = "samverkan-test.service") -> list[str]:
    """The unit's ExecStart with this checkout's virtualenv and the template's instance."""
    command = unit.get("Service", "ExecStart").replace("%i", instance)
    argv = shlex.split(command)
    assert argv[0].startswith(INSTALLED_BIN)
    return [THIS_BIN + argv[0].removeprefix(INSTALLED_BIN), *argv[1:]]


def unit_env(installation: Installation, unit: Unit) -> dict[str, str]:
    env = dict(installation.env)
    for assignment in unit.all("Service", "Environment"):
        key, _, value = assignment.partition("=")
        env[key] = value
    return env


def _deploy_checks_pass(installation: Installation) -> None:
    result = installation.samverkan("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def _settings_keep_base_loggers_and_check_connections(installation: Installation) -> None:
    script = (
        "import json; from django.conf import settings; from samverkan.settings import base; "
        "print(json.dumps([sorted(base.LOGGING.get('loggers', {})), "
        "sorted(settings.LOGGING['loggers']), settings.DATABASES['default']['CONN_HEALTH_CHECKS']]))"
    )
    result = installation.samverkan("shell", "-c", script)
    assert result.returncode == 0, result.stderr

    base_loggers, production_loggers, health_checks = json.loads(result.stdout.splitlines()[-1])

    assert set(base_loggers) <= set(production_loggers)
    assert "django_tasks" in production_loggers
    assert health_checks is True


def test_the_installation_runs_as_the_runbook_says(
    installation: Installation, tmp_path: Path
) -> None:
    """One test, so that one xdist worker alone builds the installation."""
    _deploy_checks_pass(installation)
    _settings_keep_base_loggers_and_check_connections(installation)
    _every_unit_runs_in_the_foreground(installation)
    if "DATABASE_URL" in installation.env:  # the backup is pg_dump: PostgreSQL runs only
        _the_backup_dumps_the_database_and_pg_restore_reads_it(installation, tmp_path)


def _every_unit_runs_in_the_foreground(installation: Installation) -> None:
    units = {unit.name: unit for unit in services()}
    log_path = installation.data_dir / "web.log"
    # systemd's notify socket, as Type=notify gives the web unit: READY=1 must come from the
    # process systemd started (NotifyAccess=main), which `serve` becomes by exec'ing gunicorn.
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(installation.data_dir / "notify.sock"))
    notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    notify.settimeout(START_TIMEOUT)
    started: dict[str, subprocess.Popen[bytes]] = {}
    with log_path.open("wb") as log:
        for name in sorted(LONG_RUNNING):
            env = unit_env(installation, units[name])
            if units[name].get("Service", "Type") == "notify":
                env["NOTIFY_SOCKET"] = str(installation.data_dir / "notify.sock")
            started[name] = subprocess.Popen(  # noqa: S603
                exec_start(units[name]), env=env, stdout=log, stderr=subprocess.STDOUT
            )
    web = started["samverkan-web.service"]
    try:
        with notify:
            message, sender = _notification(notify)
        assert b"READY=1" in message
        assert sender == web.pid, "READY=1 came from another process than the unit's main one"
        # gunicorn under production settings answers over "HTTPS" (the proxy's header).
        status, _, body = _wait_for_health(installation, web, log_path)
        assert json.loads(body) == {"status": "ok"}  # anonymous: only up or down
        vendor = "postgresql" if "DATABASE_URL" in installation.env else "sqlite"
        monitor = HTTPS | {"Authorization": f"Bearer {HEALTHZ_TOKEN}"}
        status, _, body = installation.get("/healthz", monitor)
        assert json.loads(body) == {"status": "ok", "database": "ok", "vendor": vendor}
        status, _, _ = installation.get("/static/samverkan/samverkan.css", HTTPS)
        assert status == 200, "collectstatic's files are not served"
        status, headers, _ = installation.get("/healthz", {"Host": HOST})
        assert (status, headers["Location"]) == (301, f"https://{HOST}/healthz")
        status, _, _ = installation.get("/healthz", {"Host": "elsewhere.example"})
        assert status == 400

        # Every oneshot job, the worker check included (the worker runs beside).
        for name, unit in sorted(units.items()):
            if name in LONG_RUNNING:
                continue
            assert unit.get("Service", "Type") == "oneshot", name
            result = installation.run(exec_start(unit), timeout=COMMAND_TIMEOUT)
            assert result.returncode == 0, f"{name}: {result.stdout}\n{result.stderr}"

        # The access log never holds a query string.
        status, _, _ = installation.get("/healthz?personnummer=201212121212", HTTPS)
        assert status == 200

        # ExecReload: SIGHUP replaces the workers; the server keeps answering.
        web.send_signal(signal.SIGHUP)
        _wait_for_log(log_path, "Handling signal: hup")
        status, _, _ = installation.get("/healthz", HTTPS)
        assert status == 200
    finally:
        for process in started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = {}
        for name, process in started.items():
            try:
                codes[name] = process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = process.wait()
    log_text = log_path.read_text(errors="replace")
    assert codes == dict.fromkeys(LONG_RUNNING, 0), log_text[-3000:]
    assert "201212121212" not in log_text
    assert '"GET /healthz HTTP/1.1" 200' in log_text


def _notification(notify: socket.socket) -> tuple[bytes, int]:
    """The next sd_notify message and the process id of its sender."""
    credentials = struct.calcsize("3i")  # pid, uid, gid
    message, ancillary, _, _ = notify.recvmsg(4096, socket.CMSG_SPACE(credentials))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            return message, struct.unpack("3i", data[:credentials])[0]
    raise AssertionError("the notification carried no sender")


def _wait_for_health(
    installation: Installation, web: subprocess.Popen[bytes], log_path: Path
) -> tuple[int, dict[str, str], bytes]:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert web.poll() is None, log_path.read_text(errors="replace")[-3000:]
        try:
            answer = installation.get("/healthz", HTTPS)
            if answer[0] == 200:
                return answer
        except OSError:
            pass
        assert time.monotonic() < deadline, log_path.read_text(errors="replace")[-3000:]
        time.sleep(0.2)


def _wait_for_log(log_path: Path, text: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while text not in log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not in the log"
        time.sleep(0.2)


def _the_backup_dumps_the_database_and_pg_restore_reads_it(
    installation: Installation, tmp_path: Path
) -> None:
    url = urlsplit(installation.env["DATABASE_URL"])
    env = {
        **installation.env,
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
        "SAMVERKAN_DB": url.path.lstrip("/"),
        "SAMVERKAN_BACKUP_DIR": str(tmp_path),
    }
    if url.password:
        env["PGPASSWORD"] = url.password

    result = installation.run(["/bin/sh", str(BACKUP_DIR / "samverkan-backup")], env=env)

    assert result.returncode == 0, result.stderr
    dumps = list(tmp_path.glob("*.dump"))
    assert len(dumps) == 1
    assert len(list(tmp_path.glob("files-*.tar.gz"))) == 1
    listing = installation.run(["pg_restore", "--list", str(dumps[0])])
    assert "TABLE DATA public children_child" in listing.stdout


def test_serve_refuses_to_start_naming_every_missing_variable(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    for name in REQUIRED:
        env.pop(name)
    env.pop("DJANGO_SETTINGS_MODULE")  # `serve` chooses the production settings itself

    result = subprocess.run(  # noqa: S603
        [str(SAMVERKAN), "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "will not start with production settings" in result.stderr
    for name in REQUIRED:
        assert f"{name} is not set" in result.stderr
