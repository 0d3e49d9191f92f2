"""Audit log benchmark: concurrent appends per second, and verification of a long chain.

    .venv/bin/python bench/audit_bench.py --db both --writers 8 --appends 2000 --entries 1000000

(a) `--writers` processes, each with its own Django setup and connection, append `--appends`
    entries each through `audit.services.record` in two tenants, one transaction per entry and
    sealed on commit, as a request would. Afterwards every tenant's chain must verify.
(b) `--entries` pre-sealed entries are bulk-inserted into a third tenant (the chain computed in
    Python as sealing would, hashes, entry MACs and link MACs with the demo's key; the bench
    drops the triggers that refuse sealed inserts) and `verify_chain` is timed over them.

Each database runs in its own process with settings `samverkan.settings.dev` and
`SAMVERKAN_DATA_DIR` in a temporary folder: SQLite uses a fresh file there, PostgreSQL a temporary
database (created from `--postgres-url`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from multiprocessing.synchronize import Barrier
from typing import Any

SPAWN = get_context("spawn")
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/samverkan"
TENANT_CODES = ("9901", "9902")
VERIFY_TENANT_CODE = "9903"
BULK_BATCH = 10_000


@dataclass(frozen=True)
class Result:
    db: str
    writers: int
    appends: int
    append_seconds: float
    chains_ok: bool
    entries: int
    insert_seconds: float
    verify_seconds: float
    verify_cpu_seconds: float
    verify_ok: bool

    @property
    def appends_per_second(self) -> float:
        return self.appends / self.append_seconds if self.append_seconds else 0.0

    @property
    def verified_per_second(self) -> float:
        return self.entries / self.verify_seconds if self.verify_seconds else 0.0


def _setup_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "samverkan.settings.dev"
    import django

    django.setup()


def _writer(tenant_id: str, count: int, barrier: Barrier) -> None:
    """One writer process: `count` appends, each in its own transaction, sealed on commit."""
    _setup_django()
    from django.db import connection, transaction

    from samverkan.access.actor import Actor, Grant
    from samverkan.audit import services
    from samverkan.audit.models import AuditAction

    unit_id = uuid.uuid4()
    actor = Actor(
        user_id=uuid.uuid4(),
        username=f"bench-{os.getpid()}",
        display_name="Bench",
        tenant_id=uuid.UUID(tenant_id),
        tenant_name="Bench",
        grants=(Grant("social_worker", unit_id, "Enhet", "unit", "social_services", ""),),
    )
    connection.ensure_connection()
    barrier.wait()
    for i in range(count):
        with transaction.atomic():
            services.record(
                actor=actor,
                action=AuditAction.VIEW,
                event="child.viewed",
                object_type="children.child",
                object_id=str(uuid.uuid4()),
                child_ids=[uuid.uuid4()],
                details={"n": i},
            )
    connection.close()


def _bulk_insert_sealed(municipality_id: uuid.UUID, entries: int) -> None:
    """Insert a pre-sealed chain of `entries` entries, as sealing would have produced it."""
    from django.db import connection

    from samverkan.audit.chain import (
        GENESIS,
        HASHED_FIELDS,
        _digest_and_content,
        _stamp,
        link_text,
        write_checkpoint,
    )
    from samverkan.audit.keys import keyring
    from samverkan.audit.models import AuditChainHead, AuditEvent

    # This throwaway database takes the pre-sealed chain directly: drop the triggers that
    # refuse sealed inserts and a head created past the start (migration audit 0003).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_insert_unsealed ON audit_auditevent")
            cursor.execute(
                "DROP TRIGGER IF EXISTS audit_head_insert_at_start ON audit_auditchainhead"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_event_insert_unsealed")
            cursor.execute("DROP TRIGGER IF EXISTS audit_head_insert_at_start")
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    sealed_at = datetime.datetime.now(tz=datetime.UTC)
    stamp, ring, chain = _stamp(sealed_at), keyring(), str(municipality_id)
    user_ids = [uuid.uuid4() for _ in range(50)]
    unit_ids = [uuid.uuid4() for _ in range(10)]
    prev = GENESIS
    batch: list[AuditEvent] = []
    for seq in range(1, entries + 1):
        row: dict[str, Any] = {
            "municipality_id": municipality_id,
            "seq": seq,
            "prev_hash": prev,
            "occurred_at": start + datetime.timedelta(milliseconds=seq * 7),
            "actor_user_id": user_ids[seq % 50],
            "actor_username": f"user{seq % 50}",
            "actor_role": "social_worker",
            "actor_unit_id": unit_ids[seq % 10],
            "action": "view",
            "event": "child.viewed",
            "object_type": "children.child",
            "object_id": str(uuid.UUID(int=seq)),
            "child_ids": [str(uuid.UUID(int=seq))],
            "purpose": "need_to_know",
            "details": {"rows": seq % 17, "q": "åäö"},
            "request_id": f"req-{seq}",
        }
        digest, content = _digest_and_content([row[name] for name in HASHED_FIELDS])
        link_mac = ring.sign(link_text(chain, seq, prev, digest, stamp))
        batch.append(
            AuditEvent(
                **row, hash=digest, sealed_at=sealed_at, mac=ring.sign(content), link_mac=link_mac
            )
        )
        prev = digest
        if len(batch) == BULK_BATCH:
            AuditEvent.objects.bulk_create(batch, batch_size=BULK_BATCH)
            batch = []
        if seq % 100_000 == 0:
            write_checkpoint(municipality_id, seq, digest)
    if batch:
        AuditEvent.objects.bulk_create(batch, batch_size=BULK_BATCH)
    AuditChainHead.objects.create(municipality_id=municipality_id, seq=entries, hash=prev)
    write_checkpoint(municipality_id, entries, prev)


def _run_database(db: str, writers: int, per_writer: int, entries: int) -> Result:
    """The whole benchmark for one database, in a fresh process with its own settings."""
    _setup_django()
    from django.core.management import call_command

    from samverkan.audit.chain import seal_pending, verify_chain
    from samverkan.organisations.models import Municipality

    call_command("migrate", verbosity=0, interactive=False)
    tenants = [
        Municipality.objects.create(name=f"Bänkby {code}", code=code) for code in TENANT_CODES
    ]

    # (a) concurrent appends
    barrier = SPAWN.Barrier(writers + 1)
    procs = [
        SPAWN.Process(target=_writer, args=(str(tenants[i % len(tenants)].pk), per_writer, barrier))
        for i in range(writers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    began = time.perf_counter()
    for proc in procs:
        proc.join()
    append_seconds = time.perf_counter() - began
    if any(proc.exitcode != 0 for proc in procs):
        raise RuntimeError(f"{db}: a writer failed")
    chains_ok = True
    for tenant in tenants:
        seal_pending(municipality_id=tenant.pk)  # anything a failed on-commit seal left behind
        result = verify_chain(tenant.pk)
        chains_ok &= result.ok and result.entries == per_writer * writers // len(tenants)
        if not result.ok:
            print(f"{db}: {tenant.code} broken: {result}", file=sys.stderr)

    # (b) verify a long chain
    verify_tenant = Municipality.objects.create(name="Långby", code=VERIFY_TENANT_CODE)
    began = time.perf_counter()
    _bulk_insert_sealed(verify_tenant.pk, entries)
    insert_seconds = time.perf_counter() - began
    began, began_cpu = time.perf_counter(), time.process_time()
    result = verify_chain(verify_tenant.pk)
    verify_seconds = time.perf_counter() - began
    verify_cpu_seconds = time.process_time() - began_cpu
    if not result.ok:
        print(f"{db}: long chain broken: {result}", file=sys.stderr)
    return Result(
        db=db,
        writers=writers,
        appends=per_writer * writers,
        append_seconds=append_seconds,
        chains_ok=chains_ok,
        entries=result.entries,
        insert_seconds=insert_seconds,
        verify_seconds=verify_seconds,
        verify_cpu_seconds=verify_cpu_seconds,
        verify_ok=result.ok and result.entries == entries,
    )


def _child(db: str, env: dict[str, str], args: tuple[int, int, int], queue: Any) -> None:
    os.environ.update(env)
    if db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    # A plain dict crosses the process boundary (the class lives in __mp_main__ there).
    queue.put(asdict(_run_database(db, *args)))


def _postgres_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def run(db: str, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"samverkan-bench-{db}-") as data_dir:
        env = {
            "SAMVERKAN_DATA_DIR": data_dir,
            "SAMVERKAN_AUDIT_CHECKPOINT_DIR": data_dir + "/audit",
        }
        temp_db = f"samverkan_audit_bench_{os.getpid()}"
        if db == "postgres":
            base = args.postgres_url.rsplit("/", 1)[0]
            with _postgres_admin(args.postgres_url) as admin:
                admin.execute(f'CREATE DATABASE "{temp_db}"')
            env["DATABASE_URL"] = f"{base}/{temp_db}"
        try:
            queue = SPAWN.Queue()
            proc = SPAWN.Process(
                target=_child,
                args=(db, env, (args.writers, args.appends, args.entries), queue),
            )
            proc.start()
            result = Result(**queue.get())
            proc.join()
            return result
        finally:
            if db == "postgres":
                with _postgres_admin(args.postgres_url) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{temp_db}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--appends", type=int, default=2_000, help="entries per writer")
    parser.add_argument("--entries", type=int, default=1_000_000, help="chain length to verify")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES_URL
    )
    args = parser.parse_args()
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    load_before = os.getloadavg()[0]
    results = [run(db, args) for db in dbs]

    # The machine's load matters on a shared host: wall times stretch, CPU seconds less so.
    print(
        f"\n{os.cpu_count()} CPUs, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(
        f"{'db':<9}{'writers':>8}{'appends':>9}{'seconds':>9}{'appends/s':>11}{'chains':>8}"
        f"{'entries':>10}{'insert s':>10}{'verify s':>10}{'cpu s':>8}{'verified/s':>12}"
        f"{'chain':>7}"
    )
    for r in results:
        print(
            f"{r.db:<9}{r.writers:>8}{r.appends:>9}{r.append_seconds:>9.1f}"
            f"{r.appends_per_second:>11.0f}{'ok' if r.chains_ok else 'BROKEN':>8}"
            f"{r.entries:>10}{r.insert_seconds:>10.1f}{r.verify_seconds:>10.1f}"
            f"{r.verify_cpu_seconds:>8.1f}{r.verified_per_second:>12.0f}"
            f"{'ok' if r.verify_ok else 'BROKEN':>7}"
        )
    if not all(r.chains_ok and r.verify_ok for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
