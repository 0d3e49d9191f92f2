"""Who may see the organisation: every signed-in member of staff of the tenant (no child data)."""

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision


def can_view_organisation(actor: Actor) -> Decision:
    # Staff directory and school contacts are for everyone at work in the tenant (R4.3).
    if actor.grants:
        return Decision.allow(grant=actor.primary_grant)
    return Decision.deny("no_role")
