"""Appending, sealing and hashing of the per-tenant audit chain (DESIGN principle 2)."""

import datetime
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from samverkan.access.actor import Actor
from samverkan.audit import chain, services
from samverkan.audit.chain import GENESIS, entry_hash, read_checkpoints, seal_pending, verify_chain
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent
from samverkan.audit.sealer import seal_round
from samverkan.organisations.models import Municipality

from .conftest import actor_in, append

pytestmark = pytest.mark.django_db


def test_record_appends_an_unsealed_entry_in_the_callers_transaction(
    actor: Actor, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        entry = append(actor, object_id="child-1")
        seen_inside = AuditEvent.objects.get(pk=entry.pk)

    assert seen_inside.object_id == "child-1"
    assert seen_inside.sealed_at is None
    assert seen_inside.seq is None
    assert seen_inside.hash == ""
    assert callbacks == []  # the request only appends: the sealer links it (ADR 0003)


def test_the_sealer_links_a_committed_entry_and_writes_the_checkpoint(
    actor: Actor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    checkpoint_dir: Path,
) -> None:
    with transaction.atomic():
        entry = append(actor)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = seal_round()

    assert outcome.linked == {"9001": 1}

    entry.refresh_from_db()
    assert entry.seq == 1
    assert entry.sealed_at is not None
    assert entry.prev_hash == GENESIS
    assert (checkpoint_dir / f"{actor.tenant_id}.chk").exists()
    assert [(p.seq, p.digest) for p in read_checkpoints(actor.tenant_id)] == [(1, entry.hash)]


@transaction.atomic
def _action_failing_after_its_entry(actor: Actor) -> None:
    append(actor)
    raise RuntimeError("the action fails after it was logged")


@transaction.atomic
def _action_whose_entry_fails(actor: Actor) -> None:
    Municipality.objects.create(name="Ny kommun", code="9099")
    # Not JSON: the insert of the entry fails.
    services.record(
        actor=actor, action=AuditAction.VIEW, event="child.viewed", details={"x": object()}
    )


def test_rollback_of_the_caller_leaves_no_entry(actor: Actor) -> None:
    with pytest.raises(RuntimeError):
        _action_failing_after_its_entry(actor)

    assert not AuditEvent.objects.exists()


def test_failing_audit_entry_rolls_back_the_action(actor: Actor) -> None:
    with pytest.raises(TypeError):
        _action_whose_entry_fails(actor)

    assert not Municipality.objects.filter(code="9099").exists()
    assert not AuditEvent.objects.exists()


def test_record_denied_appends_a_denied_entry(actor: Actor) -> None:
    entry = services.record_denied(actor=actor, reason="not_visible", path="/barn/42/")

    assert entry.action == AuditAction.DENIED
    assert entry.details == {"reason": "not_visible", "path": "/barn/42/"}


def test_seal_links_entries_in_append_order(actor: Actor) -> None:
    entries = [append(actor, object_id=f"child-{n}") for n in range(4)]

    sealed = seal_pending(municipality_id=actor.tenant_id)

    assert sealed.linked == 4
    chain_order = list(AuditEvent.objects.filter(municipality_id=actor.tenant_id).order_by("seq"))
    assert [e.pk for e in chain_order] == [e.pk for e in entries]
    assert [e.seq for e in chain_order] == [1, 2, 3, 4]
    assert [e.prev_hash for e in chain_order] == [GENESIS] + [e.hash for e in chain_order[:-1]]
    for entry in chain_order:
        row = {name: getattr(entry, name) for name in chain.HASHED_FIELDS}
        assert entry.hash == entry_hash(row)
    head = AuditChainHead.objects.get(municipality_id=actor.tenant_id)
    assert (head.seq, head.hash) == (4, chain_order[-1].hash)


def test_seal_twice_seals_each_entry_once(actor: Actor) -> None:
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)
    append(actor)

    sealed = seal_pending(municipality_id=actor.tenant_id)

    assert sealed.linked == 1
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]


def test_seal_in_batches_continues_the_chain(
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    monkeypatch.setattr(chain, "SEAL_BATCH", 2)
    for _ in range(5):
        append(actor)

    with django_capture_on_commit_callbacks(execute=True):
        sealed = seal_pending(municipality_id=actor.tenant_id)

    assert sealed.linked == 5
    assert verify_chain(actor.tenant_id).ok


def test_two_tenants_have_independent_chains(
    tenant: Municipality, other_tenant: Municipality
) -> None:
    solby, manstad = actor_in(tenant), actor_in(other_tenant)
    for author in (solby, manstad, solby, manstad, solby):
        append(author)

    seal_pending(municipality_id=tenant.pk)
    seal_pending(municipality_id=other_tenant.pk)

    def seqs(municipality: Municipality) -> list[int | None]:
        return list(
            AuditEvent.objects.filter(municipality=municipality)
            .order_by("id")
            .values_list("seq", flat=True)
        )

    assert seqs(tenant) == [1, 2, 3]
    assert seqs(other_tenant) == [1, 2]
    firsts = AuditEvent.objects.filter(seq=1).values_list("prev_hash", flat=True)
    assert list(firsts) == [GENESIS, GENESIS]
    assert verify_chain(tenant.pk).entries == 3
    assert verify_chain(other_tenant.pk).entries == 2


def test_sealing_one_tenant_leaves_the_other_pending(
    tenant: Municipality, other_tenant: Municipality
) -> None:
    append(actor_in(tenant))
    waiting = append(actor_in(other_tenant))

    seal_pending(municipality_id=tenant.pk)

    waiting.refresh_from_db()
    assert waiting.sealed_at is None


def test_entry_hash_format_is_stable() -> None:
    # The chain's format: a changed hash here would break every chain already written.
    row = {
        "municipality_id": uuid.UUID("6f1c4c1e-0000-4000-8000-000000000001"),
        "seq": 7,
        "prev_hash": "ab" * 32,
        "occurred_at": datetime.datetime(
            2025, 3, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
        ),
        "actor_user_id": None,
        "actor_username": "Åsa",
        "actor_role": "team_social_worker",
        "actor_unit_id": uuid.UUID("6f1c4c1e-0000-4000-8000-000000000002"),
        "action": "view",
        "event": "child.viewed",
        "object_type": "children.child",
        "object_id": "42",
        "child_ids": ["6f1c4c1e-0000-4000-8000-000000000003"],
        "purpose": "need_to_know",
        "details": {"rows": 3, "filter": {"b": "ö", "a": None}},
        "request_id": "req-1",
    }

    digest = entry_hash(row)

    assert digest == "80472a49b0b6a55283da3a05fb7c2f8e176bbb57c90ad14264aefd25c127fe60"


def _hash_by_definition(row: dict[str, Any]) -> str:
    """The chain's format as first written: SHA-256 of json.dumps of the canonical fields."""

    def canonical(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if isinstance(value, uuid.UUID):
            return str(value)
        return "" if value is None else value

    payload = {name: canonical(row[name]) for name in chain.HASHED_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # no lone surrogates
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
FIELD_VALUES = (
    TEXT
    | st.sampled_from(list(AuditAction))  # str subclasses
    | st.integers()
    | st.none()
    | st.uuids()
    # Real entries are stamped now; year 1 in a zone east of UTC has no UTC equivalent.
    | st.datetimes(
        min_value=datetime.datetime(1900, 1, 1),
        max_value=datetime.datetime(9000, 1, 1),
        timezones=st.timezones() | st.just(datetime.UTC),
    )
    | JSON_VALUES
)


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(chain.HASHED_FIELDS, FIELD_VALUES)))
def test_entry_hash_follows_its_definition_for_any_values(row: dict[str, Any]) -> None:
    digest = entry_hash(row)

    assert digest == _hash_by_definition(row)


def test_entries_hash_and_mac_the_same_after_the_database_round_trip(actor: Actor) -> None:
    entry = AuditEvent(
        municipality_id=actor.tenant_id,
        occurred_at=datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.UTC),  # no microseconds
        actor_user_id=None,
        actor_username="Örjan Ärlig",
        action=AuditAction.SEARCH,
        event="child.searched",
        child_ids=[],
        details={"z": [1, 2.5, {"y": "å", "x": None}], "a": True, "emoji": "🙂"},
    )
    entry.mac = chain.sign_entry({name: getattr(entry, name) for name in chain.CONTENT_FIELDS})
    entry.save(force_insert=True)
    append(actor)

    seal_pending(municipality_id=actor.tenant_id)

    assert verify_chain(actor.tenant_id).ok


def test_verify_accepts_entries_sealed_while_it_runs(
    actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(actor)
    append(actor)
    seal_pending(municipality_id=actor.tenant_id)
    real_head = chain._head
    calls: list[int] = []

    def head_read_before_the_last_seal(municipality_id: uuid.UUID) -> tuple[int, str]:
        calls.append(1)
        if len(calls) == 1:
            first = AuditEvent.objects.get(municipality_id=municipality_id, seq=1)
            return 1, first.hash
        return real_head(municipality_id)

    monkeypatch.setattr(chain, "_head", head_read_before_the_last_seal)

    result = verify_chain(actor.tenant_id)

    assert result.ok
    assert result.entries == 1
