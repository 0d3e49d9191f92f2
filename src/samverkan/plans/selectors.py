"""Reads about SIPs: the consents they are read under, one plan with its versions, a child's
plans. Actor-scoped through the policies' filter twin; a constant number of queries whatever
the number of goals, interventions or versions (STYLE P3)."""

import datetime
from dataclasses import dataclass
from typing import Any, NamedTuple
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment, User
from samverkan.children.models import Child
from samverkan.consent import rules as consent_rules
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import (
    ConsentPurpose,
)
from samverkan.core.errors import NotFound
from samverkan.organisations.models import Unit

from . import policies
from .models import CoordinatedPlan, PlanGoal, PlanIntervention, PlanParticipant, PlanVersion

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


@dataclass(frozen=True)
class ConsentRow:
    """A consent of the child in plain values, as the SIP pages and the chronology read it:
    its state today (consent.rules), the units it names, who confirmed it and its recipients."""

    consent_id: UUID
    child_id: UUID
    purpose: str
    valid_from: datetime.date
    valid_to: datetime.date
    created_at: datetime.datetime
    status: consent_rules.ConsentStatus
    units: tuple[tuple[UUID, str, str], ...]  # id, domain, name
    confirmations: tuple[tuple[str, datetime.datetime, str], ...]  # side, when, unit name
    recipients: frozenset[tuple[UUID, str]]  # unit id, role
    withdrawn: tuple[datetime.datetime, ...]  # when a party withdrew

    @property
    def purpose_label(self) -> str:
        return str(dict(ConsentPurpose.choices).get(self.purpose, self.purpose))

    @property
    def state_label(self) -> str:
        return consent_rules.STATE_LABELS[self.status.state]


def consent_rows(*, child: Child, today: datetime.date | None = None) -> list[ConsentRow]:
    """Every consent of the child, newest first, in plain values (consent's own reader, one
    query and the rules): no model instances, no prefetch machinery."""
    custodians = consent_selectors.custodians_of(child=child)
    return [
        ConsentRow(
            f.consent_id,
            child.pk,
            f.purpose,
            f.valid_from,
            f.valid_to,
            f.created_at,
            f.status,
            f.units,
            f.confirmations,
            f.recipients,
            f.withdrawn,
        )
        for f in consent_selectors.consent_facts_for_child(
            child=child, custodians=custodians, today=today
        )
    ]


def plan_consents(
    *, child: Child, rows: list[ConsentRow] | None = None
) -> tuple[policies.PlanConsent, ...]:
    """The child's consents as SIP facts (in force or not: the policy decides)."""
    if rows is None:
        rows = consent_rows(child=child)
    return tuple(
        policies.PlanConsent(
            consent_id=row.consent_id,
            child_id=row.child_id,
            in_force=row.status.in_force,
            purpose=row.purpose,
            unit_ids=frozenset(pk for pk, _domain, _name in row.units),
            named_sides=frozenset(domain for _pk, domain, _name in row.units),
            confirmed_sides=frozenset(side for side, _at, _unit in row.confirmations),
            recipients=row.recipients,
            label=f"{row.purpose_label} {row.valid_from:%Y-%m-%d}–"
            f"{row.valid_to:%Y-%m-%d} ({row.state_label})",
        )
        for row in rows
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


class InterventionRow(NamedTuple):
    """An intervention of the current version as the plan's page shows it, formatted once."""

    text: str
    responsible: str  # person, organisation
    period: str
    follow_up_on: str


@dataclass(frozen=True)
class VersionContents:
    """The goals and interventions of one version, in plain values (the plan's page)."""

    goals: tuple[str, ...]
    interventions: tuple[InterventionRow, ...]


def version_contents(*, version_id: UUID) -> VersionContents:
    """One version's goals and interventions, in position order: two queries of values."""
    goals = tuple(
        PlanGoal.objects.filter(version_id=version_id)
        .order_by("position")
        .values_list("text", flat=True)
    )
    interventions = tuple(
        InterventionRow(
            text,
            f"{person}, {unit}",
            f"{start_on:%Y-%m-%d} – {until_on:%Y-%m-%d}",
            f"{follow_up_on:%Y-%m-%d}",
        )
        for text, person, unit, start_on, until_on, follow_up_on in (
            PlanIntervention.objects.filter(version_id=version_id)
            .order_by("position")
            .values_list(
                "text",
                "responsible_person",
                "responsible_unit__name",
                "start_on",
                "until_on",
                "follow_up_on",
            )
        )
    )
    return VersionContents(goals, interventions)


@dataclass(frozen=True)
class PlanContext:
    """One plan as its page needs it: the plan, its facts and the consents decided on; for the
    plan's page the current version's contents in plain values."""

    plan: CoordinatedPlan
    facts: policies.PlanFacts
    consents: tuple[policies.PlanConsent, ...]
    contents: VersionContents | None = None

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
    all_contents=False no version's goals and interventions are prefetched: the current
    version's come in `contents` as plain values (the plan's page shows that one; a plan of
    many versions stays as cheap as one of one)."""
    # One row by its key: no ordering to resolve.
    plan = next(
        iter(
            _plans(all_contents=all_contents)
            .filter(pk=plan_id, municipality_id=actor.tenant_id)
            .order_by()[:1]
        ),
        None,
    )
    if plan is None:
        raise NotFound
    consents = plan_consents(child=plan.child)
    facts = plan_facts(plan=plan)
    if not policies.can_view_plan(actor, facts, consents):
        raise NotFound
    contents = None if all_contents else version_contents(version_id=_current(plan).pk)
    return PlanContext(plan, facts, consents, contents)


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
