"""Issue 17, finding 5: every API error keeps the documented promise, {"code", "message",
"details"} with a Swedish message; an anonymous caller gets 401; the schema says which fields
are required; Idempotency-Key is a plain optional string."""

import json
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from samverkan.api import api
from samverkan.core.views import csrf_failure
from samverkan.intake.models import IntakeItem
from samverkan.intake.tests.test_api import report


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = json.loads(response.content)
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert "detail" not in body
    return body


def signed_in(world: Any, user: str = "teacher") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[user])
    client.get("/")
    return client


def csrf_header(client: Client) -> dict[str, str]:
    return {"X-CSRFToken": client.cookies["csrftoken"].value}


def operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api")
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str) -> str:
    """A path with every parameter filled by a UUID (every path parameter is one)."""
    parts = [str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/")]
    return "/".join(parts)


def test_a_body_that_is_no_json_answers_in_the_error_shape_in_swedish(world: Any) -> None:
    client = signed_in(world)

    response = client.post(
        "/api/intake/reports",
        "{not json",
        content_type="application/json",
        headers=csrf_header(client),
    )

    body = assert_error(response, 400, "invalid_request")
    assert "Anropet kunde inte läsas" in body["message"]


def test_a_missing_csrf_token_answers_in_the_error_shape_in_swedish(world: Any) -> None:
    client = signed_in(world)

    response = client.post("/api/intake/reports", report(world), content_type="application/json")

    body = assert_error(response, 403, "csrf_failed")
    assert "säkerhetskontrollen" in body["message"]
    assert not IntakeItem.objects.exists()


def test_djangos_csrf_failure_on_an_api_path_answers_in_the_error_shape() -> None:
    request = RequestFactory().post("/api/intake/reports")

    body = assert_error(csrf_failure(request), 403, "csrf_failed")
    assert "säkerhetskontrollen" in body["message"]


def test_djangos_csrf_failure_elsewhere_stays_the_swedish_page() -> None:
    request = RequestFactory().post("/barn/")
    request.user = AnonymousUser()

    response = csrf_failure(request)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(("method", "path"), operations())
def test_an_anonymous_caller_gets_401_from_every_operation(
    world: Any, method: str, path: str
) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.generic(method, concrete(path), "{}", content_type="application/json")

    body = assert_error(response, 401, "not_authenticated")
    assert "inte inloggad" in body["message"]


def test_every_operation_documents_the_error_shape_for_401() -> None:
    schema = api.get_openapi_schema(path_prefix="/api")
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert 401 in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("schema_name", "required"),
    [
        ("ReportIn", {"observed", "situation", "needs_protection_now", "guardians_informed"}),
        ("SupportRequestIn", {"support_wished", "situation"}),
        ("ProtectionIn", {"protection_needed", "assessment"}),
        ("ExtensionIn", {"new_due", "reason"}),
    ],
)
def test_fields_the_services_require_are_required_in_the_schema(
    schema_name: str, required: set[str]
) -> None:
    schema = api.get_openapi_schema(path_prefix="/api")["components"]["schemas"][schema_name]

    assert required <= set(schema["required"])
    for name in required:
        assert "default" not in schema["properties"][name]


def test_idempotency_key_is_a_plain_optional_string() -> None:
    schema = api.get_openapi_schema(path_prefix="/api")
    headers = [
        p
        for item in schema["paths"].values()
        for operation in item.values()
        for p in operation.get("parameters", [])
        if p["in"] == "header"
    ]

    assert headers
    for parameter in headers:
        assert parameter["name"] == "Idempotency-Key"
        assert parameter.get("required", False) is False
        assert parameter["schema"]["type"] == "string"
        assert "anyOf" not in parameter["schema"]
        assert "format" not in parameter["schema"]


@pytest.mark.parametrize("key", ["rapport-2026-12-05-1", "0b6f4d1e-2f5c-4a8e-9b3d-7c1e5a9f0d42"])
def test_any_idempotency_key_is_accepted_and_a_repeat_returns_the_first(
    world: Any, key: str
) -> None:
    client = signed_in(world)
    headers = csrf_header(client) | {"Idempotency-Key": key}

    first = client.post(
        "/api/intake/reports", report(world), content_type="application/json", headers=headers
    )
    again = client.post(
        "/api/intake/reports", report(world), content_type="application/json", headers=headers
    )

    assert first.status_code == again.status_code == 201, first.content
    assert first.json()["id"] == again.json()["id"]
    assert IntakeItem.objects.count() == 1


def test_the_same_idempotency_key_from_another_user_is_another_request(world: Any) -> None:
    for user in ("teacher", "counsellor"):
        client = signed_in(world, user)
        headers = csrf_header(client) | {"Idempotency-Key": "samma-nyckel"}
        response = client.post(
            "/api/intake/reports", report(world), content_type="application/json", headers=headers
        )
        assert response.status_code == 201, response.content

    assert IntakeItem.objects.count() == 2
