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
from samverkan.consent.rules import ActiveConsent
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
    child_id: UUID | None = None


@dataclass(frozen=True)
class ConsentContext:
    """The consents in force today for one child, and the child's schools today (a consent
    that follows the child covers its new school). Empty: no crossing by consent."""

    consents: tuple[ActiveConsent, ...] = ()
    current_school_ids: frozenset[UUID] = frozenset()


NO_CONSENT = ConsentContext()


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


def consent_covering(
    actor: Actor, record: RecordRef, context: ConsentContext
) -> ActiveConsent | None:
    """The consent in force that lets the actor read a record of the other secrecy domain:
    it names the child, the record's category, the owning unit and a unit of the actor, and
    its direction runs from the record's domain to the actor's (OSL 12 kap. 2–3 §§)."""
    if record.domain == SecrecyDomain.SCHOOL:
        reader_domain, reader_units = SecrecyDomain.SOCIAL_SERVICES, actor.social_unit_ids
    elif record.domain == SecrecyDomain.SOCIAL_SERVICES:
        reader_domain, reader_units = SecrecyDomain.SCHOOL, actor.school_ids
    else:
        return None
    for consent in context.consents:
        units = consent.covered_units(context.current_school_ids)
        if (
            consent.child_id == record.child_id
            and record.category in consent.categories
            and consent.allows(from_domain=record.domain, to_domain=reader_domain)
            and record.owner_unit_id in units
            and reader_units & units
        ):
            return consent
    return None


def _by_consent(actor: Actor, record: RecordRef, context: ConsentContext, denial: str) -> Decision:
    consent = consent_covering(actor, record, context)
    if consent is None:
        return Decision.deny(denial)
    return Decision.allow("consent", basis=f"consent:{consent.consent_id}")


def can_view_record(
    actor: Actor, record: RecordRef, context: ConsentContext = NO_CONSENT
) -> Decision:
    """May the actor read this record? Within a domain by unit and role; across the school /
    social-services boundary only under a consent in force that covers it (DESIGN principle 1).
    The reporting duty crosses by its own records (the one-way-in issue)."""
    if record.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if record.domain == SecrecyDomain.SCHOOL:
        # Only staff of the school that owns the record, or a consent that covers the reader.
        if record.owner_unit_id not in actor.school_ids:
            if actor.school_ids:
                return Decision.deny("other_school")
            return _by_consent(actor, record, context, "other_domain")
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
        if actor.social_unit_ids:
            return Decision.deny("other_unit")
        return _by_consent(actor, record, context, "other_domain")
    return Decision.deny("unknown_domain")


def notes_visible_to(actor: Actor, context: ConsentContext = NO_CONSENT) -> Q:
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
    return Q(municipality_id=actor.tenant_id) & (school | social | _consent_q(actor, context))


def _consent_q(actor: Actor, context: ConsentContext) -> Q:
    """The records consents in force let the actor read across the boundary. A reader with a
    role in its own domain's unit keeps the same-domain rule (other_school / other_unit)."""
    q = Q(pk__in=[])
    clauses: set[tuple[UUID, str, tuple[str, ...], tuple[UUID, ...]]] = set()
    readers = (
        (
            SecrecyDomain.SCHOOL,
            SecrecyDomain.SOCIAL_SERVICES,
            actor.social_unit_ids,
            actor.school_ids,
        ),
        (
            SecrecyDomain.SOCIAL_SERVICES,
            SecrecyDomain.SCHOOL,
            actor.school_ids,
            actor.social_unit_ids,
        ),
    )
    for consent in context.consents:
        units = consent.covered_units(context.current_school_ids)
        for record_domain, reader_domain, reader_units, same_domain_units in readers:
            if same_domain_units or not reader_units & units:
                continue
            if consent.allows(from_domain=record_domain, to_domain=reader_domain):
                clauses.add(
                    (
                        consent.child_id,
                        record_domain,
                        tuple(sorted(consent.categories)),
                        tuple(sorted(units, key=str)),
                    )
                )
    # Several consents often name the same scope: one clause each, however many consents.
    for child_id, domain, categories, unit_ids in sorted(clauses, key=str):
        q |= Q(
            child_id=child_id,
            domain=domain,
            category__in=categories,
            owner_unit_id__in=unit_ids,
        )
    return q


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
