"""Who may find, view and write what about a child: pure decisions and the matching filters.

Each `can_*` function and its `*_visible_to` filter encode the same rule; the policy matrix in
tests/test_policies.py proves they agree. Conditions are default-deny (STYLE P4).
"""

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import (
    SCHOOL_ROLES,
    SOCIAL_SERVICES_ROLES,
    STUDENT_HEALTH_ROLES,
    TEAM_ROLES,
)
from samverkan.consent.rules import ActiveConsent, ReleaseFact
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject

from .models import Enrolment


@dataclass(frozen=True)
class ChildRelation:
    """What the actor's relation to one child depends on, gathered by the selector so the
    decision itself needs no query."""

    child_id: UUID
    municipality_id: UUID
    current_school_ids: frozenset[UUID]
    # Teams with an open support episode about the child: the caseload (issue 12). An ended or
    # declined episode gives nothing, so access from an episode ends with it.
    record_unit_ids: frozenset[UUID]
    # Active members of the child's running episodes (a team teacher working by consent).
    episode_member_ids: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class RecordRef:
    municipality_id: UUID
    domain: str
    category: str
    owner_unit_id: UUID
    child_id: UUID | None = None
    # A health-care record is released one by one or by period (DESIGN principle 8).
    record_id: UUID | None = None
    created_on: datetime.date | None = None


@dataclass(frozen=True)
class ConsentContext:
    """The consents in force today for one child, the child's schools today (a consent that
    follows the child covers its new school) and the health-care records released under those
    consents. Empty: no crossing by consent."""

    consents: tuple[ActiveConsent, ...] = ()
    current_school_ids: frozenset[UUID] = frozenset()
    releases: tuple[ReleaseFact, ...] = ()

    def released(self, consent: ActiveConsent, record: "RecordRef") -> bool:
        """Has the record's profession released it to this consent's recipients?"""
        return any(
            r.consent_id == consent.consent_id
            and r.covers(
                owner_unit_id=record.owner_unit_id,
                record_id=record.record_id,
                created_on=record.created_on,
            )
            for r in self.releases
        )


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
    # Social-services team staff and unit heads: an open episode of their team (caseload).
    units = rel.record_unit_ids & actor.social_unit_ids
    if units:
        return Decision.allow("caseload", grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    # A member of a running episode working by consent (a joint team without one authority).
    if actor.user_id in rel.episode_member_ids and actor.grant_for(TEAM_ROLES) is not None:
        return Decision.allow("episode_member", grant=actor.grant_for(TEAM_ROLES))
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
        EpisodeSubject.objects.filter(
            child_id=OuterRef("pk"),
            episode__status__in=Episode.OPEN_STATUSES,
            episode__owner_unit_id__in=actor.social_unit_ids,
        )
    )
    member = Exists(
        EpisodeSubject.objects.filter(
            child_id=OuterRef("pk"),
            episode__status=Episode.Status.ACTIVE,
            episode__in=EpisodeMember.objects.filter(
                user_id=actor.user_id, ended_at__isnull=True
            ).values("episode_id"),
        )
    )
    parts = Q(pk__in=[])
    if actor.school_ids:
        parts |= Q(enrolled)
    if actor.social_unit_ids:
        parts |= Q(caseload)
    if actor.grant_for(TEAM_ROLES) is not None:
        parts |= Q(member)
    return tenant & parts


def consent_covering(
    actor: Actor, record: RecordRef, context: ConsentContext
) -> ActiveConsent | None:
    """The consent in force that lets the actor read a record of the other secrecy domain
    (OSL 12 kap. 2–3 §§; DESIGN principle 8): it names the child, the record's category and
    owning unit; its direction runs from the record's domain to the actor's and the record's
    side, which holds the secret, has recorded or confirmed it; the actor holds one of the
    named roles at a named unit; and a health-care record has also been released."""
    if record.domain == SecrecyDomain.SCHOOL:
        reader_domain = SecrecyDomain.SOCIAL_SERVICES
    elif record.domain == SecrecyDomain.SOCIAL_SERVICES:
        reader_domain = SecrecyDomain.SCHOOL
    else:
        return None
    for consent in context.consents:
        units = consent.covered_units(context.current_school_ids)
        recipients = consent.recipients_at(context.current_school_ids)
        if (
            consent.child_id == record.child_id
            and record.category in consent.categories
            # The holder discloses: only a direction its own side confirmed.
            and consent.opens(from_domain=record.domain, to_domain=reader_domain)
            and record.owner_unit_id in units
            # Recipients are roles at units, not whole units.
            and actor.recipient_unit_ids(recipients) & units
            # Patient Data Act records cross only by their profession's release.
            and (
                record.category != RecordCategory.STUDENT_HEALTH_CARE
                or context.released(consent, record)
            )
        ):
            return consent
    return None


def release_covering(
    actor: Actor, record: RecordRef, context: ConsentContext
) -> ActiveConsent | None:
    """Within the school, a health-care record released under a consent the school confirmed
    may be read by the consent's recipients at the owning school (PDL 4 kap.; OSL 25 kap.)."""
    if (
        record.domain != SecrecyDomain.SCHOOL
        or record.category != RecordCategory.STUDENT_HEALTH_CARE
    ):
        return None
    for consent in context.consents:
        recipients = consent.recipients_at(context.current_school_ids)
        if (
            consent.child_id == record.child_id
            and record.category in consent.categories
            and SecrecyDomain.SCHOOL in consent.confirmed_sides
            and record.owner_unit_id in consent.covered_units(context.current_school_ids)
            and record.owner_unit_id in actor.recipient_unit_ids(recipients)
            and context.released(consent, record)
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
    social-services boundary only under a consent in force that covers it (DESIGN principle 1)
    and that the record's side confirmed (principle 8). The reporting duty crosses by its own
    records (the one-way-in issue)."""
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
        # Health-care records of student health: only the health-care professions (PDL 4 kap.),
        # or a recipient of a consent to whom the profession released the record.
        if (
            record.category == RecordCategory.STUDENT_HEALTH_CARE
            and record.owner_unit_id not in actor.health_care_school_ids
        ):
            released = release_covering(actor, record, context)
            if released is None:
                return Decision.deny("patient_data_wall")
            return Decision.allow("release", basis=f"consent:{released.consent_id}")
        return Decision.allow(
            grant=actor.grant_for(SCHOOL_ROLES, frozenset({record.owner_unit_id}))
        )
    if record.domain == SecrecyDomain.SOCIAL_SERVICES:
        # Only staff of the owning unit, or its unit head (OSL 26 kap. 1 §); a joint team's
        # teachers only where the team's records are one authority's (R0.6, Actor).
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
            | _within_school_release_q(actor, context)
        )
    )
    social = Q(domain=SecrecyDomain.SOCIAL_SERVICES, owner_unit_id__in=actor.social_unit_ids)
    return Q(municipality_id=actor.tenant_id) & (school | social | _consent_q(actor, context))


def _release_q(release: ReleaseFact, child_id: UUID) -> Q:
    """The health-care records one release covers."""
    q = Q(
        child_id=child_id,
        domain=SecrecyDomain.SCHOOL,
        category=RecordCategory.STUDENT_HEALTH_CARE,
        owner_unit_id=release.owner_unit_id,
    )
    if release.note_id is not None:
        return q & Q(pk=release.note_id)
    return q & Q(created_at__date__gte=release.period_from, created_at__date__lte=release.period_to)


def _within_school_release_q(actor: Actor, context: ConsentContext) -> Q:
    """The filter twin of release_covering."""
    q = Q(pk__in=[])
    for consent in context.consents:
        if (
            RecordCategory.STUDENT_HEALTH_CARE not in consent.categories
            or SecrecyDomain.SCHOOL not in consent.confirmed_sides
        ):
            continue
        units = consent.covered_units(context.current_school_ids)
        mine = actor.recipient_unit_ids(consent.recipients_at(context.current_school_ids))
        for release in context.releases:
            if (
                release.consent_id == consent.consent_id
                and release.owner_unit_id in units
                and release.owner_unit_id in mine
            ):
                q |= _release_q(release, consent.child_id)
    return q


def _consent_q(actor: Actor, context: ConsentContext) -> Q:
    """The records consents in force let the actor read across the boundary. A reader with a
    role in its own domain's unit keeps the same-domain rule (other_school / other_unit)."""
    q = Q(pk__in=[])
    clauses: set[tuple[UUID, str, tuple[str, ...], tuple[UUID, ...]]] = set()
    readers = (
        (SecrecyDomain.SCHOOL, SecrecyDomain.SOCIAL_SERVICES, actor.school_ids),
        (SecrecyDomain.SOCIAL_SERVICES, SecrecyDomain.SCHOOL, actor.social_unit_ids),
    )
    for consent in context.consents:
        units = consent.covered_units(context.current_school_ids)
        mine = actor.recipient_unit_ids(consent.recipients_at(context.current_school_ids))
        for record_domain, reader_domain, same_domain_units in readers:
            if same_domain_units or not mine & units:
                continue
            if not consent.opens(from_domain=record_domain, to_domain=reader_domain):
                continue
            crossing = consent.categories - {RecordCategory.STUDENT_HEALTH_CARE}
            if crossing:
                clauses.add(
                    (
                        consent.child_id,
                        record_domain,
                        tuple(sorted(crossing)),
                        tuple(sorted(units, key=str)),
                    )
                )
            if (
                record_domain == SecrecyDomain.SCHOOL
                and RecordCategory.STUDENT_HEALTH_CARE in consent.categories
            ):
                for release in context.releases:
                    if release.consent_id == consent.consent_id and release.owner_unit_id in units:
                        q |= _release_q(release, consent.child_id)
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
