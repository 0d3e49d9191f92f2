"""Checks that a form keeps the guarantees of core.drafts (docs/forms.md), for the tests of
every form that uses DraftFormMixin and includes/draft.html:

- `check_one_draft`: the page shown again (a reload, a language switch) carries the same token;
- `check_sent_once`: a second submission of a sent draft shows "Redan skickad" with the first
  receipt, and the form shown again carries the sent token and its receipt;
- `check_database_down_keeps_words`: with the database down, the POST answers 503 with the
  words, escaped, in a form that sends them again, and nothing touches the database.
"""

import re
from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

TOKEN = re.compile(r'name="request_id" value="([0-9a-f-]{36})"')


def draft_token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no draft token (includes/draft.html) in the page"
    return match.group(1)


def check_one_draft(client: Client, url: str) -> str:
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    token = draft_token(first.content.decode())
    assert draft_token(again.content.decode()) == token, "the form started a second draft"
    assert f'data-draft="{token}"' in first.content.decode(), "no browser draft marker"
    return token


def check_sent_once(client: Client, url: str, data: dict[str, Any]) -> str:
    """Send `data` under the form's draft token twice; returns the receipt's address."""
    token = check_one_draft(client, url)
    sent = client.post(url, {**data, "request_id": token})
    assert sent.status_code == 302, f"not sent: {sent.status_code}"
    again = client.post(url, {**data, "request_id": token})
    page = again.content.decode()
    assert "Redan skickad" in page
    receipt = str(sent["Location"]).split("?")[0]
    assert receipt in page, "the first receipt is not shown"
    shown_again = client.get(url).content.decode()
    assert draft_token(shown_again) == token, "Back or a reload would start a new draft"
    assert "Du har redan skickat det här formuläret" in shown_again
    return receipt


def _down(*args: object, **kwargs: object) -> None:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def check_database_down_keeps_words(
    client: Client, url: str, data: dict[str, Any], words: list[str], monkeypatch: Any
) -> None:
    """`client` must be Client(raise_request_exception=False), signed in."""
    with monkeypatch.context() as patch, CaptureQueriesContext(connection) as queries:
        patch.setattr(SessionStore, "load", _down)
        response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 503
    assert not queries.captured_queries, "the database-error page touched the database"
    assert "Ingenting skickades och ingenting sparades." in page
    for word in words:
        assert word in page, f"{word!r} was lost"
    assert f'action="{url}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


__all__ = [
    "check_database_down_keeps_words",
    "check_one_draft",
    "check_sent_once",
    "draft_token",
]
