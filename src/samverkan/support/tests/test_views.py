"""Support pages and API through the client: who gets which page, bad input kept at the field,
double submits, stale versions, and pinned query counts with several rows."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory
from samverkan.support.models import Episode, EpisodeOutcome, EpisodeType
from samverkan.support.tests.factories import episode


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("user", "name", "status"),
    [
        ("work_lead", "support:board", 200),
        ("team_worker", "support:board", 403),
        ("principal", "support:board", 403),
        ("team_worker", "support:caseload", 200),
        ("team_teacher", "support:caseload", 200),
        ("counsellor", "support:caseload", 403),
        ("intake", "support:caseload", 403),
        ("steering", "support:caseload", 403),
    ],
)
def test_who_gets_the_board_and_the_caseload(sw: Any, user: str, name: str, status: int) -> None:
    response = _client(sw.users[user]).get(reverse(name))

    assert response.status_code == status


@pytest.mark.parametrize(
    ("user", "key", "status"),
    [
        ("team_worker", "active", 200),
        ("team_teacher", "active", 200),
        ("work_lead", "requested", 200),
        ("family_coordinator", "active", 404),
        ("principal", "active", 403),
        ("teacher", "active", 403),
        ("intake", "active", 404),
        ("principal_b", "other_tenant", 403),
        ("work_lead", "other_tenant", 404),
    ],
)
def test_who_opens_an_episode(sw: Any, user: str, key: str, status: int) -> None:
    url = reverse("support:episode", args=[sw.episodes[key].pk])

    response = _client(sw.users[user]).get(url)

    assert response.status_code == status


def test_the_episode_page_is_swedish_and_offers_the_members_actions(sw: Any) -> None:
    url = reverse("support:episode", args=[sw.episodes["active"].pk])

    response = _client(sw.users["team_worker"]).get(url)

    text = response.content.decode()
    assert "Insats för Ella Andersson" in text
    assert "Avsluta insatsen" in text
    assert "Anta förfrågan" not in text


def test_a_decline_without_reason_keeps_the_page_and_saves_nothing(sw: Any) -> None:
    ep = sw.episodes["requested"]

    response = _client(sw.users["work_lead"]).post(
        reverse("support:decline", args=[ep.pk]), {"decline-reason": "", "decline-version": "1"}
    )

    assert response.status_code == 400
    assert "Skriv varför förfrågan avböjs" in response.content.decode()
    ep.refresh_from_db()
    assert ep.status == Episode.Status.REQUESTED


def test_bad_start_input_is_shown_at_the_field_with_everything_typed_kept(sw: Any) -> None:
    ep = episode(
        child=sw.world.child1,
        team=sw.world.team,
        status=Episode.Status.ACCEPTED,
        members=((sw.users["team_worker"], Role.TEAM_SOCIAL_WORKER),),
    )

    response = _client(sw.users["team_worker"]).post(
        reverse("support:start", args=[ep.pk]),
        {
            "start-version": "1",
            "start-started_on": "2026-13-40",
            "start-attendance_percent": "55",
            "start-age_reason": "Skrivet skäl",
            "start-eligible_upper_secondary": "no",
            "start-adults_work_or_study": "unknown",
        },
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "Ange datumet som år-månad-dag" in text
    assert 'value="55"' in text
    assert "Skrivet skäl" in text
    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACCEPTED


def test_a_stale_version_is_a_conflict(sw: Any) -> None:
    ep = sw.episodes["requested"]

    response = _client(sw.users["work_lead"]).post(
        reverse("support:decline", args=[ep.pk]),
        {"decline-reason": "Fel team", "decline-version": "0"},
    )

    assert response.status_code == 409
    ep.refresh_from_db()
    assert ep.status == Episode.Status.REQUESTED


def test_double_accept_makes_one_acceptance(sw: Any) -> None:
    ep = sw.episodes["requested"]
    kind = EpisodeType.objects.get(municipality=sw.world.a, code="intensive_school_social")
    data = {
        "accept-version": "1",
        "accept-episode_type": str(kind.pk),
        "accept-members": [str(sw.users["team_worker2"].pk)],
    }
    client = _client(sw.users["work_lead"])

    first = client.post(reverse("support:accept", args=[ep.pk]), data)
    second = client.post(reverse("support:accept", args=[ep.pk]), data)  # Back and resubmit

    assert first.status_code == 302
    assert second.status_code == 302
    assert ep.members.count() == 1


def _many(sw: Any, n: int = 3) -> None:
    """More rows so an N+1 shows: running episodes of the team with team_worker a member."""
    today = timezone.localdate()
    for i in range(n):
        child = ChildFactory(municipality=sw.world.a)
        EnrolmentFactory(child=child, school=sw.world.school1)
        episode(
            child=child,
            team=sw.world.team,
            members=((sw.users["team_worker"], Role.TEAM_SOCIAL_WORKER),),
            planned_end_on=today - datetime.timedelta(days=i),
        )
        episode(child=child, team=sw.world.team, status=Episode.Status.REQUESTED)


# Pinned query counts (STYLE: loading the actor counts too). Session, user and actor: 3.
CASELOAD_QUERIES = 11
BOARD_QUERIES = 13
EPISODE_QUERIES = 14


def test_caseload_page_query_count(sw: Any, django_assert_num_queries: Any) -> None:
    _many(sw)
    client = _client(sw.users["team_worker"])

    with django_assert_num_queries(CASELOAD_QUERIES):
        response = client.get(reverse("support:caseload"))

    assert response.status_code == 200
    assert response.content.decode().count("Över tidsgränsen") >= 2


def test_board_query_count(sw: Any, django_assert_num_queries: Any) -> None:
    _many(sw)
    client = _client(sw.users["work_lead"])

    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get(reverse("support:board"))

    assert response.status_code == 200


def test_episode_page_query_count(sw: Any, django_assert_num_queries: Any) -> None:
    ep = sw.episodes["active"]
    client = _client(sw.users["team_worker"])

    with django_assert_num_queries(EPISODE_QUERIES):
        response = client.get(reverse("support:episode", args=[ep.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("user", "status"),
    [("team_teacher", 302), ("team_worker2", 403), ("teacher", 403), ("family_coordinator", 404)],
)
def test_who_records_outcomes_on_the_page(sw: Any, user: str, status: int) -> None:
    ep = sw.episodes["active"]

    response = _client(sw.users[user]).post(
        reverse("support:outcome", args=[ep.pk]),
        {
            "outcome-version": str(ep.version),
            "outcome-eligible_upper_secondary": "partly",
            "outcome-attendance_percent": "81",
            "outcome-adults_work_or_study": "yes",
        },
    )

    assert response.status_code == status
    recorded = EpisodeOutcome.objects.filter(episode=ep, phase="start").first()
    assert (recorded is not None and recorded.attendance_percent == 81) is (status == 302)


def test_the_support_pages_mark_a_protected_child(sw: Any) -> None:
    """A child with skyddade personuppgifter is marked wherever a support page names them, as
    the consent and intake pages do: the episode, the board and the member's caseload."""
    w = sw.world
    accepted = sw.episodes["accepted"]  # about the protected child, team_worker a member
    episode(child=w.protected, team=w.team, status=Episode.Status.REQUESTED)
    marking = "Skyddade personuppgifter"

    page = _client(sw.users["team_worker"]).get(reverse("support:episode", args=[accepted.pk]))
    board = _client(sw.users["work_lead"]).get(reverse("support:board"))
    caseload = _client(sw.users["team_worker"]).get(reverse("support:caseload"))
    unprotected = _client(sw.users["team_worker"]).get(
        reverse("support:episode", args=[sw.episodes["active"].pk])
    )

    assert marking in page.content.decode()
    assert marking in board.content.decode()
    assert marking in caseload.content.decode()
    assert marking not in unprotected.content.decode()
