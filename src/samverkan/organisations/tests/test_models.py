"""Units: validation of schools by SS 12000, the materialised path, and history by validity."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from samverkan.core.models import SecrecyDomain
from samverkan.organisations.models import SS12000_SCHOOL_TYPES, Unit
from samverkan.organisations.tests.factories import (
    MunicipalityFactory,
    SchoolFactory,
    UnitFactory,
)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def school(**fields: Any) -> Unit:
    """An unsaved school with valid defaults, overridden by `fields`."""
    municipality = fields.pop("municipality", None) or MunicipalityFactory()
    values: dict[str, Any] = {
        "municipality": municipality,
        "name": "Lindskolan",
        "kind": Unit.Kind.SCHOOL,
        "domain": SecrecyDomain.SCHOOL,
        "school_types": ["GR"],
        "organiser_type": Unit.OrganiserType.MUNICIPAL,
        "grade_from": 0,
        "grade_to": 9,
        **fields,
    }
    return Unit(**values)


def errors_of(unit: Unit) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as invalid:
        unit.full_clean()
    return invalid.value.message_dict


# Unit.clean


def test_a_complete_school_is_valid(db: None) -> None:
    unit = school()

    unit.full_clean()


def test_a_school_needs_a_school_type(db: None) -> None:
    errors = errors_of(school(school_types=[]))

    assert errors["school_types"] == ["Ange minst en skolform."]


def test_a_preschool_needs_a_school_type_too(db: None) -> None:
    errors = errors_of(school(kind=Unit.Kind.PRESCHOOL, school_types=[]))

    assert "school_types" in errors


def test_a_school_needs_an_organiser_type(db: None) -> None:
    errors = errors_of(school(organiser_type=""))

    assert errors["organiser_type"] == ["Ange huvudman: kommunal eller fristående."]


def test_an_unknown_school_type_is_rejected_by_its_code(db: None) -> None:
    errors = errors_of(school(school_types=["GR", "XX", "GRUNDSKOLA"]))

    assert errors["school_types"] == ["Okänd skolform: XX, GRUNDSKOLA."]


@pytest.mark.parametrize("code", sorted(SS12000_SCHOOL_TYPES))
def test_every_ss12000_school_type_is_accepted(db: None, code: str) -> None:
    unit = school(school_types=[code])

    unit.full_clean()


def test_an_independent_school_is_valid(db: None) -> None:
    unit = school(organiser_type=Unit.OrganiserType.INDEPENDENT)

    unit.full_clean()


def test_a_grade_range_must_not_run_backwards(db: None) -> None:
    errors = errors_of(school(grade_from=7, grade_to=6))

    assert errors["grade_to"] == ["Högsta årskurs kan inte vara lägre än lägsta."]


def test_a_one_grade_range_is_valid(db: None) -> None:
    unit = school(grade_from=6, grade_to=6)

    unit.full_clean()


def test_the_parent_must_belong_to_the_same_tenant(db: None) -> None:
    other_tenant = UnitFactory()
    unit = school(parent=other_tenant)

    errors = errors_of(unit)

    assert errors["parent"] == ["Överordnad enhet måste höra till samma kommun."]


def test_a_parent_in_the_same_tenant_is_valid(db: None) -> None:
    administration = UnitFactory(kind=Unit.Kind.ADMINISTRATION, domain=SecrecyDomain.SCHOOL)
    unit = school(parent=administration, municipality=administration.municipality)

    unit.full_clean()


def test_a_unit_that_is_not_a_school_needs_no_school_details(db: None) -> None:
    unit = UnitFactory.build(municipality=MunicipalityFactory(), kind=Unit.Kind.TEAM)

    unit.full_clean()


def test_all_school_errors_are_reported_at_once(db: None) -> None:
    errors = errors_of(school(school_types=[], organiser_type="", grade_from=9, grade_to=1))

    assert set(errors) >= {"school_types", "organiser_type", "grade_to"}


# The materialised path


def test_a_root_units_path_is_its_own_id(db: None) -> None:
    root = UnitFactory()

    assert root.path == f"/{root.pk}/"


def test_a_units_path_runs_from_the_root(db: None) -> None:
    root = UnitFactory(kind=Unit.Kind.ADMINISTRATION)
    unit = UnitFactory(municipality=root.municipality, parent=root)
    team = UnitFactory(municipality=root.municipality, parent=unit, kind=Unit.Kind.TEAM)

    assert team.path == f"/{root.pk}/{unit.pk}/{team.pk}/"
    assert Unit.objects.filter(path__startswith=root.path).count() == 3
    assert set(Unit.objects.filter(path__startswith=unit.path)) == {unit, team}


def test_the_path_is_computed_on_every_save(db: None) -> None:
    root = UnitFactory()
    unit = UnitFactory(municipality=root.municipality)

    unit.parent = root
    unit.save()

    unit.refresh_from_db()
    assert unit.path == f"/{root.pk}/{unit.pk}/"


# History by validity


def test_valid_on_lists_only_units_valid_that_day(db: None) -> None:
    tenant = MunicipalityFactory()
    current = UnitFactory(municipality=tenant, valid_from=days(-100))
    ends_today = UnitFactory(municipality=tenant, valid_from=days(-100), valid_to=days(0))
    closed = UnitFactory(municipality=tenant, valid_from=days(-100), valid_to=days(-1))
    future = UnitFactory(municipality=tenant, valid_from=days(1))

    today = set(Unit.objects.filter(municipality=tenant).valid_on(days(0)))
    last_week = set(Unit.objects.filter(municipality=tenant).valid_on(days(-7)))

    assert today == {current, ends_today}
    assert last_week == {current, ends_today, closed}
    assert future.is_valid_on(days(1))
    assert not closed.is_valid_on(days(0))


def test_a_merged_unit_keeps_its_history_and_names_its_successor(db: None) -> None:
    tenant = MunicipalityFactory()
    merged = UnitFactory(municipality=tenant, name="Resursteamet", valid_to=days(-1))
    successor = UnitFactory(municipality=tenant, name="Stödteamet", valid_from=days(0))
    merged.successor = successor
    merged.save()

    assert list(successor.predecessors.all()) == [merged]
    assert list(Unit.objects.filter(municipality=tenant).valid_on(days(0))) == [successor]


def test_schools_lists_schools_and_preschools(db: None) -> None:
    tenant = MunicipalityFactory()
    a_school = SchoolFactory(municipality=tenant)
    a_preschool = SchoolFactory(municipality=tenant, kind=Unit.Kind.PRESCHOOL, school_types=["FS"])
    UnitFactory(municipality=tenant)

    assert set(Unit.objects.filter(municipality=tenant).schools()) == {a_school, a_preschool}


def test_valid_to_before_valid_from_is_refused_by_the_database(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitFactory(valid_from=days(0), valid_to=days(-1))


def test_a_school_unit_code_is_unique_within_a_tenant_only(db: None) -> None:
    first = SchoolFactory(school_unit_code="12345678")
    SchoolFactory(school_unit_code="12345678")  # another tenant

    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolFactory(municipality=first.municipality, school_unit_code="12345678")


def test_units_without_a_school_unit_code_do_not_collide(db: None) -> None:
    tenant = MunicipalityFactory()

    UnitFactory(municipality=tenant, school_unit_code="")
    UnitFactory(municipality=tenant, school_unit_code="")

    assert Unit.objects.filter(municipality=tenant).count() == 2


@pytest.mark.parametrize(
    ("grade_from", "grade_to", "shown"), [(0, 9, "F–9"), (7, 9, "7–9"), (None, None, "")]
)
def test_the_grade_range_is_shown_with_f_for_preschool_class(
    db: None, grade_from: int | None, grade_to: int | None, shown: str
) -> None:
    unit = school(grade_from=grade_from, grade_to=grade_to)

    assert unit.grade_range_display == shown


@pytest.mark.django_db
def test_moving_a_unit_moves_the_paths_of_every_unit_below() -> None:
    municipality = MunicipalityFactory()
    old_parent = UnitFactory(municipality=municipality)
    new_parent = UnitFactory(municipality=municipality)
    team = UnitFactory(municipality=municipality, parent=old_parent)
    sub_team = UnitFactory(municipality=municipality, parent=team)

    team.parent = new_parent
    team.save()

    sub_team.refresh_from_db()
    assert sub_team.path == f"{new_parent.path}{team.pk}/{sub_team.pk}/"
