"""Factories for tenants and units."""

import datetime

import factory

from samverkan.core.models import SecrecyDomain
from samverkan.organisations.models import Municipality, ResidentialArea, SchoolContact, Unit


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Testkommun {n}")
    code = factory.Sequence(lambda n: f"{9000 + n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResidentialArea

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Område {n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Enhet {n}")
    kind = Unit.Kind.UNIT
    domain = SecrecyDomain.SOCIAL_SERVICES
    valid_from = datetime.date(2020, 1, 1)


class SchoolFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"Skola {n}")
    kind = Unit.Kind.SCHOOL
    domain = SecrecyDomain.SCHOOL
    school_unit_code = factory.Sequence(lambda n: f"{10000000 + n}")
    school_types = factory.LazyFunction(lambda: ["FKLASS", "GR"])
    grade_from = 0
    grade_to = 9
    organiser_type = Unit.OrganiserType.MUNICIPAL


class SchoolContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolContact

    municipality = factory.SelfAttribute("school.municipality")
    school = factory.SubFactory(SchoolFactory)
    kind = SchoolContact.Kind.PRIMARY
    valid_from = datetime.date(2020, 1, 1)
