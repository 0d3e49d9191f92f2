"""The intake policies' decisions agree with their Q twins for every user of the world and
every item, and school staff never see another school's items (R1.2; OSL 26 kap. 1 §)."""

from typing import Any

import pytest

from samverkan.access.tests.factories import actor_of
from samverkan.intake import policies, selectors, services
from samverkan.intake.models import Consultation, IntakeItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world: Any) -> list[IntakeItem]:
    made = []
    for user, school, child in (
        ("principal", world.school1, world.child1),
        ("teacher", world.school1, world.child1),
        ("principal2", world.school2, world.child2),
    ):
        made.append(
            services.report_submit(
                actor=actor_of(world.users[user]),
                school_id=school.pk,
                child_id=child.pk,
                observed="Sett",
                situation="Nu",
                needs_protection_now="no",
                guardians_informed="yes",
            )
        )
    return made


def test_decisions_and_filters_agree_for_every_user(world: Any, items: list[IntakeItem]) -> None:
    services.consultation_submit(
        actor=actor_of(world.users["counsellor"]),
        school_id=world.school1.pk,
        age_group="10-12",
        question="Hur gör vi?",
    )
    consultations = list(Consultation.objects.all())
    for name, user in world.users.items():
        actor = actor_of(user)
        handled = set(
            IntakeItem.objects.filter(policies.items_handled_by(actor)).values_list("pk", flat=True)
        )
        sent = set(
            IntakeItem.objects.filter(policies.items_sent_visible_to(actor)).values_list(
                "pk", flat=True
            )
        )
        answered = set(
            Consultation.objects.filter(policies.consultations_handled_by(actor)).values_list(
                "pk", flat=True
            )
        )
        for item in items:
            ref = selectors.item_ref(item)
            assert bool(policies.can_handle_item(actor, ref)) == (item.pk in handled), name
            assert bool(policies.can_view_as_sender(actor, ref)) == (item.pk in sent), name
        for consultation in consultations:
            allowed = policies.can_answer_consultation(
                actor, consultation.routed_to_id, consultation.municipality_id
            )
            assert bool(allowed) == (consultation.pk in answered), name


def test_who_sees_which_item(world: Any, items: list[IntakeItem]) -> None:
    by_principal, by_teacher, by_principal2 = items

    def sent(user: str) -> set[Any]:
        actor = actor_of(world.users[user])
        return {view.item.pk for view in selectors.sent_items(actor=actor)}

    assert sent("principal") == {by_principal.pk, by_teacher.pk}  # the school's leader
    assert sent("teacher") == {by_teacher.pk}  # only their own
    assert sent("principal2") == {by_principal2.pk}  # never another school's
    assert sent("principal_b") == set()
    for user in ("steering", "admin", "log_reviewer", "counsellor"):
        assert sent(user) == set(), user
    intake = actor_of(world.users["intake"])
    assert set(selectors.queue(actor=intake).values_list("pk", flat=True)) == {i.pk for i in items}
    for user in ("team_worker", "family_coordinator", "principal", "steering", "principal_b"):
        actor = actor_of(world.users[user])
        assert not IntakeItem.objects.filter(policies.items_handled_by(actor)).exists(), user


def test_only_school_staff_use_the_one_way_in(world: Any) -> None:
    allowed = {"principal", "teacher", "counsellor", "nurse", "principal2", "principal_b"}
    for name, user in world.users.items():
        assert bool(policies.can_use_one_way_in(actor_of(user))) == (name in allowed), name


def test_only_the_administrator_configures_routing(world: Any) -> None:
    for name, user in world.users.items():
        assert bool(policies.can_manage_routing(actor_of(user))) == (name == "admin"), name
