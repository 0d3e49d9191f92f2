"""The consent pages through the Django test client: recording, showing, withdrawing, and the
consents and visible basis on the child's overview.

Audit entries are appended inside the request's transaction; under the `db` fixture they are
not sealed (see children/tests/test_views.py), so the query counts leave sealing out.
"""

import datetime
import importlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children.models import Guardianship
from samverkan.children.tests.factories import GuardianFactory, GuardianshipFactory
from samverkan.consent.models import Consent, ConsentParty, ConsentPurpose
from samverkan.consent.tests import factories
from samverkan.core.models import RecordCategory
from samverkan.core.tests.draft_checks import check_database_down_keeps_words, check_sent_once

TODAY = timezone.localdate()
# session, user, actor, child, current schools, social units, consents, parties (with the
# guardian), units, custodians (also who may still answer), rule overrides.
DETAIL_QUERIES = (
    17  # +3: the audited read (savepoint, audit insert, release); +2 confirmations, recipients
)


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[str], Client]:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))
        return client

    return sign_in


def record_url(child: Any) -> str:
    return reverse("consent:record", kwargs={"child_id": child.pk})


def detail_url(consent: Consent) -> str:
    return reverse(
        "consent:detail", kwargs={"child_id": consent.child_id, "consent_id": consent.pk}
    )


def custodian_of(child: Any) -> Any:
    return Guardianship.objects.get(child=child, has_custody=True).guardian


def valid_post(world: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": str(uuid.uuid4()),
        "purpose": ConsentPurpose.INFORMATION_EXCHANGE,
        "purpose_text": "Ella behöver stöd i skolan och hemma.",
        "units": [str(world.school1.pk), str(world.team.pk)],
        "categories": [RecordCategory.SCHOOL_SITUATION, RecordCategory.SOCIAL_SITUATION],
        "direction": "both",
        "valid_from": TODAY.isoformat(),
        "valid_to": (TODAY + datetime.timedelta(days=365)).isoformat(),
        "g0_answer": "given",
        "g0_form": "written",
        "g0_given_on": TODAY.isoformat(),
        "child_answer": "given",
        "child_view": "Jag vill att skolan och socialtjänsten pratar med varandra.",
        "child_form": "oral",
        "child_given_on": TODAY.isoformat(),
        "child_oral_received_by": "Kim Kurator",
        "recipients_school": ["principal", "counsellor", "special_educator"],
        "recipients_social": ["intake_social_worker", "team_social_worker", "unit_head"],
        "evidence_kind": "oral",
        "evidence_received_by": "Kim Kurator",
        "evidence_received_on": TODAY.isoformat(),
        "evidence_how": "Vid ett möte på skolan",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_consent(
    world: Any,
    *,
    child: Any = None,
    units: tuple[Any, ...] = (),
    categories: tuple[str, ...] = (RecordCategory.SOCIAL_SITUATION,),
    valid_to: datetime.date | None = None,
) -> Consent:
    """A consent in force for child1: the custodian and the child gave it; both sides confirmed."""
    return factories.give_consent(
        child=child or world.child1,
        units=units or (world.school1, world.team),
        recorded_by=world.users["counsellor"],
        categories=categories,
        valid_to=valid_to,
    )


# The form.


def test_form_lists_custodians_by_name_and_whose_consent_is_needed(
    login: Callable[[str], Client], world: Any
) -> None:
    GuardianshipFactory(
        child=world.child1,
        guardian=GuardianFactory(municipality=world.a, given_name="Nils", phone="070-555 44 33"),
        has_custody=False,
    )
    custodian = custodian_of(world.child1)
    client = login("counsellor")

    response = client.get(record_url(world.child1))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in page
    assert f"Svar från {custodian.given_name} {custodian.family_name}" in page
    assert "Nils Testsson har inte vårdnaden och kan inte samtycka." in page
    assert "Svar från Nils" not in page
    assert "070-555" not in page
    assert custodian.phone not in page
    assert "Vems samtycke som behövs" in page
    assert "alla vårdnadshavare som har vårdnaden" in page.lower()
    # The child's current school is preselected.
    assert f'value="{world.school1.pk}" checked' in page


def test_protected_childs_guardian_is_named_without_contact_details(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")

    response = client.get(record_url(world.protected))

    page = response.content.decode()
    assert response.status_code == 200
    guardian = custodian_of(world.protected)
    assert f"{guardian.given_name} {guardian.family_name}" in page
    for secret in ("070-999", "hemlig@example.se", "Hemligvägen"):
        assert secret not in page


def test_valid_post_records_consent_with_parties_and_audit(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")

    response = client.post(record_url(world.child1), valid_post(world), follow=True)

    consent = Consent.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(consent)
    assert "Samtycket är registrerat." in response.content.decode()
    assert {u.pk for u in consent.units.all()} == {world.school1.pk, world.team.pk}
    parties = {p.kind: p for p in consent.parties.all()}
    assert parties["guardian"].guardian_id == custodian_of(world.child1).pk
    assert parties["child"].oral_received_by == "Kim Kurator"
    assert parties["child"].view.startswith("Jag vill")
    event = AuditEvent.objects.get(event="consent.given")
    assert event.object_id == str(consent.pk)


def test_double_submit_with_same_request_id_records_one_consent(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")
    data = valid_post(world)

    first = client.post(record_url(world.child1), data)
    second = client.post(record_url(world.child1), data)

    assert Consent.objects.count() == 1
    assert first.status_code == 302
    assert "Redan skickad" in second.content.decode()
    assert first["Location"] in second.content.decode()


def test_end_before_start_is_shown_at_valid_to_with_input_kept_and_nothing_saved(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")
    start = TODAY + datetime.timedelta(days=30)
    data = valid_post(
        world,
        valid_from=start.isoformat(),
        valid_to=(TODAY + datetime.timedelta(days=10)).isoformat(),
        purpose_text="Min egen text som ska finnas kvar",
    )

    response = client.post(record_url(world.child1), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Det finns ett problem" in page
    assert 'href="#id_valid_to"' in page
    assert f"Slutdatumet ligger före startdatumet. Ange ett slutdatum efter {start}" in page
    assert 'id="id_valid_to-error"' in page
    assert "Min egen text som ska finnas kvar" in page
    assert f'value="{start.isoformat()}"' in page
    assert 'value="Kim Kurator"' in page
    assert not Consent.objects.exists()
    assert not ConsentParty.objects.exists()


def test_answer_dated_in_the_future_is_refused_at_the_party(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("counsellor")
    tomorrow = TODAY + datetime.timedelta(days=1)

    response = client.post(
        record_url(world.child1), valid_post(world, g0_given_on=tomorrow.isoformat())
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Datumet för svaret ligger i framtiden" in page
    assert 'id="id_g0_answer-error"' in page
    assert not Consent.objects.exists()


def test_non_custodial_guardian_cannot_be_chosen(
    login: Callable[[str], Client], world: Any
) -> None:
    GuardianshipFactory(
        child=world.child1,
        guardian=GuardianFactory(municipality=world.a, given_name="Nils"),
        has_custody=False,
    )
    client = login("counsellor")
    # A forged answer for the guardian without custody has no field to land in.
    data = valid_post(world, g1_answer="given", g1_form="written", g1_given_on=str(TODAY))

    client.post(record_url(world.child1), data)

    consent = Consent.objects.get()
    guardians = [p.guardian_id for p in consent.parties.all() if p.kind == "guardian"]
    assert guardians == [custodian_of(world.child1).pk]


def test_oral_answer_needs_who_received_it(login: Callable[[str], Client], world: Any) -> None:
    client = login("counsellor")

    response = client.post(
        record_url(world.child1), valid_post(world, g0_form="oral", g0_oral_received_by="")
    )

    assert response.status_code == 400
    assert "Ange vem som tog emot det muntliga svaret." in response.content.decode()
    assert not Consent.objects.exists()


def test_teacher_may_not_record_consent_and_is_logged(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("teacher")

    get = client.get(record_url(world.child1))
    post = client.post(record_url(world.child1), valid_post(world))

    assert get.status_code == post.status_code == 403
    assert "Du saknar behörighet" in get.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 2
    assert not Consent.objects.exists()


def test_other_tenants_child_is_not_found(login: Callable[[str], Client], world: Any) -> None:
    client = login("counsellor")

    response = client.get(record_url(world.child_b))

    assert response.status_code == 404
    assert "Bortom" not in response.content.decode()


# The consent page.


def test_consent_page_shows_state_scope_parties_and_pdf_link(
    login: Callable[[str], Client], world: Any
) -> None:
    consent = make_consent(world)
    client = login("counsellor")

    response = client.get(detail_url(consent))

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-tag--green" in page
    assert "Gäller" in page
    assert "Ekskolan" in page
    assert "Skolsocialt team" in page
    assert "Social situation och insatser" in page
    assert "Återkallelsen gäller direkt." in page
    assert "Skriv ut samtyckesblankett (PDF)" in page
    assert "Kim Kurator" in page


def test_pending_consent_says_what_is_missing(login: Callable[[str], Client], world: Any) -> None:
    consent = make_consent(world)
    consent.parties.filter(kind="guardian").delete()
    client = login("counsellor")

    page = client.get(detail_url(consent)).content.decode()

    guardian = custodian_of(world.child1)
    assert "Det här saknas för att samtycket ska gälla:" in page
    assert f"Samtycke från vårdnadshavare {guardian.given_name} {guardian.family_name}." in page
    assert "Registrera ett svar som saknas" in page


def test_missing_guardian_answer_can_be_added(login: Callable[[str], Client], world: Any) -> None:
    consent = make_consent(world)
    consent.parties.filter(kind="guardian").delete()
    guardian = custodian_of(world.child1)
    client = login("counsellor")
    url = reverse(
        "consent:party_add", kwargs={"child_id": world.child1.pk, "consent_id": consent.pk}
    )

    response = client.post(
        url,
        {
            "party": f"guardian:{guardian.pk}",
            "answer": "given",
            "form": "digital",
            "given_on": TODAY.isoformat(),
        },
    )

    assert response.status_code == 302
    assert consent.parties.filter(guardian=guardian, answer="given").exists()
    assert AuditEvent.objects.filter(event="consent.changed").count() == 1


def test_consent_page_query_count_is_flat(login: Callable[[str], Client], world: Any) -> None:
    first = make_consent(world)
    client = login("counsellor")
    with CaptureQueriesContext(connection) as one:
        assert client.get(detail_url(first)).status_code == 200
    for _ in range(4):
        make_consent(world)
    with CaptureQueriesContext(connection) as five:
        assert client.get(detail_url(first)).status_code == 200

    assert len(one) == len(five) == DETAIL_QUERIES


def test_consent_of_another_child_is_not_found(login: Callable[[str], Client], world: Any) -> None:
    consent = make_consent(world)
    client = login("counsellor")
    url = reverse(
        "consent:detail", kwargs={"child_id": world.protected.pk, "consent_id": consent.pk}
    )

    assert client.get(url).status_code == 404


def test_pdf_link_returns_an_attachment(login: Callable[[str], Client], world: Any) -> None:
    reports = importlib.import_module("samverkan.consent.reports")
    if not hasattr(reports, "consent_form_pdf"):
        pytest.skip("consent.reports.consent_form_pdf is not written yet")
    consent = make_consent(world)
    client = login("counsellor")
    url = reverse(
        "consent:form_pdf", kwargs={"child_id": world.child1.pk, "consent_id": consent.pk}
    )

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="samtycke-{TODAY}.pdf"'
    assert response.content.startswith(b"%PDF")


# Withdrawal and the visible basis on the overview.


def test_withdrawal_stops_sharing_on_the_next_overview_load(
    login: Callable[[str], Client], world: Any
) -> None:
    consent = make_consent(world)
    social_note = world.notes["social"]
    client = login("counsellor")
    overview = reverse("children:detail", kwargs={"child_id": world.child1.pk})

    before = client.get(overview).content.decode()
    assert f">{social_note.title}<" in before
    until = consent.valid_to.isoformat()
    assert (
        f"Delas med stöd av samtycke (Informationsutbyte mellan skola och socialtjänst) "
        f"t.o.m. {until}." in before
    )
    assert detail_url(consent) in before
    assert "Registrera samtycke" in before

    party = consent.parties.get(kind="guardian")
    url = reverse(
        "consent:party_withdraw",
        kwargs={"child_id": world.child1.pk, "consent_id": consent.pk, "party_id": party.pk},
    )
    response = client.post(
        url,
        {
            f"{party.pk}-reason": "Vill inte längre.",
            f"{party.pk}-reported_by": "Mamma i telefon",
            f"{party.pk}-how": "oral",
        },
    )

    assert response.status_code == 302
    party.refresh_from_db()
    assert party.withdrawn_at is not None
    assert party.withdrawal_reason == "Vill inte längre."
    assert party.withdrawal_reported_by == "Mamma i telefon"
    assert party.withdrawal_form == "oral"
    assert AuditEvent.objects.filter(event="consent.withdrawn").count() == 1
    after = client.get(overview).content.decode()
    assert f">{social_note.title}<" not in after
    assert "Delas med stöd av samtycke" not in after
    assert "Återkallat" in after


def test_overview_lists_consents_and_hides_record_link_from_teacher(
    login: Callable[[str], Client], world: Any
) -> None:
    make_consent(world, valid_to=TODAY + datetime.timedelta(days=5))
    expired = make_consent(world)
    Consent.objects.filter(pk=expired.pk).update(
        valid_from=TODAY - datetime.timedelta(days=100), valid_to=TODAY - datetime.timedelta(days=1)
    )
    client = login("teacher")

    page = client.get(reverse("children:detail", kwargs={"child_id": world.child1.pk})).content
    text = page.decode()

    assert "Samtycken" in text
    assert "Har gått ut" in text
    assert "Gäller" in text
    assert "Registrera samtycke" not in text


def test_opening_a_consent_is_an_audited_read(login: Callable[[str], Client], world: Any) -> None:
    consent = make_consent(world)
    client = login("counsellor")

    response = client.get(detail_url(consent))

    assert response.status_code == 200
    entry = AuditEvent.objects.get(event="consent.viewed")
    assert entry.action == AuditAction.VIEW
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.object_id == str(consent.pk)


def test_the_consent_form_keeps_its_words_and_is_recorded_once(
    login: Callable[[str], Client], world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #11: the shared draft (core.drafts) on the consent form."""
    client = login("counsellor")
    data = valid_post(world)

    check_sent_once(client, record_url(world.child1), data)
    down = Client(raise_request_exception=False)
    down.force_login(world.users["counsellor"])
    check_database_down_keeps_words(
        down, record_url(world.child1), data, [data["purpose_text"]], monkeypatch
    )

    assert Consent.objects.count() == 1
