"""What every API router shares: the error shape's status codes, the Idempotency-Key header.

Every error answers {"code", "message", "details"} in Swedish (STYLE P6); samverkan.api holds
the handlers. The header is a plain optional string: a UUID is used as it is, any other key is
mapped onto one (per user, as the services scope request ids), so no key is refused.
"""

import uuid
from typing import Any

from ninja import Header

# The statuses an operation may answer with the error shape, beside its own success.
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)

# A repeated request with the same key returns what the first one recorded.
IDEMPOTENCY_KEY: Any = Header(  # type: ignore[type-arg]
    "",
    alias="Idempotency-Key",
    description="Valfri nyckel: samma nyckel igen ger det som det första anropet registrerade.",
    max_length=200,
)

_KEY_NAMESPACE = uuid.UUID("8f4b9a3e-6a0c-4f59-9d1e-2c7b5e0a9f11")


def request_id_from(key: str) -> uuid.UUID | None:
    """The request id an Idempotency-Key stands for; None without a key."""
    key = key.strip()
    if not key:
        return None
    try:
        return uuid.UUID(key)
    except ValueError:
        return uuid.uuid5(_KEY_NAMESPACE, key)
