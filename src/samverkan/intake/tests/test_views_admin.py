"""The routing configuration pages (R1.4) and the teams' criteria (R2.1, R2.8) through the test
client: the municipality administrator's rules, default unit, preview and team profiles;
everyone else is refused (and logged)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverkan.access.roles import Role
from samverkan.access.tests.factories import staff
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.intake.models import (
    Consultation,
    IntakeItem,
    RoutingRule,
    RoutingSettings,
    TeamProfile,
    TeamSchoolContact,
)
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import AreaFactory, UnitFactory


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[str], Client]:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))
        return client

    return sign_in


@pytest.fixture
def north(world: Any) -> Any:
    """A second receiving unit (not an intake unit, so never the fallback default), and an area
    for school2."""
    unit = UnitFactory(
        municipality=world.a,
        parent=world.social_admin,
        name="Mottagning Norr",
    )
    area = AreaFactory(municipality=world.a, name="Norra")
    Unit.objects.filter(pk=world.school2.pk).update(residential_area=area)
    return unit, area


def rule_post(world: Any, target: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Yngre barn",
        "position": "10",
        "kinds": ["report", "support_request"],
        "age_from": "0",
        "age_to": "9",
        "school": "",
        "residential_area": "",
        "target_unit": str(target.pk),
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make_rule(world: Any, target: Any, **fields: Any) -> RoutingRule:
    values: dict[str, Any] = {
        "municipality": world.a,
        "name": "Yngre barn",
        "position": 10,
        "kinds": ["report", "support_request"],
        "age_from": 0,
        "age_to": 9,
        "target_unit": target,
    }
    values.update(fields)
    rule: RoutingRule = RoutingRule.objects.create(**values)
    return rule


# session, user, actor's roles, rules (with school, area and target joined), the configured
# default, the fallback intake unit, the settings, the default unit's name, schools and areas
# for the preview form, teams, team profiles, the unread-notification count.
ROUTING_QUERIES = 13

ADMIN_URLS = ["intake:routing", "intake:rule_new", "intake:default_unit", "intake:preview"]


# Refusals.


@pytest.mark.parametrize("user", ["principal", "intake", "steering", "unit_head", "team_worker"])
@pytest.mark.parametrize("name", ADMIN_URLS)
def test_only_the_municipality_admin_may_open_the_routing_pages(
    login: Callable[[str], Client], world: Any, user: str, name: str
) -> None:
    client = login(user)

    response = client.get(reverse(name))

    assert response.status_code == 403
    assert "Du saknar behörighet" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1


@pytest.mark.parametrize("user", ["principal", "intake", "steering"])
def test_others_may_not_write_rules_and_nothing_is_stored(
    login: Callable[[str], Client], world: Any, north: Any, user: str
) -> None:
    rule = make_rule(world, north[0])
    client = login(user)

    created = client.post(reverse("intake:rule_new"), rule_post(world, north[0], name="Ny"))
    changed = client.post(
        reverse("intake:rule_edit", args=[rule.pk]),
        rule_post(world, world.intake, version="1"),
    )
    default = client.post(
        reverse("intake:default_unit"), {"default_unit": str(north[0].pk), "version": "0"}
    )
    team = client.post(
        reverse("intake:team_profile", args=[world.team.pk]), {"criteria": "Alla", "version": ""}
    )

    assert created.status_code == changed.status_code == default.status_code == 403
    assert team.status_code == 403
    assert RoutingRule.objects.count() == 1
    assert RoutingRule.objects.get().target_unit_id == north[0].pk
    assert not RoutingSettings.objects.exists()
    assert not TeamProfile.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 4
    assert not AuditEvent.objects.filter(event__startswith="intake.").exists()


def test_another_municipalitys_rule_and_team_are_not_found(
    login: Callable[[str], Client], world: Any
) -> None:
    other_unit = UnitFactory(municipality=world.b, name="Mottagning B")
    other_team = UnitFactory(municipality=world.b, name="Team B", kind=Unit.Kind.TEAM)
    rule = RoutingRule.objects.create(municipality=world.b, name="B", target_unit=other_unit)
    client = login("admin")

    edit = client.get(reverse("intake:rule_edit", args=[rule.pk]))
    team = client.get(reverse("intake:team_profile", args=[other_team.pk]))

    assert edit.status_code == team.status_code == 404
    assert "Mottagning B" not in edit.content.decode()


# The rules page.


def test_rules_page_lists_rules_in_order_with_conditions_in_words(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    unit, area = north
    make_rule(world, unit, kinds=["report"], school=world.school2, residential_area=area)
    make_rule(world, world.intake, name="Tonåringar", position=20, age_from=13, age_to=20)
    make_rule(world, unit, name="Gammal regel", position=5, is_active=False)
    client = login("admin")

    response = client.get(reverse("intake:routing"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Gammal regel") < page.index("Yngre barn") < page.index("Tonåringar")
    assert "Typ: Orosanmälan" in page
    assert "Ålder 0–9 år" in page
    assert "Skola: Björkskolan" in page
    assert "Bostadsområde: Norra" in page
    assert "Inaktiv" in page
    assert reverse("intake:rule_edit", args=[RoutingRule.objects.get(position=20).pk]) in page
    assert reverse("intake:rule_new") in page
    assert reverse("intake:team_profile", args=[world.team.pk]) in page
    # No rule set: the municipality's intake unit is the default, and the page says it is not
    # chosen.
    assert "Mottagningen" in page
    assert "inte vald" in page


def test_rules_page_shows_a_preview_result(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    unit, _area = north
    make_rule(world, unit)
    client = login("admin")

    response = client.get(
        reverse("intake:routing"),
        {"kind": "report", "age": "7", "school": str(world.school1.pk)},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="provkor-resultat"' in page
    assert "Mottagning Norr" in page
    assert "Regel: Yngre barn" in page


# New and changed rules.


def test_admin_creates_a_rule_with_an_audit_entry(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    unit, area = north
    client = login("admin")

    response = client.post(
        reverse("intake:rule_new"),
        rule_post(world, unit, school=str(world.school2.pk), residential_area=str(area.pk)),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("intake:routing")
    assert "Regeln är sparad." in response.content.decode()
    rule = RoutingRule.objects.get()
    assert (rule.name, rule.position, rule.age_from, rule.age_to) == ("Yngre barn", 10, 0, 9)
    assert rule.kinds == ["report", "support_request"]
    assert (rule.school_id, rule.residential_area_id) == (world.school2.pk, area.pk)
    assert rule.municipality_id == world.a.pk
    event = AuditEvent.objects.get(event="intake.routing_rule_created")
    assert event.action == AuditAction.CREATE
    assert event.object_id == str(rule.pk)
    assert event.details["target_unit_id"] == str(unit.pk)


def test_double_submit_of_a_new_rule_makes_one_rule(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    client = login("admin")
    data = rule_post(world, north[0])

    first = client.post(reverse("intake:rule_new"), data)
    second = client.post(reverse("intake:rule_new"), data)

    assert first.status_code == second.status_code == 302
    assert RoutingRule.objects.count() == 1
    assert AuditEvent.objects.filter(event="intake.routing_rule_created").count() == 1


def test_bad_rule_is_shown_again_with_swedish_messages_and_values_kept(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    client = login("admin")

    response = client.post(
        reverse("intake:rule_new"),
        rule_post(world, north[0], name="Min regel", age_from="12", age_to="6", target_unit=""),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Det finns ett problem" in page
    assert "Till och med-åldern måste vara samma som eller högre än från-åldern (12 år)." in page
    assert 'href="#id_age_to"' in page
    assert "Välj vilken enhet som ska ta emot ärendena." in page
    assert 'value="Min regel"' in page
    assert 'value="12"' in page
    assert 'value="report" checked' in page
    assert not RoutingRule.objects.exists()


def test_a_unit_of_another_municipality_or_a_school_cannot_be_the_target(
    login: Callable[[str], Client], world: Any
) -> None:
    other = UnitFactory(municipality=world.b, name="Mottagning B")
    client = login("admin")

    foreign = client.post(reverse("intake:rule_new"), rule_post(world, other))
    school = client.post(reverse("intake:rule_new"), rule_post(world, world.school1))

    assert foreign.status_code == school.status_code == 400
    assert "Välj en mottagande enhet inom socialtjänsten i kommunen" in foreign.content.decode()
    assert "Mottagning B" not in foreign.content.decode()
    assert not RoutingRule.objects.exists()


def test_a_second_rule_with_the_same_name_is_refused(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    make_rule(world, north[0])
    client = login("admin")

    response = client.post(reverse("intake:rule_new"), rule_post(world, world.intake))

    assert response.status_code == 400
    assert "Det finns redan en regel med det namnet." in response.content.decode()
    assert RoutingRule.objects.count() == 1


def test_admin_changes_a_rule_and_the_version_moves_on(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    rule = make_rule(world, north[0])
    client = login("admin")
    url = reverse("intake:rule_edit", args=[rule.pk])
    form = client.get(url).content.decode()

    response = client.post(
        url, rule_post(world, world.intake, age_to="12", is_active=None, version="1")
    )

    assert 'name="version" value="1"' in form
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.age_to, rule.target_unit_id, rule.is_active, rule.version) == (
        12,
        world.intake.pk,
        False,
        2,
    )
    event = AuditEvent.objects.get(event="intake.routing_rule_changed")
    assert event.action == AuditAction.CHANGE
    assert set(event.details["changed"]) == {"age_to", "target_unit_id", "is_active"}


def test_a_rule_changed_meanwhile_is_409_with_the_typed_values_kept(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    rule = make_rule(world, north[0])
    RoutingRule.objects.filter(pk=rule.pk).update(version=2, age_to=8)
    client = login("admin")

    response = client.post(
        reverse("intake:rule_edit", args=[rule.pk]),
        rule_post(world, north[0], name="Mitt nya namn", version="1"),
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "Någon annan har ändrat uppgiften" in page
    assert 'value="Mitt nya namn"' in page
    rule.refresh_from_db()
    assert (rule.name, rule.age_to, rule.version) == ("Yngre barn", 8, 2)
    assert not AuditEvent.objects.filter(event="intake.routing_rule_changed").exists()


def test_the_same_change_sent_twice_is_one_change(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    rule = make_rule(world, north[0])
    client = login("admin")
    data = rule_post(world, north[0], age_to="12", version="1")

    first = client.post(reverse("intake:rule_edit", args=[rule.pk]), data)
    second = client.post(reverse("intake:rule_edit", args=[rule.pk]), data)

    assert first.status_code == second.status_code == 302
    rule.refresh_from_db()
    assert rule.version == 2
    assert AuditEvent.objects.filter(event="intake.routing_rule_changed").count() == 1


# Default unit.


def test_admin_sets_the_default_unit(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    client = login("admin")

    first = client.post(
        reverse("intake:default_unit"), {"default_unit": str(north[0].pk), "version": "0"}
    )
    second = client.post(
        reverse("intake:default_unit"), {"default_unit": str(world.intake.pk), "version": "1"}
    )

    assert first.status_code == second.status_code == 302
    settings = RoutingSettings.objects.get()
    assert (settings.default_unit_id, settings.version) == (world.intake.pk, 2)
    events = AuditEvent.objects.filter(event="intake.default_unit_changed").order_by("id")
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.CHANGE]


def test_default_unit_changed_meanwhile_is_409(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    RoutingSettings.objects.create(municipality=world.a, default_unit=world.intake, version=3)
    client = login("admin")

    response = client.post(
        reverse("intake:default_unit"), {"default_unit": str(north[0].pk), "version": "2"}
    )

    assert response.status_code == 409
    assert RoutingSettings.objects.get().default_unit_id == world.intake.pk


def test_default_unit_must_be_a_receiving_unit(login: Callable[[str], Client], world: Any) -> None:
    client = login("admin")

    response = client.post(
        reverse("intake:default_unit"), {"default_unit": str(world.school1.pk), "version": "0"}
    )

    assert response.status_code == 400
    assert "Välj en mottagande enhet inom socialtjänsten" in response.content.decode()
    assert not RoutingSettings.objects.exists()


# Preview.


@pytest.mark.parametrize(
    ("kind", "age", "school", "area", "expected_unit", "expected_rule"),
    [
        ("report", "7", "school1", "", "north", "Yngre barn"),  # by age
        ("report", "14", "school1", "", "intake", ""),  # no rule: the default
        ("consultation", "7", "school1", "", "intake", ""),  # kind not covered
        ("report", "14", "school2", "", "north", "Norra"),  # by the school's area
        ("report", "14", "school1", "north", "north", "Norra"),  # by the area given
        ("support_request", "14", "school2", "", "intake", ""),  # area rule: reports only
    ],
)
def test_preview_routes_a_sample_child_and_stores_nothing(
    login: Callable[[str], Client],
    world: Any,
    north: Any,
    kind: str,
    age: str,
    school: str,
    area: str,
    expected_unit: str,
    expected_rule: str,
) -> None:
    unit, norra = north
    make_rule(world, unit, kinds=["report", "support_request"])
    make_rule(world, unit, name="Norra", position=20, age_from=None, age_to=None, kinds=["report"])
    RoutingRule.objects.filter(name="Norra").update(residential_area=norra)
    client = login("admin")
    before = AuditEvent.objects.count()
    schools = {"school1": world.school1, "school2": world.school2}
    query = {"kind": kind, "age": age, "school": str(schools[school].pk)}
    if area:
        query["residential_area"] = str(norra.pk)

    response = client.get(reverse("intake:preview"), query)

    page = response.content.decode()
    assert response.status_code == 200
    target = {"north": "Mottagning Norr", "intake": "Mottagningen"}[expected_unit]
    result = page[page.index('id="provkor-resultat"') :]
    assert target in result
    if expected_rule:
        assert f"Regel: {expected_rule}" in result
    else:
        assert "Standardmottagning (ingen regel passade)" in result
    assert AuditEvent.objects.count() == before
    assert not IntakeItem.objects.exists()
    assert not Consultation.objects.exists()


def test_preview_without_age_says_what_to_fill_in(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("admin")

    response = client.get(
        reverse("intake:preview"), {"kind": "report", "age": "", "school": str(world.school1.pk)}
    )

    assert response.status_code == 400
    assert "Ange barnets ålder i hela år." in response.content.decode()
    assert 'id="provkor-resultat"' not in response.content.decode()


def test_preview_page_without_a_query_shows_only_the_form(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("admin")

    response = client.get(reverse("intake:preview"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Barnets ålder" in page
    assert "Det finns ett problem" not in page


# Team profile and school-responsible members.


def test_admin_sets_a_teams_criteria_and_school_members(
    login: Callable[[str], Client], world: Any
) -> None:
    member = world.users["team_worker"]
    client = login("admin")
    url = reverse("intake:team_profile", args=[world.team.pk])
    form = client.get(url).content.decode()

    response = client.post(
        url,
        {
            "criteria": "Barn 6–15 år med hög frånvaro.",
            "age_from": "6",
            "age_to": "15",
            "version": "",
            f"school_{world.school1.pk}": str(member.pk),
            f"school_{world.school2.pk}": "",
        },
    )

    assert "Ekskolan" in form
    assert "Björkskolan" in form
    assert member.get_full_name() in form or member.username in form
    assert response.status_code == 302
    profile = TeamProfile.objects.get(team=world.team)
    assert (profile.criteria, profile.age_from, profile.age_to) == (
        "Barn 6–15 år med hög frånvaro.",
        6,
        15,
    )
    contact = TeamSchoolContact.objects.get()
    assert (contact.school_id, contact.member_id) == (world.school1.pk, member.pk)
    assert AuditEvent.objects.filter(event="intake.team_profile_changed").count() == 1
    assert AuditEvent.objects.filter(event="intake.team_school_contact_changed").count() == 1


def test_only_a_team_member_can_be_school_responsible(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("admin")

    response = client.post(
        reverse("intake:team_profile", args=[world.team.pk]),
        {
            "criteria": "Alla skolbarn",
            "version": "",
            f"school_{world.school1.pk}": str(world.users["intake"].pk),
        },
    )

    assert response.status_code == 400
    assert "Välj en person i teamet ur listan." in response.content.decode()
    assert not TeamProfile.objects.exists()
    assert not TeamSchoolContact.objects.exists()


def test_team_page_changed_meanwhile_is_409(login: Callable[[str], Client], world: Any) -> None:
    TeamProfile.objects.create(team=world.team, criteria="Gammalt")
    client = login("admin")

    response = client.post(
        reverse("intake:team_profile", args=[world.team.pk]),
        {"criteria": "Nytt", "version": "2020-01-01T00:00:00+00:00"},
    )

    assert response.status_code == 409
    assert TeamProfile.objects.get().criteria == "Gammalt"


def test_team_criteria_are_required_and_ages_checked(
    login: Callable[[str], Client], world: Any
) -> None:
    client = login("admin")

    response = client.post(
        reverse("intake:team_profile", args=[world.team.pk]),
        {"criteria": "", "age_from": "15", "age_to": "6", "version": ""},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Beskriv vilka barn och familjer teamet tar emot." in page
    assert "(15 år)" in page


def test_admin_of_the_municipality_with_a_second_role_still_may(client: Client, world: Any) -> None:
    # A municipality admin who also works at a school keeps the admin's access.
    user = staff(Role.MUNICIPALITY_ADMIN, world.social_admin, username="admin2")
    client.force_login(user)

    assert client.get(reverse("intake:routing")).status_code == 200


# Query counts.


def test_rules_page_query_count_is_flat(
    login: Callable[[str], Client], world: Any, north: Any
) -> None:
    unit, area = north
    make_rule(world, unit, school=world.school2, residential_area=area)
    client = login("admin")
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("intake:routing")).status_code == 200
    for n in range(3):
        make_rule(world, unit, name=f"Regel {n}", school=world.school1, residential_area=area)
    with CaptureQueriesContext(connection) as four:
        assert client.get(reverse("intake:routing")).status_code == 200

    assert len(one) == len(four) == ROUTING_QUERIES


def test_team_page_saves_again_with_the_version_it_showed(
    login: Callable[[str], Client], world: Any
) -> None:
    TeamProfile.objects.create(team=world.team, criteria="Gammalt")
    client = login("admin")
    url = reverse("intake:team_profile", args=[world.team.pk])
    page = client.get(url).content.decode()
    version = page.split('name="version" value="')[1].split('"')[0]

    first = client.post(url, {"criteria": "Nytt", "version": version})
    stale = client.post(url, {"criteria": "Nyare", "version": version})

    assert first.status_code == 302
    assert stale.status_code == 409
    assert TeamProfile.objects.get().criteria == "Nytt"
