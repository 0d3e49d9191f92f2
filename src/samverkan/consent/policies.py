"""Who may record, read and withdraw consent about a child."""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import HEALTH_CARE_ROLES, SOCIAL_SERVICES_ROLES, STUDENT_HEALTH_ROLES
from samverkan.children.policies import ChildRelation, can_view_child
from samverkan.core.models import RecordCategory, SecrecyDomain

from . import rules
from .models import ConsentDirection


def can_view_consents(actor: Actor, rel: ChildRelation) -> Decision:
    """Everyone who may open the child's page sees its consents: the basis of what is shared."""
    return can_view_child(actor, rel)


def can_record_consent(actor: Actor, rel: ChildRelation) -> Decision:
    """The principal and student-health staff of the child's school, or social-services staff
    with a relation to the child, record consent and its withdrawal; teachers do not."""
    seen = can_view_child(actor, rel)
    if not seen:
        return seen
    schools = rel.current_school_ids & actor.student_health_school_ids
    if schools:
        return Decision.allow(grant=actor.grant_for(STUDENT_HEALTH_ROLES, schools))
    # Social-services staff who see the child (intake or caseload).
    if actor.social_unit_ids and seen.reason in ("intake", "caseload"):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("not_consent_recorder")


def recorder_side(actor: Actor, rel: ChildRelation) -> tuple[str, frozenset[UUID]]:
    """The side (secrecy domain) a recorder of consent acts for, and their units on that side:
    recording confirms the recorder's own side at once (DESIGN principle 8)."""
    schools = rel.current_school_ids & actor.student_health_school_ids
    if schools:
        return SecrecyDomain.SCHOOL, schools
    return SecrecyDomain.SOCIAL_SERVICES, actor.social_unit_ids


@dataclass(frozen=True)
class ConsentFacts:
    """What confirming a consent depends on, gathered by the selector."""

    municipality_id: UUID
    unit_ids: frozenset[UUID]
    direction: str
    confirmed_sides: frozenset[str]
    state: str


def from_sides(direction: str) -> frozenset[str]:
    """The sides whose information the direction lets flow, i.e. whose staff must confirm."""
    if direction == ConsentDirection.SCHOOL_TO_SOCIAL_SERVICES:
        return frozenset({SecrecyDomain.SCHOOL})
    if direction == ConsentDirection.SOCIAL_SERVICES_TO_SCHOOL:
        return frozenset({SecrecyDomain.SOCIAL_SERVICES})
    return frozenset({SecrecyDomain.SCHOOL, SecrecyDomain.SOCIAL_SERVICES})


def confirmable_side(actor: Actor, facts: ConsentFacts) -> tuple[str, UUID] | None:
    """The side the actor may confirm, and the named unit they confirm it for: the consent's
    direction needs that side, it is not yet confirmed, and the actor holds a consent-recording
    role at a unit the consent names on that side."""
    waiting = from_sides(facts.direction) - facts.confirmed_sides
    if SecrecyDomain.SCHOOL in waiting:
        schools = sorted(actor.student_health_school_ids & facts.unit_ids, key=str)
        if schools:
            return SecrecyDomain.SCHOOL, schools[0]
    if SecrecyDomain.SOCIAL_SERVICES in waiting:
        units = sorted(actor.social_unit_ids & facts.unit_ids, key=str)
        if units:
            return SecrecyDomain.SOCIAL_SERVICES, units[0]
    return None


def can_confirm_consent(actor: Actor, facts: ConsentFacts) -> Decision:
    """Someone of the side that holds the information confirms its direction (OSL 12 kap. 2 §):
    the principal or student-health staff of a named school, or social-services staff of a named
    unit. A consent withdrawn or expired is not confirmed."""
    if facts.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if facts.state in (rules.State.WITHDRAWN, rules.State.EXPIRED):
        return Decision.deny("not_in_force")
    side = confirmable_side(actor, facts)
    if side is None:
        return Decision.deny("not_confirmer")
    if side[0] == SecrecyDomain.SCHOOL:
        return Decision.allow(
            "holder_school",
            grant=actor.grant_for(STUDENT_HEALTH_ROLES, frozenset({side[1]})),
        )
    return Decision.allow("holder_social_services", grant=actor.grant_for(SOCIAL_SERVICES_ROLES))


def can_open_evidence(actor: Actor, rel: ChildRelation, facts: ConsentFacts) -> Decision:
    """The scan of a signed form names the child, the guardians and their signatures: those who
    record consent about the child open it, and so does the holder who is to confirm the
    consent on it. Teachers and everyone else see only that it exists."""
    if facts.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    recorder = can_record_consent(actor, rel)
    if recorder:
        return recorder
    confirmer = can_confirm_consent(actor, facts)
    if confirmer:
        return confirmer
    return Decision.deny("not_evidence_reader")


def confirmations_waiting_for(actor: Actor) -> Q:
    """The filter twin of can_confirm_consent for the list of consents that wait for the
    actor's side (the state is checked per row by the selector, as it needs the parties)."""
    tenant = Q(municipality_id=actor.tenant_id)
    school_side = Q(pk__in=[])
    if actor.student_health_school_ids:
        school_side = (
            Q(units__in=actor.student_health_school_ids)
            & ~Q(direction=ConsentDirection.SOCIAL_SERVICES_TO_SCHOOL)
            & ~Q(confirmations__side=SecrecyDomain.SCHOOL)
        )
    social_side = Q(pk__in=[])
    if actor.social_unit_ids:
        social_side = (
            Q(units__in=actor.social_unit_ids)
            & ~Q(direction=ConsentDirection.SCHOOL_TO_SOCIAL_SERVICES)
            & ~Q(confirmations__side=SecrecyDomain.SOCIAL_SERVICES)
        )
    return tenant & (school_side | social_side)


@dataclass(frozen=True)
class HealthRecordFacts:
    """A health-care record of student health, its author and the author's professions at the
    owning school."""

    municipality_id: UUID
    owner_unit_id: UUID
    category: str
    created_by_id: UUID | None
    author_roles: frozenset[str]


def can_release_record(actor: Actor, record: HealthRecordFacts) -> Decision:
    """The record's author, or a person of the same profession at that school, releases a
    health-care record to a consent's recipients (Patient Data Act; OSL 25 kap.)."""
    if record.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if record.category != RecordCategory.STUDENT_HEALTH_CARE:
        return Decision.deny("not_health_care_record")
    mine = frozenset(
        g.role
        for g in actor.grants
        if g.unit_id == record.owner_unit_id and g.role in HEALTH_CARE_ROLES
    )
    if not mine:
        return Decision.deny("not_health_care_profession")
    unit = frozenset({record.owner_unit_id})
    if record.created_by_id == actor.user_id:
        return Decision.allow("author", grant=actor.grant_for(HEALTH_CARE_ROLES, unit))
    if mine & record.author_roles:
        return Decision.allow("same_profession", grant=actor.grant_for(mine, unit))
    return Decision.deny("other_profession")
