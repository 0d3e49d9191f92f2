"""Routing (R1.4): which unit receives an item, from the child's age, school and residential
area. Pure: the rules come in as facts, the answer names the rule that decided it."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RuleFact:
    rule_id: UUID
    name: str
    position: int
    kinds: tuple[str, ...]
    age_from: int | None
    age_to: int | None
    school_id: UUID | None
    area_id: UUID | None
    target_unit_id: UUID


@dataclass(frozen=True)
class Subject:
    """What routing looks at. `age` is None for an anonymous consultation without an exact
    age: then the age group's bounds are used and a rule matches if the whole group fits."""

    kind: str
    school_id: UUID
    area_id: UUID | None
    age: int | None = None
    age_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class Route:
    unit_id: UUID
    rule_id: UUID | None
    reason: str


def _age_fits(rule: RuleFact, subject: Subject) -> bool:
    if rule.age_from is None and rule.age_to is None:
        return True
    low, high = (
        (subject.age, subject.age) if subject.age is not None else subject.age_range or (-1, -1)
    )
    if low < 0:
        return False
    if rule.age_from is not None and low < rule.age_from:
        return False
    return not (rule.age_to is not None and high > rule.age_to)


def matches(rule: RuleFact, subject: Subject) -> bool:
    if rule.kinds and subject.kind not in rule.kinds:
        return False
    if rule.school_id is not None and rule.school_id != subject.school_id:
        return False
    if rule.area_id is not None and rule.area_id != subject.area_id:
        return False
    return _age_fits(rule, subject)


def route(
    subject: Subject, rules: Iterable[RuleFact], default_unit_id: UUID | None
) -> Route | None:
    """The first matching rule by position, else the default unit; None when neither exists."""
    for rule in sorted(rules, key=lambda r: (r.position, str(r.rule_id))):
        if matches(rule, subject):
            return Route(
                rule.target_unit_id, rule.rule_id, _("Regel: %(name)s") % {"name": rule.name}
            )
    if default_unit_id is None:
        return None
    return Route(default_unit_id, None, _("Standardmottagning (ingen regel passade)"))
