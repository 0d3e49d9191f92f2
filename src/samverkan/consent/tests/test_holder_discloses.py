"""The holder discloses (DESIGN principle 8): the three findings of the issue, each as it was
tried, and who may confirm a consent and release a health-care record, the denied cases as
carefully as the allowed ones."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of, staff
from samverkan.audit.models import AuditEvent
from samverkan.children.tests.factories import NoteFactory
from samverkan.consent import selectors, services
from samverkan.consent.errors import ConsentInvalid
from samverkan.consent.models import (
    ConsentConfirmation,
    ConsentParty,
    ConsentRecipient,
    ConsentRule,
    RecordRelease,
)
from samverkan.consent.tests import factories
from samverkan.consent.tests.test_enforcement import seen
from samverkan.consent.tests.test_services import parties_for
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.notifications.models import Notification
from samverkan.organisations.models import Unit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ORAL = services.EvidenceInput("oral", received_by="Sam", received_on=TODAY, how="i telefon")


def _api_payload(world: Any, units: list[Any], categories: list[str]) -> dict[str, Any]:
    parties = [
        {
            "kind": p.kind,
            "guardian_id": str(p.guardian_id) if p.guardian_id else None,
            "answer": "given",
            "form": "oral",
            "oral_received_by": "Mottagningen",
            "given_on": TODAY.isoformat(),
        }
        for p in parties_for(world.child1)
    ]
    return {
        "purpose": "information_exchange",
        "purpose_text": "Utreda.",
        "unit_ids": [str(u.pk) for u in units],
        "categories": categories,
        "direction": "both",
        "valid_from": TODAY.isoformat(),
        "valid_to": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "parties": parties,
        "evidence": {
            "kind": "oral",
            "received_by": "Mottagningen",
            "received_on": TODAY.isoformat(),
            "how": "i telefon",
        },
    }


def test_finding_1_intake_recording_a_consent_does_not_open_the_nurses_journal(
    client: Client, world: Any
) -> None:
    client.force_login(world.users["intake"])
    payload = _api_payload(
        world,
        [world.school1, world.intake],
        ["school_situation", "student_health", "student_health_care"],
    )

    created = client.post(
        f"/api/consents/children/{world.child1.pk}", payload, content_type="application/json"
    )
    assert created.status_code == 201
    child = client.get(f"/api/children/{world.child1.pk}").json()

    titles = {n["title"] for n in child["notes"]}
    assert world.notes["health_care"].title not in titles
    assert world.notes["student_health"].title not in titles
    assert world.notes["school"].title not in titles
    confirmation = ConsentConfirmation.objects.get(consent_id=created.json()["id"])
    assert confirmation.side == "social_services"


def test_finding_1_without_evidence_nothing_is_recorded(client: Client, world: Any) -> None:
    client.force_login(world.users["intake"])
    payload = _api_payload(world, [world.school1, world.intake], ["school_situation"])
    payload["evidence"] = {
        "kind": "oral",
        "received_by": "",
        "received_on": TODAY.isoformat(),
        "how": "",
    }

    response = client.post(
        f"/api/consents/children/{world.child1.pk}", payload, content_type="application/json"
    )

    assert response.status_code == 400
    assert set(response.json()["details"]) >= {"evidence_received_by", "evidence_how"}
    assert not ConsentConfirmation.objects.exists()


def test_finding_1_a_counsellor_recording_a_consent_does_not_read_social_notes(
    world: Any,
) -> None:
    services.consent_record(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.child1.pk,
        purpose="information_exchange",
        purpose_text="Samordna.",
        unit_ids=[world.school1.pk, world.team.pk],
        categories=["social_situation", "school_situation"],
        direction="both",
        follows_child=False,
        valid_from=TODAY,
        valid_to=TODAY + datetime.timedelta(days=30),
        parties=parties_for(world.child1),
        proof=ORAL,
    )

    assert "social" not in seen(world, "counsellor")
    assert "school" in seen(world, "team_worker")
    # The team is told, without child data, that a consent waits for its side.
    note = Notification.objects.get(recipient=world.users["team_worker"])
    assert world.child1.given_name not in note.title + note.body


def test_finding_2_a_teacher_does_not_read_under_the_counsellors_consent(world: Any) -> None:
    factories.give_consent(
        child=world.child1,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
    )

    assert "social" not in seen(world, "teacher")
    assert "social" in seen(world, "counsellor")


@pytest.mark.parametrize(
    ("basis", "reads"),
    [(Unit.JointBasis.SINGLE_AUTHORITY, True), (Unit.JointBasis.CONSENT, False), ("", False)],
)
def test_finding_3_team_teachers_read_the_teams_notes_only_on_its_assignment(
    world: Any, basis: str, reads: bool
) -> None:
    world.team.joint_basis = basis
    world.team.save()
    teacher = staff(Role.TEAM_TEACHER, world.team, username="teamlarare")
    actor = actor_of(teacher)

    assert (world.team.pk in actor.social_unit_ids) is reads


def test_a_consent_basis_team_teacher_reads_when_confirmed_and_named(world: Any) -> None:
    world.team.joint_basis = Unit.JointBasis.CONSENT
    world.team.save()
    teacher = staff(Role.TEAM_TEACHER, world.team, username="teamlarare")
    NoteFactory(child=world.child1, owner_unit=world.team, domain="social_services")
    world.users["team_teacher"] = teacher
    factories.give_consent(
        child=world.child1,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
        recipients=[(world.team, "team_teacher")],
    )
    actor = actor_of(teacher)
    assert world.team.pk not in actor.social_unit_ids


# Confirming: who may, with what.


def _school_recorded(world: Any) -> Any:
    return factories.give_consent(
        child=world.child1,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
        categories=["social_situation", "school_situation"],
        confirmed=["school"],
    )


def test_a_team_social_worker_confirms_and_the_counsellor_then_reads(world: Any) -> None:
    consent = _school_recorded(world)
    assert "social" not in seen(world, "counsellor")

    services.consent_confirm(
        actor=actor_of(world.users["team_worker"]), consent_id=consent.pk, proof=ORAL
    )
    services.consent_confirm(
        actor=actor_of(world.users["team_worker"]), consent_id=consent.pk, proof=ORAL
    )

    assert "social" in seen(world, "counsellor")
    assert consent.confirmations.filter(side="social_services").count() == 1
    assert AuditEvent.objects.filter(event="consent.confirmed").count() == 1


def test_confirming_needs_evidence_and_saves_nothing_without(world: Any) -> None:
    consent = _school_recorded(world)
    with pytest.raises(ConsentInvalid) as caught:
        services.consent_confirm(
            actor=actor_of(world.users["team_worker"]),
            consent_id=consent.pk,
            proof=services.EvidenceInput("oral", received_by="", received_on=None, how=""),
        )
    assert set(caught.value.details) == {
        "evidence_received_by",
        "evidence_received_on",
        "evidence_how",
    }
    assert consent.confirmations.count() == 1


@pytest.mark.parametrize(
    ("user", "outcome"),
    [
        ("team_worker", "allowed"),
        ("unit_head", "allowed"),  # heads the unit above the team
        ("intake", "not_found"),  # intake is not named in the consent
        ("family_coordinator", "not_found"),  # another team
        ("teacher", "denied"),  # the school side: already confirmed, not a social worker
        ("counsellor", "unchanged"),  # her own school-side confirmation stands
        ("principal_b", "not_found"),  # another tenant
        ("steering", "not_found"),
    ],
)
def test_who_may_confirm_the_social_services_side(world: Any, user: str, outcome: str) -> None:
    consent = _school_recorded(world)
    actor = actor_of(world.users[user])

    if outcome == "allowed":
        services.consent_confirm(actor=actor, consent_id=consent.pk, proof=ORAL)
        assert consent.confirmations.filter(side="social_services").exists()
        return
    if outcome == "unchanged":
        services.consent_confirm(actor=actor, consent_id=consent.pk, proof=ORAL)
        assert consent.confirmations.count() == 1
        return
    with pytest.raises(NotFound if outcome == "not_found" else AccessDenied):
        services.consent_confirm(actor=actor, consent_id=consent.pk, proof=ORAL)
    assert not consent.confirmations.filter(side="social_services").exists()


def test_a_withdrawn_consent_cannot_be_confirmed(world: Any) -> None:
    consent = _school_recorded(world)
    consent.parties.filter(kind="guardian").update(withdrawn_at=timezone.now())
    with pytest.raises(AccessDenied):
        services.consent_confirm(
            actor=actor_of(world.users["team_worker"]), consent_id=consent.pk, proof=ORAL
        )


def test_the_waiting_list_shows_the_consent_to_the_team_and_not_to_others(
    client: Client, world: Any
) -> None:
    consent = _school_recorded(world)
    client.force_login(world.users["team_worker"])
    start = client.get("/").content.decode()
    assert "1 samtycke väntar på bekräftelse" in start
    page = client.get("/samtycken/vantar/").content.decode()
    assert f"/samtycken/{consent.pk}/bekrafta/" in page
    assert AuditEvent.objects.filter(event="consent.waiting_viewed").count() == 1

    client.force_login(world.users["counsellor"])
    assert (
        f"/samtycken/{consent.pk}/bekrafta/"
        not in client.get("/samtycken/vantar/").content.decode()
    )
    assert "väntar på bekräftelse" not in client.get("/").content.decode()


def test_the_confirm_page_keeps_what_was_typed_on_bad_input(client: Client, world: Any) -> None:
    consent = _school_recorded(world)
    client.force_login(world.users["team_worker"])
    response = client.post(
        f"/samtycken/{consent.pk}/bekrafta/",
        {"evidence_kind": "oral", "evidence_received_by": "Sam Socialsekreterare"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Sam Socialsekreterare"' in page
    assert "Ange hur samtycket lämnades" in page
    assert consent.confirmations.count() == 1


# Releasing a health-care record.


def _health_consent(world: Any) -> Any:
    return factories.give_consent(
        child=world.child1,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
        categories=["student_health_care"],
        recipients=[(world.school1, "counsellor"), (world.team, "team_social_worker")],
    )


def test_a_consent_alone_does_not_open_a_health_care_record(world: Any) -> None:
    _health_consent(world)
    assert "health_care" not in seen(world, "counsellor")
    assert "health_care" not in seen(world, "team_worker")


def test_the_nurse_releases_a_note_to_the_recipients_and_revokes_it(world: Any) -> None:
    consent = _health_consent(world)
    nurse = actor_of(world.users["nurse"])

    release = services.record_release(
        actor=nurse,
        child_id=world.child1.pk,
        consent_id=consent.pk,
        note_id=world.notes["health_care"].pk,
    )

    assert "health_care" in seen(world, "counsellor")
    assert "health_care" in seen(world, "team_worker")
    assert "health_care" not in seen(world, "principal")  # not a named recipient
    assert AuditEvent.objects.filter(event="record.released").count() == 1
    services.release_revoke(actor=nurse, child_id=world.child1.pk, release_id=release.pk)
    assert "health_care" not in seen(world, "counsellor")
    assert "health_care" not in seen(world, "team_worker")


def test_a_period_release_covers_the_notes_written_in_it(world: Any) -> None:
    consent = _health_consent(world)
    services.record_release(
        actor=actor_of(world.users["nurse"]),
        child_id=world.child1.pk,
        consent_id=consent.pk,
        period_from=TODAY - datetime.timedelta(days=1),
        period_to=TODAY,
    )
    assert "health_care" in seen(world, "counsellor")


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("counsellor", NotFound),  # not a health-care profession: does not read the record
        ("principal", NotFound),
        ("teacher", NotFound),  # does not see the record at all
        ("team_worker", NotFound),
        ("principal_b", NotFound),
    ],
)
def test_only_the_records_profession_may_release(world: Any, user: str, error: type) -> None:
    consent = _health_consent(world)
    with pytest.raises(error):
        services.record_release(
            actor=actor_of(world.users[user]),
            child_id=world.child1.pk,
            consent_id=consent.pk,
            note_id=world.notes["health_care"].pk,
        )
    assert not RecordRelease.objects.exists()


def test_a_psychologist_may_not_release_the_nurses_note(world: Any) -> None:
    consent = _health_consent(world)
    psychologist = staff(Role.SCHOOL_PSYCHOLOGIST, world.school1, username="psykolog")
    with pytest.raises(AccessDenied):
        services.record_release(
            actor=actor_of(psychologist),
            child_id=world.child1.pk,
            consent_id=consent.pk,
            note_id=world.notes["health_care"].pk,
        )
    colleague = staff(Role.SCHOOL_NURSE, world.school1, username="skolskoterska2")
    services.record_release(
        actor=actor_of(colleague),
        child_id=world.child1.pk,
        consent_id=consent.pk,
        note_id=world.notes["health_care"].pk,
    )
    assert RecordRelease.objects.count() == 1


def test_recipients_default_to_the_purposes_roles(world: Any) -> None:
    consent = services.consent_record(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.child1.pk,
        purpose="information_exchange",
        purpose_text="Samordna.",
        unit_ids=[world.school1.pk, world.team.pk],
        categories=["social_situation"],
        direction="both",
        follows_child=False,
        valid_from=TODAY,
        valid_to=TODAY + datetime.timedelta(days=30),
        parties=parties_for(world.child1),
        proof=ORAL,
    )
    assert set(ConsentRecipient.objects.filter(consent=consent).values_list("role", flat=True)) == {
        "principal",
        "counsellor",
        "special_educator",
        "intake_social_worker",
        "team_social_worker",
        "unit_head",
    }


def test_the_recorder_must_name_their_own_unit(world: Any) -> None:
    with pytest.raises(ConsentInvalid) as caught:
        services.consent_record(
            actor=actor_of(world.users["counsellor"]),
            child_id=world.child1.pk,
            purpose="information_exchange",
            purpose_text="Samordna.",
            unit_ids=[world.school2.pk, world.team.pk],
            categories=["social_situation"],
            direction="both",
            follows_child=False,
            valid_from=TODAY,
            valid_to=TODAY + datetime.timedelta(days=30),
            parties=parties_for(world.child1),
            proof=ORAL,
        )
    assert "units" in caught.value.details


# The consent ids (1), the consents with their children (1), units, confirmations and parties
# (3), every child's custodians at once (1) and the municipality's own rules (1): flat in the
# number of children.
WAITING_QUERIES = 7


def test_the_waiting_list_reads_custodians_once_whatever_the_number_of_children(
    world: Any, django_assert_num_queries: Any
) -> None:
    actor = actor_of(world.users["team_worker"])
    _school_recorded(world)
    with django_assert_num_queries(WAITING_QUERIES):
        assert len(selectors.consents_waiting(actor=actor)) == 1

    for child in (world.child2, world.protected):
        factories.give_consent(
            child=child,
            units=[world.school1, world.team],
            recorded_by=world.users["counsellor"],
            confirmed=["school"],
        )
    with django_assert_num_queries(WAITING_QUERIES):
        rows = selectors.consents_waiting(actor=actor)

    assert {r.child.pk for r in rows} == {world.child1.pk, world.child2.pk, world.protected.pk}
    assert all(r.status.state not in ("withdrawn", "expired") for r in rows)


def test_the_waiting_list_judges_a_consent_by_the_municipalitys_own_rules(world: Any) -> None:
    """The waiting list shows the same state and what is missing as the child's consent page,
    the municipality's own age rules (ConsentRule) included."""
    actor = actor_of(world.users["team_worker"])
    consent = _school_recorded(world)
    # One guardian's answer missing: by the law's defaults the consent waits for it.
    guardian = consent.parties.filter(kind=ConsentParty.Kind.GUARDIAN).first()
    assert guardian is not None
    guardian.delete()
    [before] = selectors.consents_waiting(actor=actor)
    # This municipality lets the child's own consent suffice at every age.
    ConsentRule.objects.create(
        municipality_id=consent.municipality_id,
        purpose=consent.purpose,
        age_from=0,
        age_to=200,
        guardians=ConsentRule.Guardians.NOT_NEEDED_IF_CHILD_CONSENTS,
        child=ConsentRule.ChildPart.CONSENT_SUFFICES,
    )

    [row] = selectors.consents_waiting(actor=actor)
    [on_page] = [
        view
        for view in selectors.consent_views_for_child(child=consent.child)
        if view.consent.pk == consent.pk
    ]

    assert (row.status.state, row.status.missing) != (before.status.state, before.status.missing)
    assert (row.status.state, row.status.missing) == (on_page.status.state, on_page.status.missing)
