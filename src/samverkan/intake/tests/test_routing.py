"""Routing rules (R1.4): first match by position on kind, age, school and area; else the default."""

import uuid

from samverkan.intake import routing
from samverkan.intake.routing import RuleFact, Subject

SCHOOL, OTHER_SCHOOL, AREA = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
YOUNG_UNIT, AREA_UNIT, DEFAULT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def rule(name: str, position: int, target: uuid.UUID, **conditions: object) -> RuleFact:
    values: dict[str, object] = {
        "kinds": (),
        "age_from": None,
        "age_to": None,
        "school_id": None,
        "area_id": None,
    }
    values.update(conditions)
    return RuleFact(
        rule_id=uuid.uuid4(), name=name, position=position, target_unit_id=target, **values
    )  # type: ignore[arg-type]


RULES = [
    rule("Förskola", 10, YOUNG_UNIT, age_to=5),
    rule("Söder", 20, AREA_UNIT, area_id=AREA, kinds=("report",)),
]


def test_first_matching_rule_by_position_wins() -> None:
    found = routing.route(Subject("report", SCHOOL, AREA, age=4), RULES, DEFAULT)
    assert found is not None
    assert found.unit_id == YOUNG_UNIT
    assert "Förskola" in found.reason


def test_conditions_on_kind_and_area() -> None:
    report = routing.route(Subject("report", SCHOOL, AREA, age=10), RULES, DEFAULT)
    request = routing.route(Subject("support_request", SCHOOL, AREA, age=10), RULES, DEFAULT)
    assert report is not None
    assert report.unit_id == AREA_UNIT
    assert request is not None
    assert request.unit_id == DEFAULT
    assert request.rule_id is None


def test_school_condition() -> None:
    rules = [rule("Ekskolan", 1, AREA_UNIT, school_id=SCHOOL)]
    assert (
        routing.route(Subject("report", SCHOOL, None, age=9), rules, DEFAULT).unit_id == AREA_UNIT
    )  # type: ignore[union-attr]
    assert (
        routing.route(Subject("report", OTHER_SCHOOL, None, age=9), rules, DEFAULT).unit_id
        == DEFAULT
    )  # type: ignore[union-attr]


def test_an_age_group_matches_only_a_rule_covering_the_whole_group() -> None:
    """An anonymous consultation names an age group, not an age."""
    inside = routing.route(Subject("consultation", SCHOOL, None, age_range=(0, 5)), RULES, DEFAULT)
    across = routing.route(Subject("consultation", SCHOOL, None, age_range=(6, 9)), RULES, DEFAULT)
    assert inside is not None
    assert inside.unit_id == YOUNG_UNIT
    assert across is not None
    assert across.unit_id == DEFAULT


def test_no_rule_and_no_default_routes_nowhere() -> None:
    assert routing.route(Subject("report", SCHOOL, None, age=9), [], None) is None
