"""Factories for staff and their roles."""

import datetime

import factory

from samverkan.access.actor import Actor, actor_load
from samverkan.access.models import RoleAssignment, User
from samverkan.organisations.tests.factories import MunicipalityFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Förnamn{n}")
    last_name = "Testsson"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.se")
    phone = "013-10 00 00"
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.django.Password("test-password-123")


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    municipality = factory.SelfAttribute("unit.municipality")
    valid_from = datetime.date(2020, 1, 1)


def staff(role: str, unit: object, **user_fields: object) -> User:
    """A user of the unit's tenant holding `role` in `unit` from 2020."""
    user = UserFactory(municipality=unit.municipality, **user_fields)  # type: ignore[attr-defined]
    RoleAssignmentFactory(user=user, role=role, unit=unit)
    return user


def actor_of(user: User) -> Actor:
    actor = actor_load(user=user)
    assert actor is not None
    return actor
