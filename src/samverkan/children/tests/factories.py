"""Factories for children, guardians, enrolments and notes (official-style test numbers)."""

import datetime
import itertools

import factory

from samverkan.children.identity import generate_identity_number
from samverkan.children.models import Child, Enrolment, Gender, Guardian, Guardianship, Note
from samverkan.core.models import RecordCategory, SecrecyDomain

_serials = itertools.count(1)


def _number(birth_date: datetime.date) -> str:
    return generate_identity_number(birth_date, (next(_serials) % 999) + 1)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    birth_date = factory.Sequence(lambda n: datetime.date(2012, 1, 1) + datetime.timedelta(days=n))
    identity_number = factory.LazyAttribute(lambda c: _number(c.birth_date))
    given_name = factory.Sequence(lambda n: f"Barn{n}")
    family_name = "Testsson"
    gender = Gender.FEMALE
    street_address = "Hemliga gatan 1"
    postal_code = "581 00"
    city = "Exempelby"


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    given_name = factory.Sequence(lambda n: f"Förälder{n}")
    family_name = "Testsson"
    phone = "070-111 22 33"
    email = factory.Sequence(lambda n: f"foralder{n}@example.se")
    street_address = "Vårdnadsvägen 2"


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    has_custody = True


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    municipality = factory.SelfAttribute("school.municipality")
    school_type = "GR"
    grade = 5
    valid_from = datetime.date(2020, 8, 15)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    municipality = factory.SelfAttribute("child.municipality")
    domain = SecrecyDomain.SCHOOL
    category = RecordCategory.SCHOOL_SITUATION
    title = factory.Sequence(lambda n: f"Anteckning {n}")
    body = "Text."
