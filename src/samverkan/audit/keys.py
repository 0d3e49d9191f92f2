"""The audit keyring: the keys that MAC audit entries, links and checkpoints (ADR 0003).

`SAMVERKAN_AUDIT_KEYS` (read into `settings.AUDIT_KEYS`) is a comma-separated list of
`id:key` pairs, **newest first**:

- `id` is 1–16 characters of `A-Z a-z 0-9 _ -`; each id appears once. It is stored beside every
  MAC (`id:hex`) so verification picks the right key.
- `key` is the base64 (standard or URL-safe alphabet, padding optional) of at least 32 random
  bytes: `python3 -c "import base64,secrets;print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"`.
- The first pair signs everything written from now on; every pair verifies. To rotate, put a
  new pair first and keep the old ones for as long as entries MACed with them exist (for ever,
  in practice: the log is kept).

The keys never enter the database. Without `SAMVERKAN_AUDIT_KEYS`, `settings.AUDIT_KEY_FILE`
(the demo and development: a file under SAMVERKAN_DATA_DIR) holds one generated key, created on
first use; the test settings set a fixed key. With neither, the first audit write fails.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class Keyring:
    """The signing key's id first; `keys` maps every id to its key bytes."""

    signing_id: str
    keys: dict[str, bytes]

    def sign(self, message: bytes) -> str:
        """`<id>:<hex HMAC-SHA256>` of `message` under the signing key."""
        return f"{self.signing_id}:{_hmac(self.keys[self.signing_id], message)}"

    def verify(self, message: bytes, mac: str) -> bool:
        key_id, _sep, digest = mac.partition(":")
        key = self.keys.get(key_id)
        return key is not None and hmac.compare_digest(_hmac(key, message), digest)

    def verifier(self) -> "Verifier":
        return Verifier(self.keys)


class Verifier:
    """`Keyring.verify` for a long walk: the same answer, with each key's HMAC state prepared
    once (a million entries are checked in one go)."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        self._keys = {
            key_id: hmac.new(key, digestmod=hashlib.sha256) for key_id, key in keys.items()
        }

    def check(self, message: bytes, mac: str) -> bool:
        key_id, _sep, digest = mac.partition(":")
        state = self._keys.get(key_id)
        if state is None:
            return False
        mine = state.copy()
        mine.update(message)
        return hmac.compare_digest(mine.hexdigest(), digest)


def _hmac(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, "sha256").hex()


def parse_keyring(text: str) -> Keyring:
    """The keyring in `text` (`id:key,id:key`, newest first); ImproperlyConfigured naming the
    first problem, never a key."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for number, pair in enumerate((p.strip() for p in text.split(",")), start=1):
        if not pair:
            continue
        key_id, sep, encoded = pair.partition(":")
        if not sep or not KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(
                f"SAMVERKAN_AUDIT_KEYS: pair {number} is not id:key with an id of 1-16 "
                "characters A-Z a-z 0-9 _ -"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"SAMVERKAN_AUDIT_KEYS: the id {key_id!r} appears twice")
        key = _decode(encoded)
        if key is None or len(key) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"SAMVERKAN_AUDIT_KEYS: the key of {key_id!r} is not base64 of at least "
                f"{MIN_KEY_BYTES} bytes"
            )
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise ImproperlyConfigured("SAMVERKAN_AUDIT_KEYS holds no key")
    return Keyring(signing_id=order[0], keys=keys)


def _decode(encoded: str) -> bytes | None:
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def new_key_text(key_id: str = "k1") -> str:
    """A fresh `id:key` pair for SAMVERKAN_AUDIT_KEYS."""
    return f"{key_id}:{base64.urlsafe_b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode()}"


def keyring() -> Keyring:
    """The configured keyring: `settings.AUDIT_KEYS`, else the key file of the demo."""
    text = getattr(settings, "AUDIT_KEYS", "")
    if text:
        return _parsed(text)
    key_file = getattr(settings, "AUDIT_KEY_FILE", None)
    if key_file:
        return _parsed(_key_file_text(Path(key_file)))
    raise ImproperlyConfigured(
        "No audit key: set SAMVERKAN_AUDIT_KEYS (see docs/adr/0003-audit-chain.md)"
    )


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> Keyring:
    return parse_keyring(text)


@functools.lru_cache(maxsize=8)
def _key_file_text(path: Path) -> str:
    """The demo's key, generated into `path` on first use. Several processes may start at
    once (the server and a command): exactly one creates the file, the others read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _attempt in range(50):
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text
            time.sleep(0.02)  # the creator is between open and write
        raise ImproperlyConfigured(f"the audit key file {path} is empty") from None
    text = new_key_text("dev")
    try:
        os.write(fd, (text + "\n").encode("ascii"))
    finally:
        os.close(fd)
    return text
