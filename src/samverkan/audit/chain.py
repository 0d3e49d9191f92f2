"""Hashing, MACs, sealing, checkpoints and verification of the audit chains: one per tenant and
one for the installation (entries without a tenant, `municipality_id` None). ADR 0003."""

import datetime
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from samverkan.organisations.models import Municipality

from .keys import Keyring, keyring
from .models import AuditAction, AuditChainHead, AuditEvent, AuditInstallationHead

logger = logging.getLogger(__name__)
# Every checkpoint is also written here, for the system log and a collector off the machine.
checkpoint_logger = logging.getLogger("samverkan.audit.checkpoint")

# The installation's chain: entries without a tenant.
INSTALLATION = None
ChainId = UUID | None
# The entry that starts MACs in a chain whose older entries have none (migration audit 0005).
MAC_BOUNDARY_EVENT = "audit.mac_boundary"
REANCHOR_EVENT = "audit.reanchored"

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
# What the app MACs when it appends an entry: the hashed fields but its place in the chain.
CONTENT_FIELDS = tuple(f for f in HASHED_FIELDS if f not in ("seq", "prev_hash"))
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
# Where seq and prev_hash fall in the sorted plan; the content text leaves those two parts out
# (neither is first, so the text still starts with "{").
_CUT = sorted(_SORTED_FIELDS.index(HASHED_FIELDS.index(f)) for f in ("seq", "prev_hash"))


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


def _parts(values: Sequence[Any]) -> list[str]:
    if len(values) != len(HASHED_FIELDS):
        raise ValueError(f"expected {len(HASHED_FIELDS)} values, got {len(values)}")
    parts = []
    for prefix, i in _PLAN:
        value = values[i]
        # Most fields are plain strings: encode them here rather than through a call.
        parts.append(
            prefix + (encode_basestring(value) if type(value) is str else _canonical_json(value))
        )
    return parts


def _digest(values: Sequence[Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields' values, given in HASHED_FIELDS
    order. The one hash function of the chain: sealing and verification both end here."""
    return hashlib.sha256(("".join(_parts(values)) + "}").encode("utf-8")).hexdigest()


def _digest_and_content(values: Sequence[Any]) -> tuple[str, bytes]:
    """The entry's hash (as `_digest`) and its content text, the canonical JSON of
    CONTENT_FIELDS, which its MAC covers; both from one encoding of the fields."""
    parts = _parts(values)
    first, second = _CUT
    digest = hashlib.sha256(("".join(parts) + "}").encode("utf-8")).hexdigest()
    content = "".join(parts[:first]) + "".join(parts[first + 1 : second])
    return digest, (content + "".join(parts[second + 1 :]) + "}").encode("utf-8")


def entry_hash(row: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the hashed fields of one entry."""
    return _digest([row[name] for name in HASHED_FIELDS])


def content_text(row: Mapping[str, Any]) -> bytes:
    """What an entry's MAC covers: the canonical JSON of its CONTENT_FIELDS."""
    values = [row.get(name) if name in CONTENT_FIELDS else "" for name in HASHED_FIELDS]
    return _digest_and_content(values)[1]


def sign_entry(row: Mapping[str, Any], ring: Keyring | None = None) -> str:
    """The MAC the app stores with an entry it appends (`id:hex`)."""
    return (ring or keyring()).sign(content_text(row))


def in_chain(municipality_id: ChainId) -> Q:
    """The entries of one chain: a tenant's, or the installation's (no tenant)."""
    if municipality_id is None:
        return Q(municipality__isnull=True)
    return Q(municipality_id=municipality_id)


def _stamp(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(datetime.UTC):%Y-%m-%dT%H:%M:%S.%f}Z"


def _chain_name(municipality_id: ChainId) -> str:
    return "installation" if municipality_id is None else str(municipality_id)


def link_text(chain: str, seq: int, prev_hash: str, digest: str, sealed_at: str) -> bytes:
    """What a link's MAC covers: the chain, the place, both hashes and the seal's time."""
    return f"link|{chain}|{seq}|{prev_hash}|{digest}|{sealed_at}".encode()


def checkpoint_path(municipality_id: ChainId) -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / f"{_chain_name(municipality_id)}.chk"


def _checkpoint_text(chain: str, seq: int, digest: str, written: str, base: int | None) -> bytes:
    if base is None:
        return f"checkpoint|{chain}|{seq}|{digest}|{written}".encode()
    return f"anchor|{chain}|{seq}|{digest}|{base}|{written}".encode()


def write_checkpoint(
    municipality_id: ChainId, seq: int, digest: str, *, anchor_base: int | None = None
) -> None:
    """Append the chain head to the chain's checkpoint file outside the database, MACed:
    `<seq> <hash> <time> <mac>`, or for a new anchor (`audit_reanchor`)
    `anchor <seq> <hash> <time> <base> <mac>`. Lines may arrive out of order between
    processes; each is checked on its own. The same line goes to the system log."""
    chain = _chain_name(municipality_id)
    written = timezone.now().isoformat()
    mac = keyring().sign(_checkpoint_text(chain, seq, digest, written, anchor_base))
    fields = [str(seq), digest, written, mac]
    if anchor_base is not None:
        fields = ["anchor", str(seq), digest, written, str(anchor_base), mac]
    line = " ".join(fields)
    path = checkpoint_path(municipality_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)
    checkpoint_logger.info("audit checkpoint chain=%s %s", chain, line)


@dataclass(frozen=True)
class Checkpoint:
    """One line of a checkpoint file. `mac` is empty on lines written before MACs existed;
    `anchor_base` is set on an anchor line: lines before it with a higher seq are void."""

    line: int
    seq: int
    digest: str
    written: str = ""
    mac: str = ""
    anchor_base: int | None = None

    def verifies(self, chain: str, ring: Keyring) -> bool:
        text = _checkpoint_text(chain, self.seq, self.digest, self.written, self.anchor_base)
        return ring.verify(text, self.mac)


class BadCheckpoint(ValueError):
    def __init__(self, line: int, text: str) -> None:
        super().__init__(f"line {line} of the checkpoint file cannot be read: {text[:80]!r}")
        self.line = line


def read_checkpoints(municipality_id: ChainId) -> list[Checkpoint]:
    """The chain's checkpoint lines in file order; BadCheckpoint for a line that is none."""
    path = checkpoint_path(municipality_id)
    if not path.exists():
        return []
    points: list[Checkpoint] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        if parts[0] == "anchor" and len(parts) == 6 and parts[1].isdigit() and parts[4].isdigit():
            points.append(
                Checkpoint(number, int(parts[1]), parts[2], parts[3], parts[5], int(parts[4]))
            )
        elif len(parts) == 4 and parts[0].isdigit():
            points.append(Checkpoint(number, int(parts[0]), parts[1], parts[2], parts[3]))
        elif len(parts) == 3 and parts[0].isdigit():
            points.append(Checkpoint(number, int(parts[0]), parts[1], parts[2]))
        else:
            raise BadCheckpoint(number, raw)
    return points


@dataclass
class SealOutcome:
    """What one sealing run did: entries linked into the chain, and the ids of entries parked
    as rejected because their MAC did not verify."""

    linked: int = 0
    rejected: list[int] = field(default_factory=list)

    def rejected_note(self, label: str) -> str:
        ids = ", ".join(map(str, self.rejected))
        return (
            f"REJECTED {label}: {len(self.rejected)} entries whose MAC does not verify, ids "
            f"{ids}; verify_audit fails while they exist"
        )


def seal_pending(*, municipality_id: ChainId, limit: int | None = None) -> SealOutcome:
    """Link the chain's committed unsealed entries into it, in the order they were appended;
    an entry whose MAC fails is marked rejected instead, never linked. Holds the chain head's
    row lock only for this short step."""
    outcome = SealOutcome()
    ring = keyring()
    while limit is None or outcome.linked + len(outcome.rejected) < limit:
        done = outcome.linked + len(outcome.rejected)
        batch = SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - done)
        taken = _seal_batch(municipality_id, batch, ring, outcome)
        if taken < batch:
            break
    return outcome


def _locked_head(municipality_id: ChainId) -> AuditChainHead | AuditInstallationHead:
    if municipality_id is None:
        return AuditInstallationHead.objects.select_for_update().get(pk=1)
    return AuditChainHead.objects.select_for_update().get(municipality_id=municipality_id)


def _seal_batch(
    municipality_id: ChainId,
    batch: int,
    ring: Keyring,
    outcome: SealOutcome,
    *,
    legacy: bool = False,
) -> int:
    """One batch in one transaction. `legacy` links entries without checking their MAC: only
    for entries appended before MACs existed (migration audit 0005)."""
    if municipality_id is None:
        AuditInstallationHead.objects.get_or_create(pk=1)
    else:
        AuditChainHead.objects.get_or_create(municipality_id=municipality_id)
    chain = _chain_name(municipality_id)
    with transaction.atomic():
        head = _locked_head(municipality_id)
        pending = list(
            AuditEvent.objects.filter(in_chain(municipality_id), sealed_at__isnull=True)
            .order_by("id")
            .values("id", "mac", *CONTENT_FIELDS)[:batch]
        )
        if not pending:
            return 0
        seq, prev = head.seq, head.hash or GENESIS
        now = timezone.now()
        stamp = _stamp(now)
        rejected = []
        for row in pending:
            row["seq"], row["prev_hash"] = seq + 1, prev
            digest, content = _digest_and_content([row[name] for name in HASHED_FIELDS])
            unsealed = AuditEvent.objects.filter(pk=row["id"], sealed_at__isnull=True)
            if not legacy and not ring.verify(content, row["mac"]):
                unsealed.update(rejected=True, sealed_at=now)
                rejected.append(row["id"])
                continue
            seq += 1
            unsealed.update(
                seq=seq,
                prev_hash=prev,
                hash=digest,
                sealed_at=now,
                link_mac=ring.sign(link_text(chain, seq, prev, digest, stamp)),
            )
            prev = digest
        if seq != head.seq:
            head.seq, head.hash = seq, prev
            head.save(update_fields=["seq", "hash", "updated_at"])
            final = (seq, prev)
            transaction.on_commit(lambda: write_checkpoint(municipality_id, *final))
        if rejected:
            transaction.on_commit(
                lambda: logger.error(
                    "audit chain %s: entries %s rejected, their MAC does not verify (forged or "
                    "written without the key); verify_audit fails while they exist",
                    chain,
                    rejected,
                )
            )
    outcome.linked += len(pending) - len(rejected)
    outcome.rejected.extend(rejected)
    return len(pending)


@dataclass(frozen=True)
class VerifyResult:
    municipality_id: ChainId
    entries: int
    ok: bool
    problem: str = ""
    first_broken_seq: int | None = None
    # None when the first broken entry is missing altogether.
    first_broken_id: int | None = None
    # The highest place a checkpoint file records; later entries are anchored only by the head.
    checkpoint_seq: int = 0
    # Entries after checkpoint_seq, all from the last seal, whose checkpoint is not written yet.
    uncovered: str = ""
    rejected: tuple[int, ...] = ()


# Chain rows are read this many at a time. Measured on 1 000 000 entries (bench/audit_bench.py):
# larger chunks gain nothing, smaller ones add round trips.
VERIFY_CHUNK = 20_000
# What verification reads of an entry: its id, hash, MACs and seal time, then the hashed fields
# after the tenant (which the query fixes), in HASHED_FIELDS order.
_ROW_FIELDS = ("id", "hash", "mac", "link_mac", "sealed_at", *HASHED_FIELDS[1:])
_EVENT = 5 + HASHED_FIELDS.index("event") - 1


def _chain_rows(
    municipality_id: ChainId, up_to: int, chunk: int = VERIFY_CHUNK
) -> Iterator[tuple[Any, ...]]:
    """Sealed entries up to place `up_to` in chain order, as `_ROW_FIELDS` tuples, read in
    keyset-paginated chunks (bounded memory, each chunk an index range scan)."""
    entries = AuditEvent.objects.filter(
        in_chain(municipality_id), seq__isnull=False, seq__lte=up_to
    ).order_by("seq")
    last: int | None = None
    while True:
        page = entries if last is None else entries.filter(seq__gt=last)
        rows = list(page.values_list(*_ROW_FIELDS)[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1][5]


def _head(municipality_id: ChainId) -> tuple[int, str]:
    heads = (
        AuditInstallationHead.objects.filter(pk=1)
        if municipality_id is None
        else AuditChainHead.objects.filter(municipality_id=municipality_id)
    )
    head = heads.values_list("seq", "hash").first()
    return head if head is not None else (0, "")


class _Broken(Exception):
    def __init__(self, problem: str, seq: int | None, entry_id: int | None) -> None:
        super().__init__(problem)
        self.problem, self.seq, self.entry_id = problem, seq, entry_id


@dataclass
class _Anchors:
    """The checkpoint file read for verification: the hash expected at each place, and the
    highest place covered."""

    expected_at: dict[int, set[str]]
    covered: int
    exists: bool


def _checkpoints(municipality_id: ChainId, ring: Keyring) -> _Anchors:
    """Every line must read and its MAC verify (lines without a MAC come from before MACs
    existed). A line is void when an anchor line written after it (audit_reanchor, after a
    deliberate restore) starts from a lower place."""
    chain = _chain_name(municipality_id)
    try:
        points = read_checkpoints(municipality_id)
    except BadCheckpoint as bad:
        raise _Broken(str(bad), None, None) from None
    expected_at: dict[int, set[str]] = {}
    floor: int | None = None
    for point in reversed(points):
        if point.mac and not point.verifies(chain, ring):
            raise _Broken(
                f"line {point.line} of the checkpoint file (seq {point.seq}) does not verify "
                "against its MAC",
                point.seq,
                None,
            )
        if floor is not None and point.seq > floor:
            continue  # void: an anchor written later starts below it
        expected_at.setdefault(point.seq, set()).add(point.digest)
        if point.anchor_base is not None:
            floor = point.anchor_base if floor is None else min(floor, point.anchor_base)
    return _Anchors(
        expected_at, max(expected_at, default=0), checkpoint_path(municipality_id).exists()
    )


def verify_chain(municipality_id: ChainId) -> VerifyResult:
    """Walk the chain up to its head: each entry's hash and MAC, its link and the link's MAC,
    gap-free places, the head's hash, every checkpoint written outside the database, that
    checkpoints cover all but the last seal, no entry beyond the head, and no rejected entry.
    Safe while entries are being sealed: it checks the chain as of the head it read first and
    ignores what is sealed after that."""
    ring = keyring()
    walk = _Walk(municipality_id, ring)
    try:
        # Checkpoints before the head: a checkpoint is written after its seal commits, so every
        # checkpoint read here is at or below the head read next.
        anchors = _checkpoints(municipality_id, ring)
        head_seq, head_hash = _head(municipality_id)
        walk.run(anchors, head_seq, head_hash)
        uncovered = walk.coverage(anchors)
        walk.nothing_beyond(head_seq)
        walk.no_rejected()
    except _Broken as broken:
        return VerifyResult(
            municipality_id,
            walk.count,
            False,
            broken.problem,
            broken.seq,
            broken.entry_id,
            checkpoint_seq=walk.checkpoint_seq,
            rejected=walk.rejected_ids,
        )
    return VerifyResult(
        municipality_id,
        walk.count,
        True,
        checkpoint_seq=walk.checkpoint_seq,
        uncovered=uncovered,
    )


class _Walk:
    """One verification of one chain; raises _Broken at the first problem."""

    def __init__(self, municipality_id: ChainId, ring: Keyring) -> None:
        self.municipality_id = municipality_id
        self.ring = ring
        self.count = 0
        self.checkpoint_seq = 0
        self.last_seq = 0
        self.last_id: int | None = None
        # Where the last seal began, and each place's entry id the coverage check may name.
        self.last_seal_start = 1
        self.last_seal_at: datetime.datetime | None = None
        self.rejected_ids: tuple[int, ...] = ()

    def run(self, anchors: _Anchors, head_seq: int, head_hash: str) -> None:
        self.checkpoint_seq = anchors.covered
        expected_at = anchors.expected_at
        chain = _chain_name(self.municipality_id)
        tenant = "" if self.municipality_id is None else chain
        check = self.ring.verifier().check
        prev, expected_seq = GENESIS, 1
        # Entries without a MAC are allowed only before the MAC boundary, from seq 1.
        legacy = True
        seal_at: datetime.datetime | None = None
        stamp, seal_start, last_id = "", 1, None
        for count, row in enumerate(_chain_rows(self.municipality_id, head_seq), start=1):
            entry_id, digest, mac, link_mac, sealed_at, seq, prev_hash = row[:7]
            self.count = count
            if seq > expected_seq:
                raise _Broken(
                    f"entry seq {expected_seq} is missing (the chain continues with seq {seq}, "
                    f"id {entry_id})",
                    expected_seq,
                    None,
                )
            if seq != expected_seq:
                raise _Broken(
                    f"entry out of place: seq {seq} where {expected_seq} was expected",
                    seq,
                    entry_id,
                )
            if prev_hash != prev:
                raise _Broken("link to the previous entry does not match", seq, entry_id)
            computed, content = _digest_and_content((tenant, *row[5:]))
            if computed != digest:
                raise _Broken("content does not match its hash", seq, entry_id)
            if sealed_at != seal_at:
                seal_at, stamp, seal_start = sealed_at, _stamp(sealed_at), seq
            if mac:
                if legacy and seq > 1 and row[_EVENT] != MAC_BOUNDARY_EVENT:
                    raise _Broken(
                        "the first entry with a MAC after entries without one is not the MAC "
                        "boundary",
                        seq,
                        entry_id,
                    )
                legacy = False
                if not check(content, mac):
                    raise _Broken(
                        "its MAC does not verify: not written by the app (forged, or changed "
                        "and rehashed)",
                        seq,
                        entry_id,
                    )
                if not check(link_text(chain, seq, prev_hash, digest, stamp), link_mac):
                    raise _Broken(
                        "the MAC of its link does not verify: placed in the chain by someone "
                        "other than the sealing step",
                        seq,
                        entry_id,
                    )
            elif not legacy:
                raise _Broken("entry has no MAC", seq, entry_id)
            if seq in expected_at and expected_at[seq] != {digest}:
                raise _Broken(
                    "hash differs from the checkpoint written outside the database",
                    seq,
                    entry_id,
                )
            prev, expected_seq, last_id = digest, seq + 1, entry_id
        last_seq = expected_seq - 1
        self.last_seq, self.last_id = last_seq, last_id
        self.last_seal_start, self.last_seal_at = seal_start, seal_at
        if legacy and last_seq:
            raise _Broken("entries without a MAC and no MAC boundary after them", last_seq, last_id)
        if last_seq < head_seq:
            raise _Broken(
                f"entry seq {expected_seq} is missing: the chain ends at seq {last_seq} but its "
                f"head records seq {head_seq}",
                expected_seq,
                None,
            )
        if head_seq and head_hash != prev:
            raise _Broken(
                f"the chain head's hash differs from entry seq {last_seq}", last_seq, last_id
            )

    def coverage(self, anchors: _Anchors) -> str:
        """Every seal but the last must be covered by a checkpoint line: a missing, truncated or
        rolled-back checkpoint file is an error. Tolerated: the last seal's line not written yet
        (a crash between commit and write, or a seal in progress), lines out of order, and a
        chain never sealed. Returns what is tolerated, for a warning."""
        covered, last_seq = anchors.covered, self.last_seq
        if covered > last_seq:
            # Entries removed and the head moved back, or a restore without audit_reanchor.
            raise _Broken(
                f"entry seq {last_seq + 1} is missing: the chain ends at seq {last_seq} but a "
                f"checkpoint records seq {covered}",
                last_seq + 1,
                None,
            )
        if covered >= last_seq:
            return ""
        if covered < self.last_seal_start - 1:
            # A seal may have committed and not yet written its line while this walk ran.
            covered = max(covered, _checkpoints(self.municipality_id, self.ring).covered)
        if covered < self.last_seal_start - 1:
            where = (
                f"ends at seq {covered}"
                if anchors.exists
                else f"is missing ({checkpoint_path(self.municipality_id).name})"
            )
            raise _Broken(
                f"no checkpoint covers seq {covered + 1} to {self.last_seal_start - 1}, though "
                f"later seals followed: the checkpoint file {where} (deleted, truncated or "
                "rolled back; after a deliberate restore run audit_reanchor)",
                covered + 1,
                _entry_id(self.municipality_id, covered + 1),
            )
        return (
            f"entries after seq {covered} are not covered by a checkpoint yet: the last seal's "
            f"line (seq {covered + 1} to {last_seq}, sealed {self.last_seal_at:%Y-%m-%d %H:%M:%S}"
            ") is not written (a crash between commit and write, or a seal in progress)"
        )

    def nothing_beyond(self, head_seq: int) -> None:
        """Entries beyond the head are either sealed since the head was read (the head has moved
        past them by now: sealing moves it in the same transaction) or forged."""
        beyond = list(
            AuditEvent.objects.filter(in_chain(self.municipality_id), seq__gt=head_seq)
            .order_by("seq")
            .values_list("seq", "id")
        )
        if beyond:
            now_seq, _hash = _head(self.municipality_id)
            for place, entry_id in beyond:
                if place is not None and place > now_seq:
                    raise _Broken(
                        f"entry lies beyond the chain head (seq {now_seq})", place, entry_id
                    )

    def no_rejected(self) -> None:
        """Entries parked as rejected: each one fails verification until it is dealt with."""
        rows = list(
            AuditEvent.objects.filter(in_chain(self.municipality_id), rejected=True)
            .order_by("id")
            .values("id", "mac", "seq", *CONTENT_FIELDS)
        )
        if not rows:
            return
        self.rejected_ids = tuple(row["id"] for row in rows)
        first = rows[0]
        genuine = self.ring.verify(content_text(first), first["mac"])
        why = (
            "its MAC verifies: a genuine entry marked rejected by someone other than the "
            "sealing step"
            if genuine
            else "its MAC does not verify (an entry inserted without the key)"
        )
        raise _Broken(
            f"entry id {first['id']} was rejected at sealing: {why}; "
            f"{len(rows)} rejected entries in all (ids {', '.join(map(str, self.rejected_ids[:20]))})",
            first["seq"],
            first["id"],
        )


def _entry_id(municipality_id: ChainId, seq: int) -> int | None:
    return (
        AuditEvent.objects.filter(in_chain(municipality_id), seq=seq)
        .values_list("id", flat=True)
        .first()
    )


def audit_chains(code: str | None = None) -> list[tuple[ChainId, str, str]]:
    """(chain id, label, name) of every tenant's chain by code, then the installation's; only
    the tenant with `code` when one is given (ValueError when there is none)."""
    tenants = Municipality.objects.order_by("code")
    if code is not None:
        tenants = tenants.filter(code=code)
        if not tenants.exists():
            raise ValueError(f"no municipality with code {code!r}")
    chains: list[tuple[ChainId, str, str]] = [
        (pk, tenant_code, name)
        for pk, tenant_code, name in tenants.values_list("id", "code", "name")
    ]
    if code is None:
        chains.append((INSTALLATION, "installation", ""))
    return chains


def start_macs(municipality_id: UUID) -> int:
    """Start MACs in a chain whose entries were written without (migration audit 0005): link
    what is pending as it was written, then append and seal the MAC boundary, a system entry
    recording how many entries have no MAC. Verification checks MACs from the boundary on,
    and the boundary's link MAC pins the whole chain before it. Returns the boundary's place."""
    ring = keyring()
    outcome = SealOutcome()
    while _seal_batch(municipality_id, SEAL_BATCH, ring, outcome, legacy=True) == SEAL_BATCH:
        pass
    without_mac, _hash = _head(municipality_id)
    _seal_own_entry(municipality_id, ring, MAC_BOUNDARY_EVENT, {"entries_without_mac": without_mac})
    return without_mac + 1


def _seal_own_entry(
    municipality_id: ChainId, ring: Keyring, event: str, details: dict[str, Any]
) -> None:
    """Append one of the log's own entries (actor "system") and seal it at once."""
    entry = AuditEvent(
        municipality_id=municipality_id,
        occurred_at=timezone.now(),
        actor_username="system",
        action=AuditAction.SYSTEM,
        event=event,
        details=details,
    )
    entry.mac = sign_entry({name: getattr(entry, name) for name in CONTENT_FIELDS}, ring)
    with transaction.atomic():
        entry.save(force_insert=True)
    _seal_batch(municipality_id, 1, ring, SealOutcome())


def reanchor(municipality_id: ChainId, *, reason: str, operator: str) -> tuple[int, int]:
    """After a deliberate restore of the database: seal what is pending, append and seal an
    `audit.reanchored` entry with the reason, and write an anchor line to the checkpoint file.
    Checkpoint lines written before the anchor for places after the restored head are void
    from then on; every other line is still checked. Returns (restored head, anchor place)."""
    ring = keyring()
    outcome = SealOutcome()
    while _seal_batch(municipality_id, SEAL_BATCH, ring, outcome) == SEAL_BATCH:
        pass
    base, base_hash = _head(municipality_id)
    details = {
        "reason": reason[:500],
        "operator": operator[:150],
        "restored_head_seq": base,
        "restored_head_hash": base_hash,
    }
    _seal_own_entry(municipality_id, ring, REANCHOR_EVENT, details)
    seq, digest = _head(municipality_id)
    write_checkpoint(municipality_id, seq, digest, anchor_base=base)
    logger.warning(
        "audit chain %s re-anchored at seq %s after a restore to seq %s by %s: %s",
        _chain_name(municipality_id),
        seq,
        base,
        operator,
        reason,
    )
    return base, seq
