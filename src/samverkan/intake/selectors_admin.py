"""Reads for the routing configuration (R1.4) and the teams' criteria (R2.1, R2.8): rules, the
schools, areas and units they may name, a team with its members and school contacts. No child
data; every read is scoped to the actor's municipality."""

from dataclasses import dataclass
from uuid import UUID

from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import SOCIAL_SERVICES_ROLES
from samverkan.core.errors import NotFound
from samverkan.organisations.models import ResidentialArea, Unit

from . import routing, selectors
from .models import RoutingRule, RoutingSettings, TeamProfile, TeamSchoolContact


def rule_get(*, actor: Actor, rule_id: UUID) -> RoutingRule:
    """One rule of the actor's municipality; another municipality's is NotFound."""
    rule = selectors.routing_rules(actor=actor).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound
    return rule


def rule_get_for_update(*, actor: Actor, rule_id: UUID) -> RoutingRule:
    rule = (
        RoutingRule.objects.select_for_update()
        .filter(pk=rule_id, municipality_id=actor.tenant_id)
        .first()
    )
    if rule is None:
        raise NotFound
    return rule


def settings_get(*, actor: Actor) -> RoutingSettings | None:
    return (
        RoutingSettings.objects.filter(municipality_id=actor.tenant_id)
        .select_related("default_unit")
        .first()
    )


def settings_get_for_update(*, actor: Actor) -> RoutingSettings | None:
    return (
        RoutingSettings.objects.select_for_update().filter(municipality_id=actor.tenant_id).first()
    )


def schools(*, actor: Actor) -> list[Unit]:
    """The municipality's schools and preschools valid today, by name."""
    return list(
        Unit.objects.filter(municipality_id=actor.tenant_id)
        .schools()
        .valid_on(timezone.localdate())
        .select_related("residential_area")
        .order_by("name", "pk")
    )


def areas(*, actor: Actor) -> list[ResidentialArea]:
    return list(ResidentialArea.objects.filter(municipality_id=actor.tenant_id).order_by("name"))


def units_by_id(*, actor: Actor, unit_ids: set[UUID]) -> dict[UUID, Unit]:
    """Units of the municipality by id, whatever their validity (a rule may name an old one)."""
    if not unit_ids:
        return {}
    return {u.pk: u for u in Unit.objects.filter(municipality_id=actor.tenant_id, pk__in=unit_ids)}


def team_get(*, actor: Actor, team_id: UUID) -> Unit:
    """A social-services team of the municipality."""
    team = Unit.objects.filter(
        pk=team_id,
        municipality_id=actor.tenant_id,
        kind=Unit.Kind.TEAM,
        domain="social_services",
    ).first()
    if team is None:
        raise NotFound
    return team


def team_profile_get(*, team: Unit) -> TeamProfile | None:
    return TeamProfile.objects.filter(team_id=team.pk).first()


def team_members(*, team: Unit) -> list[User]:
    """Staff holding a social-services role in the team today, by name."""
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id=team.pk, role__in=SOCIAL_SERVICES_ROLES)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    seen: dict[UUID, User] = {}
    for row in rows:
        seen.setdefault(row.user_id, row.user)
    return list(seen.values())


def team_school_contacts(*, team: Unit) -> dict[UUID, TeamSchoolContact]:
    """The team's member responsible for each school, by school id."""
    return {
        c.school_id: c
        for c in TeamSchoolContact.objects.filter(team_id=team.pk).select_related("member")
    }


@dataclass(frozen=True)
class PreviewResult:
    """Where a sample child would go, and why (nothing is stored)."""

    unit: Unit | None
    rule: RoutingRule | None
    reason: str


def route_preview(
    *, actor: Actor, kind: str, age: int, school_id: UUID, area_id: UUID | None
) -> PreviewResult | None:
    """Route a sample child as a real submission would (the school's area unless another is
    given); None when there is neither a matching rule nor a default unit. Reads only."""
    school = (
        Unit.objects.filter(pk=school_id, municipality_id=actor.tenant_id)
        .schools()
        .only("pk", "residential_area_id")
        .first()
    )
    if school is None:
        raise NotFound
    subject = routing.Subject(
        kind=kind,
        school_id=school.pk,
        area_id=area_id if area_id is not None else school.residential_area_id,
        age=age,
    )
    found = selectors.route_for(municipality_id=actor.tenant_id, subject=subject)
    if found is None:
        return None
    unit = units_by_id(actor=actor, unit_ids={found.unit_id}).get(found.unit_id)
    rule = (
        RoutingRule.objects.filter(pk=found.rule_id, municipality_id=actor.tenant_id).first()
        if found.rule_id is not None
        else None
    )
    return PreviewResult(unit=unit, rule=rule, reason=found.reason)
