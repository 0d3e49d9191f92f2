"""actor_load: who is acting, with the roles valid today, loaded in one query (two for a unit
head, whose subtree is read once)."""

import dataclasses
import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.access.actor import actor_load
from samverkan.access.roles import Role
from samverkan.access.tests.factories import RoleAssignmentFactory, UserFactory, actor_of, staff
from samverkan.audit.models import AuditEvent
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import SchoolFactory, UnitFactory


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_the_actor_carries_the_users_grants_and_tenant(world: Any) -> None:
    user = world.users["counsellor"]

    actor = actor_of(user)

    assert (actor.user_id, actor.username, actor.tenant_id) == (user.pk, "kurator", world.a.pk)
    assert actor.tenant_name == "Kommun A"
    [grant] = actor.grants
    assert (grant.role, grant.unit_id, grant.unit_name) == (
        Role.COUNSELLOR,
        world.school1.pk,
        "Ekskolan",
    )
    assert (grant.unit_kind, grant.unit_domain) == (Unit.Kind.SCHOOL, "school")
    assert grant.role_label == "Kurator"
    assert actor.school_ids == actor.student_health_school_ids == {world.school1.pk}
    assert actor.social_unit_ids == frozenset()


def test_a_teacher_is_not_student_health_staff(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    assert actor.school_ids == {world.school1.pk}
    assert actor.student_health_school_ids == frozenset()


def test_the_actor_is_immutable(world: Any) -> None:
    actor = actor_of(world.users["teacher"])

    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.tenant_id = world.b.pk  # type: ignore[misc]


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "counted"),
    [
        (-30, None, True),
        (-30, 0, True),  # the last day still counts
        (0, None, True),  # from today
        (-30, -1, False),  # expired yesterday
        (1, None, False),  # starts tomorrow
        (1, 30, False),
    ],
)
def test_only_roles_valid_today_count(
    world: Any, valid_from: int, valid_to: int | None, counted: bool
) -> None:
    user = world.users["teacher"]
    RoleAssignmentFactory(
        user=user,
        role=Role.PRINCIPAL,
        unit=world.school2,
        valid_from=days(valid_from),
        valid_to=None if valid_to is None else days(valid_to),
    )

    actor = actor_of(user)

    assert (world.school2.pk in actor.school_ids) is counted
    assert actor.has_role(Role.PRINCIPAL) is counted


def test_an_expired_role_is_ignored_while_the_current_one_counts(world: Any) -> None:
    user = UserFactory(municipality=world.a)
    RoleAssignmentFactory(user=user, role=Role.PRINCIPAL, unit=world.school1, valid_to=days(-1))
    RoleAssignmentFactory(user=user, role=Role.TEACHER, unit=world.school2)

    actor = actor_of(user)

    assert [(g.role, g.unit_id) for g in actor.grants] == [(Role.TEACHER, world.school2.pk)]
    assert actor.student_health_school_ids == frozenset()


def test_a_role_in_a_unit_that_has_closed_is_ignored(world: Any) -> None:
    closed = SchoolFactory(municipality=world.a, valid_to=days(-1))
    user = staff(Role.PRINCIPAL, closed)

    actor = actor_of(user)

    assert actor.grants == ()
    assert actor.school_ids == frozenset()


def test_a_role_held_in_another_tenants_unit_is_ignored(world: Any) -> None:
    user = world.users["teacher"]
    RoleAssignmentFactory(user=user, role=Role.PRINCIPAL, unit=world.school_b)

    actor = actor_of(user)

    assert world.school_b.pk not in actor.school_ids
    assert {g.unit_id for g in actor.grants} == {world.school1.pk}


def test_the_roles_of_another_day_can_be_loaded(world: Any) -> None:
    user = world.users["teacher"]

    before = actor_load(user=user, today=datetime.date(2019, 12, 31))
    after = actor_load(user=user, today=datetime.date(2020, 1, 1))

    assert before is not None
    assert before.grants == ()
    assert after is not None
    assert after.school_ids == {world.school1.pk}


def test_several_roles_at_once_are_all_granted(world: Any) -> None:
    user = world.users["teacher"]
    RoleAssignmentFactory(user=user, role=Role.COUNSELLOR, unit=world.school2)

    actor = actor_of(user)

    assert actor.school_ids == {world.school1.pk, world.school2.pk}
    assert actor.student_health_school_ids == {world.school2.pk}
    assert actor.roles == {Role.TEACHER, Role.COUNSELLOR}


def test_a_unit_head_sees_the_subtree_below_their_unit(world: Any) -> None:
    actor = actor_of(world.users["unit_head"])

    assert actor.managed_unit_ids == {
        world.social_admin.pk,
        world.intake.pk,
        world.team.pk,
        world.other_team.pk,
    }
    assert actor.social_unit_ids == actor.managed_unit_ids
    assert actor.intake_unit_ids == {world.intake.pk}
    assert world.school1.pk not in actor.managed_unit_ids


def test_a_unit_head_of_a_team_sees_only_that_team(world: Any) -> None:
    sub_team = UnitFactory(municipality=world.a, parent=world.team, kind=Unit.Kind.TEAM)
    user = staff(Role.UNIT_HEAD, world.team)

    actor = actor_of(user)

    assert actor.managed_unit_ids == {world.team.pk, sub_team.pk}
    assert actor.intake_unit_ids == frozenset()


def test_a_unit_heads_subtree_leaves_out_closed_units(world: Any) -> None:
    closed = UnitFactory(municipality=world.a, parent=world.social_admin, valid_to=days(-1))

    actor = actor_of(world.users["unit_head"])

    assert closed.pk not in actor.managed_unit_ids


def test_governance_roles_get_no_social_units(world: Any) -> None:
    for user in ("steering", "admin", "log_reviewer"):
        actor = actor_of(world.users[user])

        assert actor.social_unit_ids == actor.school_ids == actor.intake_unit_ids == frozenset()


def test_a_user_without_a_tenant_has_no_actor(db: None) -> None:
    user = UserFactory(municipality=None)

    assert actor_load(user=user) is None


def test_a_user_without_roles_has_an_actor_with_no_grants(world: Any) -> None:
    user = UserFactory(municipality=world.a)

    actor = actor_of(user)

    assert actor.grants == ()
    assert actor.tenant_name == "Kommun A"
    assert actor.primary_grant is None


def test_loading_a_non_head_takes_one_query(world: Any, django_assert_num_queries: Any) -> None:
    user = world.users["principal"]

    with django_assert_num_queries(1):
        actor_load(user=user)


def test_loading_a_unit_head_takes_two_queries(world: Any, django_assert_num_queries: Any) -> None:
    user = world.users["unit_head"]

    with django_assert_num_queries(2):
        actor_load(user=user)


def test_a_user_without_a_tenant_is_refused_child_pages_not_crashed(
    client: Client, db: None
) -> None:
    client.force_login(UserFactory(municipality=None))

    response = client.get(reverse("children:search"), {"q": "ella"})

    assert response.status_code == 403
    assert "Du saknar behörighet" in response.content.decode()
    assert not AuditEvent.objects.exists()  # no tenant, no chain to write to
