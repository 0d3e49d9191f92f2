"""Writes of the routing configuration (R1.4) and the teams' criteria (R2.1, R2.8): the
municipality administrator's rules, default receiving unit, team profiles and the team member
responsible for each school. Each write enforces `can_manage_routing`, checks the version the
form showed (ConcurrentEdit), and leaves one audit entry with ids and codes only."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision, enforce
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.errors import ConcurrentEdit

from . import policies, selectors, selectors_admin
from .errors import ActionInvalid
from .models import ItemKind, RoutingRule, RoutingSettings, TeamProfile, TeamSchoolContact

MAX_AGE = 25  # routing looks at children and young people; older makes no sense
NAME_LENGTH = 120
CRITERIA_LENGTH = 5000


@dataclass(frozen=True)
class RuleInput:
    """A rule as the form or the API gives it."""

    name: str
    position: int | None
    kinds: tuple[str, ...]
    age_from: int | None
    age_to: int | None
    school_id: UUID | None
    area_id: UUID | None
    target_unit_id: UUID | None
    is_active: bool = True


RULE_FIELDS = (
    "name",
    "position",
    "kinds",
    "age_from",
    "age_to",
    "school_id",
    "residential_area_id",
    "target_unit_id",
    "is_active",
)


def _allowed(actor: Actor) -> Decision:
    return enforce(policies.can_manage_routing(actor))


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_ages(errors: dict[str, list[str]], age_from: int | None, age_to: int | None) -> None:
    for field, value in (("age_from", age_from), ("age_to", age_to)):
        if value is not None and not 0 <= value <= MAX_AGE:
            _add(errors, field, _("Ange en ålder mellan 0 och %(max)d år.") % {"max": MAX_AGE})
    if age_from is not None and age_to is not None and age_to < age_from:
        _add(
            errors,
            "age_to",
            _("Till och med-åldern måste vara samma som eller högre än från-åldern (%(age)d år).")
            % {"age": age_from},
        )


def _rule_values(actor: Actor, data: RuleInput, taken_names: set[str]) -> dict[str, Any]:
    """The validated column values of a rule; ActionInvalid with every problem by field."""
    errors: dict[str, list[str]] = {}
    name = data.name.strip()
    if not name:
        _add(errors, "name", _("Ge regeln ett namn, till exempel ”Förskolebarn i Norra”."))
    elif len(name) > NAME_LENGTH:
        _add(errors, "name", _("Namnet får vara högst %(max)d tecken.") % {"max": NAME_LENGTH})
    elif name in taken_names:
        _add(errors, "name", _("Det finns redan en regel med det namnet. Välj ett annat namn."))
    position = 100 if data.position is None else data.position
    if position < 0:
        _add(errors, "position", _("Ange ordningen som ett heltal, 0 eller högre."))
    kinds = sorted(set(data.kinds))
    if any(k not in ItemKind.values for k in kinds):
        _add(errors, "kinds", _("Välj typer i listan."))
    _check_ages(errors, data.age_from, data.age_to)
    if data.school_id is not None and data.school_id not in {
        s.pk for s in selectors_admin.schools(actor=actor)
    }:
        _add(errors, "school", _("Välj en skola i kommunen ur listan."))
    if data.area_id is not None and data.area_id not in {
        a.pk for a in selectors_admin.areas(actor=actor)
    }:
        _add(errors, "residential_area", _("Välj ett bostadsområde i kommunen ur listan."))
    if data.target_unit_id is None:
        _add(errors, "target_unit", _("Välj vilken enhet som ska ta emot ärendena."))
    elif not selectors.receiving_units(actor=actor).filter(pk=data.target_unit_id).exists():
        _add(
            errors,
            "target_unit",
            _("Välj en mottagande enhet inom socialtjänsten i kommunen ur listan."),
        )
    if errors:
        raise ActionInvalid(details=errors)
    return {
        "name": name,
        "position": position,
        "kinds": kinds,
        "age_from": data.age_from,
        "age_to": data.age_to,
        "school_id": data.school_id,
        "residential_area_id": data.area_id,
        "target_unit_id": data.target_unit_id,
        "is_active": data.is_active,
    }


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    """Ids and codes for the audit entry (the name is configuration, not case text)."""
    return {
        key: (str(value) if isinstance(value, UUID) else value)
        for key, value in values.items()
        if key != "name"
    }


@transaction.atomic
def rule_create(*, actor: Actor, data: RuleInput) -> RoutingRule:
    """Add a routing rule. The same rule submitted again (a double submit) returns the first
    one without a second entry."""
    decision = _allowed(actor)
    same = selectors.routing_rules(actor=actor).filter(name=data.name.strip()).first()
    values = _rule_values(actor, data, set())
    if same is not None:
        if all(getattr(same, key) == values[key] for key in RULE_FIELDS):
            return same  # a double submit: the rule is already there
        raise ActionInvalid(
            details={"name": [_("Det finns redan en regel med det namnet. Välj ett annat namn.")]}
        )
    rule = RoutingRule(municipality_id=actor.tenant_id, **values)
    rule.full_clean()
    rule.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="intake.routing_rule_created",
        subject=rule,
        grant=decision.grant,
        details=_audit_values(values),
    )
    return rule


@transaction.atomic
def rule_update(*, actor: Actor, rule_id: UUID, version: int, data: RuleInput) -> RoutingRule:
    """Change a routing rule. `version` is the one the form showed: if someone else saved the
    rule since, ConcurrentEdit. The same change again changes nothing."""
    decision = _allowed(actor)
    rule = selectors_admin.rule_get_for_update(actor=actor, rule_id=rule_id)
    taken = set(
        selectors.routing_rules(actor=actor).exclude(pk=rule.pk).values_list("name", flat=True)
    )
    values = _rule_values(actor, data, taken)
    changed = [key for key in RULE_FIELDS if getattr(rule, key) != values[key]]
    if not changed:
        return rule
    if version != rule.version:
        raise ConcurrentEdit
    for key in changed:
        setattr(rule, key, values[key])
    rule.version += 1
    rule.full_clean()
    rule.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.routing_rule_changed",
        subject=rule,
        grant=decision.grant,
        details={"changed": changed, **_audit_values({k: values[k] for k in changed})},
    )
    return rule


@transaction.atomic
def default_unit_set(*, actor: Actor, unit_id: UUID | None, version: int) -> RoutingSettings:
    """Set the municipality's default receiving unit (where items go when no rule matches).
    `version` is the settings' version the form showed (0: none yet)."""
    decision = _allowed(actor)
    if unit_id is None or not selectors.receiving_units(actor=actor).filter(pk=unit_id).exists():
        raise ActionInvalid(
            details={
                "default_unit": [
                    _("Välj en mottagande enhet inom socialtjänsten i kommunen ur listan.")
                ]
            }
        )
    current = selectors_admin.settings_get_for_update(actor=actor)
    if current is not None and current.default_unit_id == unit_id:
        return current  # the same change again
    if version != (current.version if current is not None else 0):
        raise ConcurrentEdit
    previous = current.default_unit_id if current is not None else None
    if current is None:
        try:
            with transaction.atomic():
                current = RoutingSettings.objects.create(
                    municipality_id=actor.tenant_id, default_unit_id=unit_id
                )
        except IntegrityError as error:
            raise ConcurrentEdit from error  # created by someone else meanwhile
        action = AuditAction.CREATE
    else:
        current.default_unit_id = unit_id
        current.version += 1
        current.save(update_fields=["default_unit", "version", "updated_at"])
        action = AuditAction.CHANGE
    audit.record(
        actor=actor,
        action=action,
        event="intake.default_unit_changed",
        subject=current,
        grant=decision.grant,
        details={"default_unit": str(unit_id), "previous": str(previous or "")},
    )
    return current


def profile_version(profile: TeamProfile | None) -> str:
    """The concurrency token of a team's page: when its profile was last saved ("" if never)."""
    return profile.updated_at.isoformat() if profile is not None else ""


@transaction.atomic
def team_profile_set(
    *,
    actor: Actor,
    team_id: UUID,
    criteria: str,
    age_from: int | None,
    age_to: int | None,
    school_members: dict[UUID, UUID | None] | None = None,
    version: str | None = None,
) -> TeamProfile:
    """Set what a team takes on (criteria text, age range) and, when given, the member
    responsible for each school (None: nobody). `version` is `profile_version` as the form
    showed it; None skips the check."""
    decision = _allowed(actor)
    team = selectors_admin.team_get(actor=actor, team_id=team_id)
    profile = TeamProfile.objects.select_for_update().filter(team_id=team.pk).first()
    errors: dict[str, list[str]] = {}
    text = criteria.strip()
    if not text:
        _add(errors, "criteria", _("Beskriv vilka barn och familjer teamet tar emot."))
    elif len(text) > CRITERIA_LENGTH:
        _add(
            errors,
            "criteria",
            _("Kriterierna får vara högst %(max)d tecken.") % {"max": CRITERIA_LENGTH},
        )
    _check_ages(errors, age_from, age_to)
    contacts = selectors_admin.team_school_contacts(team=team)
    wanted = school_members or {}
    contact_changes = {
        school_id: member_id
        for school_id, member_id in wanted.items()
        if (contacts[school_id].member_id if school_id in contacts else None) != member_id
    }
    _check_members(actor, team, contact_changes, errors)
    if errors:
        raise ActionInvalid(details=errors)
    profile_changed = profile is None or (profile.criteria, profile.age_from, profile.age_to) != (
        text,
        age_from,
        age_to,
    )
    if not profile_changed and not contact_changes and profile is not None:
        return profile  # the same change again
    if version is not None and version != profile_version(profile):
        raise ConcurrentEdit
    if profile is None:
        try:
            with transaction.atomic():
                profile = TeamProfile.objects.create(
                    team=team, criteria=text, age_from=age_from, age_to=age_to
                )
        except IntegrityError as error:
            raise ConcurrentEdit from error
        action = AuditAction.CREATE
    else:
        # Saved even when only the contacts change, so the page's version moves on.
        profile.criteria, profile.age_from, profile.age_to = text, age_from, age_to
        profile.save()
        action = AuditAction.CHANGE
    if profile_changed:
        audit.record(
            actor=actor,
            action=action,
            event="intake.team_profile_changed",
            subject=profile,
            grant=decision.grant,
            details={"team": str(team.pk), "age_from": age_from, "age_to": age_to},
        )
    for school_id, member_id in sorted(contact_changes.items(), key=lambda kv: str(kv[0])):
        team_school_contact_set(
            actor=actor, team_id=team.pk, school_id=school_id, member_id=member_id
        )
    return profile


def _check_members(
    actor: Actor,
    team: Any,
    changes: dict[UUID, UUID | None],
    errors: dict[str, list[str]],
) -> None:
    if not changes:
        return
    schools = {s.pk for s in selectors_admin.schools(actor=actor)}
    members = {u.pk for u in selectors_admin.team_members(team=team)}
    for school_id, member_id in changes.items():
        if school_id not in schools:
            _add(errors, f"school_{school_id}", _("Välj en skola i kommunen."))
        elif member_id is not None and member_id not in members:
            _add(errors, f"school_{school_id}", _("Välj en person i teamet ur listan."))


@transaction.atomic
def team_school_contact_set(
    *, actor: Actor, team_id: UUID, school_id: UUID, member_id: UUID | None
) -> TeamSchoolContact | None:
    """Name the team member responsible for a school (R2.8), or nobody (None). The principal
    contacts them; they contact the principal."""
    decision = _allowed(actor)
    team = selectors_admin.team_get(actor=actor, team_id=team_id)
    errors: dict[str, list[str]] = {}
    _check_members(actor, team, {school_id: member_id}, errors)
    if errors:
        raise ActionInvalid(details=errors)
    current = (
        TeamSchoolContact.objects.select_for_update()
        .filter(team_id=team.pk, school_id=school_id)
        .first()
    )
    previous = current.member_id if current is not None else None
    if previous == member_id:
        return current
    if member_id is None:
        assert current is not None  # noqa: S101 — previous != None above
        subject_id = str(current.pk)
        current.delete()
        result = None
    elif current is None:
        result = TeamSchoolContact.objects.create(
            municipality_id=actor.tenant_id, team=team, school_id=school_id, member_id=member_id
        )
        subject_id = str(result.pk)
    else:
        current.member_id = member_id
        current.save(update_fields=["member", "updated_at"])
        result = current
        subject_id = str(current.pk)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.team_school_contact_changed",
        object_type="intake.teamschoolcontact",
        object_id=subject_id,
        grant=decision.grant,
        details={
            "team": str(team.pk),
            "school": str(school_id),
            "member": str(member_id or ""),
            "previous": str(previous or ""),
        },
    )
    return result
