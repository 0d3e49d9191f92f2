"""The only writer of the audit log (STYLE P5)."""

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from samverkan.access.actor import Actor, Grant
from samverkan.access.decisions import enforce
from samverkan.core.middleware import current_client_request_id, current_request_id

from . import policies, selectors
from .chain import CONTENT_FIELDS, ChainId, seal_pending, sign_entry
from .keys import keyring
from .models import AuditAction, AuditEvent

logger = logging.getLogger(__name__)

NEED_TO_KNOW = "need_to_know"  # the default purpose: access within the user's own remit


def record(
    *,
    actor: Actor,
    action: str,
    event: str,
    subject: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    child_ids: Iterable[UUID | str] = (),
    purpose: str = NEED_TO_KNOW,
    grant: Grant | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry in the caller's transaction; it is sealed into the chain after commit.
    No log, no data: if this insert fails, the caller's transaction fails with it."""
    if subject is not None:
        object_type = object_type or subject._meta.label_lower
        object_id = object_id or str(subject.pk)
    acting = grant or actor.primary_grant
    entry = _append(
        municipality_id=actor.tenant_id,
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_role=acting.role if acting else "",
        actor_unit_id=acting.unit_id if acting else None,
        action=action,
        event=event,
        object_type=object_type,
        object_id=object_id,
        child_ids=[str(c) for c in child_ids],
        purpose=purpose,
        details=details or {},
    )
    tenant = actor.tenant_id
    transaction.on_commit(lambda: _seal_quietly(tenant))
    return entry


def _append(**fields: Any) -> AuditEvent:
    """Insert one unsealed entry with its MAC, computed here with the keyring's signing key
    (which never enters the database); sealing links it only if the MAC verifies. The
    request id is the server's; a client's own X-Request-ID is kept in the details."""
    fields.update(occurred_at=timezone.now(), request_id=current_request_id())
    client_id = current_client_request_id()
    if client_id:
        fields["details"] = {**fields.get("details", {}), "client_request_id": client_id}
    draft = AuditEvent(**fields)
    fields["mac"] = sign_entry({name: getattr(draft, name) for name in CONTENT_FIELDS})
    return AuditEvent.objects.create(**fields)


def record_denied(*, actor: Actor, reason: str, path: str, object_id: str = "") -> AuditEvent:
    """A refused attempt (404 outside visibility or 403), written after the rollback."""
    with transaction.atomic():
        return record(
            actor=actor,
            action=AuditAction.DENIED,
            event="access.denied",
            object_type="path",
            object_id=object_id[:64],
            purpose="",
            details={"reason": reason, "path": path[:300]},
        )


def _seal_quietly(municipality_id: ChainId) -> None:
    # Sealing is retried by the next append or by verify_audit; a failure here must not turn a
    # committed action into an error page.
    try:
        seal_pending(municipality_id=municipality_id)
    except Exception:
        logger.exception("audit sealing failed for tenant %s; will retry", municipality_id)


@transaction.atomic
def audit_log_read(*, actor: Actor, username: str = "", child_id: str = "") -> list[AuditEvent]:
    """The log reviewer's page: the latest entries, itself an audited read."""
    decision = enforce(policies.can_view_audit_log(actor))
    events = list(
        selectors.audit_event_list(actor=actor, username=username, child_id=child_id)[
            : selectors.PAGE_SIZE
        ]
    )
    record(
        actor=actor,
        action=AuditAction.VIEW,
        event="audit.viewed",
        object_type="audit.auditevent",
        grant=decision.grant,
        purpose=decision.basis,
        details={"username": username[:150], "child_id": child_id[:64], "rows": len(events)},
    )
    return events


def record_system(
    *,
    municipality_id: ChainId,
    action: str,
    event: str,
    subject: models.Model | None = None,
    child_ids: Iterable[UUID | str] = (),
    purpose: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """An entry written by the system itself (a scheduled job, such as a consent expiring),
    with no person behind it: actor_username is "system"."""
    entry = _append(
        municipality_id=municipality_id,
        actor_username="system",
        action=action,
        event=event,
        object_type=subject._meta.label_lower if subject is not None else "",
        object_id=str(subject.pk) if subject is not None else "",
        child_ids=[str(c) for c in child_ids],
        purpose=purpose,
        details=details or {},
    )
    transaction.on_commit(lambda: _seal_quietly(municipality_id))
    return entry


# Sign-in events (issue #10): who signed in or out, failed, was locked out or timed out.
SIGNED_IN = "auth.signed_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
LOCKED_OUT = "auth.locked_out"
SIGNED_OUT = "auth.signed_out"
IDLE_TIMEOUT = "auth.idle_timeout"
SIGN_IN_EVENTS = (SIGNED_IN, SIGN_IN_FAILED, LOCKED_OUT, SIGNED_OUT, IDLE_TIMEOUT)


def record_sign_in(
    *,
    event: str,
    tenant_id: UUID | None,
    user_id: UUID | None,
    username: str,
    typed_username: str = "",
    ip_address: str = "",
) -> AuditEvent:
    """One sign-in event, in the account's tenant's chain, or in the installation's chain when
    there is no tenant. `username` is an account's; a typed username that is no account's is
    never stored (people type passwords into the username field): only its keyed hash, which
    lets the log reviewer see repeated attempts with the same text."""
    if event not in SIGN_IN_EVENTS:
        raise ValueError(f"not a sign-in event: {event}")
    details: dict[str, Any] = {"ip": ip_address[:45]} if ip_address else {}
    if user_id is None and typed_username:
        details["username_hmac"] = keyring().sign(b"username|" + typed_username.encode())
    tenant = tenant_id
    with transaction.atomic():
        entry = _append(
            municipality_id=tenant,
            actor_user_id=user_id,
            actor_username=username if user_id is not None else "",
            action=AuditAction.LOGIN,
            event=event,
            purpose="",
            details=details,
        )
        transaction.on_commit(lambda: _seal_quietly(tenant))
    return entry
