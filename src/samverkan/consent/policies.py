"""Who may record, read and withdraw consent about a child."""

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import SOCIAL_SERVICES_ROLES, STUDENT_HEALTH_ROLES
from samverkan.children.policies import ChildRelation, can_view_child


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
