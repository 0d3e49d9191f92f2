"""Hashing, sealing, checkpoints and verification of the per-tenant audit chain."""

import datetime
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
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
# The canonical form of an entry is the JSON object of its hashed fields with sorted keys, no
# spaces and UTF-8 text: json.dumps(payload, sort_keys=True, separators=(",", ":"),
# ensure_ascii=False). _digest writes that same text field by field, in sorted key order,
# because verification hashes every entry of a chain (a million in tens of seconds) and the
# whole-object encoder spent most of its time building and sorting the dict.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_SORTED_FIELDS = sorted(range(len(HASHED_FIELDS)), key=HASHED_FIELDS.__getitem__)
_KEY_PREFIXES = tuple(
    ("{" if n == 0 else ",") + encode_basestring(HASHED_FIELDS[i]) + ":"
    for n, i in enumerate(_SORTED_FIELDS)
)
_PLAN = tuple(zip(_KEY_PREFIXES, _SORTED_FIELDS, strict=True))


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, UUID):
        return str(value)
    if value is None:
        return ""
    return value


def _canonical_json(value: Any) -> str:
    """`_ENCODER.encode(_canonical(value))`, with shortcuts for the common exact types."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is int:
        return int.__repr__(value)
    if kind is datetime.datetime:
        # Digits and -:.TZ only, nothing to escape.
        return f'"{value.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S.%f}Z"'
    if kind is UUID:
        return '"' + str(value) + '"'
    return _ENCODER.encode(_canonical(value))


def _digest(values: Sequence[Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields' values, given in HASHED_FIELDS
    order. The one hash function of the chain: sealing and verification both end here."""
    if len(values) != len(HASHED_FIELDS):
        raise ValueError(f"expected {len(HASHED_FIELDS)} values, got {len(values)}")
    parts = []
    for prefix, i in _PLAN:
        value = values[i]
        # Most fields are plain strings: encode them here rather than through a call.
        parts.append(
            prefix + (encode_basestring(value) if type(value) is str else _canonical_json(value))
        )
    text = "".join(parts) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields of one entry."""
    return _digest([row[name] for name in HASHED_FIELDS])


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
    # None when the first broken entry is missing altogether.
    first_broken_id: int | None = None
    # The highest place a checkpoint file records; later entries are anchored only by the head.
    checkpoint_seq: int = 0


# Chain rows are read this many at a time. Measured on 1 000 000 entries (bench/audit_bench.py):
# larger chunks gain nothing, smaller ones add round trips.
VERIFY_CHUNK = 20_000
# What verification reads of an entry: its id and hash, then the hashed fields after the
# tenant (which the query fixes), in HASHED_FIELDS order.
_ROW_FIELDS = ("id", "hash", *HASHED_FIELDS[1:])


def _chain_rows(
    municipality_id: UUID, up_to: int, chunk: int = VERIFY_CHUNK
) -> Iterator[tuple[Any, ...]]:
    """Sealed entries up to place `up_to` in chain order, as `_ROW_FIELDS` tuples, read in
    keyset-paginated chunks (bounded memory, each chunk an index range scan)."""
    entries = AuditEvent.objects.filter(
        municipality_id=municipality_id, seq__isnull=False, seq__lte=up_to
    ).order_by("seq")
    last: int | None = None
    while True:
        page = entries if last is None else entries.filter(seq__gt=last)
        rows = list(page.values_list(*_ROW_FIELDS)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1][2]


def _head(municipality_id: UUID) -> tuple[int, str]:
    head = (
        AuditChainHead.objects.filter(municipality_id=municipality_id)
        .values_list("seq", "hash")
        .first()
    )
    return head if head is not None else (0, "")


def verify_chain(municipality_id: UUID) -> VerifyResult:
    """Walk the tenant's chain up to its head: each entry's hash, its link to the previous entry,
    gap-free places, the head's hash, every checkpoint written outside the database, and no
    entry beyond the head. Safe while entries are being sealed: it checks the chain as of the
    head it read first and ignores what is sealed after that."""
    # Checkpoints before the head: a checkpoint is written after its seal commits, so every
    # checkpoint read here is at or below the head read next.
    checkpoints = read_checkpoints(municipality_id)
    expected_at: dict[int, set[str]] = {}
    for seq, digest in checkpoints:
        expected_at.setdefault(seq, set()).add(digest)
    checkpoint_seq = max(expected_at, default=0)
    head_seq, head_hash = _head(municipality_id)
    tenant = str(municipality_id)

    def broken(problem: str, seq: int | None, entry_id: int | None) -> VerifyResult:
        return VerifyResult(
            municipality_id, count, False, problem, seq, entry_id, checkpoint_seq=checkpoint_seq
        )

    prev, expected_seq, count, last_id = GENESIS, 1, 0, None
    for row in _chain_rows(municipality_id, head_seq):
        entry_id, digest, seq, prev_hash = row[0], row[1], row[2], row[3]
        count += 1
        if seq > expected_seq:
            return broken(
                f"entry seq {expected_seq} is missing (the chain continues with seq {seq}, "
                f"id {entry_id})",
                expected_seq,
                None,
            )
        if seq != expected_seq:
            return broken(
                f"entry out of place: seq {seq} where {expected_seq} was expected", seq, entry_id
            )
        if prev_hash != prev:
            return broken("link to the previous entry does not match", seq, entry_id)
        if _digest((tenant, *row[2:])) != digest:
            return broken("content does not match its hash", seq, entry_id)
        if seq in expected_at and expected_at[seq] != {digest}:
            return broken(
                "hash differs from the checkpoint written outside the database", seq, entry_id
            )
        prev, expected_seq, last_id = digest, seq + 1, entry_id
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return broken(
            f"entry seq {expected_seq} is missing: the chain ends at seq {last_seq} but its head "
            f"records seq {head_seq}",
            expected_seq,
            None,
        )
    if head_seq and head_hash != prev:
        return broken(f"the chain head's hash differs from entry seq {last_seq}", last_seq, last_id)
    if checkpoint_seq > last_seq:
        return broken(
            f"entry seq {last_seq + 1} is missing: the chain ends at seq {last_seq} but a "
            f"checkpoint records seq {checkpoint_seq}",
            last_seq + 1,
            None,
        )
    # Entries beyond the head are either sealed since the head was read (the head has moved
    # past them by now: sealing moves it in the same transaction) or forged.
    beyond = list(
        AuditEvent.objects.filter(municipality_id=municipality_id, seq__gt=head_seq)
        .order_by("seq")
        .values_list("seq", "id")
    )
    if beyond:
        now_seq, _hash = _head(municipality_id)
        for place, entry_id in beyond:
            if place is not None and place > now_seq:
                return broken(f"entry lies beyond the chain head (seq {now_seq})", place, entry_id)
    return VerifyResult(municipality_id, count, True, checkpoint_seq=checkpoint_seq)
