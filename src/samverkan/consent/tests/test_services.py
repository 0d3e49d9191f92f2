"""consent.services: recording, completing, withdrawing and expiring consent, with the audit
entries each writes and the Swedish messages a mistake gives."""

import dataclasses
import datetime
import uuid
from typing import Any

import pytest
from django.utils import timezone

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children.models import Guardianship
from samverkan.children.tests.factories import GuardianFactory, GuardianshipFactory
from samverkan.consent import selectors, services
from samverkan.consent.errors import ConsentInvalid, WithdrawalInvalid
from samverkan.consent.models import Consent, ConsentParty
from samverkan.consent.services import PartyInput
from samverkan.core.errors import AccessDenied, NotFound

pytestmark = pytest.mark.django_db

GIVEN = ConsentParty.Answer.GIVEN
REFUSED = ConsentParty.Answer.REFUSED


def today() -> datetime.date:
    return timezone.localdate()


ORAL_PROOF = services.EvidenceInput(
    "oral", received_by="Kim Kurator", received_on=timezone.localdate(), how="i telefon"
)


def parties_for(child: Any, *, answer: str = GIVEN) -> list[PartyInput]:
    """Every custodial guardian and the child, in writing, today."""
    guardians = [
        PartyInput("guardian", answer, "written", today(), guardian_id=g.guardian_id)
        for g in Guardianship.objects.filter(child=child, has_custody=True)
    ]
    return [*guardians, PartyInput("child", answer, "written", today())]


def record(world: Any, user: str = "counsellor", **overrides: Any) -> Consent:
    fields: dict[str, Any] = {
        "child_id": world.child1.pk,
        "purpose": "information_exchange",
        "purpose_text": "Samordna stödet i skolan och hemma.",
        "unit_ids": [world.school1.pk, world.team.pk],
        "categories": ["social_situation", "school_situation"],
        "direction": "both",
        "follows_child": False,
        "valid_from": today(),
        "valid_to": today() + datetime.timedelta(days=180),
        "parties": parties_for(world.child1),
        "proof": ORAL_PROOF,
    }
    fields.update(overrides)
    return services.consent_record(actor=actor_of(world.users[user]), **fields)


def counts() -> tuple[int, int, int]:
    return Consent.objects.count(), ConsentParty.objects.count(), AuditEvent.objects.count()


def invalid(world: Any, **overrides: Any) -> dict[str, list[str]]:
    before = counts()
    with pytest.raises(ConsentInvalid) as caught:
        record(world, **overrides)
    assert counts() == before, "nothing is saved when the consent is invalid"
    return caught.value.details


def test_a_valid_consent_is_recorded_with_its_parties_and_audited(world: Any) -> None:
    consent = record(world)
    assert consent.parties.count() == 2
    assert set(consent.units.all()) == {world.school1, world.team}
    assert consent.categories == ["school_situation", "social_situation"]
    entry = AuditEvent.objects.get(event="consent.given", object_id=str(consent.pk))
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.details["direction"] == "both"
    assert entry.details["units"] == sorted([str(world.school1.pk), str(world.team.pk)])
    views = selectors.consent_views_for_child(child=world.child1)
    assert [v.status.state for v in views] == ["active"]


def test_end_before_start_is_explained_at_valid_to(world: Any) -> None:
    start = today() + datetime.timedelta(days=10)
    details = invalid(world, valid_from=start, valid_to=start - datetime.timedelta(days=1))
    assert details["valid_to"] == [
        f"Slutdatumet ligger före startdatumet. Ange ett slutdatum efter {start.isoformat()}."
    ]


def test_a_party_date_in_the_future_is_explained_at_the_party(world: Any) -> None:
    parties = parties_for(world.child1)
    parties[1] = dataclasses.replace(parties[1], given_on=today() + datetime.timedelta(days=1))
    details = invalid(world, parties=parties)
    assert details["parties-1"] == [
        "Datumet för svaret ligger i framtiden. Ange dagens datum eller ett tidigare."
    ]
    assert "parties-0" not in details


def test_a_guardian_without_custody_cannot_consent(world: Any) -> None:
    parent = GuardianFactory(municipality=world.a, given_name="Per", family_name="Persson")
    GuardianshipFactory(child=world.child1, guardian=parent, has_custody=False)
    parties = [
        *parties_for(world.child1),
        PartyInput("guardian", GIVEN, "written", today(), guardian_id=parent.pk),
    ]
    details = invalid(world, parties=parties)
    assert details["parties-2"] == [
        "Per Persson har inte vårdnaden om barnet och kan inte samtycka för barnets räkning."
    ]


def test_a_guardian_of_another_child_is_refused(world: Any) -> None:
    stranger = GuardianFactory(municipality=world.a)
    parties = [PartyInput("guardian", GIVEN, "written", today(), guardian_id=stranger.pk)]
    assert invalid(world, parties=parties)["parties-0"] == ["Vårdnadshavaren hör inte till barnet."]


def test_an_oral_answer_names_who_received_it(world: Any) -> None:
    parties = parties_for(world.child1)
    parties[0] = dataclasses.replace(parties[0], form="oral", oral_received_by="  ")
    assert invalid(world, parties=parties)["parties-0"] == [
        "Ange vem som tog emot det muntliga svaret."
    ]
    parties[0] = dataclasses.replace(parties[0], oral_received_by="Kim Kurator")
    assert record(world, parties=parties).parties.filter(form="oral").get().oral_received_by == (
        "Kim Kurator"
    )


def test_fewer_than_two_units_is_refused(world: Any) -> None:
    assert invalid(world, unit_ids=[world.school1.pk])["units"] == [
        "Välj minst två verksamheter som får utbyta uppgifter."
    ]


def test_an_unknown_category_is_refused(world: Any) -> None:
    assert invalid(world, categories=["social_situation", "shoe_size"])["categories"] == [
        "Välj vilka uppgifter som får lämnas."
    ]
    assert invalid(world, categories=[])["categories"] == ["Välj vilka uppgifter som får lämnas."]


def test_a_unit_of_another_tenant_is_refused(world: Any) -> None:
    details = invalid(world, unit_ids=[world.school1.pk, world.team.pk, world.school_b.pk])
    assert details["units"] == ["En vald verksamhet finns inte."]


def test_several_mistakes_are_all_reported_and_nothing_saved(world: Any) -> None:
    details = invalid(
        world,
        purpose="",
        purpose_text=" ",
        direction="sideways",
        unit_ids=[],
        parties=[],
    )
    assert set(details) >= {"purpose", "purpose_text", "direction", "units", "parties"}


def test_a_repeated_request_id_returns_the_first_consent(world: Any) -> None:
    request_id = uuid.uuid4()
    first = record(world, request_id=request_id)
    before = counts()
    again = record(world, request_id=request_id, purpose_text="Något annat.")
    assert again.pk == first.pk
    assert counts() == before
    assert AuditEvent.objects.filter(event="consent.given").count() == 1


def test_adding_the_second_guardian_later_puts_it_in_force_and_is_audited(world: Any) -> None:
    first_answers = parties_for(world.child1)
    second = GuardianFactory(municipality=world.a, given_name="Bo", family_name="Andersson")
    GuardianshipFactory(child=world.child1, guardian=second)
    consent = record(world, parties=first_answers)
    views = selectors.consent_views_for_child(child=world.child1)
    assert views[0].status.state == "pending"
    assert views[0].status.missing == ("Samtycke från vårdnadshavare Bo Andersson.",)
    services.consent_party_add(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.child1.pk,
        consent_id=consent.pk,
        party=PartyInput("guardian", GIVEN, "digital", today(), guardian_id=second.pk),
    )
    assert selectors.consent_views_for_child(child=world.child1)[0].status.in_force
    assert (
        AuditEvent.objects.filter(event="consent.changed", object_id=str(consent.pk)).count() == 1
    )


def test_withdrawal_is_audited_once_and_ends_the_consent_at_once(world: Any) -> None:
    consent = record(world)
    party = consent.parties.get(kind="guardian")
    actor = actor_of(world.users["team_worker"])
    for _ in range(2):
        services.consent_party_withdraw(
            actor=actor,
            child_id=world.child1.pk,
            party_id=party.pk,
            reason="Ångrat sig.",
            reported_by="Vårdnadshavaren i telefon",
            how="oral",
        )
    party.refresh_from_db()
    assert party.withdrawal_reported_by == "Vårdnadshavaren i telefon"
    assert party.withdrawn_at is not None
    assert party.withdrawn_by_id == world.users["team_worker"].pk
    assert party.withdrawal_reason == "Ångrat sig."
    entries = AuditEvent.objects.filter(event="consent.withdrawn", object_id=str(consent.pk))
    assert entries.count() == 1
    assert entries.get().details == {"party": str(party.pk), "kind": "guardian", "how": "oral"}
    assert selectors.consent_views_for_child(child=world.child1)[0].status.state == "withdrawn"


def test_a_party_who_refused_cannot_withdraw(world: Any) -> None:
    parties = parties_for(world.child1)
    parties[1] = dataclasses.replace(parties[1], answer=REFUSED)
    consent = record(world, parties=parties)
    refused = consent.parties.get(kind="child")
    with pytest.raises(WithdrawalInvalid):
        services.consent_party_withdraw(
            actor=actor_of(world.users["counsellor"]),
            child_id=world.child1.pk,
            party_id=refused.pk,
            reason="",
        )
    assert not AuditEvent.objects.filter(event="consent.withdrawn").exists()


def test_expiry_is_audited_once_however_often_the_job_runs(world: Any) -> None:
    consent = record(world, valid_to=today())
    assert services.consent_expire_due(today=today()) == 0
    later = today() + datetime.timedelta(days=1)
    assert services.consent_expire_due(today=later) == 1
    assert services.consent_expire_due(today=later) == 0
    entries = AuditEvent.objects.filter(event="consent.expired", object_id=str(consent.pk))
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor_username == "system"
    assert entry.details == {"valid_to": today().isoformat()}
    assert selectors.consent_views_for_child(child=world.child1, today=later)[0].status.state == (
        "expired"
    )


def test_a_teacher_may_not_record_consent(world: Any) -> None:
    before = counts()
    with pytest.raises(AccessDenied):
        record(world, user="teacher")
    assert counts()[:2] == before[:2]


@pytest.mark.parametrize("user", ["teacher", "principal"])
def test_a_teacher_may_not_withdraw_but_the_principal_may(world: Any, user: str) -> None:
    party = record(world).parties.get(kind="child")
    call = lambda: services.consent_party_withdraw(  # noqa: E731
        actor=actor_of(world.users[user]), child_id=world.child1.pk, party_id=party.pk, reason=""
    )
    if user == "teacher":
        with pytest.raises(AccessDenied):
            call()
    else:
        assert call().withdrawn_at is not None


@pytest.mark.parametrize("user", ["principal_b", "principal2", "family_coordinator"])
def test_staff_who_cannot_see_the_child_get_not_found(world: Any, user: str) -> None:
    with pytest.raises(NotFound):
        record(world, user=user)


def test_staff_of_another_tenant_cannot_withdraw(world: Any) -> None:
    party = record(world).parties.get(kind="child")
    with pytest.raises(NotFound):
        services.consent_party_withdraw(
            actor=actor_of(world.users["principal_b"]),
            child_id=world.child1.pk,
            party_id=party.pk,
            reason="",
        )


def test_a_party_of_another_childs_consent_is_not_found(world: Any) -> None:
    party = record(world).parties.get(kind="child")
    with pytest.raises(NotFound):
        services.consent_party_withdraw(
            actor=actor_of(world.users["intake"]),
            child_id=world.child2.pk,
            party_id=party.pk,
            reason="",
        )


def test_the_consent_form_of_a_protected_child_carries_no_guardian_contact_details(
    world: Any,
) -> None:
    custodians = selectors.custodians_of(child=world.protected)
    assert len(custodians) == 1
    assert {f.name for f in dataclasses.fields(custodians[0])} == {"guardian_id", "name"}
    text = repr(custodians)
    for secret in ("070-999 88 77", "hemlig@example.se", "Vårdnadsvägen"):
        assert secret not in text
    consent = record(world, child_id=world.protected.pk, parties=parties_for(world.protected))
    views = selectors.consent_views_for_child(child=world.protected)
    assert views[0].consent.pk == consent.pk
    assert views[0].status.in_force


def test_each_party_field_is_checked(world: Any) -> None:
    guardian_id = parties_for(world.child1)[0].guardian_id
    details = invalid(
        world,
        parties=[
            PartyInput("neighbour", GIVEN, "written", today()),
            PartyInput("child", "maybe", "telepathy", today()),
            PartyInput("guardian", "heard", "written", today(), guardian_id=guardian_id),
            PartyInput("child", GIVEN, "written", today()),
        ],
    )
    assert details["parties-0"] == ["Välj vem svaret kommer från."]
    assert details["parties-1"] == ["Välj ett svar.", "Välj hur svaret lämnades."]
    assert details["parties-2"] == ["En vårdnadshavare samtycker eller samtycker inte."]
    assert details["parties-3"] == ["Samma part finns redan med."]


def test_an_end_date_already_passed_is_refused(world: Any) -> None:
    yesterday = today() - datetime.timedelta(days=1)
    details = invalid(world, valid_from=yesterday - datetime.timedelta(days=5), valid_to=yesterday)
    assert details["valid_to"] == ["Slutdatumet har redan passerat."]


def test_evidence_must_be_a_small_pdf_or_image(world: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")
    assert invalid(world, evidence=big)["evidence"] == ["Filen är större än 10 MB."]
    exe = SimpleUploadedFile("x.pdf", b"MZ" + b"\0" * 100, "application/pdf")
    assert invalid(world, evidence=exe)["evidence"] == [
        "Ladda upp underlaget som PDF, JPEG eller PNG."
    ]


def test_a_party_who_has_answered_cannot_answer_again(world: Any) -> None:
    consent = record(world)
    with pytest.raises(ConsentInvalid) as caught:
        services.consent_party_add(
            actor=actor_of(world.users["counsellor"]),
            child_id=world.child1.pk,
            consent_id=consent.pk,
            party=PartyInput("child", GIVEN, "written", today()),
        )
    assert caught.value.details["parties-0"] == ["Den parten har redan svarat."]
    assert consent.parties.count() == 2
