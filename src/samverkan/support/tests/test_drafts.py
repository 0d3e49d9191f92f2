"""Every support form is a draft (core.drafts, docs/forms.md): what was typed survives a language
switch (the same token, the browser's copy put back into a form shown fresh), a database that
does not answer (503 with the words) and Back + resubmit ("Redan skickad", nothing twice); a
stale version is a conflict; a double submit changes nothing."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samverkan.audit.models import AuditEvent
from samverkan.core.tests.draft_checks import check_database_down_keeps_words, check_sent_once
from samverkan.intake.models import TeamSchoolContact
from samverkan.support.models import Episode
from samverkan.support.tests.test_views import _client
from samverkan.support.views import FORM_PREFIXES

PREFIXED = re.compile(r'name="(\w+)-request_id" value="([0-9a-f-]{36})"')


def _tokens(page: str) -> dict[str, str]:
    return dict(PREFIXED.findall(page))


def test_every_step_form_on_the_page_carries_its_draft(sw: Any) -> None:
    ep = sw.episodes["requested"]
    client = _client(sw.users["work_lead"])
    url = reverse("support:episode", args=[ep.pk])

    first = client.get(url).content.decode()
    client.post("/sprak/", {"language": "en", "next": url})
    again = client.get(url).content.decode()

    tokens = _tokens(first)
    assert {"accept", "decline"} <= set(tokens)
    assert set(tokens) <= set(FORM_PREFIXES)
    # The language switch shows the same drafts: the browser puts the typed words back.
    assert _tokens(again) == tokens
    for token in tokens.values():
        assert f'data-draft="{token}" data-draft-fresh' in first


def test_back_and_resubmit_sends_once(sw: Any) -> None:
    ep = sw.episodes["requested"]
    client = _client(sw.users["work_lead"])
    url = reverse("support:episode", args=[ep.pk])
    token = _tokens(client.get(url).content.decode())["decline"]
    data = {
        "decline-version": "1",
        "decline-reason": "Passar ett annat team.",
        "decline-request_id": token,
    }

    sent = client.post(reverse("support:decline", args=[ep.pk]), data)
    again = client.post(reverse("support:decline", args=[ep.pk]), data)
    shown = client.get(url).content.decode()

    assert sent.status_code == 302
    assert "Redan skickad" in again.content.decode()
    assert AuditEvent.objects.filter(event="support.declined").count() == 1
    ep.refresh_from_db()
    assert ep.version == 2
    assert token not in _tokens(shown).values()  # the page is the receipt: a new draft


def test_a_double_click_on_a_step_without_its_token_is_harmless(sw: Any) -> None:
    ep = sw.episodes["active"]
    client = _client(sw.users["team_worker"])
    data = {
        "outcome-version": str(ep.version),
        "outcome-eligible_upper_secondary": "partly",
        "outcome-attendance_percent": "81",
        "outcome-adults_work_or_study": "yes",
    }

    first = client.post(reverse("support:outcome", args=[ep.pk]), data)
    second = client.post(reverse("support:outcome", args=[ep.pk]), data)

    assert first.status_code == 302
    assert second.status_code == 409  # the version moved: nothing overwritten
    assert AuditEvent.objects.filter(event="support.outcome_recorded").count() == 1


def test_a_database_failure_keeps_the_words_of_a_step(sw: Any, monkeypatch: Any) -> None:
    ep = sw.episodes["requested"]
    client = Client(raise_request_exception=False)
    client.force_login(sw.users["work_lead"])
    url = reverse("support:decline", args=[ep.pk])

    check_database_down_keeps_words(
        client,
        url,
        {"decline-version": "1", "decline-reason": "Fel team för <familjen>"},
        ["Fel team för &lt;familjen&gt;", "Skäl att avböja"],
        monkeypatch,
    )
    ep.refresh_from_db()
    assert ep.status == Episode.Status.REQUESTED


@pytest.fixture
def contact(sw: Any) -> TeamSchoolContact:
    w = sw.world
    return TeamSchoolContact.objects.create(
        municipality=w.a, team=w.team, school=w.school1, member=sw.users["team_worker"]
    )


def test_the_principals_request_is_sent_once(sw: Any, contact: TeamSchoolContact) -> None:
    url = reverse("support:team_request", args=[sw.world.child1.pk])
    data = {"team": f"{sw.world.team.pk}:{sw.world.school1.pk}", "note": "Behöver stöd."}

    receipt = check_sent_once(_client(sw.users["principal"]), url, data)

    assert receipt == reverse("support:sent")
    assert Episode.objects.filter(source=Episode.Source.PRINCIPAL_CONTACT).count() == 1


def test_the_principals_words_survive_a_database_failure(
    sw: Any, contact: TeamSchoolContact, monkeypatch: Any
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(sw.users["principal"])
    url = reverse("support:team_request", args=[sw.world.child1.pk])

    check_database_down_keeps_words(
        client,
        url,
        {"team": f"{sw.world.team.pk}:{sw.world.school1.pk}", "note": "Eleven är ofta borta"},
        ["Eleven är ofta borta"],
        monkeypatch,
    )
    assert not Episode.objects.filter(source=Episode.Source.PRINCIPAL_CONTACT).exists()
