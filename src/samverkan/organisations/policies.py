"""Who may see the organisation: every signed-in member of staff of the tenant (no child data)."""

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import Role
from samverkan.core.models import SecrecyDomain


def can_view_organisation(actor: Actor) -> Decision:
    # Staff directory and school contacts are for everyone at work in the tenant (R4.3).
    if actor.grants:
        return Decision.allow(grant=actor.primary_grant)
    return Decision.deny("no_role")


def can_manage_contacts(actor: Actor) -> Decision:
    """Who names the schools' social-services contacts (R4.3): a unit head in social services or
    the municipality's administrator."""
    grant = actor.grant_for(frozenset({Role.UNIT_HEAD}))
    if grant is not None and grant.unit_domain == SecrecyDomain.SOCIAL_SERVICES:
        return Decision.allow(grant=grant)
    grant = actor.grant_for(frozenset({Role.MUNICIPALITY_ADMIN}))
    if grant is not None:
        return Decision.allow(grant=grant)
    return Decision.deny("not_contact_manager")
