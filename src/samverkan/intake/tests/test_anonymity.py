"""Anonymity that holds (issue #14, R1.2): what is shaped like an identity number never
reaches an anonymous consultation, whatever its check digit or separators."""

from typing import Any

import pytest

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children.identity import is_valid_identity_number
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.intake import policies, services, text_checks
from samverkan.intake.errors import ActionInvalid, PossibleName, SubmissionInvalid
from samverkan.intake.models import MASK, Consultation, ConsultationRedaction
from samverkan.notifications.models import Notification

# Each example of issue #14, finding 1: all were accepted and stored before.
REFUSED = [
    "Vi undrar om 20150312-1234, som ofta kommer hungrig.",  # date-shaped, wrong check digit
    "Eleven 2018-01-01-4398 berättar om bråk hemma.",  # a real number written another way
    "Gäller 20180101-4399, en digit fel.",  # one digit off
    "Ella Andersson 201801014398 har blåmärken.",  # a name with a full personnummer
    "Barnet, 180101 4398, är ofta trött.",
    "Samordningsnummer 150372-1234 i ansökan.",  # day 61-91
    "Födelsedatum 2015.03.12.1234",
]
ALLOWED = [
    "Ring mig på 070-123 45 67 eller +46 70 123 45 67.",
    "Det gäller samma sak som ANM-2026-000042.",
    "Eleven har 12 frånvarodagar sedan 2026-03-12 kl 14.30.",
    "Ärendet KONS-2026-000113 är besvarat.",
]


@pytest.mark.parametrize("text", REFUSED)
def test_identity_shaped_text_is_found_whatever_the_check_digit(text: str) -> None:
    assert text_checks.contains_identity_number(text)


def test_the_examples_are_invalid_numbers_or_written_oddly() -> None:
    # The refusal does not rest on the check digit: these do not parse as valid numbers.
    assert not is_valid_identity_number("20150312-1234")
    assert not is_valid_identity_number("20180101-4399")
    assert not is_valid_identity_number("2018-01-01-4398")


@pytest.mark.parametrize("text", ALLOWED)
def test_phone_numbers_references_and_dates_pass(text: str) -> None:
    assert not text_checks.contains_identity_number(text)


@pytest.mark.parametrize("text", REFUSED)
def test_the_consultation_refuses_identity_shaped_text_and_stores_nothing(
    world: Any, text: str
) -> None:
    actor = actor_of(world.users["counsellor"])
    with pytest.raises(SubmissionInvalid) as caught:
        services.consultation_submit(
            actor=actor,
            school_id=world.school1.pk,
            age_group="13-15",
            question=text,
            names_confirmed=True,
        )
    message = str(caught.value.details["question"][0])
    assert "personnummer" in message
    assert "datum följt av fyra siffror" in message  # it says why
    assert Consultation.objects.count() == 0


def test_a_street_address_is_warned_and_needs_confirming(world: Any) -> None:
    actor = actor_of(world.users["counsellor"])
    text = "Familjen bor på Storgatan 12 och barnet är ofta ensamt."
    assert text_checks.possible_street_addresses(text) == ["Storgatan 12"]
    with pytest.raises(PossibleName) as caught:
        services.consultation_submit(
            actor=actor, school_id=world.school1.pk, age_group="6-9", question=text
        )
    assert "Storgatan 12" in str(caught.value.details["question"][0])
    consultation = services.consultation_submit(
        actor=actor,
        school_id=world.school1.pk,
        age_group="6-9",
        question=text,
        names_confirmed=True,
    )
    assert consultation.question == text


def test_the_form_keeps_the_text_and_explains_at_the_field(world: Any, client: Any) -> None:
    client.force_login(world.users["counsellor"])
    page = client.get("/kontakta-socialtjansten/konsultation/")
    token = page.context["form"]["request_id"].value()
    text = "Vi undrar om 20150312-1234, som ofta kommer hungrig."
    response = client.post(
        "/kontakta-socialtjansten/konsultation/",
        {
            "school": str(world.school1.pk),
            "age_group": "6-9",
            "question": text,
            "request_id": token,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert text in body
    assert "datum följt av fyra siffror" in body
    assert Consultation.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Redaction by intake (issue #14, build 2)


def _consultation(world: Any, text: str = "Hur gör vi när Kalle Svensson ofta är hungrig?") -> Any:
    return services.consultation_submit(
        actor=actor_of(world.users["counsellor"]),
        school_id=world.school1.pk,
        age_group="6-9",
        question=text,
        names_confirmed=True,
    )


def test_intake_masks_a_passage_that_then_shows_nowhere(world: Any, client: Any) -> None:
    consultation = _consultation(world)
    services.consultation_redact(
        actor=actor_of(world.users["intake"]),
        consultation_id=consultation.pk,
        passage="Kalle Svensson",
        reason="Ett namn kan identifiera barnet.",
    )
    consultation.refresh_from_db()
    assert "Kalle Svensson" not in consultation.question
    assert MASK in consultation.question
    # Logged with who and why, never the passage.
    event = AuditEvent.objects.get(event="intake.consultation_redacted")
    assert event.actor_user_id == world.users["intake"].pk
    assert event.details["reason"] == "Ett namn kan identifiera barnet."
    assert "Kalle" not in str(event.details)
    # Neither intake's page, the asker's page nor the API shows it; the asker sees why.
    client.force_login(world.users["intake"])
    page = client.get(f"/mottagning/konsultationer/{consultation.pk}/").content.decode()
    assert "Kalle Svensson" not in page
    assert MASK in page
    client.force_login(world.users["counsellor"])
    page = client.get(
        f"/kontakta-socialtjansten/konsultationer/{consultation.pk}/"
    ).content.decode()
    assert "Kalle Svensson" not in page
    assert "Ett namn kan identifiera barnet." in page
    assert "maskerade ett avsnitt" in page
    sent = client.get("/api/intake/sent").content.decode()
    assert "Kalle Svensson" not in sent
    assert Notification.objects.filter(
        recipient=world.users["counsellor"], kind=services.NOTIFY_REDACTED
    ).exists()


def test_a_passage_not_in_the_question_is_refused_and_nothing_is_saved(world: Any) -> None:
    consultation = _consultation(world)
    with pytest.raises(ActionInvalid) as caught:
        services.consultation_redact(
            actor=actor_of(world.users["intake"]),
            consultation_id=consultation.pk,
            passage="Lisa",
            reason="",
        )
    assert set(caught.value.details) == {"passage", "reason"}
    assert not ConsultationRedaction.objects.exists()


@pytest.mark.parametrize("user", ["counsellor", "principal", "team_worker", "admin", "steering"])
def test_only_the_receiving_unit_may_mask(world: Any, user: str) -> None:
    consultation = _consultation(world)
    with pytest.raises((NotFound, AccessDenied)):
        services.consultation_redact(
            actor=actor_of(world.users[user]),
            consultation_id=consultation.pk,
            passage="Kalle Svensson",
            reason="Namn",
        )
    consultation.refresh_from_db()
    assert "Kalle Svensson" in consultation.question


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("intake", True),
        ("unit_head", True),
        ("team_worker", False),
        ("family_coordinator", False),
        ("counsellor", False),
        ("principal", False),
    ],
)
def test_redaction_policy(world: Any, user: str, allowed: bool) -> None:
    decision = policies.can_redact_consultation(
        actor_of(world.users[user]), world.intake.pk, world.a.pk
    )
    assert decision.allowed is allowed


def test_intake_asks_the_asker_for_a_report_instead(world: Any, client: Any) -> None:
    consultation = _consultation(world, "Barnet berättar om slag hemma. Vad gör vi?")
    services.consultation_ask_for_report(
        actor=actor_of(world.users["intake"]), consultation_id=consultation.pk, note="Anmäl gärna."
    )
    services.consultation_ask_for_report(  # twice is harmless
        actor=actor_of(world.users["intake"]), consultation_id=consultation.pk, note="Igen"
    )
    consultation.refresh_from_db()
    assert consultation.report_asked_note == "Anmäl gärna."
    client.force_login(world.users["counsellor"])
    page = client.get(
        f"/kontakta-socialtjansten/konsultationer/{consultation.pk}/"
    ).content.decode()
    assert "Socialtjänsten ber dig göra en orosanmälan" in page
    with pytest.raises((NotFound, AccessDenied)):
        services.consultation_ask_for_report(
            actor=actor_of(world.users["principal"]), consultation_id=consultation.pk, note=""
        )
