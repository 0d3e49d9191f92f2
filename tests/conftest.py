"""Fixtures shared by the tests that run the app in subprocesses (tests/e2e, tests/production)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest


def _pg_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        admin_url.replace("postgres://", "postgresql://", 1), autocommit=True
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def scratch_database() -> Iterator[Callable[[str], str]]:
    """`scratch_database(label)`: on a PostgreSQL run, the URL of a fresh, empty database
    `<DATABASE_URL's name>_<label>_<pid>_<xdist worker>` on the same server, dropped at the end
    of the session; on SQLite, "" (the caller uses a temporary SAMVERKAN_DATA_DIR). The role in
    DATABASE_URL needs the right to create databases."""
    url = os.environ.get("DATABASE_URL", "")
    created: list[tuple[str, str]] = []

    def make(label: str) -> str:
        if not url.startswith(("postgres://", "postgresql://")):
            return ""
        parts = urlsplit(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{parts.path.lstrip('/') or 'samverkan'}_{label}_{os.getpid()}_{worker}"
        admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_execute(admin, f'CREATE DATABASE "{name}"')
        created.append((admin, name))
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))

    yield make
    for admin, name in created:
        _pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
