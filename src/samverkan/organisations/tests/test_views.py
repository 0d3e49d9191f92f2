"""The organisation pages: the tenant's own schools, units and staff, nothing of other tenants."""

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import UserFactory, staff
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import SchoolContactFactory, SchoolFactory, UnitFactory

# session, user, actor, units, staff counts
LIST_QUERIES = 6  # +1: the unread notifications in the header
# session, user, actor, unit, staff, contact schools, current contacts, contact history
DETAIL_QUERIES = 9  # +1: the unread notifications in the header


def unit_url(unit: Any) -> str:
    return reverse("organisations:detail", kwargs={"unit_id": unit.pk})


@pytest.fixture
def signed_in(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))  # stamps the idle timer outside the counted requests
        return client

    return sign_in


def test_the_organisation_page_lists_own_schools_and_units(signed_in: Any, world: Any) -> None:
    client = signed_in("principal")

    response = client.get(reverse("organisations:list"))

    page = response.content.decode()
    assert response.status_code == 200
    for name in ("Ekskolan", "Björkskolan", "Socialförvaltningen", "Mottagningen", "Familjeteamet"):
        assert name in page
    assert "Skolsocialt team" in page
    assert world.school1.school_unit_code in page
    assert "F–9" in page


def test_the_organisation_page_leaves_out_other_tenants(signed_in: Any, world: Any) -> None:
    client = signed_in("principal")

    response = client.get(reverse("organisations:list"))

    page = response.content.decode()
    assert "Skola B" not in page
    assert unit_url(world.school_b) not in page
    assert "Kommun B" not in page


def test_the_organisation_page_leaves_out_closed_and_future_units(
    signed_in: Any, world: Any
) -> None:
    today = timezone.localdate()
    SchoolFactory(
        municipality=world.a, name="Nedlagda skolan", valid_to=today - datetime.timedelta(days=1)
    )
    UnitFactory(
        municipality=world.a, name="Kommande teamet", valid_from=today + datetime.timedelta(days=1)
    )
    client = signed_in("principal")

    response = client.get(reverse("organisations:list"))

    page = response.content.decode()
    assert "Nedlagda skolan" not in page
    assert "Kommande teamet" not in page


@pytest.mark.parametrize("user", ["teacher", "team_worker", "steering", "admin", "log_reviewer"])
def test_every_role_of_the_tenant_may_see_the_organisation(
    signed_in: Any, world: Any, user: str
) -> None:
    client = signed_in(user)

    response = client.get(reverse("organisations:list"))

    assert response.status_code == 200
    assert "Ekskolan" in response.content.decode()


def test_the_other_tenant_sees_only_its_own_organisation(signed_in: Any, world: Any) -> None:
    client = signed_in("principal_b")

    response = client.get(reverse("organisations:list"))

    page = response.content.decode()
    assert "Skola B" in page
    assert "Ekskolan" not in page
    assert "Mottagningen" not in page


def test_a_user_without_roles_is_refused_the_organisation(client: Client, world: Any) -> None:
    client.force_login(UserFactory(municipality=world.a))

    response = client.get(reverse("organisations:list"))

    assert response.status_code == 403
    assert "Du saknar behörighet" in response.content.decode()


def test_a_schools_page_shows_its_staff_and_social_services_contact(
    signed_in: Any, world: Any
) -> None:
    contact = world.users["intake"]
    client = signed_in("teacher")

    response = client.get(unit_url(world.school1))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ekskolan" in page
    assert "Kontakt i socialtjänsten" in page
    assert contact.get_full_name() in page
    assert contact.phone in page
    assert world.users["principal"].get_full_name() in page
    assert "Rektor" in page


def test_a_teams_page_shows_its_parent_and_staff(signed_in: Any, world: Any) -> None:
    client = signed_in("principal")

    response = client.get(unit_url(world.team))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Socialförvaltningen" in page
    assert world.users["team_worker"].get_full_name() in page
    assert "Kontakt i socialtjänsten" not in page


def test_another_tenants_unit_is_not_found_and_the_attempt_logged(
    signed_in: Any, world: Any
) -> None:
    client = signed_in("principal")

    response = client.get(unit_url(world.school_b))

    assert response.status_code == 404
    assert "Skola B" not in response.content.decode()
    [event] = AuditEvent.objects.filter(action=AuditAction.DENIED, event="access.denied")
    assert event.object_id == str(world.school_b.pk)
    assert event.municipality_id == world.a.pk


def test_a_unit_that_does_not_exist_is_not_found(signed_in: Any, world: Any) -> None:
    client = signed_in("principal")

    response = client.get(reverse("organisations:detail", kwargs={"unit_id": uuid.uuid4()}))

    assert response.status_code == 404


def test_a_closed_units_page_still_shows_its_history(signed_in: Any, world: Any) -> None:
    today = timezone.localdate()
    successor = UnitFactory(municipality=world.a, name="Stödteamet")
    closed = UnitFactory(
        municipality=world.a,
        name="Resursteamet",
        valid_to=today - datetime.timedelta(days=1),
        successor=successor,
    )
    client = signed_in("principal")

    response = client.get(unit_url(closed))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Uppgick i" in page
    assert "Stödteamet" in page


def _grow(world: Any, n: int) -> None:
    for _ in range(n):
        school = SchoolFactory(municipality=world.a)
        staff(Role.TEACHER, school)
        team = UnitFactory(municipality=world.a, parent=world.social_admin, kind=Unit.Kind.TEAM)
        staff(Role.TEAM_SOCIAL_WORKER, team)


def test_the_organisation_page_query_count_is_pinned_and_flat(
    signed_in: Any, world: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in("principal")
    _grow(world, 3)

    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("organisations:list"))
    _grow(world, 27)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("organisations:list"))

    assert response.content.decode().count(reverse("organisations:list") + "enheter/") >= 60


def test_a_schools_page_query_count_is_pinned_and_flat(
    signed_in: Any, world: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in("principal")
    for _ in range(3):
        staff(Role.TEACHER, world.school1)
        SchoolContactFactory(
            school=world.school1,
            social_worker=world.users["intake"],
            valid_to=datetime.date(2020, 12, 31),
        )

    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(unit_url(world.school1))
    for _ in range(27):
        staff(Role.TEACHER, world.school1)
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(unit_url(world.school1))

    assert response.content.decode().count("Lärare") >= 30
