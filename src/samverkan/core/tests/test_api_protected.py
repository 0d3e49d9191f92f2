"""Issue 17, finding 2: every API answer that names a child carries its protection marking.

Walks the OpenAPI schema as the every-read test walks the URLs: a schema with a child's name
(or a child's id) has a protection flag beside it; then the flag is checked in real answers for
a protected child."""

from typing import Any

import pytest
from django.test import Client

from samverkan.api import api
from samverkan.consent.tests import factories as consent_factories
from samverkan.intake.tests.test_api import report

NAMES_A_CHILD = {"name", "child_name", "given_name", "child_id", "parties"}
FLAGS = {"protected", "child_protected"}


def output_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = api.get_openapi_schema(path_prefix="/api")["components"]["schemas"]
    return {name: s for name, s in schemas.items() if not name.endswith("In")}


@pytest.mark.parametrize("name", sorted(output_schemas()))
def test_every_answer_that_names_a_child_has_the_protection_flag(name: str) -> None:
    properties = set(output_schemas()[name].get("properties", {}))
    names_child = properties & NAMES_A_CHILD
    if "user_id" in properties:
        names_child -= {"name"}  # a member of staff's name, not a child's
    if name in {"GuardianOut", "PartyOut"} or not names_child:
        return  # a guardian or a party sits inside an answer that carries the flag
    assert properties & FLAGS, f"{name} names a child ({names_child}) without a protection flag"
    for flag in properties & FLAGS:
        assert flag in output_schemas()[name]["required"]


def signed_in(client: Client, world: Any, user: str) -> Client:
    client.force_login(world.users[user])
    client.get("/")
    return client


def test_the_children_api_marks_a_protected_child(client: Client, world: Any) -> None:
    client = signed_in(client, world, "principal")

    found = client.get("/api/children/", {"q": world.protected.given_name}).json()
    one = client.get(f"/api/children/{world.protected.pk}").json()
    other = client.get(f"/api/children/{world.child1.pk}").json()

    assert [c["protected"] for c in found if c["id"] == str(world.protected.pk)] == [True]
    assert one["protected"] is True
    assert other["protected"] is False


def test_the_intake_api_marks_a_protected_child(client: Client, world: Any) -> None:
    teacher = signed_in(client, world, "teacher")
    sent = teacher.post(
        "/api/intake/reports",
        report(world, child_id=str(world.protected.pk)),
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    intake = signed_in(Client(), world, "intake")

    queue = intake.get("/api/intake/queue").json()
    item = intake.get(f"/api/intake/items/{sent.json()['id']}").json()

    assert [r["child_protected"] for r in queue if r["id"] == sent.json()["id"]] == [True]
    assert item["child_protected"] is True


def test_the_consent_api_marks_a_protected_child(client: Client, world: Any) -> None:
    consent_factories.give_consent(
        child=world.protected,
        units=[world.school1, world.team],
        recorded_by=world.users["counsellor"],
        categories=["social_situation"],
    )
    client = signed_in(client, world, "counsellor")

    answers = client.get(f"/api/consents/children/{world.protected.pk}").json()
    unprotected = client.get(f"/api/consents/children/{world.child1.pk}").json()

    assert answers
    assert all(a["child_protected"] is True for a in answers)
    assert all(a["child_protected"] is False for a in unprotected)
