"""`samverkan verify_audit` finds every kind of tampering and names the first broken entry;
`samverkan seal_audit` seals what is pending."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from samverkan.access.actor import Actor
from samverkan.audit.chain import (
    GENESIS,
    read_checkpoints,
    seal_pending,
)
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent
from samverkan.organisations.models import Municipality

from .conftest import actor_in, append, forge, rehash_from, run_command, verify_broken

pytestmark = pytest.mark.django_db


def test_verify_intact_log_exits_zero(
    sealed_chain: list[AuditEvent], other_tenant: Municipality
) -> None:
    out, err = run_command("verify_audit")

    assert "OK 9001 Solby: 5 entries" in out
    assert "OK 9002 Månstad: 0 entries" in out
    assert "BROKEN" not in out
    assert err == ""


def test_verify_seals_pending_entries_first(
    actor: Actor, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    for _ in range(3):
        append(actor)

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run_command("verify_audit")

    assert "Sealed 3 pending entries of 9001" in out
    assert "OK 9001 Solby: 3 entries" in out
    assert [(p.seq, p.digest) for p in read_checkpoints(actor.tenant_id)] == [
        (3, AuditEvent.objects.get(seq=3).hash)
    ]
    assert not AuditEvent.objects.filter(sealed_at__isnull=True).exists()


def test_verify_without_sealing_warns_about_entries_left_unsealed(
    actor: Actor, tenant: Municipality
) -> None:
    AuditEvent.objects.create(
        municipality=tenant,
        occurred_at=timezone.now() - datetime.timedelta(minutes=6),
        action=AuditAction.VIEW,
        event="child.viewed",
    )
    append(actor)

    out, err = run_command("verify_audit", "--no-seal")

    assert "OK 9001 Solby: 0 entries" in out
    assert "WARNING 9001: 1 entries unsealed for more than 5 minutes" in err
    assert AuditEvent.objects.filter(sealed_at__isnull=True).count() == 2


def test_verify_without_sealing_is_quiet_about_fresh_entries(actor: Actor) -> None:
    append(actor)

    out, err = run_command("verify_audit", "--no-seal")

    assert "OK 9001 Solby: 0 entries" in out
    assert err == ""


def test_verify_warns_about_entries_after_the_last_checkpoint(actor: Actor) -> None:
    append(actor)
    append(actor)
    # Sealed, but the checkpoint written after commit never came (a crash in between).
    seal_pending(municipality_id=actor.tenant_id)

    out, err = run_command("verify_audit")

    assert "OK 9001 Solby: 2 entries" in out
    assert (
        "WARNING 9001: entries after seq 0 are not covered by a checkpoint yet: the last seal's "
        "line (seq 1 to 2, sealed "
    ) in err


def test_verify_checks_only_the_given_tenant(
    sealed_chain: list[AuditEvent], other_tenant: Municipality
) -> None:
    out, _err = run_command("verify_audit", "--tenant", "9002")

    assert out.strip() == "OK 9002 Månstad: 0 entries"


def test_verify_refuses_an_unknown_tenant(tenant: Municipality) -> None:
    with pytest.raises(CommandError, match="no municipality with code '0000'"):
        call_command("verify_audit", "--tenant", "0000", stdout=StringIO())


@pytest.mark.parametrize(
    "change",
    [
        {"actor_username": "nagon.annan"},
        {"occurred_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)},
        {"child_ids": []},
        {"details": {"rows": 2}},
        {"purpose": "consent:forged"},
    ],
    ids=["actor", "time", "children", "details", "purpose"],
)
def test_verify_names_first_changed_entry(
    sealed_chain: list[AuditEvent], triggers_off: None, change: dict[str, object]
) -> None:
    third, fifth = sealed_chain[2], sealed_chain[4]
    AuditEvent.objects.filter(pk__in=[third.pk, fifth.pk]).update(**change)

    out, error = verify_broken()

    expected = f"first broken entry seq=3 id={third.pk}: content does not match its hash"
    assert f"BROKEN 9001: {expected}" in out
    assert f"9001: {expected}" in error


def test_verify_names_removed_entry_in_the_middle(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    third, fourth = sealed_chain[2], sealed_chain[3]
    AuditEvent.objects.filter(pk=third.pk).delete()

    out, _error = verify_broken()

    assert (
        "BROKEN 9001: first broken entry seq=3 id=-: entry seq 3 is missing "
        f"(the chain continues with seq 4, id {fourth.pk})"
    ) in out


def test_verify_catches_removed_last_entry_through_the_head(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    AuditEvent.objects.filter(pk=sealed_chain[4].pk).delete()

    out, _error = verify_broken()

    assert (
        "BROKEN 9001: first broken entry seq=5 id=-: entry seq 5 is missing: the chain ends at "
        "seq 4 but its head records seq 5"
    ) in out


def test_verify_catches_removed_last_entry_through_the_checkpoint(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    fourth, fifth = sealed_chain[3], sealed_chain[4]
    AuditEvent.objects.filter(pk=fifth.pk).delete()
    AuditChainHead.objects.filter(municipality_id=fifth.municipality_id).update(
        seq=4, hash=fourth.hash
    )

    out, _error = verify_broken()

    assert (
        "BROKEN 9001: first broken entry seq=5 id=-: entry seq 5 is missing: the chain ends at "
        "seq 4 but a checkpoint records seq 5"
    ) in out


def test_verify_names_forged_entry_inserted_in_the_middle(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    second = sealed_chain[1]
    for entry in reversed(sealed_chain[2:]):
        AuditEvent.objects.filter(pk=entry.pk).update(seq=F("seq") + 1)
    forged = forge(second, seq=3, prev_hash=second.hash)
    rehash_from([*sealed_chain[:2], forged, *sealed_chain[2:]], 3)
    AuditChainHead.objects.filter(municipality_id=second.municipality_id).update(seq=6)

    out, _error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=3 id={forged.pk}: entry has no MAC" in out


def test_verify_names_forged_entry_appended_beyond_the_head(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    fifth = sealed_chain[4]
    forged = forge(fifth, seq=6, prev_hash=fifth.hash)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=6 id={forged.pk}: entry lies beyond the chain "
        "head (seq 5)"
    ) in out


def test_verify_names_forged_entry_before_the_first(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    forged = forge(sealed_chain[0], seq=0, prev_hash=GENESIS)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=0 id={forged.pk}: entry out of place: seq 0 where "
        "1 was expected"
    ) in out


def test_verify_catches_a_changed_chain_head(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    fifth = sealed_chain[4]
    AuditChainHead.objects.filter(municipality_id=fifth.municipality_id).update(hash="0" * 64)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=5 id={fifth.pk}: the chain head's hash differs "
        "from entry seq 5"
    ) in out


def test_verify_names_swapped_entries(sealed_chain: list[AuditEvent], triggers_off: None) -> None:
    second, third = sealed_chain[1], sealed_chain[2]
    AuditEvent.objects.filter(pk=second.pk).update(seq=-2)
    AuditEvent.objects.filter(pk=third.pk).update(seq=2)
    AuditEvent.objects.filter(pk=second.pk).update(seq=3)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=2 id={third.pk}: link to the previous entry does "
        "not match"
    ) in out


def test_verify_names_entry_moved_to_another_tenant(
    sealed_chain: list[AuditEvent], other_tenant: Municipality, triggers_off: None
) -> None:
    third = sealed_chain[2]
    AuditEvent.objects.filter(pk=third.pk).update(municipality_id=other_tenant.pk)

    out, error = verify_broken()

    assert "BROKEN 9001: first broken entry seq=3 id=-: entry seq 3 is missing" in out
    assert (
        f"BROKEN 9002: first broken entry seq=3 id={third.pk}: entry lies beyond the chain head "
        "(seq 0)"
    ) in out
    assert error.startswith("audit chain broken in 2 of 3 chains; 9001: first broken entry seq=3")


def test_verify_reports_broken_tenant_and_checks_the_others(
    sealed_chain: list[AuditEvent], other_tenant: Municipality, triggers_off: None
) -> None:
    append(actor_in(other_tenant))
    seal_pending(municipality_id=other_tenant.pk)
    AuditEvent.objects.filter(pk=sealed_chain[0].pk).update(object_id="other")

    out, error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=1 id={sealed_chain[0].pk}" in out
    assert "OK 9002 Månstad: 1 entries" in out
    assert error.startswith("audit chain broken in 1 of 3 chains; 9001:")


def test_seal_audit_seals_pending_entries_of_every_tenant(
    actor: Actor, other_tenant: Municipality
) -> None:
    append(actor)
    append(actor)
    append(actor_in(other_tenant))

    out, _err = run_command("seal_audit")

    assert "9001: sealed 2 entries" in out
    assert "9002: sealed 1 entries" in out
    assert "Sealed 3 entries" in out
    assert not AuditEvent.objects.filter(sealed_at__isnull=True).exists()
