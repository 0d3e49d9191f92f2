"""The children API: the same services, rules and audit entries as the pages, answered as JSON,
errors as {"code", "message", "details"} with a Swedish message."""

import uuid
from typing import Any

import pytest
from django.test import Client

from samverkan.audit.models import AuditAction, AuditEvent

SECRETS = ("Hemligvägen", "070-999", "hemlig@example.se")
# session, user, actor, savepoint, children, current enrolments, audit insert, release
SEARCH_QUERIES = 8
# session, user, actor, savepoint, child, current schools, social units, guardians, enrolments,
# notes, audit insert, release
DETAIL_QUERIES = 13  # +1: the child's consents


def child_url(child_id: Any) -> str:
    return f"/api/children/{child_id}"


@pytest.fixture
def api_client(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get("/")  # stamps the idle timer once, outside the counted requests
        return client

    return sign_in


def assert_error(response: Any, status: int, code: str, message: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert message in body["message"]


def test_search_returns_visible_children_with_masked_numbers(api_client: Any, world: Any) -> None:
    client = api_client("intake")

    response = client.get("/api/children/", {"q": "ella"})

    assert response.status_code == 200
    [hit] = response.json()
    number = world.child1.identity_number
    assert hit == {
        "id": str(world.child1.pk),
        "name": "Ella Andersson",
        "identity_number_masked": f"{number[:8]}-XXXX",
        "birth_year": world.child1.birth_date.year,
        "is_protected": False,
        "protected": False,
    }
    assert number not in response.content.decode()


def test_search_writes_one_entry_listing_every_hit(api_client: Any, world: Any) -> None:
    client = api_client("principal")

    response = client.get("/api/children/", {"q": "a"})

    ids = sorted(hit["id"] for hit in response.json())
    assert ids == sorted([str(world.child1.pk), str(world.protected.pk)])
    [event] = AuditEvent.objects.filter(action=AuditAction.SEARCH)
    assert sorted(event.child_ids) == ids
    assert event.actor_username == "rektor"


def test_search_marks_a_protected_child(api_client: Any, world: Any) -> None:
    client = api_client("principal")

    response = client.get("/api/children/", {"q": "sara"})

    [hit] = response.json()
    assert hit["is_protected"] is True
    for secret in SECRETS:
        assert secret not in response.content.decode()


def test_an_invalid_identity_number_is_not_searched_or_logged(api_client: Any, world: Any) -> None:
    client = api_client("principal")

    response = client.get("/api/children/", {"q": "20150312-1235"})

    assert response.status_code == 400
    assert "Kontrollsiffran" in response.json()["message"]
    assert not AuditEvent.objects.filter(action=AuditAction.SEARCH).exists()


def test_a_search_without_text_is_refused_as_invalid_in_the_error_shape(
    api_client: Any, world: Any
) -> None:
    client = api_client("principal")

    response = client.get("/api/children/")

    assert_error(response, 422, "invalid_input", "Uppgifterna är inte giltiga.")
    assert response.json()["details"]["errors"]


def test_the_overview_shows_what_the_principal_may_see(api_client: Any, world: Any) -> None:
    client = api_client("principal")

    response = client.get(child_url(world.child1.pk))

    assert response.status_code == 200
    body = response.json()
    assert (body["given_name"], body["family_name"]) == ("Ella", "Andersson")
    assert body["address"] == "Hemliga gatan 1, 581 00, Exempelby"
    assert {n["id"] for n in body["notes"]} == {
        str(world.notes["school"].pk),
        str(world.notes["student_health"].pk),
    }
    assert [e["school_name"] for e in body["enrolments"]] == ["Ekskolan"]
    [event] = AuditEvent.objects.filter(event="child.viewed")
    assert event.child_ids == [str(world.child1.pk)]


@pytest.mark.parametrize(
    ("user", "notes"),
    [
        ("teacher", {"school"}),
        ("counsellor", {"school", "student_health"}),
        ("team_worker", {"social"}),
        ("intake", set()),
        ("unit_head", {"social"}),
    ],
)
def test_the_overview_lists_only_notes_of_the_callers_domain(
    api_client: Any, world: Any, user: str, notes: set[str]
) -> None:
    client = api_client(user)

    response = client.get(child_url(world.child1.pk))

    assert response.status_code == 200
    assert {n["id"] for n in response.json()["notes"]} == {str(world.notes[k].pk) for k in notes}


@pytest.mark.parametrize("user", ["principal", "teacher", "counsellor", "intake", "unit_head"])
def test_a_protected_child_has_no_address_or_guardian_contacts(
    api_client: Any, world: Any, user: str
) -> None:
    client = api_client(user)

    response = client.get(child_url(world.protected.pk))

    body = response.json()
    assert response.status_code == 200
    assert body["protection_marking"] == "skyddad_folkbokforing"
    assert body["address"] == ""
    [guardian] = body["guardians"]
    assert (guardian["phone"], guardian["email"]) == ("", "")
    for secret in SECRETS:
        assert secret not in response.content.decode()


@pytest.mark.parametrize(
    ("user", "child"),
    [
        ("principal", "child2"),
        ("principal", "child_b"),
        ("intake", "child_b"),
        ("team_worker", "protected"),
        ("principal_b", "child1"),
    ],
)
def test_a_child_out_of_reach_is_not_found_and_the_attempt_logged(
    api_client: Any, world: Any, user: str, child: str
) -> None:
    client = api_client(user)
    subject = getattr(world, child)

    response = client.get(child_url(subject.pk))

    assert_error(response, 404, "not_found", "Sidan eller uppgiften finns inte")
    assert response.json()["details"] == {}
    assert subject.family_name not in response.content.decode()
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED, event="access.denied")
    assert event.object_id == str(subject.pk)
    assert event.details == {"reason": "not_visible", "path": child_url(subject.pk)}
    assert not AuditEvent.objects.filter(event="child.viewed").exists()


def test_a_missing_child_answers_like_one_out_of_reach(api_client: Any, world: Any) -> None:
    client = api_client("principal")

    missing = client.get(child_url(uuid.uuid4()))
    hidden = client.get(child_url(world.child_b.pk))

    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


@pytest.mark.parametrize("user", ["steering", "admin", "log_reviewer"])
@pytest.mark.parametrize("operation", ["search", "detail"])
def test_governance_roles_are_refused_with_a_swedish_error_and_logged(
    api_client: Any, world: Any, user: str, operation: str
) -> None:
    client = api_client(user)

    if operation == "search":
        response = client.get("/api/children/", {"q": "ella"})
    else:
        response = client.get(child_url(world.child1.pk))

    assert_error(response, 403, "access_denied", "Du saknar behörighet att göra detta.")
    assert "Ella" not in response.content.decode()
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED)
    assert event.details["reason"] == "no_child_access"


@pytest.mark.parametrize("url", ["/api/children/?q=ella", "/api/children/{child1}"])
def test_anonymous_callers_get_401_and_no_data(client: Client, world: Any, url: str) -> None:
    response = client.get(url.format(child1=world.child1.pk))

    assert_error(response, 401, "not_authenticated", "Logga in")
    assert "Ella" not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_search_query_count_is_pinned(
    api_client: Any, world: Any, django_assert_num_queries: Any
) -> None:
    client = api_client("principal")

    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get("/api/children/", {"q": "a"})

    assert len(response.json()) == 2


def test_overview_query_count_is_pinned(
    api_client: Any, world: Any, django_assert_num_queries: Any
) -> None:
    client = api_client("principal")

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(child_url(world.child1.pk))

    assert len(response.json()["notes"]) == 2


@pytest.mark.django_db
def test_api_search_with_invalid_identity_number_answers_400_in_swedish(world: Any) -> None:
    client = Client()
    client.force_login(world.users["intake"])

    response = client.get("/api/children/", {"q": "20150312-1235"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert "Kontrollsiffran" in response.json()["message"]
