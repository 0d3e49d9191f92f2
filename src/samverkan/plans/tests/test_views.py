"""SIP pages through the client: calling, the plan, editing, agreeing, history, the PDF, the
refusals, bad input kept at its field, and pinned query counts."""

import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.plans import services
from samverkan.plans.models import CoordinatedPlan, PlanVersion
from samverkan.plans.tests.factories import agreed_sip, called_sip, content, region_of

# Session, user and actor (3); the plan with its participants, versions, goals and
# interventions (5); the child's consents with their parties, units, confirmations and
# recipients in one query, the custodians, the rule overrides (3); the audited read
# (savepoint, insert, release: 3); the header's notification count (1); the meetings and what
# was sent (2). Flat in the number of participants, goals, versions, meetings and sendings.
DETAIL_QUERIES = 17


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[str], Client]:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))
        return client

    return sign_in


def detail_url(plan: CoordinatedPlan) -> str:
    return reverse("plans:detail", kwargs={"plan_id": plan.pk})


def test_counsellor_calls_a_sip_through_the_form(login: Any, world: Any) -> None:
    client = login("counsellor")
    region = region_of(world)
    url = reverse("plans:call", kwargs={"child_id": world.child1.pk})
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "reason": "Eleven är ofta borta.",
            "request_id": str(uuid.uuid4()),
            "participants-0-unit": str(world.team.pk),
            "participants-0-person": str(world.users["team_worker"].pk),
            "participants-1-unit": str(region.pk),
            "participants-1-person_name": "Dr Rut Region",
            "participants-1-person_email": "rut@region.example.se",
        },
    )

    plan = CoordinatedPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(plan)
    assert plan.participants.count() == 3


def test_bad_input_on_the_call_form_is_shown_at_the_field_and_kept(login: Any, world: Any) -> None:
    client = login("counsellor")
    url = reverse("plans:call", kwargs={"child_id": world.child1.pk})

    response = client.post(
        url,
        {
            "reason": "Skäl som ska stå kvar",
            "request_id": str(uuid.uuid4()),
            "participants-0-unit": str(world.team.pk),
            "participants-0-person": str(world.users["teacher"].pk),
            "participants-1-unit": str(world.intake.pk),
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Personen arbetar inte på Skolsocialt team" in page
    assert 'id="id_participants-0-person-error"' in page
    assert "Ange vem som deltar från Mottagningen" in page
    assert "Skäl som ska stå kvar" in page
    assert not CoordinatedPlan.objects.exists()


def test_teacher_cannot_open_the_call_form(login: Any, world: Any) -> None:
    response = login("teacher").get(reverse("plans:call", kwargs={"child_id": world.child1.pk}))

    assert response.status_code == 403


def test_the_plan_page_shows_goals_interventions_and_responsibility(login: Any, world: Any) -> None:
    sip = agreed_sip(world)

    page = login("team_worker").get(detail_url(sip.plan)).content.decode()

    assert "Eleven går i skolan varje dag." in page
    assert "Kurator träffar eleven varje vecka." in page
    assert "Dr Rut Region, BUP Linköping" in page
    assert "Överenskommen, version 1" in page
    assert "Jag vill ha en lugn plats i skolan." in page


@pytest.mark.parametrize(
    "user", ["teacher", "nurse", "intake", "family_coordinator", "principal_b"]
)
def test_who_is_outside_the_consent_gets_not_found(login: Any, world: Any, user: str) -> None:
    sip = called_sip(world)

    response = login(user).get(detail_url(sip.plan))

    assert response.status_code == 404
    assert AuditEvent.objects.filter(event="access.denied").exists()


def test_edit_an_agreed_plan_makes_version_two_and_history_shows_the_change(
    login: Any, world: Any
) -> None:
    sip = agreed_sip(world)
    client = login("counsellor")
    edit = reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})
    page = client.get(edit).content.decode()
    assert "blir version 2" in page
    today = timezone.localdate().isoformat()
    data = {
        "version": "3",
        "request_id": str(uuid.uuid4()),
        "goal_rows": "2",
        "intervention_rows": "1",
        "lead_unit": str(world.school1.pk),
        "goals-0-text": "Eleven går i skolan minst fyra dagar i veckan.",
        "interventions-0-text": "Kurator träffar eleven varje vecka.",
        "interventions-0-responsible_unit": str(world.school1.pk),
        "interventions-0-responsible_person": "Kim Kurator",
        "interventions-0-start_on": today,
        "interventions-0-until_on": today,
        "interventions-0-follow_up_on": today,
    }

    response = client.post(edit, data)
    history = client.get(reverse("plans:history", kwargs={"plan_id": sip.plan.pk}))

    assert response.status_code == 302
    assert PlanVersion.objects.filter(plan=sip.plan).count() == 2
    text = history.content.decode()
    assert "Version 1 och version 2" in text
    assert "Eleven går i skolan minst fyra dagar i veckan." in text
    assert "Ändrad" in text


def test_bad_dates_are_shown_at_the_intervention_and_kept(login: Any, world: Any) -> None:
    sip = called_sip(world)
    client = login("counsellor")
    edit = reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})

    response = client.post(
        edit,
        {
            "version": "1",
            "request_id": str(uuid.uuid4()),
            "goal_rows": "1",
            "intervention_rows": "2",
            "lead_unit": str(world.school1.pk),
            "goals-0-text": "Ett mål som ska stå kvar",
            "interventions-1-text": "Insats utan tid",
            "interventions-1-responsible_unit": str(world.team.pk),
            "interventions-1-responsible_person": "Tina",
            "interventions-1-start_on": "2026-05-01",
            "interventions-1-until_on": "2026-04-01",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_interventions-1-until_on-error"' in page
    assert "Slutdatumet ligger före startdatumet" in page
    assert 'id="id_interventions-1-follow_up_on-error"' in page
    assert "Ett mål som ska stå kvar" in page
    assert not sip.plan.versions.get().goals.exists()


def test_a_stale_edit_form_is_refused_with_409(login: Any, world: Any) -> None:
    sip = called_sip(world)
    services.plan_save(
        actor=actor_of(world.users["team_worker"]),
        plan_id=sip.plan.pk,
        expected_version=1,
        content=content(world, sip.region),
    )

    response = login("counsellor").post(
        reverse("plans:edit", kwargs={"plan_id": sip.plan.pk}),
        {
            "version": "1",
            "request_id": str(uuid.uuid4()),
            "goal_rows": "1",
            "intervention_rows": "1",
            "lead_unit": str(world.school1.pk),
            "goals-0-text": "Annat",
        },
    )

    assert response.status_code == 409
    assert "Någon annan har ändrat" in response.content.decode()


def test_agree_form_without_the_family_keeps_what_was_typed(login: Any, world: Any) -> None:
    sip = called_sip(world)
    services.plan_save(
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        expected_version=1,
        content=content(world, sip.region),
    )

    response = login("counsellor").post(
        reverse("plans:agree", kwargs={"plan_id": sip.plan.pk}),
        {"version": "2", "attendees": "Kim, Tina, Rut", "request_id": str(uuid.uuid4())},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "när familjen är överens" in page
    assert "Kim, Tina, Rut" in page


def test_the_pdf_holds_goals_interventions_responsible_and_time(login: Any, world: Any) -> None:
    sip = agreed_sip(world)

    response = login("team_worker").get(reverse("plans:pdf", kwargs={"plan_id": sip.plan.pk}))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert "/StructTreeRoot" in root
    text = " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())
    for expected in (
        "Samordnad individuell plan (SIP)",
        "Eleven går i skolan varje dag.",
        "Kurator träffar eleven varje vecka.",
        "Kim Kurator, Ekskolan",
        "Dr Rut Region, BUP Linköping",
        f"{timezone.localdate():%Y-%m-%d}",
        "version 1, överenskommen",
    ):
        assert expected in text, expected
    assert world.child1.identity_number not in text.replace("-", "")
    assert AuditEvent.objects.filter(event="plan.printed").count() == 1


def test_plan_page_query_count_is_pinned(
    login: Any, world: Any, django_assert_num_queries: Any
) -> None:
    sip = agreed_sip(world)
    client = login("team_worker")
    # The first visit starts the page's drafts (core.drafts) and saves them in the session.
    client.get(detail_url(sip.plan))

    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(detail_url(sip.plan))


def test_every_sip_page_and_the_chronology_show_the_protection_marking(
    login: Any, world: Any
) -> None:
    """A child with protected personal data: each page names the marking beside the name, as
    the consent and intake pages do (the invitations then carry no place to outsiders)."""
    region = region_of(world)
    plan = services.plan_call(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.protected.pk,
        reason="Skyddat barn.",
        participants=[
            services.ParticipantInput(world.team.pk, world.users["team_worker"].pk),
            services.ParticipantInput(region.pk, None, "Dr Rut Region", "rut@region.example.se"),
        ],
    )
    client = login("counsellor")
    child = {"child_id": world.protected.pk}
    pages = [
        reverse("plans:list", kwargs=child),
        reverse("plans:call", kwargs=child),
        reverse("plans:chronology", kwargs=child),
        detail_url(plan),
        reverse("plans:edit", kwargs={"plan_id": plan.pk}),
        reverse("plans:history", kwargs={"plan_id": plan.pk}),
    ]

    for url in pages:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "Skyddade personuppgifter" in page, url
        assert "Hemligvägen" not in page, url

    other = login("counsellor").get(
        reverse("plans:chronology", kwargs={"child_id": world.child1.pk})
    )
    assert "Skyddade personuppgifter" not in other.content.decode()
