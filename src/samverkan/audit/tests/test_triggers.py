"""The database refuses to change or remove audit entries (migration 0002), on SQLite and
PostgreSQL alike: the only UPDATE allowed is sealing an unsealed entry once."""

import datetime
import uuid
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.audit.chain import GENESIS, seal_pending
from samverkan.audit.models import AuditChainHead, AuditEvent, AuditInstallationHead
from samverkan.organisations.models import Municipality

from .conftest import append

pytestmark = pytest.mark.django_db

REFUSED = "append-only"
# Every column describing what happened, each with a different value to write into it.
CONTENT_CHANGES: dict[str, Any] = {
    "id": 10**9,
    "municipality_id": None,  # the other tenant, filled in by the test
    "occurred_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    "actor_user_id": uuid.UUID("00000000-0000-4000-8000-00000000beef"),
    "actor_username": "någon.annan",
    "actor_role": "principal",
    "actor_unit_id": uuid.UUID("00000000-0000-4000-8000-00000000cafe"),
    "action": "export",
    "event": "child.exported",
    "object_type": "plans.plan",
    "object_id": "other",
    "child_ids": ["other"],
    "purpose": "consent:other",
    "details": {"rows": 999},
    "request_id": "forged",
    "mac": "test:" + "0" * 64,
}


def _change(column: str, other_tenant: Municipality) -> dict[str, Any]:
    value = other_tenant.pk if column == "municipality_id" else CONTENT_CHANGES[column]
    return {column: value}


def _seal_values(seq: int = 1) -> dict[str, Any]:
    return {
        "seq": seq,
        "prev_hash": GENESIS,
        "hash": "f" * 64,
        "link_mac": "test:" + "f" * 64,
        "sealed_at": timezone.now(),
    }


@pytest.mark.parametrize("column", list(CONTENT_CHANGES))
def test_update_of_a_sealed_entrys_content_is_refused(
    actor: Actor, other_tenant: Municipality, column: str
) -> None:
    entry = append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(**_change(column, other_tenant))

    assert AuditEvent.objects.filter(pk=entry.pk, sealed_at__isnull=False).exists()


@pytest.mark.parametrize("column", list(CONTENT_CHANGES))
def test_update_of_an_unsealed_entrys_content_is_refused(
    actor: Actor, other_tenant: Municipality, column: str
) -> None:
    entry = append(actor)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(**_change(column, other_tenant))

    assert AuditEvent.objects.get(pk=entry.pk).event == entry.event


@pytest.mark.parametrize("column", list(CONTENT_CHANGES))
def test_sealing_cannot_change_content_on_the_way(
    actor: Actor, other_tenant: Municipality, column: str
) -> None:
    entry = append(actor)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(
            **_seal_values(), **_change(column, other_tenant)
        )

    assert AuditEvent.objects.get(pk=entry.pk).sealed_at is None


def test_sealing_an_unsealed_entry_once_is_allowed(actor: Actor) -> None:
    entry = append(actor)

    updated = AuditEvent.objects.filter(pk=entry.pk).update(**_seal_values())

    entry.refresh_from_db()
    assert updated == 1
    assert (entry.seq, entry.hash) == (1, "f" * 64)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"prev_hash": "e" * 64},
        {"hash": "e" * 64},
        {"sealed_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)},
        {"link_mac": "test:" + "e" * 64},
        {"sealed_at": None, "seq": None, "hash": "", "prev_hash": ""},
        _seal_values(seq=7),
        {"rejected": True, "seq": None, "hash": "", "prev_hash": "", "link_mac": ""},
    ],
    ids=["seq", "prev_hash", "hash", "sealed_at", "link_mac", "unseal", "reseal", "reject"],
)
def test_resealing_a_sealed_entry_is_refused(actor: Actor, change: dict[str, Any]) -> None:
    entry = append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(**change)

    assert AuditEvent.objects.get(pk=entry.pk).seq == 1


def test_rejecting_an_unsealed_entry_once_is_allowed(actor: Actor) -> None:
    entry = append(actor)

    updated = AuditEvent.objects.filter(pk=entry.pk).update(rejected=True, sealed_at=timezone.now())

    entry.refresh_from_db()
    assert updated == 1
    assert (entry.rejected, entry.seq, entry.hash) == (True, None, "")


def test_a_rejected_entry_cannot_be_sealed_later(actor: Actor) -> None:
    entry = append(actor)
    AuditEvent.objects.filter(pk=entry.pk).update(rejected=True, sealed_at=timezone.now())

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(**_seal_values(), rejected=False)

    assert AuditEvent.objects.get(pk=entry.pk).rejected


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 1},
        {"seq": 1, "hash": "f" * 64},
        {"sealed_at": timezone.now()},
        {**_seal_values(), "link_mac": ""},
        # Rejecting is the mark and sealed_at, nothing else.
        {"rejected": True, "sealed_at": timezone.now(), "seq": 1},
        {"rejected": True, "sealed_at": timezone.now(), "hash": "f" * 64},
        {"rejected": True, "sealed_at": timezone.now(), "link_mac": "test:" + "f" * 64},
        {"rejected": True},
    ],
    ids=[
        "seq-only",
        "without-sealed_at",
        "without-seq",
        "without-link-mac",
        "reject-with-seq",
        "reject-with-hash",
        "reject-with-link-mac",
        "reject-without-sealed_at",
    ],
)
def test_half_sealing_or_rejecting_an_entry_is_refused(
    actor: Actor, change: dict[str, Any]
) -> None:
    entry = append(actor)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).update(**change)

    assert AuditEvent.objects.get(pk=entry.pk).sealed_at is None


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed"])
def test_delete_of_an_entry_is_refused(actor: Actor, sealed: bool) -> None:
    entry = append(actor)
    if sealed:
        seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=entry.pk).delete()

    assert AuditEvent.objects.filter(pk=entry.pk).exists()


def test_delete_of_every_entry_is_refused(actor: Actor) -> None:
    append(actor)
    append(actor)

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")

    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL")
@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditchainhead"])
def test_truncate_is_refused(actor: Actor, table: str) -> None:
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)
    with connection.cursor() as cursor:
        # Pending deferred foreign-key checks would block TRUNCATE before its trigger runs.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with (
        pytest.raises(DatabaseError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table}")

    assert AuditEvent.objects.exists()


def test_chain_head_moves_forward(actor: Actor) -> None:
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    AuditChainHead.objects.filter(municipality_id=actor.tenant_id).update(seq=2, hash="e" * 64)

    assert AuditChainHead.objects.get(municipality_id=actor.tenant_id).seq == 2


def test_chain_head_cannot_move_backwards(actor: Actor) -> None:
    append(actor)
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditChainHead.objects.filter(municipality_id=actor.tenant_id).update(seq=1)

    assert AuditChainHead.objects.get(municipality_id=actor.tenant_id).seq == 2


def test_chain_head_cannot_change_tenant(actor: Actor, other_tenant: Municipality) -> None:
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditChainHead.objects.filter(municipality_id=actor.tenant_id).update(
            municipality_id=other_tenant.pk
        )

    assert AuditChainHead.objects.filter(municipality_id=actor.tenant_id).exists()


def test_chain_head_cannot_be_deleted(actor: Actor) -> None:
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)

    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditChainHead.objects.filter(municipality_id=actor.tenant_id).delete()

    assert AuditChainHead.objects.filter(municipality_id=actor.tenant_id).exists()


@pytest.mark.django_db
def test_database_refuses_inserting_an_already_sealed_entry(tenant: Municipality) -> None:
    forged = AuditEvent(
        municipality=tenant,
        action="view",
        event="child.viewed",
        seq=1,
        prev_hash="0" * 64,
        hash="f" * 64,
        sealed_at=timezone.now(),
    )

    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save(force_insert=True)

    assert not AuditEvent.objects.filter(hash="f" * 64).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [{"rejected": True}, {"link_mac": "test:" + "f" * 64}, {"prev_hash": GENESIS}],
    ids=["rejected", "link_mac", "prev_hash"],
)
def test_database_refuses_inserting_a_linked_or_rejected_entry(
    tenant: Municipality, values: dict[str, Any]
) -> None:
    forged = AuditEvent(municipality=tenant, action="view", event="child.viewed", **values)

    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save(force_insert=True)

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_installation_head_only_moves_forward(db: None) -> None:
    AuditInstallationHead.objects.create()
    AuditInstallationHead.objects.update(seq=2, hash="e" * 64)

    for change in ({"seq": 1}, {"hash": "d" * 64}):
        with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
            AuditInstallationHead.objects.update(**change)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditInstallationHead.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditInstallationHead.objects.create(id=2)

    assert AuditInstallationHead.objects.get().seq == 2


@pytest.mark.django_db
def test_database_refuses_a_chain_head_created_past_the_start(tenant: Municipality) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.create(municipality=tenant, seq=5, hash="a" * 64)
