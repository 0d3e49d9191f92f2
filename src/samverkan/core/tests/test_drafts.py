"""Nothing typed is lost (issue #11, core.drafts): the database-error page keeps what was
posted without touching the database, and the person is still signed in afterwards."""

import uuid
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.intake.models import IntakeItem

HOSTILE = "Ella sa <script>alert(1)</script> & att pappa slog henne."


def _report(world: Any, token: str) -> dict[str, str]:
    return {
        "request_id": token,
        "school": str(world.school1.pk),
        "child": str(world.child1.pk),
        "observed": HOSTILE,
        "situation": "Ella är i skolan.",
        "needs_protection_now": "yes",
        "guardians_informed": "no",
        "wants_feedback": "on",
        "reporter_phone": "",
    }


def _database_down(*args: object, **kwargs: object) -> None:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.fixture
def teacher(world: Any) -> Client:
    """A signed-in teacher whose client shows error pages instead of raising."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users["teacher"])
    return client


@pytest.mark.django_db
def test_a_database_down_on_submit_shows_the_words_in_a_form_that_sends_again(
    world: Any, teacher: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #11, finding 2: with the database stopped the submit showed a generic 500 page
    without the form. Now a 503 in Swedish says nothing was sent and shows what was posted,
    escaped, in a form with the same draft token; nothing touches the database."""
    token = str(uuid.uuid4())
    monkeypatch.setattr(SessionStore, "load", _database_down)

    with CaptureQueriesContext(connection) as queries:
        response = teacher.post(reverse("intake:report_new"), _report(world, token))

    page = response.content.decode()
    assert response.status_code == 503
    assert len(queries) == 0
    assert "Ingenting skickades och ingenting sparades." in page
    assert "Ella sa &lt;script&gt;alert(1)&lt;/script&gt; &amp; att pappa slog henne." in page
    assert "<script>alert(1)" not in page
    assert "Vad har du sett eller hört?" in page
    assert f'name="request_id" value="{token}"' in page
    assert f'name="child" value="{world.child1.pk}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'action="/kontakta-socialtjansten/orosanmalan/"' in page
    assert "sessionid" not in response.cookies  # neither deleted nor replaced: still signed in


@pytest.mark.django_db
def test_sending_again_when_the_database_answers_sends_once(
    world: Any, teacher: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = teacher
    token = str(uuid.uuid4())
    with monkeypatch.context() as patch:
        patch.setattr(SessionStore, "load", _database_down)
        client.post(reverse("intake:report_new"), _report(world, token))

    first = client.post(reverse("intake:report_new"), _report(world, token))
    second = client.post(reverse("intake:report_new"), _report(world, token))

    assert first.status_code == 302
    assert "Redan skickad" in second.content.decode()
    assert IntakeItem.objects.filter(request_id=token).count() == 1


@pytest.mark.django_db
def test_a_page_asked_for_while_the_database_is_down_says_so_without_a_form(
    teacher: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SessionStore, "load", _database_down)

    response = teacher.get(reverse("intake:report_new"))

    page = response.content.decode()
    assert response.status_code == 503
    assert "Databasen svarar inte." in page
    assert "<form" not in page


def test_other_errors_keep_the_plain_500_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("samverkan.core.views.connection.cursor", broken)

    response = Client(raise_request_exception=False).get("/healthz")

    assert response.status_code == 500
    assert "Tekniskt fel" in response.content.decode()
