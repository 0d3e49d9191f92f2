"""The support API through the client: the same services, policies and errors as the pages."""

from typing import Any

import pytest

from samverkan.support.tests.test_views import _client, _many


def test_api_episode_and_decline(sw: Any) -> None:
    ep = sw.episodes["requested"]
    client = _client(sw.users["work_lead"])

    got = client.get(f"/api/support/episodes/{ep.pk}")
    refused = client.post(
        f"/api/support/episodes/{ep.pk}/decline",
        {"reason": " "},
        content_type="application/json",
    )
    done = client.post(
        f"/api/support/episodes/{ep.pk}/decline",
        {"reason": "Passar ett annat team."},
        content_type="application/json",
    )

    assert got.status_code == 200
    assert got.json()["status"] == "requested"
    assert refused.status_code == 400
    assert refused.json()["code"] == "episode_invalid"
    assert "reason" in refused.json()["details"]
    assert done.json()["status"] == "declined"


@pytest.mark.parametrize(
    ("user", "status"),
    [("principal", 403), ("family_coordinator", 404), ("principal_b", 403)],
)
def test_api_refuses_others(sw: Any, user: str, status: int) -> None:
    ep = sw.episodes["active"]

    response = _client(sw.users[user]).get(f"/api/support/episodes/{ep.pk}")

    assert response.status_code == status
    assert "code" in response.json()


def test_api_caseload_and_board(sw: Any) -> None:
    _many(sw)

    caseload = _client(sw.users["team_worker"]).get("/api/support/caseload")
    board = _client(sw.users["work_lead"]).get("/api/support/board")

    assert caseload.status_code == 200
    assert len(caseload.json()) >= 4
    assert board.status_code == 200
    assert len(board.json()["requests"]) >= 3


def test_api_releases_a_member_for_the_work_lead_only(sw: Any) -> None:
    ep = sw.episodes["active"]
    url = f"/api/support/episodes/{ep.pk}/members/release"
    body = {"user_id": str(sw.users["team_teacher"].pk)}

    refused = _client(sw.users["team_worker"]).post(url, body, content_type="application/json")
    done = _client(sw.users["work_lead"]).post(url, body, content_type="application/json")

    assert refused.status_code == 403
    assert done.status_code == 200
    assert str(sw.users["team_teacher"].pk) not in {m["user_id"] for m in done.json()["members"]}


def test_api_principal_request_once_per_idempotency_key(sw: Any) -> None:
    from samverkan.intake.models import TeamSchoolContact

    w = sw.world
    TeamSchoolContact.objects.create(
        municipality=w.a, team=w.team, school=w.school1, member=sw.users["team_worker"]
    )
    body = {"child_id": str(w.child1.pk), "team_id": str(w.team.pk), "note": "Behöver stöd."}
    client = _client(sw.users["principal"])

    first = client.post(
        "/api/support/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    again = client.post(
        "/api/support/requests", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    teacher = _client(sw.users["teacher"]).post(
        "/api/support/requests", body, content_type="application/json"
    )
    listed = client.get("/api/support/requests")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert teacher.status_code == 403
    assert [r["id"] for r in listed.json()] == [first.json()["id"]]
