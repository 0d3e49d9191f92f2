"""Tampering as a database administrator with bad intent would (issue #10, ADR 0003): every
kind, with `verify_audit`'s exit status and the entry it names; what the checkpoint rules
tolerate; the MAC boundary; a restore and `audit_reanchor`. An edited entry, a deleted last
entry with and without the head moved back, and a sealed forgery beyond the head are in
test_verify_command.py."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from samverkan.access.actor import Actor
from samverkan.audit import chain
from samverkan.audit.chain import (
    CONTENT_FIELDS,
    GENESIS,
    HASHED_FIELDS,
    REANCHOR_EVENT,
    checkpoint_path,
    entry_hash,
    link_text,
    seal_pending,
    sign_entry,
    start_macs,
)
from samverkan.audit.keys import keyring
from samverkan.audit.models import AuditAction, AuditChainHead, AuditEvent
from samverkan.audit.sealer import seal_round
from samverkan.organisations.models import Municipality

from .conftest import append, forge, rehash_from, run_command, verify_broken

pytestmark = pytest.mark.django_db

# What a forger without the key can put in the MAC columns: something that looks right.
MADE_UP_MAC = "test:" + "ab" * 32
NOT_WRITTEN_BY_THE_APP = "its MAC does not verify: not written by the app"


def _plain_insert(tenant_id: object, **values: object) -> AuditEvent:
    """An INSERT such as any database account with write access can make, triggers in place."""
    fields: dict[str, object] = {
        "actor_username": "forfalskare",
        "action": AuditAction.VIEW,
        "event": "child.viewed",
        "object_id": "forged",
        **values,
    }
    return AuditEvent.objects.create(municipality_id=tenant_id, **fields)


def _lines(tenant_id: object) -> list[str]:
    return checkpoint_path(tenant_id).read_text().splitlines()  # type: ignore[arg-type]


def _keep_lines(tenant_id: object, lines: list[str]) -> None:
    checkpoint_path(tenant_id).write_text("".join(f"{line}\n" for line in lines))  # type: ignore[arg-type]


def _sealed_with_checkpoint(
    actor: Actor, capture: DjangoCaptureOnCommitCallbacks, count: int = 1
) -> None:
    for _ in range(count):
        with capture(execute=True):
            append(actor)
            seal_round()


# 1. Forged entries


@pytest.mark.parametrize(
    "mac", ["", MADE_UP_MAC, "replayed"], ids=["no-mac", "made-up-mac", "replayed-mac"]
)
def test_forged_insert_unsealed_is_parked_as_rejected_and_fails(
    sealed_chain: list[AuditEvent], mac: str
) -> None:
    replayed = sealed_chain[0].mac
    forged = _plain_insert(
        sealed_chain[0].municipality_id, mac=replayed if mac == "replayed" else mac
    )

    out, error = verify_broken()

    forged.refresh_from_db()
    assert (forged.rejected, forged.seq, forged.hash, forged.sealed_at is not None) == (
        True,
        None,
        "",
        True,
    )
    assert f"REJECTED 9001: 1 entries whose MAC does not verify, ids {forged.pk}" in out
    expected = (
        f"first broken entry seq=None id={forged.pk}: entry id {forged.pk} was rejected at "
        "sealing: its MAC does not verify (an entry inserted without the key); 1 rejected "
        f"entries in all (ids {forged.pk})"
    )
    assert f"BROKEN 9001: {expected}" in out
    assert f"9001: {expected}" in error
    assert AuditChainHead.objects.get(municipality_id=forged.municipality_id).seq == 5


def test_a_rejected_entry_keeps_failing_after_genuine_seals(
    actor: Actor,
    sealed_chain: list[AuditEvent],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    forged = _plain_insert(actor.tenant_id)
    seal_pending(municipality_id=actor.tenant_id)
    _sealed_with_checkpoint(actor, django_capture_on_commit_callbacks, 2)

    out, _error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=None id={forged.pk}: entry id {forged.pk} " in out
    assert AuditEvent.objects.filter(municipality_id=actor.tenant_id, seq=7).exists()


def test_seal_audit_reports_rejected_entries(actor: Actor) -> None:
    append(actor)
    forged = _plain_insert(actor.tenant_id)

    out, err = run_command("seal_audit")

    assert "9001: sealed 1 entries" in out
    assert "Sealed 1 entries, rejected 1" in out
    assert f"REJECTED 9001: 1 entries whose MAC does not verify, ids {forged.pk}" in err


def test_a_genuine_entry_marked_rejected_is_named_as_such(
    actor: Actor, sealed_chain: list[AuditEvent]
) -> None:
    # The triggers allow the rejected mark on an unsealed row: a way to keep a genuine entry
    # out of the chain. It cannot hide: verification fails and says what happened.
    genuine = append(actor)
    AuditEvent.objects.filter(pk=genuine.pk).update(rejected=True, sealed_at=timezone.now())

    out, _error = verify_broken()

    assert (
        f"entry id {genuine.pk} was rejected at sealing: its MAC verifies: a genuine entry "
        "marked rejected by someone other than the sealing step"
    ) in out


@pytest.mark.parametrize("mac", ["", MADE_UP_MAC], ids=["no-mac", "made-up-mac"])
def test_forged_sealed_entry_with_the_head_moved_fails_even_after_the_next_seal(
    actor: Actor,
    sealed_chain: list[AuditEvent],
    triggers_off: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    mac: str,
) -> None:
    fifth = sealed_chain[4]
    forged = forge(fifth, seq=6, prev_hash=fifth.hash, mac=mac)
    AuditChainHead.objects.filter(municipality_id=actor.tenant_id).update(seq=6, hash=forged.hash)
    _sealed_with_checkpoint(actor, django_capture_on_commit_callbacks)

    out, _error = verify_broken()

    problem = "entry has no MAC" if not mac else NOT_WRITTEN_BY_THE_APP
    assert f"BROKEN 9001: first broken entry seq=6 id={forged.pk}: {problem}" in out


def test_an_entry_moved_by_someone_else_fails_its_link_mac(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    # Content and entry MAC genuine, the link rebuilt without the key: the fifth entry taken
    # out and the chain closed over the gap.
    fourth, fifth = sealed_chain[3], sealed_chain[4]
    AuditEvent.objects.filter(pk=fourth.pk).delete()
    AuditEvent.objects.filter(pk=fifth.pk).update(seq=4)
    rehash_from([*sealed_chain[:3], fifth], 3)
    AuditChainHead.objects.filter(municipality_id=fifth.municipality_id).update(seq=4)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=4 id={fifth.pk}: the MAC of its link does not "
        "verify: placed in the chain by someone other than the sealing step"
    ) in out


# 2. Rewrites and the checkpoint file


@pytest.mark.parametrize("checkpoint", ["kept", "deleted", "truncated"])
def test_consistent_rewrite_fails_whatever_happened_to_the_checkpoint(
    sealed_chain: list[AuditEvent], triggers_off: None, checkpoint: str
) -> None:
    second = sealed_chain[1]
    AuditEvent.objects.filter(pk=second.pk).update(actor_username="nagon.annan")
    rehash_from(sealed_chain, 1)
    if checkpoint == "deleted":
        checkpoint_path(second.municipality_id).unlink()
    elif checkpoint == "truncated":
        _keep_lines(second.municipality_id, _lines(second.municipality_id)[:1])

    out, _error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=2 id={second.pk}: {NOT_WRITTEN_BY_THE_APP}" in out


def test_rewrite_with_a_stolen_key_is_still_caught_by_the_checkpoint(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    ring, second = keyring(), sealed_chain[1]
    AuditEvent.objects.filter(pk=second.pk).update(actor_username="nagon.annan")
    prev = sealed_chain[0].hash
    for entry in sealed_chain[1:]:
        entry.refresh_from_db()
        entry.prev_hash = prev
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS})
        entry.mac = sign_entry({name: getattr(entry, name) for name in CONTENT_FIELDS}, ring)
        assert entry.seq is not None
        assert entry.sealed_at is not None
        stamp = chain._stamp(entry.sealed_at)
        link = ring.sign(link_text(str(entry.municipality_id), entry.seq, prev, entry.hash, stamp))
        AuditEvent.objects.filter(pk=entry.pk).update(
            prev_hash=prev, hash=entry.hash, mac=entry.mac, link_mac=link
        )
        prev = entry.hash
    AuditChainHead.objects.filter(municipality_id=second.municipality_id).update(hash=prev)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=2 id={second.pk}: hash differs from the checkpoint "
        "written outside the database"
    ) in out


def test_a_deleted_checkpoint_file_fails(sealed_chain: list[AuditEvent]) -> None:
    checkpoint_path(sealed_chain[0].municipality_id).unlink()

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=1 id={sealed_chain[0].pk}: no checkpoint covers "
        "seq 1 to 4, though later seals followed: the checkpoint file is missing "
        f"({sealed_chain[0].municipality_id}.chk)"
    ) in out


@pytest.mark.parametrize("how", ["truncated", "rolled-back"])
def test_a_truncated_or_rolled_back_checkpoint_file_fails(
    actor: Actor,
    sealed_chain: list[AuditEvent],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    how: str,
) -> None:
    older = _lines(actor.tenant_id)[:2]
    if how == "rolled-back":
        # An older copy of the file put back after two more seals.
        _sealed_with_checkpoint(actor, django_capture_on_commit_callbacks, 2)
    _keep_lines(actor.tenant_id, older)

    out, _error = verify_broken()

    last = 6 if how == "rolled-back" else 4
    assert (
        f"BROKEN 9001: first broken entry seq=3 id={sealed_chain[2].pk}: no checkpoint covers "
        f"seq 3 to {last}, though later seals followed: the checkpoint file ends at seq 2"
    ) in out


def test_an_edited_checkpoint_line_fails(sealed_chain: list[AuditEvent]) -> None:
    lines = _lines(sealed_chain[0].municipality_id)
    seq, _digest, *rest = lines[2].split()
    lines[2] = " ".join([seq, "e" * 64, *rest])
    _keep_lines(sealed_chain[0].municipality_id, lines)

    out, _error = verify_broken()

    assert (
        "BROKEN 9001: first broken entry seq=3 id=-: line 3 of the checkpoint file (seq 3) does "
        "not verify against its MAC"
    ) in out


def test_an_unreadable_checkpoint_line_fails(sealed_chain: list[AuditEvent]) -> None:
    tenant = sealed_chain[0].municipality_id
    _keep_lines(tenant, [*_lines(tenant), "5 cut-off"])

    out, _error = verify_broken()

    assert "line 6 of the checkpoint file cannot be read: '5 cut-off'" in out


# 3. What the checkpoint rules tolerate


def test_the_last_seals_missing_line_is_only_a_warning(sealed_chain: list[AuditEvent]) -> None:
    tenant = sealed_chain[0].municipality_id
    _keep_lines(tenant, _lines(tenant)[:4])  # a crash between the last commit and its line

    out, err = run_command("verify_audit")

    assert "OK 9001 Solby: 5 entries" in out
    assert "WARNING 9001: entries after seq 4 are not covered by a checkpoint yet" in err


def test_lines_out_of_order_are_fine(sealed_chain: list[AuditEvent]) -> None:
    tenant = sealed_chain[0].municipality_id
    _keep_lines(tenant, list(reversed(_lines(tenant))))

    out, err = run_command("verify_audit")

    assert "OK 9001 Solby: 5 entries" in out
    assert err == ""


def test_an_installation_that_never_sealed_is_fine(tenant: Municipality) -> None:
    out, err = run_command("verify_audit")

    assert "OK 9001 Solby: 0 entries" in out
    assert "OK installation: 0 entries" in out
    assert err == ""


# 4. A deliberate restore


def _restore_to_third(entries: list[AuditEvent]) -> None:
    """What a restore from last night's backup does to the database: the later entries gone."""
    AuditEvent.objects.filter(pk__in=[e.pk for e in entries[3:]]).delete()
    AuditChainHead.objects.filter(municipality_id=entries[0].municipality_id).update(
        seq=3, hash=entries[2].hash
    )


def test_a_restore_fails_until_audit_reanchor_records_it(
    actor: Actor,
    sealed_chain: list[AuditEvent],
    triggers_off: None,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _restore_to_third(sealed_chain)
    verify_broken()

    out, _err = run_command(
        "audit_reanchor", "--tenant", "9001", "--reason", "Återläsning efter diskfel, ärende 4711"
    )
    _sealed_with_checkpoint(actor, django_capture_on_commit_callbacks)

    assert "9001: re-anchored at seq 4 (restored head seq 3)" in out
    anchor = AuditEvent.objects.get(municipality_id=actor.tenant_id, seq=4)
    assert (anchor.event, anchor.action) == (REANCHOR_EVENT, AuditAction.SYSTEM)
    assert anchor.details["reason"] == "Återläsning efter diskfel, ärende 4711"
    assert anchor.details["restored_head_seq"] == 3
    assert _lines(actor.tenant_id)[-2].startswith("anchor 4 ")
    out, err = run_command("verify_audit")
    assert "OK 9001 Solby: 5 entries" in out
    assert err == ""


def test_reanchor_refuses_without_a_reason(tenant: Municipality) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="reason"):
        call_command("audit_reanchor", "--reason", " ")


# 5. The MAC boundary: entries written before MACs existed


def _legacy_entries(tenant: Municipality, count: int) -> list[AuditEvent]:
    return [
        _plain_insert(tenant.pk, occurred_at=timezone.now(), object_id=f"old-{n}")
        for n in range(count)
    ]


def test_entries_from_before_macs_verify_up_to_the_boundary(
    tenant: Municipality,
    actor: Actor,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _legacy_entries(tenant, 3)
    with django_capture_on_commit_callbacks(execute=True):
        boundary_seq = start_macs(tenant.pk)
    _sealed_with_checkpoint(actor, django_capture_on_commit_callbacks, 2)

    out, err = run_command("verify_audit")

    assert boundary_seq == 4
    boundary = AuditEvent.objects.get(municipality=tenant, seq=4)
    assert (boundary.event, boundary.details) == (
        chain.MAC_BOUNDARY_EVENT,
        {"entries_without_mac": 3},
    )
    assert "OK 9001 Solby: 6 entries" in out
    assert err == ""


def test_an_entry_without_a_mac_after_the_boundary_fails(
    tenant: Municipality, triggers_off: None
) -> None:
    _legacy_entries(tenant, 2)
    start_macs(tenant.pk)
    head = AuditChainHead.objects.get(municipality=tenant)
    forged = forge(AuditEvent.objects.get(municipality=tenant, seq=3), seq=4, prev_hash=head.hash)
    AuditChainHead.objects.filter(municipality=tenant).update(seq=4, hash=forged.hash)

    out, _error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=4 id={forged.pk}: entry has no MAC" in out


def test_a_chain_of_entries_without_macs_and_no_boundary_fails(
    tenant: Municipality, triggers_off: None
) -> None:
    first = forge(
        AuditEvent(municipality=tenant, occurred_at=timezone.now()), seq=1, prev_hash=GENESIS
    )
    AuditChainHead.objects.create(municipality=tenant, seq=1, hash=first.hash)

    out, _error = verify_broken()

    assert (
        f"BROKEN 9001: first broken entry seq=1 id={first.pk}: entries without a MAC and no MAC "
        "boundary after them"
    ) in out


def test_forged_entries_in_the_middle_fail_by_their_mac(
    sealed_chain: list[AuditEvent], triggers_off: None
) -> None:
    second = sealed_chain[1]
    for entry in reversed(sealed_chain[2:]):
        AuditEvent.objects.filter(pk=entry.pk).update(seq=F("seq") + 1)
    forged = forge(second, seq=3, prev_hash=second.hash, mac=MADE_UP_MAC)

    out, _error = verify_broken()

    assert f"BROKEN 9001: first broken entry seq=3 id={forged.pk}: {NOT_WRITTEN_BY_THE_APP}" in out


def test_checkpoint_path_of_the_installation(settings: object) -> None:
    assert checkpoint_path(None) == Path(settings.AUDIT_CHECKPOINT_DIR) / "installation.chk"  # type: ignore[attr-defined]
