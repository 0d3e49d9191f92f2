"""A consent in force is what lets a record cross between school and social services: the child
page (child_overview), the pure decision (can_view_record) and the filter (notes_visible_to) agree
on every edge of it, and each read under consent is logged with the consent relied on."""

import datetime
from collections.abc import Iterable
from typing import Any

import pytest
from django.utils import timezone

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children import policies, selectors, services
from samverkan.children.models import Enrolment, Note
from samverkan.children.tests.factories import EnrolmentFactory, NoteFactory
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import Consent
from samverkan.consent.tests import factories
from samverkan.support.tests.factories import episode

pytestmark = pytest.mark.django_db

BOTH = "both"
TO_SOCIAL = "school_to_social_services"
TO_SCHOOL = "social_services_to_school"


def give_consent(
    world: Any,
    units: Iterable[Any],
    categories: Iterable[str] = ("social_situation",),
    *,
    child: Any = None,
    direction: str = BOTH,
    follows_child: bool = False,
    valid_to: datetime.date | None = None,
    confirmed: Iterable[str] = ("school", "social_services"),
    recipients: Iterable[tuple[Any, str]] | None = None,
) -> Consent:
    """A consent in force, confirmed by both sides, read by the purpose's default roles."""
    return factories.give_consent(
        child=child or world.child1,
        units=units,
        recorded_by=world.users["counsellor"],
        categories=categories,
        direction=direction,
        follows_child=follows_child,
        valid_to=valid_to,
        confirmed=confirmed,
        recipients=recipients,
    )


def seen(world: Any, user: str, child: Any = None) -> set[str]:
    """The world's notes the user sees on the child page, after checking that the page, the
    pure decision and the filter all agree about every note of the child."""
    child = child or world.child1
    actor = actor_of(world.users[user])
    child_obj, relation = selectors.child_get_visible(actor=actor, child_id=child.pk)
    overview = selectors.child_overview(actor=actor, child=child_obj, relation=relation)
    context = selectors.consent_context(child=child_obj, relation=relation)
    on_page = {n.pk for n in overview.notes}
    filtered = set(
        Note.objects.filter(
            policies.notes_visible_to(actor, context), child_id=child.pk
        ).values_list("pk", flat=True)
    )
    decided = {
        n.pk
        for n in Note.objects.filter(child_id=child.pk)
        if policies.can_view_record(actor, selectors.note_ref(n), context)
    }
    assert on_page == filtered == decided
    names = {note.pk: name for name, note in world.notes.items()}
    return {names.get(pk, str(pk)) for pk in on_page}


WITHIN_SCHOOL = {"school", "student_health"}  # the counsellor's own records at school1


def test_without_consent_the_counsellor_does_not_see_the_social_note(world: Any) -> None:
    assert seen(world, "counsellor") == WITHIN_SCHOOL


@pytest.mark.parametrize("direction", [BOTH, TO_SCHOOL])
def test_a_consent_in_force_shows_the_social_note_to_the_counsellor(
    world: Any, direction: str
) -> None:
    give_consent(world, [world.school1, world.team], direction=direction)
    assert seen(world, "counsellor") == WITHIN_SCHOOL | {"social"}


def test_a_consent_running_only_from_school_to_social_services_shows_the_school_nothing(
    world: Any,
) -> None:
    give_consent(world, [world.school1, world.team], direction=TO_SOCIAL)
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_category_outside_the_scope_stays_hidden(world: Any) -> None:
    give_consent(world, [world.school1, world.team], categories=["school_situation", "plan"])
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_unit_outside_the_scope_stays_hidden(world: Any) -> None:
    give_consent(world, [world.school1, world.other_team])
    assert seen(world, "counsellor") == WITHIN_SCHOOL
    give_consent(world, [world.school2, world.team])
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_consent_about_another_child_shows_nothing(world: Any) -> None:
    NoteFactory(
        child=world.child2,
        owner_unit=world.team,
        domain="social_services",
        category="social_situation",
    )
    give_consent(world, [world.school1, world.team], child=world.child2)
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_teacher_does_not_read_under_a_consent_that_does_not_name_teachers(
    world: Any,
) -> None:
    # Finding 2: a consent naming a school opened the record to every role there.
    give_consent(world, [world.school1, world.team])
    assert seen(world, "teacher") == {"school"}


def test_a_teacher_reads_when_the_consent_names_teachers_at_the_school(world: Any) -> None:
    give_consent(
        world,
        [world.school1, world.team],
        recipients=[(world.school1, "teacher"), (world.team, "team_social_worker")],
    )
    assert seen(world, "teacher") == {"school", "social"}
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_consent_confirmed_only_by_the_school_keeps_social_records_closed(world: Any) -> None:
    # Finding 1's mirror: a counsellor who records a consent cannot open social services' notes.
    give_consent(
        world,
        [world.school1, world.team],
        categories=["social_situation", "school_situation"],
        confirmed=["school"],
    )
    assert seen(world, "counsellor") == WITHIN_SCHOOL
    assert seen(world, "team_worker") == {"social", "school"}


def test_a_consent_confirmed_only_by_social_services_keeps_school_records_closed(
    world: Any,
) -> None:
    give_consent(
        world,
        [world.school1, world.intake],
        categories=["school_situation", "student_health", "student_health_care"],
        confirmed=["social_services"],
    )
    assert seen(world, "intake") == set()
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_after_withdrawal_the_next_read_no_longer_shows_it(world: Any) -> None:
    from samverkan.consent.services import consent_party_withdraw

    consent = give_consent(world, [world.school1, world.team])
    assert "social" in seen(world, "counsellor")
    party = consent.parties.filter(kind="guardian").first()
    consent_party_withdraw(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.child1.pk,
        party_id=party.pk,  # type: ignore[union-attr]
        reason="Vill inte längre.",
    )
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_after_expiry_the_next_read_no_longer_shows_it(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = timezone.localdate()
    give_consent(world, [world.school1, world.team], valid_to=today)
    assert "social" in seen(world, "counsellor")
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_consent_not_yet_valid_shows_nothing(world: Any) -> None:
    consent = give_consent(world, [world.school1, world.team])
    Consent.objects.filter(pk=consent.pk).update(
        valid_from=timezone.localdate() + datetime.timedelta(days=1)
    )
    assert seen(world, "counsellor") == WITHIN_SCHOOL


def test_a_pending_consent_shows_nothing(world: Any) -> None:
    consent = give_consent(world, [world.school1, world.team])
    consent.parties.filter(kind="child").update(answer="heard")  # child1 is 12–14: needed
    assert seen(world, "counsellor") == WITHIN_SCHOOL


@pytest.mark.parametrize(("user", "unit"), [("team_worker", "team"), ("intake", "intake")])
def test_social_services_see_the_school_note_under_consent(
    world: Any, user: str, unit: str
) -> None:
    without = seen(world, user)
    give_consent(world, [world.school1, getattr(world, unit)], categories=["school_situation"])
    assert seen(world, user) == without | {"school"}


def test_social_services_see_the_student_health_note_only_when_it_is_in_scope(
    world: Any,
) -> None:
    give_consent(world, [world.school1, world.team], categories=["school_situation"])
    assert seen(world, "team_worker") == {"social", "school"}
    give_consent(world, [world.school1, world.team], categories=["student_health"])
    assert seen(world, "team_worker") == {"social", "school", "student_health"}


def test_a_consent_running_only_to_the_school_shows_social_services_nothing(world: Any) -> None:
    give_consent(
        world, [world.school1, world.team], categories=["school_situation"], direction=TO_SCHOOL
    )
    assert seen(world, "team_worker") == {"social"}


def test_staff_of_another_social_unit_are_not_covered(world: Any) -> None:
    give_consent(world, [world.school1, world.team], categories=["school_situation"])
    # The family team works with child1 (an episode of its own, issue 12) and has a record.
    episode(
        child=world.child1,
        team=world.other_team,
        members=((world.users["family_coordinator"], "family_coordinator"),),
    )
    NoteFactory(
        child=world.child1,
        owner_unit=world.other_team,
        domain="social_services",
        category="social_situation",
    )
    assert "school" not in seen(world, "family_coordinator")


def _move_child1_to_school2(world: Any) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Enrolment.objects.filter(child=world.child1, school=world.school1).update(valid_to=yesterday)
    EnrolmentFactory(child=world.child1, school=world.school2, valid_from=timezone.localdate())


def test_after_a_change_of_school_a_consent_naming_the_old_school_does_not_cover_the_new(
    world: Any,
) -> None:
    give_consent(world, [world.school1, world.team])
    _move_child1_to_school2(world)
    assert seen(world, "principal2") == set()


def test_a_consent_that_follows_the_child_covers_the_new_school(world: Any) -> None:
    give_consent(world, [world.school1, world.team], follows_child=True)
    _move_child1_to_school2(world)
    assert seen(world, "principal2") == {"social"}


def test_child_open_logs_the_consent_each_shared_note_was_read_under(world: Any) -> None:
    consent = give_consent(world, [world.school1, world.team])
    services.child_open(actor=actor_of(world.users["counsellor"]), child_id=world.child1.pk)
    entry = AuditEvent.objects.filter(event="child.viewed").latest("id")
    assert entry.details["shared_under_consent"] == {str(world.notes["social"].pk): str(consent.pk)}
    assert f"consent:{consent.pk}" in entry.purpose
    assert str(world.notes["social"].pk) in entry.details["notes"]


def test_child_open_without_consent_logs_no_consent(world: Any) -> None:
    services.child_open(actor=actor_of(world.users["counsellor"]), child_id=world.child1.pk)
    entry = AuditEvent.objects.filter(event="child.viewed").latest("id")
    assert entry.details["shared_under_consent"] == {}
    assert "consent:" not in entry.purpose


def test_the_note_shared_under_is_the_consent_relied_on(world: Any) -> None:
    consent = give_consent(world, [world.school1, world.team])
    actor = actor_of(world.users["counsellor"])
    child, relation = selectors.child_get_visible(actor=actor, child_id=world.child1.pk)
    notes = {
        n.pk: n for n in selectors.child_overview(actor=actor, child=child, relation=relation).notes
    }
    assert notes[world.notes["social"].pk].shared_under.consent_id == consent.pk
    assert notes[world.notes["school"].pk].shared_under is None


# The overview's queries: guardians (the custodians among them), enrolments, consents with
# their parties, units, confirmations and recipients in one, municipal rules, releases, notes.
# Pinned so a per-consent query shows up.
OVERVIEW_QUERIES = 6


@pytest.mark.parametrize("consents", [1, 20])
def test_the_overview_query_count_does_not_grow_with_consents(
    world: Any, consents: int, django_assert_num_queries: Any
) -> None:
    for index in range(consents):
        give_consent(
            world,
            [world.school1, world.team, world.intake],
            categories=["social_situation", "school_situation"][: 1 + index % 2],
            direction=[BOTH, TO_SCHOOL, TO_SOCIAL][index % 3],
        )
    actor = actor_of(world.users["counsellor"])
    child, relation = selectors.child_get_visible(actor=actor, child_id=world.child1.pk)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        overview = selectors.child_overview(actor=actor, child=child, relation=relation)
    assert len(overview.consents) == consents
    assert world.notes["social"].pk in {n.pk for n in overview.notes}


def test_the_overview_reads_each_consent_as_the_consent_pages_do(world: Any) -> None:
    """The overview's one-query read (consent_summaries_for_child) gives every consent the
    state, units and policy facts that the full read (consent_views_for_child) gives it."""
    give_consent(world, [world.school1, world.team], direction=TO_SOCIAL, confirmed=["school"])
    give_consent(
        world,
        [world.school1, world.intake],
        categories=["social_situation", "school_situation"],
        recipients=[(world.school1, "principal"), (world.intake, "intake_officer")],
    )
    expired = give_consent(world, [world.team], follows_child=True)
    Consent.objects.filter(pk=expired.pk).update(
        valid_from=timezone.localdate() - datetime.timedelta(days=60),
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
    )
    withdrawn = give_consent(world, [world.school1], direction=TO_SCHOOL, confirmed=[])
    withdrawn.parties.update(withdrawn_at=timezone.now())
    give_consent(world, [world.school1], confirmed=[]).parties.filter(kind="child").delete()

    views = consent_selectors.consent_views_for_child(child=world.child1)
    summaries = consent_selectors.consent_summaries_for_child(
        child=world.child1, custodians=consent_selectors.custodians_of(child=world.child1)
    )
    assert [s.consent_id for s in summaries] == [v.consent.pk for v in views]
    assert [(s.status, s.units, s.state_label) for s in summaries] == [
        (v.status, v.units, v.state_label) for v in views
    ]
    assert {s.status.state for s in summaries} >= {"active", "expired", "withdrawn", "pending"}
    assert tuple(s.active for s in summaries if s.active) == consent_selectors.active_consents(
        views=views
    )
