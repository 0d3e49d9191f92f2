"""Who may find, view and write what about a child: pure decisions and the matching filters.

Each `can_*` function and its `*_visible_to` filter encode the same rule; the policy matrix in
tests/test_policies.py proves they agree. Conditions are default-deny (STYLE P4).
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import SCHOOL_ROLES, SOCIAL_SERVICES_ROLES, STUDENT_HEALTH_ROLES
from samverkan.core.models import RecordCategory, SecrecyDomain

from .models import Enrolment, Note


@dataclass(frozen=True)
class ChildRelation:
    """What the actor's relation to one child depends on, gathered by the selector so the
    decision itself needs no query."""

    child_id: UUID
    municipality_id: UUID
    current_school_ids: frozenset[UUID]
    record_unit_ids: frozenset[UUID]  # social-services units holding a record (caseload)


@dataclass(frozen=True)
class RecordRef:
    municipality_id: UUID
    domain: str
    category: str
    owner_unit_id: UUID


def can_search_children(actor: Actor) -> Decision:
    """Staff who work with children search within their tenant; governance roles do not."""
    # Intake receives reports about any child in the municipality (R1.2, one way in).
    if actor.intake_unit_ids:
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    # School staff find the children enrolled at their school.
    if actor.school_ids:
        return Decision.allow(grant=actor.grant_for(SCHOOL_ROLES, actor.school_ids))
    # Team staff and unit heads find their caseload.
    if actor.social_unit_ids:
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("no_child_access")


def can_view_child(actor: Actor, rel: ChildRelation) -> Decision:
    """May the actor open this child's page (identity, enrolments, what records they may see)?"""
    # Tenants never see each other (DESIGN principle 4).
    if rel.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    # Intake: every child of the municipality may be the subject of a report (R1.2).
    if actor.intake_unit_ids:
        return Decision.allow(
            "intake", grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit"
        )
    # School staff: children enrolled at their school today (relation, not role alone).
    schools = rel.current_school_ids & actor.school_ids
    if schools:
        return Decision.allow(
            "enrolled_at_own_school", grant=actor.grant_for(SCHOOL_ROLES, schools)
        )
    # Social-services team staff and unit heads: a record in their unit (caseload).
    units = rel.record_unit_ids & actor.social_unit_ids
    if units:
        return Decision.allow("caseload", grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("no_relation")


def children_visible_to(actor: Actor) -> Q:
    """The filter twin of can_view_child."""
    tenant = Q(municipality_id=actor.tenant_id)
    if actor.intake_unit_ids:
        return tenant
    today = timezone.localdate()
    enrolled = Exists(
        Enrolment.objects.filter(
            child_id=OuterRef("pk"), school_id__in=actor.school_ids, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    )
    caseload = Exists(
        Note.objects.filter(
            child_id=OuterRef("pk"),
            domain=SecrecyDomain.SOCIAL_SERVICES,
            owner_unit_id__in=actor.social_unit_ids,
        )
    )
    parts = Q(pk__in=[])
    if actor.school_ids:
        parts |= Q(enrolled)
    if actor.social_unit_ids:
        parts |= Q(caseload)
    return tenant & parts


def can_view_record(actor: Actor, record: RecordRef) -> Decision:
    """May the actor read this record? Domains never cross here: consent and the reporting
    duty are the only bases and are granted by their own policies (DESIGN principle 1)."""
    if record.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if record.domain == SecrecyDomain.SCHOOL:
        # Only staff of the school that owns the record.
        if record.owner_unit_id not in actor.school_ids:
            return Decision.deny("other_domain" if not actor.school_ids else "other_school")
        # Student health is walled off from teaching staff (OSL 23 kap. 2 §).
        if (
            record.category == RecordCategory.STUDENT_HEALTH
            and record.owner_unit_id not in actor.student_health_school_ids
        ):
            return Decision.deny("student_health_wall")
        # Health-care records of student health: only the health-care professions (PDL 4 kap.).
        if (
            record.category == RecordCategory.STUDENT_HEALTH_CARE
            and record.owner_unit_id not in actor.health_care_school_ids
        ):
            return Decision.deny("patient_data_wall")
        return Decision.allow(
            grant=actor.grant_for(SCHOOL_ROLES, frozenset({record.owner_unit_id}))
        )
    if record.domain == SecrecyDomain.SOCIAL_SERVICES:
        # Only staff of the owning unit, or its unit head (OSL 26 kap. 1 §).
        if record.owner_unit_id in actor.social_unit_ids:
            return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
        return Decision.deny("other_domain" if not actor.social_unit_ids else "other_unit")
    return Decision.deny("unknown_domain")


def notes_visible_to(actor: Actor) -> Q:
    """The filter twin of can_view_record for notes."""
    school = (
        Q(domain=SecrecyDomain.SCHOOL, owner_unit_id__in=actor.school_ids)
        & (
            ~Q(category=RecordCategory.STUDENT_HEALTH)
            | Q(owner_unit_id__in=actor.student_health_school_ids)
        )
        & (
            ~Q(category=RecordCategory.STUDENT_HEALTH_CARE)
            | Q(owner_unit_id__in=actor.health_care_school_ids)
        )
    )
    social = Q(domain=SecrecyDomain.SOCIAL_SERVICES, owner_unit_id__in=actor.social_unit_ids)
    return Q(municipality_id=actor.tenant_id) & (school | social)


def can_create_note(actor: Actor, rel: ChildRelation, record: RecordRef) -> Decision:
    """Write a note: the actor must see the child and act in the owning unit's domain."""
    if not can_view_child(actor, rel):
        return Decision.deny("child_not_visible")
    if record.domain == SecrecyDomain.SCHOOL and record.owner_unit_id not in rel.current_school_ids:
        return Decision.deny("not_enrolled_at_unit")
    return can_view_record(actor, record)


def note_targets(actor: Actor, rel: ChildRelation) -> list[RecordRef]:
    """Where the actor may write a note about this child: (domain, category, unit) choices."""
    targets: list[RecordRef] = []
    for school_id in sorted(actor.school_ids & rel.current_school_ids):
        targets.append(
            RecordRef(
                actor.tenant_id, SecrecyDomain.SCHOOL, RecordCategory.SCHOOL_SITUATION, school_id
            )
        )
        if school_id in actor.student_health_school_ids:
            targets.append(
                RecordRef(
                    actor.tenant_id, SecrecyDomain.SCHOOL, RecordCategory.STUDENT_HEALTH, school_id
                )
            )
        if school_id in actor.health_care_school_ids:
            targets.append(
                RecordRef(
                    actor.tenant_id,
                    SecrecyDomain.SCHOOL,
                    RecordCategory.STUDENT_HEALTH_CARE,
                    school_id,
                )
            )
    for grant in actor.grants:
        if (
            grant.role in SOCIAL_SERVICES_ROLES
            and grant.unit_domain == SecrecyDomain.SOCIAL_SERVICES
        ):
            ref = RecordRef(
                actor.tenant_id,
                SecrecyDomain.SOCIAL_SERVICES,
                RecordCategory.SOCIAL_SITUATION,
                grant.unit_id,
            )
            if ref not in targets and can_create_note(actor, rel, ref):
                targets.append(ref)
    return [t for t in targets if can_create_note(actor, rel, t)]


STUDENT_HEALTH = STUDENT_HEALTH_ROLES  # re-exported for templates that explain the wall
