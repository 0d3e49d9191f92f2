"""Hashing, sealing, checkpoints and verification of the per-tenant audit chain."""

import datetime
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
# Fields that enter the hash, in order. Changing this list is a format change of the chain.
HASHED_FIELDS = (
    "municipality_id",
    "seq",
    "prev_hash",
    "occurred_at",
    "actor_user_id",
    "actor_username",
    "actor_role",
    "actor_unit_id",
    "action",
    "event",
    "object_type",
    "object_id",
    "child_ids",
    "purpose",
    "details",
    "request_id",
)
SEAL_BATCH = 500


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, UUID):
        return str(value)
    if value is None:
        return ""
    return value


def entry_hash(row: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields of one entry."""
    payload = {name: _canonical(row[name]) for name in HASHED_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def checkpoint_path(municipality_id: UUID | str) -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / f"{municipality_id}.chk"


def write_checkpoint(municipality_id: UUID | str, seq: int, digest: str) -> None:
    """Append the chain head to the tenant's checkpoint file outside the database. Lines may
    arrive out of order between processes; each is checked on its own."""
    path = checkpoint_path(municipality_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{seq} {digest} {timezone.now().isoformat()}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_checkpoints(municipality_id: UUID | str) -> list[tuple[int, str]]:
    path = checkpoint_path(municipality_id)
    if not path.exists():
        return []
    points: list[tuple[int, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        parts = raw.split()
        if len(parts) >= 2 and parts[0].isdigit():
            points.append((int(parts[0]), parts[1]))
    return points


def seal_pending(*, municipality_id: UUID, limit: int | None = None) -> int:
    """Link the tenant's committed unsealed entries into its chain, in the order they were
    appended. Holds the chain head's row lock only for this short step."""
    sealed = 0
    while limit is None or sealed < limit:
        batch = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - sealed)
        done, _head = _seal_batch(municipality_id, batch)
        sealed += done
        if done < batch:
            break
    return sealed


def _seal_batch(municipality_id: UUID, batch: int) -> tuple[int, tuple[int, str] | None]:
    AuditChainHead.objects.get_or_create(municipality_id=municipality_id)
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().get(municipality_id=municipality_id)
        pending = list(
            AuditEvent.objects.filter(municipality_id=municipality_id, sealed_at__isnull=True)
            .order_by("id")
            .values("id", *[f for f in HASHED_FIELDS if f not in ("seq", "prev_hash")])[:batch]
        )
        if not pending:
            return 0, None
        seq, prev = head.seq, head.hash or GENESIS
        now = timezone.now()
        for row in pending:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            digest = entry_hash(row)
            AuditEvent.objects.filter(pk=row["id"], sealed_at__isnull=True).update(
                seq=seq, prev_hash=prev, hash=digest, sealed_at=now
            )
            prev = digest
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash", "updated_at"])
        final = (seq, prev)
        transaction.on_commit(lambda: write_checkpoint(municipality_id, *final))
    return len(pending), final


@dataclass(frozen=True)
class VerifyResult:
    municipality_id: UUID
    entries: int
    ok: bool
    problem: str = ""
    first_broken_seq: int | None = None
    first_broken_id: int | None = None


def _chain_rows(municipality_id: UUID, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Sealed entries in chain order, read in keyset-paginated chunks (bounded memory)."""
    last = 0
    fields = ("id", *HASHED_FIELDS, "hash")
    while True:
        rows = list(
            AuditEvent.objects.filter(
                municipality_id=municipality_id, seq__isnull=False, seq__gt=last
            )
            .order_by("seq")
            .values(*fields)[:chunk]
        )
        if not rows:
            return
        yield from rows
        last = rows[-1]["seq"]


def verify_chain(
    municipality_id: UUID, rows: Iterable[dict[str, Any]] | None = None
) -> VerifyResult:
    """Walk the tenant's chain: each entry's hash, its link to the previous entry, gap-free
    places, and every checkpoint written outside the database."""
    checkpoints = read_checkpoints(municipality_id)
    expected_at: dict[int, str] = {}
    for seq, digest in checkpoints:
        expected_at[seq] = digest
    prev, expected_seq, count = GENESIS, 1, 0
    for row in rows if rows is not None else _chain_rows(municipality_id):
        count += 1

        def broken(problem: str, row: dict[str, Any] = row, count: int = count) -> VerifyResult:
            return VerifyResult(municipality_id, count, False, problem, row["seq"], row["id"])

        if row["seq"] != expected_seq:
            return broken(f"entry missing or out of place: expected seq {expected_seq}")
        if row["prev_hash"] != prev:
            return broken("link to the previous entry does not match")
        if entry_hash(row) != row["hash"]:
            return broken("content does not match its hash")
        if row["seq"] in expected_at and expected_at[row["seq"]] != row["hash"]:
            return broken("hash differs from the checkpoint written outside the database")
        prev, expected_seq = row["hash"], expected_seq + 1
    last_seq = expected_seq - 1
    unreached = [seq for seq, _ in checkpoints if seq > last_seq]
    if unreached:
        return VerifyResult(
            municipality_id,
            count,
            False,
            f"chain ends at seq {last_seq} but a checkpoint records seq {max(unreached)}",
            last_seq + 1,
            None,
        )
    head = AuditChainHead.objects.filter(municipality_id=municipality_id).first()
    if head is not None and head.seq != last_seq:
        return VerifyResult(
            municipality_id,
            count,
            False,
            f"chain head records seq {head.seq} but the chain ends at {last_seq}",
            min(head.seq, last_seq) + 1,
            None,
        )
    return VerifyResult(municipality_id, count, True)
