"""The SIP's forms keep the guarantees of the shared draft (core.drafts, docs/forms.md): calling
a SIP, editing the plan, agreeing a version and sending an outside participant a link keep what
was typed across a language switch and a database failure; Back and resubmit or a double click
does nothing twice; a stale edit is a concurrent edit (409)."""

import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.core.tests.draft_checks import (
    check_database_down_keeps_words,
    check_one_draft,
    check_sent_once,
    draft_token,
)
from samverkan.plans.models import CoordinatedPlan, PlanDownload, PlanVersion
from samverkan.plans.tests.factories import agreed_sip, called_sip, region_of

pytestmark = pytest.mark.django_db


def _client(world: Any, user: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(world.users[user])
    return client


def _call_data(world: Any) -> dict[str, str]:
    return {
        "reason": "Eleven är ofta borta (ett skäl som ska stå kvar).",
        "participants-0-unit": str(world.team.pk),
        "participants-0-person": str(world.users["team_worker"].pk),
        "participants-1-unit": str(region_of(world).pk),
        "participants-1-person_name": "Dr Rut Region",
        "participants-1-person_email": "rut@region.example.se",
    }


def _edit_data(world: Any, version: int) -> dict[str, str]:
    today = timezone.localdate().isoformat()
    return {
        "version": str(version),
        "goal_rows": "1",
        "intervention_rows": "1",
        "lead_unit": str(world.school1.pk),
        "goals-0-text": "Eleven går i skolan minst fyra dagar i veckan.",
        "interventions-0-text": "Kurator träffar eleven varje vecka.",
        "interventions-0-responsible_unit": str(world.school1.pk),
        "interventions-0-responsible_person": "Kim Kurator",
        "interventions-0-start_on": today,
        "interventions-0-until_on": today,
        "interventions-0-follow_up_on": today,
        "child_words": "Jag vill ha lugn och ro (barnets egna ord).",
    }


def test_calling_a_sip_is_one_draft_sent_once(world: Any, monkeypatch: Any) -> None:
    url = reverse("plans:call", kwargs={"child_id": world.child1.pk})
    data = _call_data(world)

    check_sent_once(_client(world, "counsellor"), url, data)
    check_database_down_keeps_words(
        _client(world, "counsellor", raise_request_exception=False),
        url,
        {**data, "request_id": str(uuid.uuid4())},
        [data["reason"]],
        monkeypatch,
    )

    assert CoordinatedPlan.objects.count() == 1


def test_the_language_switch_keeps_the_call_forms_draft(world: Any) -> None:
    client = _client(world, "counsellor")
    url = reverse("plans:call", kwargs={"child_id": world.child1.pk})
    token = check_one_draft(client, url)

    client.post(reverse("set_language"), {"language": "en", "next": url})
    page = client.get(url).content.decode()

    assert draft_token(page) == token


def test_editing_the_plan_is_one_draft_saved_once(world: Any, monkeypatch: Any) -> None:
    sip = called_sip(world)
    url = reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})
    data = _edit_data(world, version=1)
    client = _client(world, "counsellor")
    token = check_one_draft(client, url)

    sent = client.post(url, {**data, "request_id": token})
    again = client.post(url, {**data, "request_id": token})  # Back and resubmit

    assert sent.status_code == 302
    assert "Redan skickad" in again.content.decode()
    assert str(sent["Location"]) in again.content.decode()
    check_database_down_keeps_words(
        _client(world, "counsellor", raise_request_exception=False),
        url,
        {**data, "request_id": str(uuid.uuid4())},
        [data["goals-0-text"], data["child_words"]],
        monkeypatch,
    )

    assert PlanVersion.objects.filter(plan=sip.plan).count() == 1
    assert PlanVersion.objects.get(plan=sip.plan).goals.count() == 1


def test_after_a_save_the_next_change_is_a_new_draft(world: Any) -> None:
    sip = called_sip(world)
    client = _client(world, "counsellor")
    url = reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})
    token = draft_token(client.get(url).content.decode())
    client.post(url, {**_edit_data(world, version=1), "request_id": token})

    page = client.get(url).content.decode()

    assert draft_token(page) != token
    assert "Du har redan skickat det här formuläret" not in page


def test_a_stale_edit_is_a_concurrent_edit_and_keeps_the_words(world: Any) -> None:
    sip = called_sip(world)
    client = _client(world, "counsellor")
    url = reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})
    first = draft_token(client.get(url).content.decode())
    client.post(url, {**_edit_data(world, version=1), "request_id": first})
    second = draft_token(client.get(url).content.decode())

    stale = {**_edit_data(world, version=1), "request_id": second}
    stale["goals-0-text"] = "Ett annat mål, skrivet samtidigt."
    response = client.post(url, stale)

    assert response.status_code == 409
    assert "Ett annat mål, skrivet samtidigt." in response.content.decode()


def _agree_page(client: Client, plan: CoordinatedPlan) -> str:
    return client.get(reverse("plans:detail", kwargs={"plan_id": plan.pk})).content.decode()


def test_agreeing_twice_agrees_once(world: Any, monkeypatch: Any) -> None:
    sip = called_sip(world)
    client = _client(world, "counsellor")
    client.post(
        reverse("plans:edit", kwargs={"plan_id": sip.plan.pk}),
        {
            **_edit_data(world, version=1),
            "request_id": draft_token(
                client.get(reverse("plans:edit", kwargs={"plan_id": sip.plan.pk})).content.decode()
            ),
        },
    )
    sip.plan.refresh_from_db()
    url = reverse("plans:agree", kwargs={"plan_id": sip.plan.pk})
    token = draft_token(_agree_page(client, sip.plan).split('action="' + url)[1])
    data = {
        "version": str(sip.plan.version),
        "attendees": "Kim, Tina, Rut och familjen",
        "family_agreed": "on",
        "request_id": token,
    }

    check_database_down_keeps_words(
        _client(world, "counsellor", raise_request_exception=False),
        url,
        data,
        [data["attendees"]],
        monkeypatch,
    )
    first = client.post(url, data)
    again = client.post(url, data)

    assert first.status_code == 302
    assert "Redan skickad" in again.content.decode()
    assert PlanVersion.objects.filter(plan=sip.plan, agreed_at__isnull=False).count() == 1


def test_a_double_click_on_send_link_makes_one_link(world: Any) -> None:
    sip = agreed_sip(world)
    client = _client(world, "counsellor")
    region_participant = sip.plan.participants.get(unit=sip.region)
    url = reverse(
        "plans:download_link",
        kwargs={"plan_id": sip.plan.pk, "participant_id": region_participant.pk},
    )
    token = draft_token(_agree_page(client, sip.plan).split('action="' + url)[1])
    mail.outbox.clear()

    first = client.post(url, {"request_id": token})
    again = client.post(url, {"request_id": token})

    assert first.status_code == 200
    assert "Redan skickad" in again.content.decode()
    assert PlanDownload.objects.filter(plan=sip.plan).count() == 1
    # The next press (a new form) is a new link on purpose.
    token2 = draft_token(_agree_page(client, sip.plan).split('action="' + url)[1])
    assert token2 != token
    assert client.post(url, {"request_id": token2}).status_code == 200
    assert PlanDownload.objects.filter(plan=sip.plan).count() == 2
