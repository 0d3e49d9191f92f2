"""Fixtures for the audit log: tenants, actors, a private checkpoint folder, tampering."""

import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from samverkan.access.actor import Actor, Grant
from samverkan.access.roles import Role
from samverkan.audit import services
from samverkan.audit.chain import GENESIS, HASHED_FIELDS, entry_hash
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent
from samverkan.audit.sealer import seal_round
from samverkan.organisations.models import Municipality, Unit


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit"
    return settings.AUDIT_CHECKPOINT_DIR


@pytest.fixture
def tenant(db: None) -> Municipality:
    return Municipality.objects.create(name="Solby", code="9001")


@pytest.fixture
def other_tenant(db: None) -> Municipality:
    return Municipality.objects.create(name="Månstad", code="9002")


def actor_in(tenant: Municipality, username: str = "handlaggare1") -> Actor:
    return Actor(
        user_id=uuid.uuid4(),
        username=username,
        display_name="Handläggare Ett",
        tenant_id=tenant.pk,
        tenant_name=tenant.name,
        grants=(
            Grant(
                role=Role.TEAM_SOCIAL_WORKER,
                unit_id=uuid.uuid4(),
                unit_name="Familjeteamet",
                unit_kind=Unit.Kind.TEAM,
                unit_domain="social_services",
                unit_function=Unit.Function.FAMILY_TEAM,
            ),
        ),
    )


@pytest.fixture
def actor(tenant: Municipality) -> Actor:
    return actor_in(tenant)


def append(actor: Actor, *, event: str = "child.viewed", object_id: str = "") -> AuditEvent:
    """One audited read in its own (nested) transaction, as a service would record it."""
    return services.record(
        actor=actor,
        action=AuditAction.VIEW,
        event=event,
        object_type="children.child",
        object_id=object_id or str(uuid.uuid4()),
        child_ids=[uuid.uuid4()],
        details={"rows": 1},
    )


@pytest.fixture
def sealed_chain(
    actor: Actor, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> list[AuditEvent]:
    """Five entries, each sealed by a round of the sealer with its checkpoint written, as in
    production (a request only appends; the sealer links within seconds)."""
    entries = []
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            entries.append(append(actor, object_id=f"child-{number}"))
            seal_round()
    for entry in entries:
        entry.refresh_from_db()
    return entries


@pytest.fixture
def triggers_off() -> None:
    """Take away the append-only triggers, as someone with direct database access could, so
    a test can tamper with the log through the ORM. They are dropped inside the test's
    transaction and come back with its rollback (DDL is transactional on SQLite and
    PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending deferred foreign-key checks would block ALTER TABLE; run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE audit_auditinstallationhead DISABLE TRIGGER USER")
        else:
            for trigger in (
                "audit_event_seal_once",
                "audit_event_no_delete",
                "audit_head_forward_only",
                "audit_head_no_delete",
                "audit_event_insert_unsealed",
                "audit_head_insert_at_start",
                "audit_head_hash_moves_forward",
                "audit_installation_head_no_delete",
                "audit_installation_head_insert_at_start",
                "audit_installation_head_forward_only",
            ):
                cursor.execute(f"DROP TRIGGER {trigger}")


def run_command(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def verify_broken(*args: str) -> tuple[str, str]:
    """Run verify_audit expecting it to fail; its output and its error message."""
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue(), str(failure.value)


def forge(model: AuditEvent, *, seq: int, prev_hash: str, mac: str = "") -> AuditEvent:
    """A new entry at `seq` that looks valid: linked to `prev_hash`, its hash computed; `mac`
    made up (the forger has no key) for both MACs when given."""
    forged = AuditEvent(
        municipality_id=model.municipality_id,
        occurred_at=model.occurred_at,
        actor_username="forfalskare",
        action=AuditAction.VIEW,
        event="child.viewed",
        object_id="forged",
        seq=seq,
        prev_hash=prev_hash,
        sealed_at=timezone.now(),
        mac=mac,
        link_mac=mac,
    )
    forged.hash = entry_hash({name: getattr(forged, name) for name in HASHED_FIELDS})
    forged.save(force_insert=True)
    return forged


def rehash_from(entries: list[AuditEvent], index: int) -> None:
    """Recompute the chain from entries[index] on and move the head along, as a careful forger
    with database access would."""
    prev = entries[index - 1].hash if index else GENESIS
    for entry in entries[index:]:
        entry.refresh_from_db()
        entry.prev_hash = prev
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        AuditEvent.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    AuditChainHead.objects.filter(municipality_id=entries[0].municipality_id).update(hash=prev)


def refusals(**filters: object) -> int:
    """How many refusals the log records (tests of other apps count them): every denial window
    written out, each `access.denied` entry one, each `access.denied_repeated` its count; a
    probe recorded in another tenant's log is not counted again."""
    services.flush_denials(now=timezone.now() + services.DENIAL_WINDOW)
    entries = AuditEvent.objects.filter(
        action=AuditAction.DENIED, event__in=(services.DENIED, services.DENIED_REPEATED), **filters
    )
    return sum(
        int(details.get("count", 1)) if event == services.DENIED_REPEATED else 1
        for event, details in entries.values_list("event", "details")
    )
