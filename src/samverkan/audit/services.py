"""The only writer of the audit log (STYLE P5)."""

import datetime
import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor, Grant
from samverkan.access.decisions import enforce
from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import Role
from samverkan.core.middleware import current_client_request_id, current_request_id
from samverkan.notifications import services as notification_services

from . import policies, selectors
from .chain import CONTENT_FIELDS, ChainId, sign_entry
from .keys import keyring
from .models import AuditAction, AuditEvent, DenialWindow

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
    """Append one entry, with its MAC, in the caller's transaction: one insert, no lock on the
    chain. The sealer (`seal_audit --loop`, beside the task worker) links it into the chain
    within seconds of the commit (ADR 0003). No log, no data: if this insert fails, the
    caller's transaction fails with it."""
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


# Denials (issue #10). Repeated refusals of one user collapse: the first COLLAPSE_AFTER of a
# minute are entries at once, the rest of that minute one entry with a count and what was
# probed (a fuzz run of 900 random ids writes 6 entries a minute, not 900).
DENIAL_WINDOW = datetime.timedelta(minutes=1)
COLLAPSE_AFTER = 5
MAX_PROBES_LISTED = 50
# More than this many refusals of one user within ALERT_WINDOW notify the log reviewers.
ALERT_AFTER = 20
ALERT_WINDOW = datetime.timedelta(minutes=10)
DENIED = "access.denied"
DENIED_REPEATED = "access.denied_repeated"
PROBED_FROM_OTHER_TENANT = "access.probed_from_other_tenant"
DENIALS_ALERTED = "access.denials_alerted"
# Where an object's tenant and child are: the one lookup across tenants (DESIGN principle 4's
# exception), to record a probe of another tenant's object in that tenant's log.
_OWNERS: dict[str, tuple[str, str | None]] = {
    "children.child": ("municipality_id", "id"),
    "consent.consent": ("municipality_id", "child_id"),
    "intake.intakeitem": ("municipality_id", "child_id"),
    "organisations.unit": ("municipality_id", None),
}


def record_denied(
    *,
    actor: Actor,
    reason: str,
    path: str,
    object_type: str = "",
    object_id: str = "",
    child_ids: Iterable[UUID | str] = (),
) -> AuditEvent | None:
    """A refused attempt (404 outside visibility or 403), written after the rollback: the
    object and the child when known; a probe of another tenant's object also in that tenant's
    log. The first COLLAPSE_AFTER refusals of a user in a minute are entries at once (the entry
    is returned); the others of that minute are counted into one entry written when the minute
    is over (None)."""
    now = timezone.now()
    object_id = object_id[:64]
    owner_tenant, owner_child = _owner(object_type, object_id)
    # Only the tenant's own children are named in its log.
    children = [
        str(c)
        for c in _base("children.child")
        .filter(pk__in=list(child_ids), municipality_id=actor.tenant_id)
        .values_list("pk", flat=True)
    ]
    if owner_tenant == actor.tenant_id and owner_child and str(owner_child) not in children:
        children.append(str(owner_child))
    with transaction.atomic():
        if owner_tenant is not None and owner_tenant != actor.tenant_id:
            _record_probe(actor, owner_tenant, owner_child, object_type, object_id, reason, path)
        flush_denials(now=now, user_id=actor.user_id)
        window = (
            DenialWindow.objects.select_for_update()
            .filter(municipality_id=actor.tenant_id, actor_user_id=actor.user_id)
            .first()
        )
        entry = None
        if window is None or window.individual < COLLAPSE_AFTER:
            entry = record(
                actor=actor,
                action=AuditAction.DENIED,
                event=DENIED,
                object_type=object_type or "path",
                object_id=object_id,
                child_ids=children,
                purpose="",
                details={"reason": reason, "path": path[:300]},
            )
            if window is None:
                acting = actor.primary_grant
                DenialWindow.objects.create(
                    municipality_id=actor.tenant_id,
                    actor_user_id=actor.user_id,
                    actor_username=actor.username,
                    actor_role=acting.role if acting else "",
                    actor_unit_id=acting.unit_id if acting else None,
                    started_at=now,
                    last_at=now,
                )
            else:
                window.individual += 1
                window.save(update_fields=["individual"])
        else:
            _count_into(window, now, f"{object_type or 'path'}:{object_id or path[:100]}", children)
        _alert_if_flooding(actor, now)
    return entry


def _owner(object_type: str, object_id: str) -> tuple[UUID | None, UUID | None]:
    """The tenant and child of an object of any tenant, or (None, None)."""
    where = _OWNERS.get(object_type)
    if where is None or not object_id:
        return None, None
    try:
        key = UUID(object_id)
    except ValueError:
        return None, None
    tenant_field, child_field = where
    fields = [tenant_field, child_field] if child_field else [tenant_field]
    row = _base(object_type).filter(pk=key).values_list(*fields).first()
    if row is None:
        return None, None
    return row[0], (row[1] if child_field else None)


def _base(label: str) -> models.QuerySet[Any]:
    queryset: models.QuerySet[Any] = apps.get_model(label)._base_manager.all()
    return queryset


def _record_probe(
    actor: Actor,
    tenant_id: UUID,
    child_id: UUID | None,
    object_type: str,
    object_id: str,
    reason: str,
    path: str,
) -> None:
    """A user of another tenant asked for this tenant's object: the owner's log says so."""
    acting = actor.primary_grant
    _append(
        municipality_id=tenant_id,
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_role=acting.role if acting else "",
        actor_unit_id=acting.unit_id if acting else None,
        action=AuditAction.DENIED,
        event=PROBED_FROM_OTHER_TENANT,
        object_type=object_type,
        object_id=object_id,
        child_ids=[str(child_id)] if child_id else [],
        details={"reason": reason, "path": path[:300], "from_tenant": str(actor.tenant_id)},
    )


def _count_into(
    window: DenialWindow, now: datetime.datetime, probe: str, children: list[str]
) -> None:
    window.count += 1
    window.last_at = now
    for values, new in ((window.objects_probed, [probe]), (window.child_ids, children)):
        for value in new:
            if value in values:
                continue
            if len(values) < MAX_PROBES_LISTED:
                values.append(value)
            else:
                window.more_objects = True
    window.save(update_fields=["count", "last_at", "objects_probed", "child_ids", "more_objects"])


def flush_denials(*, now: datetime.datetime | None = None, user_id: UUID | None = None) -> int:
    """Write the entry of every denial window whose minute is over (of one user, or all; the
    periodic seal_audit flushes them all), and remove the windows. Returns entries written."""
    now = now or timezone.now()
    closed = DenialWindow.objects.filter(started_at__lte=now - DENIAL_WINDOW)
    if user_id is not None:
        closed = closed.filter(actor_user_id=user_id)
    written = 0
    with transaction.atomic():
        for window in closed.select_for_update().order_by("started_at"):
            if window.count:
                _append(
                    municipality_id=window.municipality_id,
                    actor_user_id=window.actor_user_id,
                    actor_username=window.actor_username,
                    actor_role=window.actor_role,
                    actor_unit_id=window.actor_unit_id,
                    action=AuditAction.DENIED,
                    event=DENIED_REPEATED,
                    object_type="",
                    child_ids=window.child_ids,
                    details={
                        "count": window.count,
                        "from": window.started_at.isoformat(),
                        "to": window.last_at.isoformat(),
                        "objects": window.objects_probed,
                        "more_objects": window.more_objects,
                    },
                )
                written += 1
            window.delete()
    return written


def _alert_if_flooding(actor: Actor, now: datetime.datetime) -> None:
    """More than ALERT_AFTER refusals of one user in ALERT_WINDOW: notify the tenant's log
    reviewers once per window, and log that they were told."""
    since = now - ALERT_WINDOW
    mine = AuditEvent.objects.filter(
        municipality_id=actor.tenant_id, actor_user_id=actor.user_id, occurred_at__gte=since
    )
    if mine.filter(event=DENIALS_ALERTED).exists():
        return
    refused = sum(
        int((details or {}).get("count", 1)) if event == DENIED_REPEATED else 1
        for event, details in mine.filter(event__in=(DENIED, DENIED_REPEATED)).values_list(
            "event", "details"
        )
    )
    refused += sum(
        DenialWindow.objects.filter(
            municipality_id=actor.tenant_id, actor_user_id=actor.user_id
        ).values_list("count", flat=True)
    )
    if refused <= ALERT_AFTER:
        return
    reviewers = User.objects.filter(
        role_assignments__role=Role.LOG_REVIEWER,
        role_assignments__municipality_id=actor.tenant_id,
        role_assignments__in=RoleAssignment.objects.valid_on(timezone.localdate()),
        is_active=True,
    ).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        notification_services.notify(
            recipients=list(reviewers),
            kind="audit_denials",
            title=str(_("Upprepade nekade åtkomstförsök")),
            body=str(
                _(
                    "%(username)s har nekats åtkomst %(count)s gånger på tio minuter. "
                    "Granska loggen."
                )
                % {"username": actor.username, "count": refused}
            ),
            url=reverse("audit:list") + f"?anvandare={actor.username}",
        )
    record(
        actor=actor,
        action=AuditAction.SYSTEM,
        event=DENIALS_ALERTED,
        purpose="",
        details={"refused": refused, "minutes": int(ALERT_WINDOW.total_seconds() // 60)},
    )


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
    with transaction.atomic():
        entry = _append(
            municipality_id=tenant_id,
            actor_user_id=user_id,
            actor_username=username if user_id is not None else "",
            action=AuditAction.LOGIN,
            event=event,
            purpose="",
            details=details,
        )
    return entry
