"""The seal off the request path (ADR 0003): a request only appends its entry with its MAC; the
sealer (`seal_audit --loop`) links entries into their chains every few seconds, so no request
ever waits on a seal, its own, another request's or another tenant's (R4.1, DESIGN principle 2)."""

import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from samverkan.audit import sealer
from samverkan.audit.chain import verify_chain
from samverkan.audit.models import AuditEvent

from .conftest import actor_in, append

pytestmark = pytest.mark.django_db


def test_a_request_appends_its_entry_with_its_mac_and_leaves_the_seal_to_the_sealer(
    world: Any,
    client: Any,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(world.users["intake"])

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(reverse("children:search"), {"q": "ella"})

    assert response.status_code == 200
    entry = AuditEvent.objects.get(event="child.searched")
    assert (entry.sealed_at, entry.seq, entry.hash) == (None, None, "")
    assert entry.mac  # written at append time: sealing later is safe (ADR 0003)
    assert callbacks == []

    with django_capture_on_commit_callbacks(execute=True):
        outcome = sealer.seal_round()

    entry.refresh_from_db()
    assert entry.seq is not None
    assert entry.sealed_at is not None
    assert outcome.linked[world.a.code] >= 1
    assert verify_chain(world.a.pk).ok


def test_a_round_leaves_a_chain_with_nothing_pending_unlocked(
    tenant: Any, django_assert_max_num_queries: Any
) -> None:
    # Closed denial windows (in a savepoint), the tenants, then one indexed look per chain
    # (the tenant's and the installation's): no head locked.
    with django_assert_max_num_queries(6) as captured:
        sealer.seal_round()

    assert not [
        q
        for q in captured.captured_queries
        if "FOR UPDATE" in q["sql"] and "head" in q["sql"].split("FROM", 1)[1][:40]
    ]


def test_seal_audit_without_loop_runs_one_round(tenant: Any, checkpoint_dir: Any) -> None:
    actor = actor_in(tenant)
    append(actor)
    append(actor)

    from .conftest import run_command

    out, _err = run_command("seal_audit")

    assert "9001: sealed 2 entries" in out
    assert "Sealed 2 entries" in out
    assert not AuditEvent.objects.filter(sealed_at__isnull=True).exists()


def test_the_loop_stops_when_asked_and_survives_a_failing_round(
    tenant: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    rounds: list[str] = []

    def flaky_round() -> sealer.RoundOutcome:
        rounds.append("x")
        if len(rounds) == 1:
            raise RuntimeError("the database went away")
        stop.set()
        return sealer.RoundOutcome()

    monkeypatch.setattr(sealer, "seal_round", flaky_round)
    monkeypatch.setattr(sealer, "close_old_connections", lambda: None)
    monkeypatch.setattr(sealer.connections, "close_all", lambda: None)

    sealer.run(every=0.001, stop=stop)

    assert len(rounds) == 2


def test_loop_needs_a_positive_interval(db: None) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--every"):
        call_command("seal_audit", "--loop", "--every", "0")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time by design"
)
def test_a_request_never_waits_on_a_seal_of_any_chain(world: Any, client: Any) -> None:
    """Another connection holds every chain head, as a seal in progress of every tenant (and
    more: no seal locks whole tables). A request of tenant A still completes and appends; with
    lock_timeout set it would fail instead of hanging if it touched a head."""
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold_every_head() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '20s'")
                cursor.execute(
                    "LOCK TABLE audit_auditchainhead, audit_auditinstallationhead "
                    "IN ACCESS EXCLUSIVE MODE"
                )
                locked.set()
                release.wait(60)
        except BaseException as error:  # reported by the test, not lost in the thread
            failure.append(error)
        finally:
            connection.close()

    client.force_login(world.users["intake"])
    holder = threading.Thread(target=hold_every_head)
    holder.start()
    try:
        assert locked.wait(30), failure
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '5s'")
        response = client.get(reverse("children:search"), {"q": "ella"})
        another = client.get(reverse("children:detail", kwargs={"child_id": world.child1.pk}))
    finally:
        release.set()
        holder.join(60)

    assert failure == []
    assert (response.status_code, another.status_code) == (200, 200)
    assert (
        AuditEvent.objects.filter(
            municipality_id=world.a.pk, event__in=("child.searched", "child.viewed"), sealed_at=None
        ).count()
        == 2
    )
