"""The work lead releases a member from an episode on its page (issue 12, 4): audited, the
member's access through the episode ends; nobody else releases, and the last member stays."""

from typing import Any

import pytest
from django.urls import reverse

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.support import policies, selectors
from samverkan.support.models import EpisodeMember
from samverkan.support.tests.test_views import _client


def _post(sw: Any, user: str, member: str, version: int | None = None) -> Any:
    ep = sw.episodes["active"]
    ep.refresh_from_db()
    return _client(sw.users[user]).post(
        reverse("support:release", args=[ep.pk]),
        {"release-member": str(sw.users[member].pk), "release-version": str(version or ep.version)},
    )


def test_the_work_lead_releases_a_member_and_the_access_ends(sw: Any) -> None:
    ep = sw.episodes["active"]
    page = _client(sw.users["work_lead"]).get(reverse("support:episode", args=[ep.pk]))
    assert "Frigör" in page.content.decode()

    response = _post(sw, "work_lead", "team_teacher")

    assert response.status_code == 302
    active = set(
        EpisodeMember.objects.filter(episode=ep, ended_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    assert sw.users["team_teacher"].pk not in active
    event = AuditEvent.objects.get(event="support.member_released", object_id=str(ep.pk))
    assert event.details["member"] == str(sw.users["team_teacher"].pk)
    facts = selectors.episode_facts(ep)
    assert sw.users["team_teacher"].pk not in facts.member_user_ids


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("team_worker", 403),  # a member of the team, not its work lead
        ("team_teacher", 403),
        ("unit_head", 403),  # reads the team's records, does not lead it
        ("other_lead", 404),  # the work lead of another team
        ("principal", 403),
        ("intake", 404),
    ],
)
def test_nobody_else_releases(sw: Any, user: str, status: int) -> None:
    response = _post(sw, user, "team_teacher")

    assert response.status_code == status
    assert EpisodeMember.objects.filter(
        episode=sw.episodes["active"], user=sw.users["team_teacher"], ended_at__isnull=True
    ).exists()
    assert not AuditEvent.objects.filter(event="support.member_released").exists()


def test_the_page_offers_release_to_the_work_lead_only(sw: Any) -> None:
    url = reverse("support:episode", args=[sw.episodes["active"].pk])

    worker = _client(sw.users["team_worker"]).get(url).content.decode()

    assert reverse("support:release", args=[sw.episodes["active"].pk]) not in worker
    facts = selectors.episode_facts(sw.episodes["active"])
    assert not policies.can_assign_members(actor_of(sw.users["team_worker"]), facts)


def test_the_last_member_stays_and_a_stale_version_is_a_conflict(sw: Any) -> None:
    ep = sw.episodes["active"]

    assert _post(sw, "work_lead", "team_teacher").status_code == 302
    last = _post(sw, "work_lead", "team_worker")
    stale = _post(sw, "work_lead", "team_worker", version=1)

    assert last.status_code == 400
    assert "minst en medarbetare" in last.content.decode()
    assert stale.status_code == 409
    assert EpisodeMember.objects.filter(
        episode=ep, user=sw.users["team_worker"], ended_at__isnull=True
    ).exists()
