"""An adult of a family consents for their own part (issue 12, 3; R2.3, R2.6): recorded on the
episode by the team's staff, with evidence, on the child's consent to the service; denied for
everyone else; a family coordination episode then starts. A young person of 18–20 consents
alone."""

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children.models import Guardian, Guardianship
from samverkan.consent.models import ConsentParty
from samverkan.consent.services import EvidenceInput
from samverkan.consent.tests.factories import give_consent
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.support import selectors, services
from samverkan.support.errors import EpisodeInvalid
from samverkan.support.models import Episode, EpisodeSubject
from samverkan.support.tests.factories import episode
from samverkan.support.tests.test_views import _client

ORAL = EvidenceInput(
    "oral", received_by="Familjeombud Test", received_on=datetime.date(2026, 1, 5), how="Hembesök"
)
OUTCOME = services.OutcomeInput(family_rating=2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _family(sw: Any, *, mandate: bool = True) -> tuple[Episode, Guardian]:
    """An accepted family coordination episode of the other team about child1, its family
    coordinator a member, the child's guardians listed as the family's adults; with `mandate`
    the guardians' and the child's consent of the type's purpose naming the team."""
    w = sw.world
    ep = episode(
        child=w.child1,
        team=w.other_team,
        status=Episode.Status.ACCEPTED,
        code="family_coordination",
        members=((w.users["family_coordinator"], Role.FAMILY_COORDINATOR),),
    )
    ep.subject_kind = Episode.SubjectKind.FAMILY
    ep.save(update_fields=["subject_kind"])
    adults = list(Guardian.objects.filter(guardianships__child=w.child1).order_by("pk"))
    for adult in adults:
        EpisodeSubject.objects.create(episode=ep, adult=adult)
    if mandate:
        give_consent(
            child=w.child1,
            units=[w.school1, w.other_team],
            recorded_by=w.users["family_coordinator"],
            purpose="family_mandate",
        )
    return ep, adults[0]


def _all_adults_consent(sw: Any, ep: Episode) -> None:
    coordinator = actor_of(sw.world.users["family_coordinator"])
    for pk, _name, _given in selectors.adult_consents(episode=ep).adults:
        services.adult_consent_record(
            actor=coordinator, episode_id=ep.pk, adult_id=pk, answer="given", proof=ORAL
        )


def test_the_family_episode_starts_only_when_each_adult_consented_for_their_own_part(
    sw: Any,
) -> None:
    ep, _adult = _family(sw)
    coordinator = actor_of(sw.world.users["family_coordinator"])
    today = timezone.localdate()

    with pytest.raises(EpisodeInvalid) as raised:
        services.episode_start(
            actor=coordinator, episode_id=ep.pk, started_on=today, outcome=OUTCOME
        )
    assert any("för egen del" in m for m in raised.value.details["consent"])

    _all_adults_consent(sw, ep)
    services.episode_start(actor=coordinator, episode_id=ep.pk, started_on=today, outcome=OUTCOME)

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACTIVE
    parties = ConsentParty.objects.filter(kind=ConsentParty.Kind.ADULT)
    # A guardian answers for the child and, beside it, for their own part.
    assert parties.count() == len(selectors.adult_consents(episode=ep).adults)
    assert {p.oral_how for p in parties} == {"Hembesök"}
    events = AuditEvent.objects.filter(event="support.adult_consent_recorded")
    assert events.count() == parties.count()


def test_a_repeat_records_one_answer(sw: Any) -> None:
    ep, adult = _family(sw)
    coordinator = actor_of(sw.world.users["family_coordinator"])

    first = services.adult_consent_record(
        actor=coordinator, episode_id=ep.pk, adult_id=adult.pk, answer="given", proof=ORAL
    )
    again = services.adult_consent_record(
        actor=coordinator, episode_id=ep.pk, adult_id=adult.pk, answer="given", proof=ORAL
    )

    assert first.pk == again.pk
    assert AuditEvent.objects.filter(event="support.adult_consent_recorded").count() == 1


@pytest.mark.parametrize(
    ("proof", "field"),
    [
        (EvidenceInput("oral", received_by="", received_on=None, how=""), "evidence_received_by"),
        (
            EvidenceInput("oral", received_by="X", received_on=None, how="Möte"),
            "evidence_received_on",
        ),
        (
            EvidenceInput("oral", received_by="X", received_on=datetime.date(2026, 1, 1), how=""),
            "evidence_how",
        ),
        (EvidenceInput("signed_form", received_on=datetime.date(2026, 1, 1)), "evidence"),
        (EvidenceInput(""), "evidence_kind"),
    ],
)
def test_an_answer_without_evidence_saves_nothing(
    sw: Any, proof: EvidenceInput, field: str
) -> None:
    ep, adult = _family(sw)

    with pytest.raises(EpisodeInvalid) as raised:
        services.adult_consent_record(
            actor=actor_of(sw.world.users["family_coordinator"]),
            episode_id=ep.pk,
            adult_id=adult.pk,
            answer="given",
            proof=proof,
        )

    assert field in raised.value.details
    assert not ConsentParty.objects.filter(kind=ConsentParty.Kind.ADULT).exists()


def test_without_the_childs_consent_the_adult_is_told_to_record_it_first(sw: Any) -> None:
    ep, adult = _family(sw, mandate=False)

    with pytest.raises(EpisodeInvalid) as raised:
        services.adult_consent_record(
            actor=actor_of(sw.world.users["family_coordinator"]),
            episode_id=ep.pk,
            adult_id=adult.pk,
            answer="given",
            proof=ORAL,
        )

    assert "Registrera först samtycket" in raised.value.details["adult"][0]


def test_someone_outside_the_family_is_refused(sw: Any) -> None:
    ep, _adult = _family(sw)
    stranger = Guardian.objects.exclude(guardianships__child=sw.world.child1).first()
    assert stranger is not None

    with pytest.raises(EpisodeInvalid):
        services.adult_consent_record(
            actor=actor_of(sw.world.users["family_coordinator"]),
            episode_id=ep.pk,
            adult_id=stranger.pk,
            answer="given",
            proof=ORAL,
        )


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("other_lead", None),  # the work lead of the episode's own team: allowed
        ("family_coordinator", None),
        ("work_lead", NotFound),  # another team
        ("team_worker", NotFound),
        ("intake", NotFound),
        ("principal", NotFound),
        ("unit_head", AccessDenied),  # reads the team's records, records no consent
        ("principal_b", NotFound),  # another municipality
    ],
)
def test_who_records_an_adults_consent(sw: Any, user: str, error: Any) -> None:
    ep, adult = _family(sw)

    def record() -> Any:
        return services.adult_consent_record(
            actor=actor_of(sw.users[user]),
            episode_id=ep.pk,
            adult_id=adult.pk,
            answer="given",
            proof=ORAL,
        )

    if error is None:
        assert record().kind == ConsentParty.Kind.ADULT
    else:
        with pytest.raises(error):
            record()
        assert not ConsentParty.objects.filter(kind=ConsentParty.Kind.ADULT).exists()


def test_a_young_person_of_18_to_20_consents_alone(sw: Any) -> None:
    """Network work serves 0–20 (R2.5): a 19-year-old's own consent starts it, no guardian."""
    w = sw.world
    w.child1.birth_date = timezone.localdate() - datetime.timedelta(days=19 * 365 + 30)
    w.child1.save(update_fields=["birth_date"])
    ep = episode(
        child=w.child1,
        team=sw.consent_team,
        status=Episode.Status.ACCEPTED,
        code="network_work",
        members=((sw.users["consent_worker"], Role.NETWORK_WORKER),),
    )
    consent = give_consent(
        child=w.child1,
        units=[w.school1, sw.consent_team],
        recorded_by=sw.users["consent_worker"],
        purpose="support_service",
    )
    consent.parties.filter(kind="guardian").delete()
    assert Guardianship.objects.filter(child=w.child1, has_custody=True).exists()

    services.episode_start(
        actor=actor_of(sw.users["consent_worker"]),
        episode_id=ep.pk,
        started_on=timezone.localdate(),
        outcome=OUTCOME,
    )

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACTIVE
    assert ep.service_consent_id == consent.pk


# --- The page and the API


def test_the_page_records_a_signed_form_and_keeps_what_was_typed_on_bad_input(sw: Any) -> None:
    ep, adult = _family(sw)
    client = _client(sw.world.users["family_coordinator"])
    url = reverse("support:adult_consent", args=[ep.pk])
    page = client.get(reverse("support:episode", args=[ep.pk])).content.decode()
    assert "De vuxnas samtycke för egen del" in page

    bad = client.post(
        url,
        {
            "adult-version": "1",
            "adult-adult": str(adult.pk),
            "adult-answer": "given",
            "adult-evidence_kind": "oral",
            "adult-evidence_received_by": "Kim Ombud",
        },
    )
    good = client.post(
        url,
        {
            "adult-version": "1",
            "adult-adult": str(adult.pk),
            "adult-answer": "given",
            "adult-evidence_kind": "signed_form",
            "adult-evidence_received_on": "2026-01-05",
            "adult-evidence": SimpleUploadedFile("blankett.pdf", PDF, "application/pdf"),
        },
    )

    assert bad.status_code == 400
    assert "Kim Ombud" in bad.content.decode()
    assert "Ange hur samtycket lämnades" in bad.content.decode()
    assert good.status_code == 302
    party = ConsentParty.objects.get(kind=ConsentParty.Kind.ADULT, guardian=adult)
    assert party.form == "written"
    assert party.evidence.name


@pytest.mark.parametrize(("user", "status"), [("unit_head", 403), ("work_lead", 404)])
def test_the_page_refuses_others(sw: Any, user: str, status: int) -> None:
    ep, adult = _family(sw)

    response = _client(sw.users[user]).post(
        reverse("support:adult_consent", args=[ep.pk]),
        {
            "adult-version": "1",
            "adult-adult": str(adult.pk),
            "adult-answer": "given",
            "adult-evidence_kind": "oral",
            "adult-evidence_received_by": "X",
            "adult-evidence_received_on": "2026-01-05",
            "adult-evidence_how": "Möte",
        },
    )

    assert response.status_code == status
    assert not ConsentParty.objects.filter(kind=ConsentParty.Kind.ADULT).exists()


def test_the_api_records_an_oral_answer_and_lists_who_is_missing(sw: Any) -> None:
    ep, adult = _family(sw)
    url = f"/api/support/episodes/{ep.pk}/adult-consent"
    body = {
        "adult_id": str(adult.pk),
        "evidence": {"received_by": "Kim Ombud", "received_on": "2026-01-05", "how": "Telefon"},
    }

    done = _client(sw.world.users["family_coordinator"]).post(
        url, body, content_type="application/json"
    )
    refused = _client(sw.users["work_lead"]).post(url, body, content_type="application/json")

    assert done.status_code == 200
    assert done.json()["answer"] == "given"
    assert str(adult.pk) not in done.json()["missing_adult_ids"]
    assert refused.status_code == 404
