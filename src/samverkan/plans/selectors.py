"""Reads about SIPs: the consents they are read under, one plan with its versions, a child's
plans. Actor-scoped through the policies' filter twin; a constant number of queries whatever
the number of goals, interventions or versions (STYLE P3)."""

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User
from samverkan.children.models import Child
from samverkan.consent import selectors as consent_selectors
from samverkan.core.errors import NotFound
from samverkan.organisations.models import Unit

from . import policies
from .models import CoordinatedPlan, PlanIntervention, PlanParticipant, PlanVersion

PLAN_LIMIT = 50
# The kinds of unit that take part in a SIP: schools, social services' units and teams, and
# organisations outside the municipality (the region's child psychiatry, primary care, ...).
PARTICIPANT_KINDS = (
    Unit.Kind.SCHOOL,
    Unit.Kind.PRESCHOOL,
    Unit.Kind.UNIT,
    Unit.Kind.TEAM,
    Unit.Kind.EXTERNAL,
)


def plan_consents(
    *, child: Child, views: list[consent_selectors.ConsentView] | None = None
) -> tuple[policies.PlanConsent, ...]:
    """The child's consents as SIP facts (in force or not: the policy decides)."""
    if views is None:
        views = consent_selectors.consent_views_for_child(child=child)
    return tuple(
        policies.PlanConsent(
            consent_id=v.consent.pk,
            child_id=v.consent.child_id,
            in_force=v.status.in_force,
            purpose=v.consent.purpose,
            unit_ids=frozenset(u.pk for u in v.consent.units.all()),
            named_sides=frozenset(u.domain for u in v.consent.units.all()),
            confirmed_sides=frozenset(c.side for c in v.consent.confirmations.all()),
            recipients=frozenset((r.unit_id, r.role) for r in v.consent.recipients.all()),
            label=f"{v.consent.get_purpose_display()} {v.consent.valid_from:%Y-%m-%d}–"
            f"{v.consent.valid_to:%Y-%m-%d} ({v.state_label})",
        )
        for v in views
    )


def _current(plan: CoordinatedPlan) -> PlanVersion:
    versions = list(plan.versions.all())
    return versions[-1]


def plan_facts(*, plan: CoordinatedPlan) -> policies.PlanFacts:
    """The facts of a plan loaded with its participants and versions prefetched."""
    participants = list(plan.participants.all())
    lead = _current(plan).lead_unit_id
    return policies.PlanFacts(
        plan_id=plan.pk,
        municipality_id=plan.municipality_id,
        child_id=plan.child_id,
        created_by_id=plan.created_by_id,
        consent_id=plan.consent_id,
        participant_unit_ids=frozenset(p.unit_id for p in participants),
        person_ids=frozenset(p.person_id for p in participants if p.person_id),
        lead_person_ids=frozenset(
            p.person_id for p in participants if p.person_id and p.unit_id == lead
        ),
        is_closed=plan.closed_at is not None,
    )


def _contents() -> tuple[str | Prefetch[Any], ...]:
    """A version's goals and interventions (with the responsible unit)."""
    return (
        "goals",
        Prefetch(
            "interventions",
            queryset=PlanIntervention.objects.select_related("responsible_unit"),
        ),
    )


def _plans(*, all_contents: bool = True) -> QuerySet[CoordinatedPlan]:
    """Plans with participants and versions; every version's contents, or (all_contents=False)
    none, for plan_get_visible to load the current version's alone."""
    versions = PlanVersion.objects.select_related("lead_unit", "agreed_by").order_by("number")
    if all_contents:
        versions = versions.prefetch_related(*_contents())
    return CoordinatedPlan.objects.select_related(
        "child", "owner_unit", "created_by"
    ).prefetch_related(
        Prefetch(
            "participants",
            queryset=PlanParticipant.objects.select_related("unit", "person").order_by(
                "created_at", "pk"
            ),
        ),
        Prefetch("versions", queryset=versions),
    )


@dataclass(frozen=True)
class PlanContext:
    """One plan as its page needs it: the plan, its facts and the consents decided on."""

    plan: CoordinatedPlan
    facts: policies.PlanFacts
    consents: tuple[policies.PlanConsent, ...]

    @property
    def versions(self) -> list[PlanVersion]:
        return list(self.plan.versions.all())

    @property
    def current(self) -> PlanVersion:
        return self.versions[-1]

    @property
    def agreed(self) -> PlanVersion | None:
        """The latest agreed version: the plan in force."""
        return next((v for v in reversed(self.versions) if v.is_agreed), None)

    @property
    def consent(self) -> policies.PlanConsent | None:
        return next((c for c in self.consents if c.consent_id == self.plan.consent_id), None)


def plan_get_visible(*, actor: Actor, plan_id: UUID, all_contents: bool = True) -> PlanContext:
    """The plan if the actor may read it; NotFound otherwise, as if it did not exist. With
    all_contents=False only the current version's goals and interventions are loaded (the
    plan's page shows that one; a plan of many versions stays as cheap as one of one)."""
    plan = (
        _plans(all_contents=all_contents)
        .filter(pk=plan_id, municipality_id=actor.tenant_id)
        .first()
    )
    if plan is None:
        raise NotFound
    if not all_contents:
        prefetch_related_objects([_current(plan)], *_contents())
    consents = plan_consents(child=plan.child)
    context = PlanContext(plan, plan_facts(plan=plan), consents)
    if not policies.can_view_plan(actor, context.facts, consents):
        raise NotFound
    return context


def plan_get_for_update(*, actor: Actor, plan_id: UUID) -> PlanContext:
    """Lock the plan row (lock order: plan, then its versions), then load it visible."""
    locked = (
        CoordinatedPlan.objects.select_for_update(no_key=True)
        .filter(pk=plan_id, municipality_id=actor.tenant_id)
        .values_list("pk", flat=True)
        .first()
    )
    if locked is None:
        raise NotFound
    return plan_get_visible(actor=actor, plan_id=plan_id)


def plans_for_child(
    *, actor: Actor, child: Child, consents: tuple[policies.PlanConsent, ...]
) -> list[PlanContext]:
    """The child's plans the actor may read, newest first."""
    plans = list(
        _plans()
        .filter(policies.plans_visible_to(actor, consents), child_id=child.pk)
        .order_by("-created_at", "pk")[:PLAN_LIMIT]
    )
    return [PlanContext(p, plan_facts(plan=p), consents) for p in plans]


def participant_units(*, actor: Actor) -> list[Unit]:
    """The organisations that can take part in a SIP in the actor's tenant, valid today."""
    return list(
        Unit.objects.filter(municipality_id=actor.tenant_id, kind__in=PARTICIPANT_KINDS)
        .valid_on(timezone.localdate())
        .only("id", "name", "kind", "domain", "is_external")
        .order_by("kind", "name", "pk")[:500]
    )


def participant_people(*, actor: Actor) -> list[tuple[User, Unit, str]]:
    """Staff holding a role today at a unit that can take part: (person, unit, role)."""
    today = timezone.localdate()
    rows = (
        RoleAssignment.objects.valid_on(today)
        .filter(municipality_id=actor.tenant_id, unit__kind__in=PARTICIPANT_KINDS)
        .select_related("user", "unit")
        .order_by("unit__name", "user__last_name", "user__first_name", "pk")[:1000]
    )
    return [(r.user, r.unit, r.role) for r in rows]


def roles_at(*, user_id: UUID, unit_id: UUID, day: datetime.date) -> frozenset[str]:
    """The roles a person holds at a unit on a day (a named person must work there)."""
    return frozenset(
        RoleAssignment.objects.valid_on(day)
        .filter(user_id=user_id, unit_id=unit_id)
        .order_by()
        .values_list("role", flat=True)
    )
