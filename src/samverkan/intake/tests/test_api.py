"""The one way in through the API: the same services, rules and audit entries as the pages, as
JSON; errors as {"code", "message", "details"} with a Swedish message."""

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intake.models import Consultation, IntakeItem, IntakeNote
from samverkan.notifications.models import Notification

BASE = "/api/intake"


@pytest.fixture
def api_client(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get("/")
        return client

    return sign_in


def post(client: Client, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(BASE + path, body or {}, content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, code: str, message: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert message in body["message"]
    return body


def report(world: Any, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "school_id": str(world.school1.pk),
        "child_id": str(world.child1.pk),
        "observed": "Eleven har berättat om bråk hemma och har blåmärken på armen.",
        "situation": "Eleven vill inte gå hem efter skolan.",
        "needs_protection_now": "unknown",
        "guardians_informed": "no",
        "wants_feedback": True,
    }
    body.update(changes)
    return body


def send_report(api_client: Any, world: Any, user: str = "teacher") -> str:
    # Several reports about one child are sent on purpose (past the duplicate warning).
    response = post(api_client(user), "/reports", {**report(world), "confirm_duplicate": True})
    assert response.status_code == 201, response.content
    item_id: str = response.json()["id"]
    return item_id


# The main path.


def test_report_protection_decision_feedback_and_the_reporter_sees_only_the_outcome(
    api_client: Any, world: Any
) -> None:
    client = api_client("teacher")
    sent = post(client, "/reports", report(world))
    assert sent.status_code == 201
    item_id = sent.json()["id"]
    assert sent.json()["reference"].startswith("ANM-")
    assert sent.json()["outcome"] is None

    client = api_client("intake")
    queue = client.get(BASE + "/queue")
    assert queue.status_code == 200
    row = next(r for r in queue.json() if r["id"] == item_id)
    assert row["deadlines"]["protection"] == "due_today"
    assert row["child_name"] == "Ella Andersson"
    item = client.get(f"{BASE}/items/{item_id}")
    assert item.status_code == 200
    assert item.json()["observed"].startswith("Eleven har berättat")
    protection = post(
        client,
        f"/items/{item_id}/protection-assessment",
        {"protection_needed": False, "assessment": "Inget akut skyddsbehov idag."},
    )
    assert protection.status_code == 200
    assert protection.json()["deadlines"]["protection"] == "done"
    decided = post(
        client,
        f"/items/{item_id}/decision",
        {
            "decision": "opened",
            "reason": "Oron är allvarlig; utredning behövs.",
            "give_feedback_now": True,
        },
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "decided"

    client = api_client("teacher")
    mine = client.get(BASE + "/sent")

    assert mine.status_code == 200
    rows = [r for r in mine.json() if r["id"] == item_id]
    assert len(rows) == 1
    assert rows[0]["outcome"] == "Utredning inleds"
    assert rows[0]["status_label"] == "Återkoppling lämnad"
    text = mine.content.decode()
    for handling in ("Inget akut skyddsbehov", "Oron är allvarlig", "protection", "decision_"):
        assert handling not in text
    assert set(rows[0]) == {
        "id",
        "reference",
        "kind",
        "kind_label",
        "school",
        "received_at",
        "status_label",
        "outcome",
        "feedback_given_on",
    }
    events = set(
        AuditEvent.objects.filter(event__startswith="intake.").values_list("event", flat=True)
    )
    assert {
        "intake.report_submitted",
        "intake.queue_viewed",
        "intake.item_viewed",
        "intake.protection_assessed",
        "intake.decided",
        "intake.feedback_given",
    } <= events
    assert Notification.objects.filter(
        recipient=world.users["teacher"], kind="intake.feedback"
    ).exists()


def test_sent_shows_no_outcome_before_feedback(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)
    client = api_client("intake")
    post(
        client,
        f"/items/{item_id}/protection-assessment",
        {
            "protection_needed": False,
            "assessment": "Inget akut.",
        },
    )
    post(client, f"/items/{item_id}/decision", {"decision": "not_opened", "reason": "Ingen oro"})

    rows = api_client("teacher").get(BASE + "/sent").json()

    row = next(r for r in rows if r["id"] == item_id)
    assert row["outcome"] is None
    assert row["feedback_given_on"] is None
    assert row["status_label"] == "Mottagen av socialtjänsten"


def test_feedback_afterwards_shows_the_outcome(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)
    client = api_client("intake")
    post(
        client,
        f"/items/{item_id}/protection-assessment",
        {
            "protection_needed": True,
            "assessment": "Behov av skydd.",
        },
    )
    post(client, f"/items/{item_id}/decision", {"decision": "opened"})

    given = post(client, f"/items/{item_id}/feedback")
    again = post(client, f"/items/{item_id}/feedback")

    assert given.status_code == again.status_code == 200
    assert AuditEvent.objects.filter(event="intake.feedback_given").count() == 1
    row = next(r for r in api_client("teacher").get(BASE + "/sent").json() if r["id"] == item_id)
    assert row["outcome"] == "Utredning inleds"


def test_other_handling_steps_answer_with_the_new_state(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)
    client = api_client("intake")

    assigned = post(client, f"/items/{item_id}/assign", {"user_id": str(world.users["intake"].pk)})
    extended = post(
        client,
        f"/items/{item_id}/extension",
        {"new_due": "2099-12-30", "reason": "Synnerliga skäl: tolk saknas."},
    )
    met = post(client, f"/items/{item_id}/meeting", {"participants": ["child", "guardians"]})
    key = str(uuid.uuid4())
    note = post(
        client, f"/items/{item_id}/notes", {"body": "Ringt skolan."}, **{"Idempotency-Key": key}
    )
    note_again = post(
        client, f"/items/{item_id}/notes", {"body": "Ringt skolan."}, **{"Idempotency-Key": key}
    )

    assert assigned.status_code == 200
    assert assigned.json()["status"] == "in_progress"
    assert extended.status_code == 200
    assert extended.json()["deadlines"]["decision_date"] == "2099-12-30"
    assert met.status_code == 200
    assert note.status_code == note_again.status_code == 201
    assert note.json() == note_again.json()
    assert IntakeNote.objects.count() == 1
    item = IntakeItem.objects.get(pk=item_id)
    assert item.assigned_to_id == world.users["intake"].pk
    assert item.meeting_with == ["child", "guardians"]


def test_handover_before_the_decision_is_refused_with_the_reason(
    api_client: Any, world: Any
) -> None:
    item_id = send_report(api_client, world)

    response = post(
        api_client("intake"), f"/items/{item_id}/handover", {"team_id": str(world.team.pk)}
    )

    assert_error(response, 400, "action_invalid", "beslutet är fattat")
    assert IntakeItem.objects.get(pk=item_id).handed_over_to_id is None


def test_decision_twice_differently_is_409(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)
    client = api_client("intake")
    post(
        client,
        f"/items/{item_id}/protection-assessment",
        {
            "protection_needed": False,
            "assessment": "Inget akut.",
        },
    )
    post(client, f"/items/{item_id}/decision", {"decision": "opened"})

    response = post(client, f"/items/{item_id}/decision", {"decision": "not_opened"})

    assert_error(response, 409, "already_recorded")


# Consultations.


def test_consultation_with_an_identity_number_is_400_with_details(
    api_client: Any, world: Any
) -> None:
    client = api_client("teacher")

    response = post(
        client,
        "/consultations",
        {
            "school_id": str(world.school1.pk),
            "age_group": "13-15",
            "question": "Hur gör vi med eleven 20121212-1212 som ofta är borta?",
        },
    )

    body = assert_error(response, 400, "submission_invalid")
    assert "personnummer" in body["details"]["question"][0]
    assert not Consultation.objects.exists()


def test_consultation_is_sent_once_per_key_and_answered(api_client: Any, world: Any) -> None:
    client = api_client("teacher")
    key = str(uuid.uuid4())
    body = {
        "school_id": str(world.school1.pk),
        "age_group": "10-12",
        "question": "Hur ska vi tänka när en elev ofta är hungrig på morgonen?",
    }

    first = post(client, "/consultations", body, **{"Idempotency-Key": key})
    second = post(client, "/consultations", body, **{"Idempotency-Key": key})

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Consultation.objects.count() == 1
    answered = post(
        api_client("intake"),
        f"/consultations/{first.json()['id']}/answer",
        {"answer": "Prata med elevhälsan och gör gärna en orosanmälan."},
    )
    assert answered.status_code == 200
    assert answered.json()["status"] == "answered"


def test_a_name_in_a_consultation_needs_confirmation(api_client: Any, world: Any) -> None:
    client = api_client("teacher")
    body = {
        "school_id": str(world.school1.pk),
        "age_group": "10-12",
        "question": "Vi oroar oss för hur Kalle Karlsson har det hemma.",
    }

    refused = post(client, "/consultations", body)
    confirmed = post(client, "/consultations", {**body, "names_confirmed": True})

    assert_error(refused, 400, "possible_name")
    assert confirmed.status_code == 201


# Idempotency and refusals.


def test_the_same_idempotency_key_sends_one_report(api_client: Any, world: Any) -> None:
    client = api_client("teacher")
    key = str(uuid.uuid4())

    first = post(client, "/reports", report(world), **{"Idempotency-Key": key})
    second = post(client, "/reports", report(world), **{"Idempotency-Key": key})

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert IntakeItem.objects.count() == 1
    assert AuditEvent.objects.filter(event="intake.report_submitted").count() == 1


def test_report_without_required_answers_is_400_by_field(api_client: Any, world: Any) -> None:
    response = post(
        api_client("teacher"), "/reports", report(world, observed="", guardians_informed="")
    )

    body = assert_error(response, 400, "submission_invalid")
    assert set(body["details"]) == {"observed", "guardians_informed"}
    assert not IntakeItem.objects.exists()


@pytest.mark.parametrize("user", ["intake", "steering", "admin", "principal_b"])
def test_only_school_staff_may_send(api_client: Any, world: Any, user: str) -> None:
    response = post(api_client(user), "/reports", report(world))

    assert_error(response, 403, "access_denied")
    assert not IntakeItem.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1


def test_a_child_of_another_school_cannot_be_reported_from_here(
    api_client: Any, world: Any
) -> None:
    response = post(api_client("teacher"), "/reports", report(world, child_id=str(world.child2.pk)))

    assert response.status_code in (400, 404)
    assert not IntakeItem.objects.exists()


@pytest.mark.parametrize("user", ["teacher", "principal", "steering", "admin"])
def test_school_staff_and_others_may_not_read_the_queue_or_an_item(
    api_client: Any, world: Any, user: str
) -> None:
    item_id = send_report(api_client, world)
    client = api_client(user)

    queue = client.get(BASE + "/queue")
    item = client.get(f"{BASE}/items/{item_id}")
    decided = post(client, f"/items/{item_id}/decision", {"decision": "opened"})

    assert_error(queue, 403, "access_denied")
    assert_error(item, 403, "access_denied")
    assert_error(decided, 403, "access_denied")
    assert "Ella" not in item.content.decode()
    assert IntakeItem.objects.get(pk=item_id).decided_at is None


def test_another_units_social_worker_gets_404_for_the_item(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)
    client = api_client("family_coordinator")

    item = client.get(f"{BASE}/items/{item_id}")
    protection = post(
        client,
        f"/items/{item_id}/protection-assessment",
        {"protection_needed": False, "assessment": "x"},
    )

    assert_error(item, 404, "not_found")
    assert_error(protection, 404, "not_found")
    assert "Ella" not in item.content.decode()
    assert IntakeItem.objects.get(pk=item_id).protection_assessed_at is None
    queue = client.get(BASE + "/queue")
    assert queue.status_code == 200
    assert queue.json() == []


def test_a_team_worker_may_not_record_the_decision(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)

    response = post(api_client("team_worker"), f"/items/{item_id}/decision", {"decision": "opened"})

    assert response.status_code == 404
    assert IntakeItem.objects.get(pk=item_id).decided_at is None


def test_another_teacher_does_not_see_my_report_in_sent(api_client: Any, world: Any) -> None:
    item_id = send_report(api_client, world)

    counsellor_rows = api_client("counsellor").get(BASE + "/sent").json()
    principal_rows = api_client("principal").get(BASE + "/sent").json()
    principal2_rows = api_client("principal2").get(BASE + "/sent").json()

    assert item_id not in {r["id"] for r in counsellor_rows}
    assert item_id in {r["id"] for r in principal_rows}  # the school's leader
    assert item_id not in {r["id"] for r in principal2_rows}


def test_anonymous_caller_gets_401(client: Client, world: Any) -> None:
    response = client.get(BASE + "/queue")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_queue_and_sent_query_counts_are_flat(api_client: Any, world: Any) -> None:
    send_report(api_client, world)
    intake = api_client("intake")
    with CaptureQueriesContext(connection) as queue_one:
        assert intake.get(BASE + "/queue").status_code == 200
    teacher = api_client("teacher")
    with CaptureQueriesContext(connection) as sent_one:
        assert teacher.get(BASE + "/sent").status_code == 200
    for _ in range(3):
        send_report(api_client, world)
    intake = api_client("intake")
    with CaptureQueriesContext(connection) as queue_four:
        assert len(intake.get(BASE + "/queue").json()) == 4
    teacher = api_client("teacher")
    with CaptureQueriesContext(connection) as sent_four:
        assert len(teacher.get(BASE + "/sent").json()) == 4

    assert len(queue_one) == len(queue_four)
    assert len(sent_one) == len(sent_four)
