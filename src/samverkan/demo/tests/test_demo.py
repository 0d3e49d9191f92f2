"""The demo municipality: its shape, valid and reproducible data, contacts and role logins."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import Role
from samverkan.children.identity import parse_identity_number
from samverkan.children.models import (
    Child,
    Enrolment,
    Guardianship,
    Note,
    ProtectionMarking,
)
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.demo import data, selectors, services
from samverkan.demo.errors import DemoMunicipalityExists
from samverkan.intake.models import IntakeItem, RoutingRule, RoutingSettings, TeamProfile
from samverkan.organisations.models import Municipality, ResidentialArea, SchoolContact, Unit

pytestmark = pytest.mark.django_db

CHILDREN = 200
SEED = 3


@pytest.fixture
def demo() -> services.DemoResult:
    return services.demo_load(children=CHILDREN, seed=SEED)


def current_holders(unit_name: str, role: Role) -> int:
    return (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit__name=unit_name, role=role, unit__municipality__code=data.DEFAULT_CODE)
        .count()
    )


def child_fingerprint(code: str) -> list[tuple[str, str, str]]:
    return sorted(
        Child.objects.filter(municipality__code=code).values_list(
            "given_name", "family_name", "identity_number"
        )
    )


def test_demo_load_builds_areas_schools_and_social_services(demo: services.DemoResult) -> None:
    schools = Unit.objects.schools().filter(municipality__code=data.DEFAULT_CODE)

    assert demo.created
    assert ResidentialArea.objects.count() == 3
    assert 18 <= schools.count() <= 22
    assert schools.filter(kind=Unit.Kind.PRESCHOOL).count() == 6
    independent = schools.filter(organiser_type=Unit.OrganiserType.INDEPENDENT)
    assert independent.exists()
    assert {unit.parent.name for unit in independent if unit.parent} == {data.INDEPENDENT}
    assert len(set(schools.values_list("school_unit_code", flat=True))) == schools.count()
    assert all(len(code) == 8 for code in schools.values_list("school_unit_code", flat=True))
    assert not schools.filter(residential_area__isnull=True).exists()
    assert Unit.objects.get(function=Unit.Function.INTAKE).domain == SecrecyDomain.SOCIAL_SERVICES
    assert current_holders(data.INTAKE, Role.INTAKE_SOCIAL_WORKER) >= 6
    assert current_holders(data.INTAKE, Role.UNIT_HEAD) == 1
    assert current_holders(data.SCHOOL_SOCIAL_TEAM, Role.TEAM_TEACHER) == 2
    assert current_holders(data.SCHOOL_SOCIAL_TEAM, Role.TEAM_SOCIAL_WORKER) == 5
    assert (
        current_holders(data.FAMILY_TEAM, Role.FAMILY_COORDINATOR)
        + current_holders(data.FAMILY_TEAM, Role.NETWORK_WORKER)
        == 5
    )
    region = Unit.objects.get(name=data.REGION)
    assert region.is_external
    assert region.kind == Unit.Kind.EXTERNAL
    assert region.children.get().function == Unit.Function.CHILD_PSYCHIATRY


def test_demo_load_keeps_merged_teams_as_history(demo: services.DemoResult) -> None:
    team = Unit.objects.get(name=data.SCHOOL_SOCIAL_TEAM)

    merged = Unit.objects.filter(successor=team)

    assert sorted(merged.values_list("name", flat=True)) == sorted(data.MERGED_TEAMS)
    assert all(unit.valid_to is not None for unit in merged)


def test_demo_children_have_valid_unique_identity_numbers(demo: services.DemoResult) -> None:
    numbers = list(Child.objects.values_list("identity_number", flat=True))

    assert len(numbers) == CHILDREN == demo.children
    assert len(set(numbers)) == CHILDREN
    for number in numbers:
        parse_identity_number(number)  # raises on an invalid number


def test_demo_children_are_enrolled_by_age_with_guardians(demo: services.DemoResult) -> None:
    current = Enrolment.objects.current().select_related("school")

    assert current.count() == CHILDREN
    assert current.values("child").distinct().count() == CHILDREN
    for enrolment in current:
        school = enrolment.school
        assert enrolment.school_type in school.school_types
        if enrolment.grade is not None:
            assert school.grade_from is not None
            assert school.grade_to is not None
            assert school.grade_from <= enrolment.grade <= school.grade_to
    assert not Child.objects.filter(guardianships__isnull=True).exists()
    assert Guardianship.objects.filter(has_custody=True).count() >= CHILDREN


def test_demo_load_is_the_same_for_the_same_seed() -> None:
    services.demo_load(children=CHILDREN, seed=SEED, code="0997", name="Första")
    services.demo_load(children=CHILDREN, seed=SEED, code="0998", name="Andra")
    services.demo_load(children=CHILDREN, seed=SEED + 1, code="0996", name="Tredje")

    first = child_fingerprint("0997")

    assert len(first) == CHILDREN
    assert first == child_fingerprint("0998")
    assert first != child_fingerprint("0996")


def test_demo_principal_school_has_a_protected_child_and_notes(demo: services.DemoResult) -> None:
    rektor = User.objects.get(username="rektor")
    school = RoleAssignment.objects.get(user=rektor, role=Role.PRINCIPAL).unit
    enrolled = Child.objects.filter(
        enrolments__in=Enrolment.objects.current().filter(school=school)
    )
    notes = Note.objects.filter(owner_unit=school)

    assert school.name == data.DEMO_SCHOOL
    assert "GR" in school.school_types
    assert enrolled.exclude(protection_marking=ProtectionMarking.NONE).exists()
    assert notes.filter(category=RecordCategory.SCHOOL_SITUATION).exists()
    assert notes.filter(category=RecordCategory.STUDENT_HEALTH).exists()
    assert Note.objects.filter(domain=SecrecyDomain.SOCIAL_SERVICES).exists()


def test_demo_every_school_has_a_current_primary_and_deputy_contact(
    demo: services.DemoResult,
) -> None:
    today = timezone.localdate()
    current = SchoolContact.objects.filter(valid_from__lte=today, valid_to__isnull=True)

    for school in Unit.objects.schools():
        kinds = sorted(current.filter(school=school).values_list("kind", flat=True))
        assert kinds == [SchoolContact.Kind.DEPUTY, SchoolContact.Kind.PRIMARY], school.name
    assert SchoolContact.objects.filter(valid_to__lt=today).exists()
    primary = current.get(school__name=data.DEMO_SCHOOL, kind=SchoolContact.Kind.PRIMARY)
    assert primary.social_worker.username == "mottagning"


def test_demo_role_logins_authenticate(demo: services.DemoResult) -> None:
    for login in data.ROLE_LOGINS:
        user = authenticate(
            request=RequestFactory().post("/"),
            username=login.username,
            password=data.PASSWORD,
        )

        assert user is not None, login.username
        assert RoleAssignment.objects.filter(user=user, role=login.role).exists()


def test_demo_second_tenant_prefixes_usernames(demo: services.DemoResult) -> None:
    services.demo_load(children=20, seed=SEED, code="0998", name="Andra kommunen")

    user = authenticate(
        request=RequestFactory().post("/"), username="0998-rektor", password=data.PASSWORD
    )

    assert user is not None
    assert user.municipality == Municipality.objects.get(code="0998")
    assert not User.objects.filter(municipality__code="0998", username="rektor").exists()


def test_demo_load_refuses_an_existing_code(demo: services.DemoResult) -> None:
    with pytest.raises(DemoMunicipalityExists):
        services.demo_load(children=10, seed=SEED)

    with pytest.raises(CommandError, match="redan en kommun med kod 0999"):
        call_command("load_demo", "--children", "10", stdout=StringIO())


def test_load_demo_if_empty_makes_the_second_call_a_no_op() -> None:
    first, second = StringIO(), StringIO()

    call_command("load_demo", "--children", "30", "--seed", "3", "--if-empty", stdout=first)
    call_command("load_demo", "--children", "30", "--seed", "3", "--if-empty", stdout=second)

    assert "skapad" in first.getvalue()
    assert "finns redan" in second.getvalue()
    assert Municipality.objects.count() == 1
    assert Child.objects.count() == 30


def test_demo_logins_prints_one_row_per_role_and_the_password(demo: services.DemoResult) -> None:
    out = StringIO()

    call_command("demo_logins", stdout=out)

    lines = out.getvalue().splitlines()
    for login in data.ROLE_LOGINS:
        assert any(line.split("  ")[0].strip() == str(login.role.label) for line in lines)
        assert any(f"  {login.username}  " in line for line in lines), login.username
    assert "Lösenord för alla demokonton: samverkan-demo" in lines


def test_demo_logins_leaves_out_accounts_without_the_demo_password(
    demo: services.DemoResult,
) -> None:
    rektor = User.objects.get(username="rektor")
    rektor.set_password("ett-annat-langt-losenord")
    rektor.save()

    usernames = [login.username for login in selectors.demo_login_list()]

    assert "rektor" not in usernames
    assert len(usernames) == len(data.ROLE_LOGINS) - 1


def test_demo_logins_refuses_a_municipality_without_demo_accounts() -> None:
    with pytest.raises(CommandError, match="inga demokonton"):
        call_command("demo_logins", "--code", "0123", stdout=StringIO())


def test_demo_intake_has_routing_and_items_in_every_state(demo: services.DemoResult) -> None:
    """R1.4 routing with a default unit; the queue shows new, assessed and decided reports and
    the demo principal's school has sent some of them."""
    municipality = Municipality.objects.get(code=demo.code)
    items = IntakeItem.objects.filter(municipality=municipality)
    rektor = User.objects.get(username="rektor")
    school = RoleAssignment.objects.get(user=rektor, role=Role.PRINCIPAL).unit

    assert RoutingSettings.objects.get(municipality=municipality).default_unit.name == data.INTAKE
    assert RoutingRule.objects.filter(municipality=municipality).count() == 2
    assert TeamProfile.objects.filter(team__municipality=municipality).count() == 2
    assert items.count() == max(CHILDREN // 50, 12)
    assert items.filter(school=school).exists()
    assert items.filter(protection_assessed_at__isnull=True).exists()
    assert items.filter(decided_at__isnull=False, feedback_given_at__isnull=False).exists()
    assert items.filter(status=IntakeItem.Status.IN_PROGRESS, decided_at__isnull=True).exists()


def test_demo_holds_support_episodes_of_every_type_and_state(demo: services.DemoResult) -> None:
    from samverkan.support.models import Episode, EpisodeMember, EpisodeOutcome

    episodes = Episode.objects.all()

    assert set(episodes.values_list("episode_type__code", flat=True)) == {
        "intensive_school_social",
        "family_coordination",
        "network_work",
        "foster_care_school",
    }
    assert set(episodes.values_list("status", flat=True)) == set(Episode.Status.values)
    today = timezone.localdate()
    assert episodes.filter(status="active", planned_end_on__lt=today).exists()  # past its limit
    assert EpisodeMember.objects.filter(episode__status="active").exists()
    assert EpisodeOutcome.objects.filter(phase="end", episode__status="ended").exists()
    assert current_holders(data.SCHOOL_SOCIAL_TEAM, Role.WORK_LEAD) == 1


def test_demo_holds_sips_in_every_state_readable_by_the_team(demo: services.DemoResult) -> None:
    from samverkan.access.models import User
    from samverkan.access.tests.factories import actor_of
    from samverkan.plans import selectors as plan_selectors
    from samverkan.plans.models import CoordinatedPlan

    plans = list(CoordinatedPlan.objects.filter(municipality__code=data.DEFAULT_CODE))
    contexts = []
    team = User.objects.get(username="teamsocionom")
    for plan in plans:
        if plan.consent_id is not None:
            contexts.append(plan_selectors.plan_get_visible(actor=actor_of(team), plan_id=plan.pk))

    assert len(plans) == 5
    assert sum(p.consent_id is None for p in plans) == 1  # waiting for consent
    assert sum(p.closed_at is not None for p in plans) == 1
    states = {(c.current.number, c.current.is_agreed, c.agreed is not None) for c in contexts}
    assert (1, False, False) in states  # draft
    assert (1, True, True) in states  # agreed
    assert (2, False, True) in states  # changing into version 2
