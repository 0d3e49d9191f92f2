"""`samverkan verify_audit` as an operator runs it: a separate process against a throw-away
database of the run's kind (SQLite, or PostgreSQL when DATABASE_URL names one), the way the
browser tests' server runs (issue #10)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from samverkan.audit.keys import new_key_text

SAMVERKAN = str(Path(sys.executable).parent / "samverkan")
WRITE = """
from django.db import transaction
from samverkan.audit import services
from samverkan.audit.models import AuditAction
from samverkan.organisations.models import Municipality
tenant = Municipality.objects.create(name="Solby", code="9001")
for n in range(3):
    with transaction.atomic():
        services.record_system(
            municipality_id=tenant.pk, action=AuditAction.VIEW, event="child.viewed",
            details={"n": n},
        )
# The sealer beside the task worker links them within seconds (ADR 0003).
from samverkan.audit.sealer import seal_round
seal_round()
"""
FORGE = """
from samverkan.audit.models import AuditEvent
forged = AuditEvent.objects.create(
    municipality_id=AuditEvent.objects.values_list("municipality_id", flat=True).first(),
    action="view", event="child.viewed", object_id="forged",
)
print(forged.pk)
"""


def _admin(url: str) -> str:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


@pytest.fixture
def throwaway(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a fresh, migrated database and its own key and checkpoints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="samverkan.settings.dev",
        SAMVERKAN_DATA_DIR=str(tmp_path),
        SAMVERKAN_AUDIT_CHECKPOINT_DIR=str(tmp_path / "audit"),
        SAMVERKAN_AUDIT_KEYS=f"{new_key_text('k2')},{new_key_text('k1')}",
    )
    url = os.environ.get("DATABASE_URL", "")
    name = ""
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"samverkan_audit_cli_{os.getpid()}_{worker}"
        with psycopg.connect(_admin(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
            admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        parts = urlsplit(url)
        env["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    else:
        env.pop("DATABASE_URL", None)
    try:
        _samverkan(env, "migrate", "--noinput", "-v", "0", check=True)
        yield env
    finally:
        if name:
            import psycopg

            with psycopg.connect(_admin(url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def _samverkan(
    env: dict[str, str], *args: str, check: bool = False
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 (our own console script)
        [SAMVERKAN, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(f"samverkan {args[0]} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def test_verify_audit_exits_zero_then_names_a_forged_insert(throwaway: dict[str, str]) -> None:
    _samverkan(throwaway, "shell", "-c", WRITE, check=True)

    intact = _samverkan(throwaway, "verify_audit")

    assert intact.returncode == 0, intact.stderr
    assert "OK 9001 Solby: 3 entries" in intact.stdout
    assert "OK installation: 0 entries" in intact.stdout
    assert intact.stderr == ""

    forged_id = _samverkan(throwaway, "shell", "-c", FORGE, check=True).stdout.split()[-1]
    broken = _samverkan(throwaway, "verify_audit")

    assert broken.returncode == 1
    assert (
        f"BROKEN 9001: first broken entry seq=None id={forged_id}: entry id {forged_id} was "
        "rejected at sealing"
    ) in broken.stdout
    assert "audit chain broken in 1 of 2 chains" in broken.stderr
