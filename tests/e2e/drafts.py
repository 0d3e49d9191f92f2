"""Browser helpers that prove a form keeps its words (core.drafts, docs/forms.md): fill and
read back what a person typed, switch the language, count what reached the database, and a
private PostgreSQL cluster that a test may stop and start."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

PG_BIN = Path(os.environ.get("SAMVERKAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"  # initdb and postgres refuse to run as root


def type_into(page: Page, typed: dict[str, str]) -> None:
    """Fill text fields by their Swedish label."""
    for label, text in typed.items():
        page.get_by_label(label, exact=True).fill(text)


def expect_kept(page: Page, typed: dict[str, str]) -> None:
    """Every field still holds what was typed."""
    for label, text in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(text)


def answer_report_questions(page: Page) -> None:
    """The report form's two radio questions: "Vet inte" about protection, "Nej" about the
    guardians knowing."""
    page.get_by_role("group", name="Kan barnet behöva skydd redan i dag?").get_by_label(
        "Vet inte"
    ).check()
    page.get_by_role("group", name="Vet vårdnadshavarna att du gör en anmälan?").get_by_label(
        "Nej"
    ).check()


def switch_language(visitor: Any, language: str, button: str) -> None:
    """The footer's language switch (a POST to /sprak/ that shows the same page again)."""
    page = visitor.page
    page.get_by_label("Språk" if language == "English" else "Language").select_option(
        label=language
    )
    visitor.navigate(page.get_by_role("button", name=button).click)


def count_items(server: Any, text: str) -> int:
    """How many reports or requests in the server's database hold this text."""
    script = (
        "from samverkan.intake.models import IntakeItem; "
        f"print(IntakeItem.objects.filter(observed={text!r}).count())"
    )
    result = server.samverkan("shell", "-c", script)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    command = [*args] if os.geteuid() != 0 else ["runuser", "-u", PG_USER, "--", *args]
    return subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class PrivateCluster:
    """A throw-away PostgreSQL server of the test's own (never the shared one)."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/samverkan_forms"

    def _ctl(self, *args: str) -> None:
        result = _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.directory / "data"), *args)
        assert result.returncode == 0, f"pg_ctl {args[0]}: {result.stdout}{result.stderr}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.directory / "postgres.log")
        self._ctl("-l", log, "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "60", "stop")


@contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    """initdb a cluster in a temporary folder the postgres user can reach, start it on a free
    port with a database `samverkan_forms`, and remove it afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="samverkan-forms-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(directory, PG_USER)
    cluster = PrivateCluster(directory=directory, port=_free_port())
    try:
        result = _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(directory / "data"),
            "-U",
            PG_USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        assert result.returncode == 0, f"initdb: {result.stdout}{result.stderr}"
        cluster.start()
        result = _as_postgres(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            PG_USER,
            "-d",
            "postgres",
            "-XqAtc",
            "CREATE DATABASE samverkan_forms",
        )
        assert result.returncode == 0, f"createdb: {result.stderr}"
        yield cluster
    finally:
        if (directory / "data" / "postmaster.pid").exists():
            cluster._ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(directory, ignore_errors=True)
