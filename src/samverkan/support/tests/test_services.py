"""Support services: the request from intake, the work lead's decisions, the start with consent
and outcomes, the time limit with a frozen clock, the end that tells the school and ends access."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children import policies as child_policies
from samverkan.children import selectors as child_selectors
from samverkan.consent.tests.factories import give_consent
from samverkan.core.errors import AccessDenied, ConcurrentEdit, NotFound
from samverkan.notifications.models import Notification
from samverkan.support import rules, selectors, services
from samverkan.support.errors import EpisodeInvalid
from samverkan.support.models import Episode, EpisodeMember, EpisodeOutcome, EpisodeType
from samverkan.support.tests.factories import episode

OUTCOME = services.OutcomeInput(
    eligible_upper_secondary="no", attendance_percent=62, family_rating=2
)


def _accepted(sw: Any) -> Episode:
    """An accepted episode of the team about child1 (13), team_worker and team_teacher members."""
    return episode(
        child=sw.world.child1,
        team=sw.world.team,
        status=Episode.Status.ACCEPTED,
        members=(
            (sw.users["team_worker"], Role.TEAM_SOCIAL_WORKER),
            (sw.users["team_teacher"], Role.TEAM_TEACHER),
        ),
        referring_school=sw.world.school1,
    )


def test_every_municipality_gets_the_seeds_four_types_once(world: Any) -> None:
    services.episode_types_ensure(municipality_id=world.a.pk)
    services.episode_types_ensure(municipality_id=world.a.pk)

    codes = sorted(EpisodeType.objects.filter(municipality=world.a).values_list("code", flat=True))

    assert codes == [
        "family_coordination",
        "foster_care_school",
        "intensive_school_social",
        "network_work",
    ]
    intensive = EpisodeType.objects.get(municipality=world.a, code="intensive_school_social")
    assert intensive.weeks_limit == 12  # R0.3: intensive and time-limited


def test_the_work_lead_accepts_and_assigns_once(sw: Any) -> None:
    lead = actor_of(sw.users["work_lead"])
    ep = sw.episodes["requested"]
    intensive = EpisodeType.objects.get(municipality=sw.world.a, code="intensive_school_social")
    members = [sw.users["team_worker2"].pk, sw.users["team_teacher"].pk]

    services.episode_accept(
        actor=lead, episode_id=ep.pk, episode_type_id=intensive.pk, member_ids=members, version=1
    )
    services.episode_accept(  # double submit: the same acceptance again
        actor=lead, episode_id=ep.pk, episode_type_id=intensive.pk, member_ids=members, version=1
    )

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACCEPTED
    assert AuditEvent.objects.filter(event="support.accepted", object_id=str(ep.pk)).count() == 1
    roles = dict(
        EpisodeMember.objects.filter(episode=ep).values_list("user__username", "organisation")
    )
    assert roles == {"team2": "social_services", "teamlarare": "education"}
    assert Notification.objects.filter(
        recipient=sw.users["team_teacher"], kind=services.NOTIFY_ASSIGNED
    ).exists()


def test_accept_with_a_stale_version_is_refused(sw: Any) -> None:
    lead = actor_of(sw.users["work_lead"])
    ep = sw.episodes["requested"]
    intensive = EpisodeType.objects.get(municipality=sw.world.a, code="intensive_school_social")

    with pytest.raises(ConcurrentEdit):
        services.episode_accept(
            actor=lead,
            episode_id=ep.pk,
            episode_type_id=intensive.pk,
            member_ids=[sw.users["team_worker"].pk],
            version=0,
        )


@pytest.mark.parametrize(
    ("user", "error"),
    [
        ("team_worker", AccessDenied),  # sees the request, is not the work lead
        ("unit_head", AccessDenied),
        ("other_lead", NotFound),  # another team's request does not exist for them
        ("principal", NotFound),
        ("intake", NotFound),
        ("principal_b", NotFound),
    ],
)
def test_only_the_teams_work_lead_accepts(sw: Any, user: str, error: type) -> None:
    ep = sw.episodes["requested"]

    with pytest.raises(error):
        services.episode_decline(actor=actor_of(sw.users[user]), episode_id=ep.pk, reason="Nej")

    ep.refresh_from_db()
    assert ep.status == Episode.Status.REQUESTED


def test_a_decline_needs_a_reason_the_sender_sees(sw: Any) -> None:
    lead = actor_of(sw.users["work_lead"])
    ep = sw.episodes["requested"]
    ep.created_by = sw.users["intake"]
    ep.save(update_fields=["created_by"])

    with pytest.raises(EpisodeInvalid) as raised:
        services.episode_decline(actor=lead, episode_id=ep.pk, reason="  ")
    assert "reason" in raised.value.details
    services.episode_decline(actor=lead, episode_id=ep.pk, reason="Passar familjeteamet bättre.")

    ep.refresh_from_db()
    assert ep.status == Episode.Status.DECLINED
    assert ep.decline_reason == "Passar familjeteamet bättre."
    assert Notification.objects.filter(
        recipient=sw.users["intake"], kind=services.NOTIFY_DECIDED
    ).exists()


def test_start_without_the_consent_to_the_service_saves_nothing(sw: Any) -> None:
    ep = _accepted(sw)
    worker = actor_of(sw.users["team_worker"])

    with pytest.raises(EpisodeInvalid) as raised:
        services.episode_start(
            actor=worker, episode_id=ep.pk, started_on=timezone.localdate(), outcome=OUTCOME
        )

    assert "consent" in raised.value.details
    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACCEPTED
    assert not EpisodeOutcome.objects.filter(episode=ep).exists()


def test_a_consent_of_another_purpose_does_not_start_the_episode(sw: Any) -> None:
    ep = _accepted(sw)
    give_consent(
        child=sw.world.child1,
        units=[sw.world.school1, sw.world.team],
        recorded_by=sw.users["team_worker"],
    )

    with pytest.raises(EpisodeInvalid):
        services.episode_start(
            actor=actor_of(sw.users["team_worker"]),
            episode_id=ep.pk,
            started_on=timezone.localdate(),
            outcome=OUTCOME,
        )


def test_start_with_consent_sets_the_time_limit_and_start_outcomes(sw: Any) -> None:
    ep = _accepted(sw)
    consent = give_consent(
        child=sw.world.child1,
        units=[sw.world.school1, sw.world.team],
        recorded_by=sw.users["team_worker"],
        purpose="support_service",
    )
    day = timezone.localdate()

    services.episode_start(
        actor=actor_of(sw.users["team_worker"]), episode_id=ep.pk, started_on=day, outcome=OUTCOME
    )

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACTIVE
    assert ep.planned_end_on == day + datetime.timedelta(weeks=12)
    assert ep.service_consent_id == consent.pk
    start = EpisodeOutcome.objects.get(episode=ep, phase="start")
    assert (start.attendance_percent, start.family_rating) == (62, 2)


def test_an_age_outside_the_range_needs_a_written_reason(sw: Any) -> None:
    sw.world.child1.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 18)
    sw.world.child1.save(update_fields=["birth_date"])
    ep = _accepted(sw)
    give_consent(
        child=sw.world.child1,
        units=[sw.world.school1, sw.world.team],
        recorded_by=sw.users["team_worker"],
        purpose="support_service",
    )
    worker = actor_of(sw.users["team_worker"])

    with pytest.raises(EpisodeInvalid) as raised:
        services.episode_start(
            actor=worker, episode_id=ep.pk, started_on=timezone.localdate(), outcome=OUTCOME
        )
    assert "age_reason" in raised.value.details
    services.episode_start(
        actor=worker,
        episode_id=ep.pk,
        started_on=timezone.localdate(),
        outcome=OUTCOME,
        age_reason="Går om nian; behöver stödet ut terminen.",
    )

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ACTIVE
    assert ep.age_reason.startswith("Går om nian")


def test_bad_outcomes_are_refused_at_their_fields(sw: Any) -> None:
    ep = _accepted(sw)

    with pytest.raises(EpisodeInvalid) as raised:
        services.episode_start(
            actor=actor_of(sw.users["team_worker"]),
            episode_id=ep.pk,
            started_on=timezone.localdate(),
            outcome=services.OutcomeInput(attendance_percent=140, family_rating=9),
        )

    assert {"attendance_percent", "family_rating"} <= set(raised.value.details)


def test_past_the_limit_from_the_day_after_the_planned_end(sw: Any, frozen: Any) -> None:
    ep = sw.episodes["active"]
    end = ep.planned_end_on
    lead = actor_of(sw.users["work_lead"])

    with frozen(end):
        on_the_day = selectors.board(actor=lead)
    with frozen(end + datetime.timedelta(days=1)):
        day_after = selectors.board(actor=lead)
        rows = selectors.caseload(actor=actor_of(sw.users["team_worker"]))

    assert on_the_day.past_limit_count == 0
    assert day_after.past_limit_count == 1
    assert [r["id"] for r in day_after.past_limit] == [ep.pk]
    assert rows[0]["past_limit"] is True
    assert not rules.is_past_limit(status="active", planned_end_on=end, today=end)
    assert rules.is_past_limit(
        status="active", planned_end_on=end, today=end + datetime.timedelta(days=1)
    )
    assert not rules.is_past_limit(
        status="ended", planned_end_on=end, today=end + datetime.timedelta(days=1)
    )


def test_ending_tells_the_referring_school_and_ends_access(sw: Any) -> None:
    ep = sw.episodes["active"]
    teacher = actor_of(sw.users["team_teacher"])
    worker = actor_of(sw.users["team_worker"])
    assert child_policies.can_view_child(
        worker, child_selectors.child_relation(child=sw.world.child1)
    )

    services.episode_end(
        actor=worker,
        episode_id=ep.pk,
        ended_on=timezone.localdate(),
        reason=Episode.EndReason.GOALS_REACHED,
        outcome=services.OutcomeInput(goals_reached="yes", attendance_percent=91),
    )
    services.episode_end(  # Back and resubmit changes nothing
        actor=worker,
        episode_id=ep.pk,
        ended_on=timezone.localdate(),
        reason=Episode.EndReason.GOALS_REACHED,
        outcome=services.OutcomeInput(),
    )

    ep.refresh_from_db()
    assert ep.status == Episode.Status.ENDED
    assert not EpisodeMember.objects.filter(episode=ep, ended_at__isnull=True).exists()
    assert EpisodeOutcome.objects.get(episode=ep, phase="end").attendance_percent == 91
    notice = Notification.objects.get(recipient=sw.users["principal"], kind=services.NOTIFY_ENDED)
    # No content crosses: neither the child's name nor the reason.
    assert "Ella" not in notice.title + notice.body
    assert "mål" not in (notice.title + notice.body).lower()
    relation = child_selectors.child_relation(child=sw.world.child1)
    assert ep.owner_unit_id not in relation.record_unit_ids
    assert not child_policies.can_view_child(worker, relation)
    with pytest.raises(AccessDenied):
        services.outcome_record(
            actor=teacher, episode_id=ep.pk, phase="end", outcome=services.OutcomeInput()
        )


def test_a_team_teacher_records_outcomes_but_cannot_end(sw: Any) -> None:
    ep = sw.episodes["active"]
    teacher = actor_of(sw.users["team_teacher"])

    services.outcome_record(
        actor=teacher,
        episode_id=ep.pk,
        phase="start",
        outcome=services.OutcomeInput(attendance_percent=70),
    )
    with pytest.raises(AccessDenied):
        services.episode_end(
            actor=teacher,
            episode_id=ep.pk,
            ended_on=timezone.localdate(),
            reason="other",
            outcome=OUTCOME,
        )

    assert EpisodeOutcome.objects.get(episode=ep, phase="start").attendance_percent == 70


def test_reading_an_episode_is_audited_with_its_children(sw: Any) -> None:
    ep = sw.episodes["active"]

    services.episode_read(actor=actor_of(sw.users["team_worker"]), episode_id=ep.pk)

    entry = AuditEvent.objects.get(event="support.episode_viewed", object_id=str(ep.pk))
    assert entry.child_ids == [str(sw.world.child1.pk)]
    assert entry.purpose == "caseload"


def test_a_repeated_step_answers_only_team_staff(sw: Any) -> None:
    # Given an ended episode of the team
    ep = sw.episodes["ended"]

    # When the unit head above the team (sees it, is not team staff) repeats the end
    # Then it is refused rather than answered as done; team staff get the recorded state
    with pytest.raises(AccessDenied):
        services.episode_end(
            actor=actor_of(sw.users["unit_head"]),
            episode_id=ep.pk,
            ended_on=timezone.localdate(),
            reason="other",
            outcome=services.OutcomeInput(),
        )
    again = services.episode_end(
        actor=actor_of(sw.users["team_worker"]),
        episode_id=ep.pk,
        ended_on=timezone.localdate(),
        reason="other",
        outcome=services.OutcomeInput(),
    )
    assert again.status == Episode.Status.ENDED
