"""Who may read the audit log: the tenant's log reviewers (Lag 2001:454 10 §; PDL 4 kap. 3 §)."""

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import Role


def can_view_audit_log(actor: Actor) -> Decision:
    grant = actor.grant_for(frozenset({Role.LOG_REVIEWER}))
    if grant is None:
        return Decision.deny("not_log_reviewer")
    return Decision.allow(grant=grant, basis="log_follow_up")
