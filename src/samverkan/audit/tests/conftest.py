"""Fixtures for the audit log: tenants, actors, a private checkpoint folder, tampering."""

import uuid
from pathlib import Path

import pytest
from django.db import connection
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from samverkan.access.actor import Actor, Grant
from samverkan.access.roles import Role
from samverkan.audit import services
from samverkan.audit.models import AuditAction, AuditEvent
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
    """Five entries, each sealed on commit with its checkpoint written, as in production."""
    entries = []
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            entries.append(append(actor, object_id=f"child-{number}"))
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
        else:
            for trigger in (
                "audit_event_seal_once",
                "audit_event_no_delete",
                "audit_head_forward_only",
                "audit_head_no_delete",
                "audit_event_insert_unsealed",
                "audit_head_insert_at_start",
                "audit_head_hash_moves_forward",
            ):
                cursor.execute(f"DROP TRIGGER {trigger}")
