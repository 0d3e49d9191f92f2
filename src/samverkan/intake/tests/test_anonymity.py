"""Anonymity that holds (issue #14, R1.2): what is shaped like an identity number never
reaches an anonymous consultation, whatever its check digit or separators."""

from typing import Any

import pytest

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children import policies as child_policies
from samverkan.children.identity import is_valid_identity_number
from samverkan.children.models import Child, ProtectionMarking
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory
from samverkan.core.errors import AccessDenied, NotFound
from samverkan.intake import policies, selectors, services, text_checks
from samverkan.intake.errors import (
    ActionInvalid,
    AlreadyRecorded,
    PossibleName,
    SubmissionInvalid,
)
from samverkan.intake.models import MASK, ChildSource, Consultation, ConsultationRedaction
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


# ---------------------------------------------------------------------------------------------
# A report about any child (issue #14, finding 2)


def _report(world: Any, user: str = "teacher", **changes: Any) -> Any:
    values: dict[str, Any] = {
        "school_id": world.school1.pk,
        "child_id": None,
        "observed": "Syskonet på förskolan berättade om slag hemma.",
        "situation": "Barnet är på förskolan i dag.",
        "needs_protection_now": "unknown",
        "guardians_informed": "no",
    }
    values.update(changes)
    return services.report_submit(actor=actor_of(world.users[user]), **values)


def _protected_at_school2(world: Any) -> Any:
    child = ChildFactory(
        municipality=world.a,
        given_name="Hemlig",
        family_name="Person",
        protection_marking=ProtectionMarking.PROTECTED_REGISTRATION,
    )
    EnrolmentFactory(child=child, school=world.school2)
    return child


def test_a_register_child_at_another_school_is_found_by_full_number_with_name_and_age(
    world: Any,
) -> None:
    actor = actor_of(world.users["teacher"])  # school1; child2 goes to school2
    match = services.register_lookup(actor=actor, number=world.child2.identity_number)
    assert match.name == "Olle Berg"
    assert match.age is not None
    assert not match.protected
    event = AuditEvent.objects.get(event=services.REGISTER_LOOKUP_EVENT)
    assert event.actor_user_id == world.users["teacher"].pk
    assert event.child_ids == [str(world.child2.pk)]
    assert event.details == {"found": True}


def test_a_protected_child_shows_nothing_but_can_be_reported(world: Any, client: Any) -> None:
    child = _protected_at_school2(world)
    actor = actor_of(world.users["teacher"])
    match = services.register_lookup(actor=actor, number=child.identity_number)
    assert match.protected
    assert match.name == ""
    assert match.age is None
    item = _report(world, child_source="register", register_number=child.identity_number)
    assert item.child_id == child.pk
    assert item.child_as_sent == ""
    client.force_login(world.users["teacher"])
    page = client.get(f"/kontakta-socialtjansten/skickat/{item.pk}/").content.decode()
    assert "Hemlig" not in page
    assert "Anmälan kan göras; uppgifter om barnet visas inte" in page


@pytest.mark.parametrize(
    "number",
    ["", "Olle", "0101", "20150312-123", "20150312-1234"],  # partial, a name, a bad check digit
)
def test_the_lookup_needs_the_exact_full_number(world: Any, number: str) -> None:
    with pytest.raises(SubmissionInvalid) as caught:
        services.register_lookup(actor=actor_of(world.users["teacher"]), number=number)
    assert "register_number" in caught.value.details


def test_a_partial_number_of_a_real_child_finds_nothing(world: Any) -> None:
    with pytest.raises(SubmissionInvalid):
        services.register_lookup(
            actor=actor_of(world.users["teacher"]), number=world.child2.identity_number[:8]
        )
    assert AuditEvent.objects.get(event=services.REGISTER_LOOKUP_EVENT).details == {"found": False}


def test_the_lookup_is_limited_per_user_per_hour(world: Any, settings: Any) -> None:
    settings.INTAKE_REGISTER_LOOKUPS_PER_HOUR = 2
    teacher = actor_of(world.users["teacher"])
    for _ in range(2):
        services.register_lookup(actor=teacher, number=world.child2.identity_number)
    with pytest.raises(SubmissionInvalid) as caught:
        services.register_lookup(actor=teacher, number=world.child2.identity_number)
    assert "gränsen" in str(caught.value.details["register_number"][0])
    # Another user has their own limit.
    services.register_lookup(
        actor=actor_of(world.users["counsellor"]), number=world.child2.identity_number
    )


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("teacher", True),
        ("counsellor", True),
        ("principal", True),
        ("intake", False),
        ("team_worker", False),
        ("admin", False),
        ("steering", False),
        ("log_reviewer", False),
    ],
)
def test_who_may_look_up_the_register_and_describe_a_child(
    world: Any, user: str, allowed: bool
) -> None:
    actor = actor_of(world.users[user])
    assert policies.can_look_up_register(actor).allowed is allowed
    assert policies.can_report_provisional_child(actor).allowed is allowed
    if not allowed:
        with pytest.raises(AccessDenied):
            services.register_lookup(actor=actor, number=world.child2.identity_number)
        assert not AuditEvent.objects.filter(event=services.REGISTER_LOOKUP_EVENT).exists()


def test_a_report_about_a_register_child_at_another_school(world: Any, client: Any) -> None:
    item = _report(world, child_source="register", register_number=world.child2.identity_number)
    assert item.child_id == world.child2.pk
    assert item.school_id == world.school1.pk  # sent from the reporter's school
    assert item.child_source == ChildSource.REGISTER
    # The sender sees what they sent; the sending school's principal sees the item;
    # the child's own school sees nothing of it.
    client.force_login(world.users["principal"])
    page = client.get(f"/kontakta-socialtjansten/skickat/{item.pk}/")
    assert page.status_code == 200
    client.force_login(world.users["principal2"])
    assert client.get(f"/kontakta-socialtjansten/skickat/{item.pk}/").status_code == 404


def _provisional(world: Any, **changes: Any) -> Any:
    values = {
        "name": "Noah",
        "birth_date": None,
        "age": 4,
        "known": "Lillebror till Ella, bor med mamma, nyinflyttad.",
    }
    values.update(changes)
    return _report(world, child_source="provisional", provisional=values)


def test_a_report_about_a_child_not_in_the_register_makes_a_flagged_provisional_child(
    world: Any, client: Any
) -> None:
    item = _provisional(world)
    assert item.child.is_provisional
    assert item.child.identity_number == ""
    assert item.child_unresolved
    assert "Noah" in item.child_as_sent
    assert item.provisional_known.startswith("Lillebror")
    # No school sees the provisional child.
    assert not Child.objects.filter(
        child_policies.children_visible_to(actor_of(world.users["principal"])),
        pk=item.child_id,
    ).exists()
    client.force_login(world.users["intake"])
    page = client.get("/mottagning/").content.decode()
    assert "Finns inte i registret" in page
    page = client.get(f"/mottagning/arenden/{item.pk}/").content.decode()
    assert "Lillebror till Ella" in page
    assert "Koppla till barnet i registret" in page


def test_a_provisional_child_needs_a_name_and_a_birth_date_or_an_age(world: Any) -> None:
    with pytest.raises(SubmissionInvalid) as caught:
        _provisional(world, name="", age=None)
    assert set(caught.value.details) == {"provisional_name", "provisional_birth_date"}
    assert not Child.objects.filter(is_provisional=True).exists()


def test_intake_links_the_provisional_child_and_the_sender_sees_only_what_was_sent(
    world: Any, client: Any
) -> None:
    item = _provisional(world)
    provisional_id = item.child_id
    services.item_resolve_child(
        actor=actor_of(world.users["intake"]),
        item_id=item.pk,
        register_number=world.child2.identity_number,
    )
    item.refresh_from_db()
    assert item.child_id == world.child2.pk
    assert item.provisional_child_id == provisional_id
    assert not item.child_unresolved
    event = AuditEvent.objects.get(event="intake.child_linked")
    assert event.actor_user_id == world.users["intake"].pk
    assert set(event.child_ids) == {str(world.child2.pk), str(provisional_id)}
    # The same link again is harmless; another is refused.
    services.item_resolve_child(
        actor=actor_of(world.users["intake"]),
        item_id=item.pk,
        register_number=world.child2.identity_number,
    )
    with pytest.raises(AlreadyRecorded):
        services.item_resolve_child(
            actor=actor_of(world.users["intake"]), item_id=item.pk, keep=True
        )
    for user in ("teacher", "principal"):
        client.force_login(world.users[user])
        page = client.get(f"/kontakta-socialtjansten/skickat/{item.pk}/").content.decode()
        assert "Noah" in page
        assert "Olle" not in page


def test_intake_keeps_the_child_as_not_registered(world: Any) -> None:
    item = _provisional(world)
    services.item_resolve_child(actor=actor_of(world.users["intake"]), item_id=item.pk, keep=True)
    item.refresh_from_db()
    assert item.child_resolved_at is not None
    assert item.child_id == item.provisional_child_id
    assert AuditEvent.objects.filter(event="intake.child_kept_unregistered").exists()


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        ("intake", True),
        ("unit_head", True),
        ("team_worker", False),
        ("family_coordinator", False),
        ("teacher", False),
        ("principal", False),
        ("admin", False),
    ],
)
def test_who_may_link_a_provisional_child(world: Any, user: str, allowed: bool) -> None:
    item = _provisional(world)
    actor = actor_of(world.users[user])
    assert policies.can_resolve_child(actor, selectors.item_ref(item)).allowed is allowed
    if not allowed:
        with pytest.raises((AccessDenied, NotFound)):
            services.item_resolve_child(
                actor=actor, item_id=item.pk, register_number=world.child2.identity_number
            )
        item.refresh_from_db()
        assert item.child_unresolved
        assert not AuditEvent.objects.filter(event="intake.child_linked").exists()


def test_the_principal_of_another_tenant_may_not_link(world: Any) -> None:
    item = _provisional(world)
    with pytest.raises((AccessDenied, NotFound)):
        services.item_resolve_child(
            actor=actor_of(world.users["principal_b"]), item_id=item.pk, keep=True
        )


# ---------------------------------------------------------------------------------------------
# The link from consultation to report (issue #14, finding 3)


def test_converting_carries_the_question_and_intake_sees_the_link(world: Any, client: Any) -> None:
    consultation = _consultation(world, "Barnet är ofta hungrigt och har blåmärken. Vad gör vi?")
    client.force_login(world.users["counsellor"])
    page = client.get(f"/kontakta-socialtjansten/orosanmalan/?konsultation={consultation.pk}")
    assert page.status_code == 200
    assert page.context["form"]["observed"].value() == consultation.question
    assert "Barnet är ofta hungrigt och har blåmärken." in page.content.decode()
    item = _report(
        world,
        user="counsellor",
        child_id=world.child1.pk,
        observed="Barnet är ofta hungrigt och har blåmärken. I dag sa barnet att pappa slår.",
        consultation_id=consultation.pk,
    )
    client.force_login(world.users["intake"])
    item_page = client.get(f"/mottagning/arenden/{item.pk}/").content.decode()
    assert consultation.reference in item_page
    assert f"/mottagning/konsultationer/{consultation.pk}/" in item_page
    consultation_page = client.get(
        f"/mottagning/konsultationer/{consultation.pk}/"
    ).content.decode()
    assert item.reference in consultation_page
    assert f"/mottagning/arenden/{item.pk}/" in consultation_page
    api = client.get(f"/api/intake/items/{item.pk}").json()
    assert api["consultation_reference"] == consultation.reference
    # The consultation itself stays anonymous: no child on it.
    consultation.refresh_from_db()
    assert world.child1.full_name not in consultation.question


def test_the_api_looks_up_the_register_and_reports_a_provisional_child(
    world: Any, client: Any
) -> None:
    client.force_login(world.users["teacher"])
    found = client.post(
        "/api/intake/register-lookup",
        {"number": world.child2.identity_number},
        content_type="application/json",
    )
    assert found.status_code == 200
    assert found.json() == {"name": "Olle Berg", "age": found.json()["age"], "protected": False}
    sent = client.post(
        "/api/intake/reports",
        {
            "school_id": str(world.school1.pk),
            "observed": "Ett syskon berättade om slag hemma.",
            "situation": "Okänt.",
            "needs_protection_now": "unknown",
            "guardians_informed": "no",
            "child_source": "provisional",
            "provisional_name": "Noah",
            "provisional_age": 4,
        },
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    assert "Noah" not in sent.content.decode()  # the receipt carries no child data
    client.force_login(world.users["intake"])
    denied = client.post(
        "/api/intake/register-lookup",
        {"number": world.child2.identity_number},
        content_type="application/json",
    )
    assert denied.status_code == 403
