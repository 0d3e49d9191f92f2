"""The SIP through the API: the same services, refusals and audit as the pages."""

import uuid
from typing import Any

import pytest
from django.test import Client

from samverkan.plans.models import CoordinatedPlan
from samverkan.plans.tests.factories import agreed_sip, called_sip, region_of


@pytest.fixture
def api(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        return client

    return sign_in


def test_call_twice_with_one_idempotency_key_makes_one_plan(api: Any, world: Any) -> None:
    client = api("counsellor")
    region = region_of(world)
    body = {
        "reason": "Eleven är ofta borta.",
        "participants": [
            {"unit_id": str(world.team.pk), "person_id": str(world.users["team_worker"].pk)},
            {"unit_id": str(region.pk), "person_name": "Dr Rut Region"},
        ],
    }
    key = str(uuid.uuid4())
    url = f"/api/plans/children/{world.child1.pk}"

    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 201
    assert first.json() == second.json()
    assert CoordinatedPlan.objects.count() == 1


def test_bad_input_answers_400_with_the_field(api: Any, world: Any) -> None:
    response = api("counsellor").post(
        f"/api/plans/children/{world.child1.pk}",
        {"reason": "", "participants": []},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "plan_invalid"
    assert {"reason", "participants"} <= set(response.json()["details"])


def test_get_save_and_agree(api: Any, world: Any) -> None:
    sip = agreed_sip(world)
    client = api("team_worker")

    plan = client.get(f"/api/plans/{sip.plan.pk}").json()
    body = {
        "expected_version": plan["version"],
        "lead_unit_id": str(world.school1.pk),
        "goals": ["Eleven går i skolan fyra dagar i veckan."],
        "interventions": [
            {**i, "start_on": i["start_on"], "until_on": i["until_on"]}
            for i in plan["current"]["interventions"]
        ],
    }
    saved = client.put(f"/api/plans/{sip.plan.pk}/content", body, content_type="application/json")
    stale = client.put(
        f"/api/plans/{sip.plan.pk}/content",
        {**body, "goals": ["Annat"]},
        content_type="application/json",
    )
    refused = client.post(
        f"/api/plans/{sip.plan.pk}/agree",
        {"expected_version": plan["version"] + 1, "attendees": "Alla", "family_agreed": True},
        content_type="application/json",
    )

    assert plan["agreed_number"] == 1
    assert saved.status_code == 200
    assert saved.json()["number"] == 2
    assert stale.status_code == 409
    assert refused.status_code == 403  # only the lead's named person agrees


@pytest.mark.parametrize("user", ["teacher", "principal_b"])
def test_outside_the_consent_the_plan_is_not_found(api: Any, world: Any, user: str) -> None:
    sip = called_sip(world)

    response = api(user).get(f"/api/plans/{sip.plan.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_schema_declares_the_error_statuses(api: Any) -> None:
    schema = api("counsellor").get("/api/openapi.json").json()

    operation = schema["paths"]["/api/plans/{plan_id}/content"]["put"]
    assert {"200", "400", "403", "404", "409", "422"} <= set(operation["responses"])
