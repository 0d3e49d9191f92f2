"""Shared fixtures: a small world of two tenants, their units, staff in every role and
children with records in each secrecy domain."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import staff
from samverkan.children.models import ProtectionMarking
from samverkan.children.tests.factories import (
    ChildFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianshipFactory,
    NoteFactory,
)
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import (
    MunicipalityFactory,
    SchoolContactFactory,
    SchoolFactory,
    UnitFactory,
)
from samverkan.support.tests.factories import episode


@dataclass
class World:
    """Tenant A with two schools, an intake unit and a team; tenant B with one school."""

    a: Any
    b: Any
    school1: Any
    school2: Any
    school_b: Any
    social_admin: Any
    intake: Any
    team: Any
    other_team: Any
    users: dict[str, Any]
    child1: Any  # enrolled at school1, with notes in every domain
    child2: Any  # enrolled at school2
    child_b: Any  # tenant B
    protected: Any  # enrolled at school1, skyddad folkbokföring
    notes: dict[str, Any]


@pytest.fixture
def world(db: None) -> World:
    a = MunicipalityFactory(name="Kommun A", code="0001")
    b = MunicipalityFactory(name="Kommun B", code="0002")
    school1 = SchoolFactory(municipality=a, name="Ekskolan")
    school2 = SchoolFactory(municipality=a, name="Björkskolan")
    school_b = SchoolFactory(municipality=b, name="Skola B")
    social_admin = UnitFactory(
        municipality=a, name="Socialförvaltningen", kind=Unit.Kind.ADMINISTRATION
    )
    intake = UnitFactory(
        municipality=a, parent=social_admin, name="Mottagningen", function=Unit.Function.INTAKE
    )
    team = UnitFactory(
        municipality=a,
        parent=social_admin,
        name="Skolsocialt team",
        kind=Unit.Kind.TEAM,
        function=Unit.Function.SCHOOL_SOCIAL_TEAM,
    )
    other_team = UnitFactory(
        municipality=a,
        parent=social_admin,
        name="Familjeteamet",
        kind=Unit.Kind.TEAM,
        function=Unit.Function.FAMILY_TEAM,
    )
    users = {
        "principal": staff(Role.PRINCIPAL, school1, username="rektor"),
        "teacher": staff(Role.TEACHER, school1, username="larare"),
        "counsellor": staff(Role.COUNSELLOR, school1, username="kurator"),
        "nurse": staff(Role.SCHOOL_NURSE, school1, username="skolskoterska"),
        "principal2": staff(Role.PRINCIPAL, school2, username="rektor2"),
        "intake": staff(Role.INTAKE_SOCIAL_WORKER, intake, username="mottagning"),
        "team_worker": staff(Role.TEAM_SOCIAL_WORKER, team, username="team"),
        "family_coordinator": staff(Role.FAMILY_COORDINATOR, other_team, username="familj"),
        "unit_head": staff(Role.UNIT_HEAD, social_admin, username="chef"),
        "steering": staff(Role.STEERING_GROUP_MEMBER, social_admin, username="styrgrupp"),
        "admin": staff(Role.MUNICIPALITY_ADMIN, social_admin, username="admin"),
        "log_reviewer": staff(Role.LOG_REVIEWER, social_admin, username="logg"),
        "principal_b": staff(Role.PRINCIPAL, school_b, username="rektor_b"),
    }
    SchoolContactFactory(school=school1, social_worker=users["intake"])
    # Consent rules depend on age: child1 is 13 all year, whatever the day the suite runs.
    child1 = ChildFactory(
        municipality=a,
        given_name="Ella",
        family_name="Andersson",
        birth_date=datetime.date(timezone.localdate().year - 13, 1, 1),
    )
    child2 = ChildFactory(municipality=a, given_name="Olle", family_name="Berg")
    child_b = ChildFactory(municipality=b, given_name="Ella", family_name="Bortom")
    protected = ChildFactory(
        municipality=a,
        given_name="Sara",
        family_name="Skyddad",
        protection_marking=ProtectionMarking.PROTECTED_REGISTRATION,
        street_address="Hemligvägen 99",
    )
    guardian = GuardianFactory(municipality=a, phone="070-999 88 77", email="hemlig@example.se")
    GuardianshipFactory(child=protected, guardian=guardian)
    GuardianshipFactory(child=child1, guardian=GuardianFactory(municipality=a))
    for child, school in ((child1, school1), (child2, school2), (protected, school1)):
        EnrolmentFactory(child=child, school=school)
    EnrolmentFactory(child=child_b, school=school_b)
    # An ended enrolment: child2 left school1 last year; school1 staff no longer see them.
    EnrolmentFactory(
        child=child2,
        school=school1,
        valid_from=datetime.date(2019, 8, 15),
        valid_to=datetime.date(2020, 6, 10),
    )
    # The caseload is the episode (issue 12): the team works with child1 now.
    episode(
        child=child1,
        team=team,
        members=((users["team_worker"], Role.TEAM_SOCIAL_WORKER),),
        referring_school=school1,
    )
    notes = {
        "school": NoteFactory(child=child1, owner_unit=school1, created_by=users["teacher"]),
        "student_health": NoteFactory(
            child=child1,
            owner_unit=school1,
            category=RecordCategory.STUDENT_HEALTH,
            created_by=users["counsellor"],
        ),
        "health_care": NoteFactory(
            child=child1,
            owner_unit=school1,
            category=RecordCategory.STUDENT_HEALTH_CARE,
            created_by=users["nurse"],
        ),
        "social": NoteFactory(
            child=child1,
            owner_unit=team,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
            created_by=users["team_worker"],
        ),
        "school2": NoteFactory(child=child2, owner_unit=school2),
    }
    return World(
        a,
        b,
        school1,
        school2,
        school_b,
        social_admin,
        intake,
        team,
        other_team,
        users,
        child1,
        child2,
        child_b,
        protected,
        notes,
    )
