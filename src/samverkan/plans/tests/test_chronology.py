"""The child's chronology: built from the records, in order, each entry visible only where
its record is: every step for the team the report was handed to, the school-visible subset
for the principal, the outcome for the reporter alone."""

import datetime
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.intake import services as intake_services
from samverkan.intake.models import IntakeItem
from samverkan.plans import chronology
from samverkan.plans.tests.factories import agreed_sip

# Session, user and actor (3); the child and its relation (3); the consents with their parties,
# units, confirmations and recipients in one query, the custodians, the rule overrides (3);
# the intake items (1);
# the plans, their agreed versions and meetings (3); the support episodes and their members
# (2); the audited read (3); the header's notification count (1). Flat in the number of
# reports, consents, plans and episodes.
CHRONOLOGY_QUERIES = 19


def _handled_report(world: Any) -> IntakeItem:
    item = intake_services.report_submit(
        actor=actor_of(world.users["counsellor"]),
        school_id=world.school1.pk,
        child_id=world.child1.pk,
        # A new text each time: the same text about the same child within a day is refused
        # as a possible duplicate.
        observed=f"Eleven är ofta borta ({uuid.uuid4().hex[:8]}).",
        situation="Eleven är i skolan.",
        needs_protection_now="no",
        guardians_informed="yes",
    )
    start = item.received_at
    IntakeItem.objects.filter(pk=item.pk).update(
        protection_assessed_at=start + datetime.timedelta(hours=1),
        decided_at=start + datetime.timedelta(days=5),
        decision=IntakeItem.Decision.NOT_OPENED,
        feedback_given_at=start + datetime.timedelta(days=6),
        handed_over_to=world.team,
        handed_over_at=start + datetime.timedelta(days=7),
        status=IntakeItem.Status.HANDED_OVER,
    )
    return item


def _titles(world: Any, user: str, **kwargs: Any) -> list[str]:
    entries = chronology.chronology(actor=actor_of(world.users[user]), child=world.child1, **kwargs)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    return [e.title for e in entries]


def test_the_team_sees_every_step_in_order(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "team_worker")

    ref = item.reference
    steps = [
        f"Orosanmälan {ref} mottagen",
        f"{ref}: Skyddsbedömning gjord",
        f"{ref}: Beslut: Utredning inleds inte",
        f"{ref}: Återkoppling lämnad till anmälaren",
        f"{ref}: Överlämnad till Skolsocialt team",
    ]
    assert [t for t in titles if ref in t] == steps
    assert "SIP kallad av Ekskolan" in titles
    assert "SIP version 1 överenskommen" in titles
    assert any(t.startswith("Samtycke registrerat") for t in titles)


def test_the_principal_sees_the_school_visible_subset(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "principal")

    assert [t for t in titles if item.reference in t] == [f"Orosanmälan {item.reference} mottagen"]
    assert "SIP version 1 överenskommen" in titles


def test_the_reporter_sees_the_outcome_owed_to_them(world: Any) -> None:
    item = _handled_report(world)

    titles = _titles(world, "counsellor")

    assert f"{item.reference}: Återkoppling lämnad till anmälaren" in titles
    assert f"{item.reference}: Skyddsbedömning gjord" not in titles


def test_a_teacher_outside_the_consent_sees_neither_the_report_nor_the_plan(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "teacher")

    assert not [t for t in titles if item.reference in t]
    assert not [t for t in titles if t.startswith("SIP")]


def test_filter_by_kind(world: Any) -> None:
    _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "team_worker", kinds=frozenset({chronology.Kind.PLAN}))

    assert titles
    assert all(t.startswith("SIP") for t in titles)


def test_the_page_is_audited_and_filters(world: Any, client: Any) -> None:
    agreed_sip(world)
    client.force_login(world.users["team_worker"])

    response = client.get(
        reverse("plans:chronology", kwargs={"child_id": world.child1.pk}), {"slag": "plan"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "SIP version 1 överenskommen" in page
    assert "Samtycke registrerat" not in page
    assert AuditEvent.objects.filter(event="child.chronology").count() == 1


@pytest.mark.parametrize("user", ["principal_b", "steering"])
def test_outside_the_child_the_chronology_is_not_found(world: Any, client: Any, user: str) -> None:
    client.force_login(world.users[user])

    response = client.get(reverse("plans:chronology", kwargs={"child_id": world.child1.pk}))

    assert response.status_code in (403, 404)


def test_chronology_query_count_is_flat(
    world: Any, client: Any, django_assert_num_queries: Any
) -> None:
    _handled_report(world)
    agreed_sip(world)
    client.force_login(world.users["team_worker"])
    url = reverse("plans:chronology", kwargs={"child_id": world.child1.pk})
    client.get(url)

    with django_assert_num_queries(CHRONOLOGY_QUERIES):
        client.get(url)
    for _ in range(3):
        _handled_report(world)
        _ended_episode(world)
    agreed_sip(world)
    with django_assert_num_queries(CHRONOLOGY_QUERIES):
        client.get(url)


def _ended_episode(world: Any) -> Any:
    """An ended episode of the team about child1, referred by school1, with a member who left."""
    from samverkan.access.roles import Role
    from samverkan.support.models import Episode, EpisodeMember
    from samverkan.support.tests.factories import episode

    today = timezone.localdate()
    ended = episode(
        child=world.child1,
        team=world.team,
        status=Episode.Status.ENDED,
        members=((world.users["team_worker"], Role.TEAM_SOCIAL_WORKER),),
        started_on=today - datetime.timedelta(weeks=12),
        planned_end_on=today - datetime.timedelta(weeks=1),
        referring_school=world.school1,
    )
    now = timezone.now()
    Episode.objects.filter(pk=ended.pk).update(
        created_at=now - datetime.timedelta(weeks=13),
        decided_at=now - datetime.timedelta(weeks=13) + datetime.timedelta(days=2),
        ended_on=today - datetime.timedelta(days=3),
        end_reason=Episode.EndReason.GOALS_REACHED,
    )
    EpisodeMember.objects.filter(episode=ended).update(
        created_at=now - datetime.timedelta(weeks=12, days=1),
        ended_at=now - datetime.timedelta(days=3),
    )
    return ended


def _support(world: Any, user: str, child: Any = None) -> list[chronology.Entry]:
    entries = chronology.chronology(actor=actor_of(world.users[user]), child=child or world.child1)
    return [e for e in entries if e.kind == chronology.Kind.SUPPORT]


def test_the_team_sees_its_episodes_from_request_to_end(world: Any) -> None:
    ended = _ended_episode(world)

    entries = _support(world, "team_worker")

    mine = [e for e in entries if e.url == reverse("support:episode", args=[ended.pk])]
    titles = [e.title for e in mine]
    assert titles[:2] == [
        "Förfrågan om stöd till Skolsocialt team: Intensivt skolsocialt stöd",
        "Förfrågan antagen",
    ]
    assert any(t.endswith(" startad") for t in titles)
    assert "Medarbetare tillsatt: Socialsekreterare, team" in titles
    assert "Medarbetare lämnade insatsen: Socialsekreterare, team" in titles
    assert titles[-1].endswith("avslutad: Målen är nådda")
    # The running episode of the shared world too, each entry linking to its record.
    assert {e.url for e in entries} >= {reverse("support:episode", args=[ended.pk])}
    assert len({e.url for e in entries}) == 2


def test_the_principal_is_told_only_that_the_support_ended(world: Any) -> None:
    _ended_episode(world)

    titles = [e.title for e in _support(world, "principal")]

    # Not the running episode, not its members or reason: only the end (issue 12, 7).
    assert titles == ["Ett stöd från Skolsocialt team har avslutats"]


@pytest.mark.parametrize("user", ["teacher", "counsellor", "intake", "principal2", "steering"])
def test_others_see_no_episode(world: Any, user: str) -> None:
    _ended_episode(world)

    assert _support(world, user) == []


def test_another_team_and_another_tenant_see_no_episode(world: Any) -> None:
    _ended_episode(world)

    assert _support(world, "family_coordinator") == []
    assert _support(world, "principal_b") == []
    assert _support(world, "principal_b", child=world.child_b) == []


def test_an_ended_episode_page_link_follows_the_episode_policy(world: Any, client: Any) -> None:
    ended = _ended_episode(world)
    client.force_login(world.users["team_worker"])

    page = client.get(reverse("plans:chronology", kwargs={"child_id": world.child1.pk}))

    assert reverse("support:episode", args=[ended.pk]) in page.content.decode()
    assert client.get(reverse("support:episode", args=[ended.pk])).status_code == 200
