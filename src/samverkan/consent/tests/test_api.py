"""The consent API: the same services, rules and audit entries as the pages, as JSON; errors as
{"code", "message", "details"} with a Swedish message."""

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children.models import Guardianship
from samverkan.children.tests.factories import GuardianFactory, GuardianshipFactory
from samverkan.consent.models import Consent, ConsentParty
from samverkan.consent.tests.test_views import make_consent
from samverkan.core.models import RecordCategory

TODAY = timezone.localdate()


@pytest.fixture
def api_client(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get("/")
        return client

    return sign_in


def url(child: Any) -> str:
    return f"/api/consents/children/{child.pk}"


def assert_error(response: Any, status: int, code: str, message: str = "") -> dict[str, Any]:
    assert response.status_code == status
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert message in body["message"]
    return body


def payload(world: Any, **changes: Any) -> dict[str, Any]:
    guardian = Guardianship.objects.get(child=world.child1, has_custody=True).guardian
    body: dict[str, Any] = {
        "evidence": {
            "kind": "oral",
            "received_by": "Kim Kurator",
            "received_on": TODAY.isoformat(),
            "how": "i telefon",
        },
        "purpose": "information_exchange",
        "purpose_text": "Samordnat stöd i skolan",
        "unit_ids": [str(world.school1.pk), str(world.team.pk)],
        "categories": [RecordCategory.SOCIAL_SITUATION],
        "direction": "both",
        "follows_child": False,
        "valid_from": TODAY.isoformat(),
        "valid_to": (TODAY + datetime.timedelta(days=180)).isoformat(),
        "parties": [
            {
                "kind": "guardian",
                "guardian_id": str(guardian.pk),
                "answer": "given",
                "form": "digital",
                "given_on": TODAY.isoformat(),
            },
            {
                "kind": "child",
                "answer": "given",
                "form": "written",
                "given_on": TODAY.isoformat(),
                "view": "Okej.",
            },
        ],
    }
    body.update(changes)
    return body


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def test_list_gives_state_and_missing(api_client: Any, world: Any) -> None:
    active = make_consent(world)
    pending = make_consent(world)
    pending.parties.filter(kind="guardian").delete()
    client = api_client("counsellor")

    response = client.get(url(world.child1))

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert rows[str(active.pk)]["state"] == "active"
    assert rows[str(active.pk)]["missing"] == []
    assert rows[str(pending.pk)]["state"] == "pending"
    assert any("vårdnadshavare" in m for m in rows[str(pending.pk)]["missing"])
    # No guardian's phone number (the factories' "070-…"; a random UUID may hold "070-").
    body = response.content.decode()
    assert "070-999 88 77" not in body
    assert "070-111 22 33" not in body


def test_create_records_consent_once_per_idempotency_key(api_client: Any, world: Any) -> None:
    client = api_client("counsellor")
    key = str(uuid.uuid4())

    first = post(client, url(world.child1), payload(world), **{"Idempotency-Key": key})
    second = post(client, url(world.child1), payload(world), **{"Idempotency-Key": key})

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    consent = Consent.objects.get()
    assert consent.parties.count() == 2
    assert AuditEvent.objects.filter(event="consent.given").count() == 1


def test_create_with_end_before_start_is_400_with_field_details(
    api_client: Any, world: Any
) -> None:
    client = api_client("counsellor")
    body = payload(world, valid_to=(TODAY - datetime.timedelta(days=1)).isoformat())

    response = post(client, url(world.child1), body)

    error = assert_error(response, 400, "consent_invalid", "Samtycket kunde inte sparas")
    assert any("Slutdatumet" in m for m in error["details"]["valid_to"])
    assert not Consent.objects.exists()


def test_create_for_guardian_without_custody_is_refused(api_client: Any, world: Any) -> None:
    other = GuardianFactory(municipality=world.a, given_name="Nils")
    GuardianshipFactory(child=world.child1, guardian=other, has_custody=False)
    client = api_client("counsellor")
    body = payload(world)
    body["parties"][0]["guardian_id"] = str(other.pk)

    response = post(client, url(world.child1), body)

    error = assert_error(response, 400, "consent_invalid")
    assert "har inte vårdnaden" in error["details"]["parties-0"][0]
    assert not Consent.objects.exists()


def test_teacher_gets_403_and_is_logged(api_client: Any, world: Any) -> None:
    client = api_client("teacher")

    response = post(client, url(world.child1), payload(world))

    assert_error(response, 403, "access_denied", "Du saknar behörighet")
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1
    assert not Consent.objects.exists()


def test_other_tenants_child_is_404(api_client: Any, world: Any) -> None:
    client = api_client("counsellor")

    assert_error(client.get(url(world.child_b)), 404, "not_found")
    assert_error(post(client, url(world.child_b), payload(world)), 404, "not_found")


def test_withdraw_takes_effect_at_once_and_is_audited(api_client: Any, world: Any) -> None:
    consent = make_consent(world)
    party = consent.parties.get(kind=ConsentParty.Kind.GUARDIAN)
    client = api_client("counsellor")
    path = f"{url(world.child1)}/parties/{party.pk}/withdraw"

    response = post(client, path, {"reason": "Ångrat sig"})
    again = post(client, path, {"reason": "Ångrat sig"})

    assert response.status_code == again.status_code == 200
    party.refresh_from_db()
    assert party.withdrawn_at is not None
    assert AuditEvent.objects.filter(event="consent.withdrawn").count() == 1
    [row] = client.get(url(world.child1)).json()
    assert row["state"] == "withdrawn"


def test_withdraw_of_a_refusal_is_409(api_client: Any, world: Any) -> None:
    consent = make_consent(world)
    party = consent.parties.get(kind=ConsentParty.Kind.GUARDIAN)
    ConsentParty.objects.filter(pk=party.pk).update(answer=ConsentParty.Answer.REFUSED)
    client = api_client("counsellor")

    response = post(client, f"{url(world.child1)}/parties/{party.pk}/withdraw", {})

    assert_error(response, 409, "withdrawal_invalid", "Bara en part som har samtyckt")


def test_withdraw_by_teacher_is_403_and_unknown_party_404(api_client: Any, world: Any) -> None:
    consent = make_consent(world)
    party = consent.parties.get(kind=ConsentParty.Kind.GUARDIAN)

    teacher = api_client("teacher")
    denied = post(teacher, f"{url(world.child1)}/parties/{party.pk}/withdraw", {})
    assert_error(denied, 403, "access_denied")

    counsellor = api_client("counsellor")
    missing = post(counsellor, f"{url(world.child1)}/parties/{uuid.uuid4()}/withdraw", {})
    assert_error(missing, 404, "not_found")
    party.refresh_from_db()
    assert party.withdrawn_at is None
