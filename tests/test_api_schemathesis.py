"""Issue 17, finding 5: schemathesis over the whole API schema, signed in, in the test's
transaction: no 5xx, every answer as the schema documents it (status, content type, body).

The number of examples per operation is bounded (SAMVERKAN_SCHEMATHESIS_EXAMPLES, default 8) so
the run takes a minute or two on two cores. Run it alone with

    .venv/bin/pytest -p no:randomly tests/test_api_schemathesis.py -q
"""

import os
from collections.abc import Iterable
from typing import Any

import pytest
import schemathesis
from django.test import Client
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings

from samverkan.api import api

EXAMPLES = int(os.environ.get("SAMVERKAN_SCHEMATHESIS_EXAMPLES", "8"))


class DjangoTestApp:
    """Django's test-client handler as a WSGI application, so every request runs in the test's
    transaction (and CSRF is enforced, as for a browser)."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=True)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self.handler(environ)
        headers = list(response.items()) + [
            ("Set-Cookie", cookie.output(header="").strip()) for cookie in response.cookies.values()
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        if response.streaming:
            return response.streaming_content  # type: ignore[no-any-return]
        return [response.content]


def schema_signed_in() -> dict[str, Any]:
    """The API's schema without its session-cookie security scheme: every example is sent
    signed in (the anonymous answers are test_api_errors' part), so schemathesis must not
    drop or forge the cookie."""
    document: dict[str, Any] = api.get_openapi_schema(path_prefix="/api")
    document.get("components", {}).pop("securitySchemes", None)
    for item in document["paths"].values():
        for operation in item.values():
            operation.pop("security", None)
    return document


schema = schemathesis.openapi.from_dict(schema_signed_in())
schema.app = DjangoTestApp()


def user_for(path: str) -> str:
    """Intake handles items and answers consultations; the counsellor does the rest."""
    if path.startswith("/api/intake/items") or path.startswith("/api/intake/queue"):
        return "intake"
    if path.endswith("/answer"):
        return "intake"
    return "counsellor"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_schema(case: Any, world: Any) -> None:
    session = signed_in_headers(world.users[user_for(case.path)])

    response = case.call_and_validate(
        headers={"X-CSRFToken": session["csrftoken"]},
        cookies=session,
        # A schema-valid body may still break a rule the schema cannot state (a school of
        # another tenant, text that is only spaces): those answer 4xx in the error shape,
        # which the other checks hold to the schema.
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )

    # Signed in and with the token: never turned away at the door.
    assert response.status_code != 401, response.text
    assert "csrf_failed" not in response.text


_sessions: dict[Any, dict[str, str]] = {}


def signed_in_headers(user: Any) -> dict[str, str]:
    """The session and CSRF cookies for the user, made once per test (hypothesis runs the
    examples of one operation against the same world)."""
    if user.pk not in _sessions:
        client = Client()
        client.force_login(user)
        client.get("/")
        _sessions.clear()
        _sessions[user.pk] = {name: morsel.value for name, morsel in client.cookies.items()}
    return _sessions[user.pk]


pytestmark = pytest.mark.django_db
