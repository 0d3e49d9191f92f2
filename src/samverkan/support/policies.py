"""Who may see and do what with support episodes: pure decisions and their filter twins.

An episode is a social-services record owned by its team (OSL 26 kap. 1 §). The team shares one
caseload (R0.6): its staff read the team's episodes; a joint team's teachers do so only where the
team's records are one authority's (`Unit.joint_basis`, via `Actor.social_unit_ids`); otherwise a
team teacher reads only the episodes they are a member of while they run, on the family's
consent to the service. The work lead (gruppledare, R0.7) takes requests in and assigns members.
Default deny (STYLE P4); tests/test_policies.py proves each pair agrees.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, Q

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import SCHOOL_LEADER_ROLES, SOCIAL_SERVICES_ROLES, TEAM_ROLES, Role

from .models import Episode, EpisodeMember

# Professions that carry the treatment and so start and end an episode (R0.5); a team teacher
# owns the school goals and records outcomes, but does not start or end the support.
RESPONSIBLE_ROLES = frozenset(
    {Role.TEAM_SOCIAL_WORKER, Role.FAMILY_COORDINATOR, Role.NETWORK_WORKER, Role.WORK_LEAD}
)


@dataclass(frozen=True)
class EpisodeFacts:
    """What the decisions about one episode depend on, gathered by the selector."""

    episode_id: UUID
    municipality_id: UUID
    team_id: UUID
    status: str
    member_user_ids: frozenset[UUID]  # active members


def _work_lead_units(actor: Actor) -> frozenset[UUID]:
    return actor.unit_ids_for({Role.WORK_LEAD})


def can_view_board(actor: Actor) -> Decision:
    """The work lead's board: requests, members' load, episodes past their limit (R0.7)."""
    units = _work_lead_units(actor)
    if units:
        return Decision.allow(grant=actor.grant_for({Role.WORK_LEAD}))
    return Decision.deny("not_work_lead")


def can_view_caseload(actor: Actor) -> Decision:
    """A team member's own start page: the episodes they work in."""
    if actor.grant_for(TEAM_ROLES) is not None:
        return Decision.allow(grant=actor.grant_for(TEAM_ROLES))
    return Decision.deny("not_team_member")


def can_use_support(actor: Actor) -> Decision:
    """The episode pages and actions at all: team staff, work leads and unit heads above a
    team; each episode is then decided by can_view_episode and the action's own policy."""
    if actor.social_unit_ids or actor.grant_for(TEAM_ROLES) is not None:
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("no_support_role")


def can_view_episode(actor: Actor, episode: EpisodeFacts) -> Decision:
    """May the actor open the episode?"""
    # Tenants never see each other (DESIGN principle 4).
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    # The team's staff and unit heads above it: the team's own record (OSL 26 kap. 1 §, R0.6).
    if episode.team_id in actor.social_unit_ids:
        return Decision.allow("caseload", grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    # A member working by consent (a joint team without one authority): only while it runs;
    # the access ends with the episode (issue 12, 7).
    if episode.status == Episode.Status.ACTIVE and actor.user_id in episode.member_user_ids:
        return Decision.allow("episode_member", grant=actor.grant_for(TEAM_ROLES))
    return Decision.deny("no_relation")


def episodes_visible_to(actor: Actor) -> Q:
    """The filter twin of can_view_episode."""
    member = Exists(
        EpisodeMember.objects.filter(
            episode_id=OuterRef("pk"), user_id=actor.user_id, ended_at__isnull=True
        )
    )
    parts = Q(pk__in=[])
    if actor.social_unit_ids:
        parts |= Q(owner_unit_id__in=actor.social_unit_ids)
    if actor.grant_for(TEAM_ROLES) is not None:
        parts |= Q(member) & Q(status=Episode.Status.ACTIVE)
    return Q(municipality_id=actor.tenant_id) & parts


def _leader_school_ids(actor: Actor) -> frozenset[UUID]:
    return actor.unit_ids_for(SCHOOL_LEADER_ROLES) & actor.school_ids


def can_know_episode_ended(
    actor: Actor, *, municipality_id: UUID, referring_school_id: UUID | None, status: str
) -> Decision:
    """The school that referred is told that the support has ended, and nothing more (issue
    12, 7): its principal or preschool head, as the notification at the end reaches them."""
    if municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if status != Episode.Status.ENDED:
        return Decision.deny("not_ended")
    if referring_school_id is None or referring_school_id not in _leader_school_ids(actor):
        return Decision.deny("not_referring_school_leader")
    return Decision.allow(
        "referring_school",
        grant=actor.grant_for(SCHOOL_LEADER_ROLES, frozenset({referring_school_id})),
    )


def episode_endings_told_to(actor: Actor) -> Q:
    """The filter twin of can_know_episode_ended."""
    return Q(
        municipality_id=actor.tenant_id,
        status=Episode.Status.ENDED,
        referring_school_id__in=_leader_school_ids(actor),
    )


def sees_episodes(actor: Actor) -> bool:
    """Whether episodes_visible_to or episode_endings_told_to can match any episode: a list
    (the chronology) need not ask the database for what no one shows this actor."""
    return (
        bool(actor.social_unit_ids)
        or actor.grant_for(TEAM_ROLES) is not None
        or bool(_leader_school_ids(actor))
    )


def can_decide_request(actor: Actor, episode: EpisodeFacts) -> Decision:
    """Accept or decline a request: the team's work lead (R0.7), while it is a request."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if episode.team_id not in _work_lead_units(actor):
        return Decision.deny("not_work_lead_of_team")
    if episode.status != Episode.Status.REQUESTED:
        return Decision.deny("not_a_request")
    return Decision.allow(grant=actor.grant_for({Role.WORK_LEAD}, frozenset({episode.team_id})))


def can_assign_members(actor: Actor, episode: EpisodeFacts) -> Decision:
    """Assign or release members: the team's work lead, while the episode is accepted or runs."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if episode.team_id not in _work_lead_units(actor):
        return Decision.deny("not_work_lead_of_team")
    if episode.status not in (Episode.Status.ACCEPTED, Episode.Status.ACTIVE):
        return Decision.deny("not_open")
    return Decision.allow(grant=actor.grant_for({Role.WORK_LEAD}, frozenset({episode.team_id})))


def _responsible(actor: Actor, episode: EpisodeFacts) -> Decision:
    """A member of the team who carries the treatment and is assigned, or the work lead."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    team = frozenset({episode.team_id})
    if episode.team_id in _work_lead_units(actor):
        return Decision.allow(grant=actor.grant_for({Role.WORK_LEAD}, team))
    grant = actor.grant_for(RESPONSIBLE_ROLES, team)
    if grant is None:
        return Decision.deny("not_responsible_profession")
    if actor.user_id not in episode.member_user_ids:
        return Decision.deny("not_a_member")
    return Decision.allow(grant=grant)


def can_start_episode(actor: Actor, episode: EpisodeFacts) -> Decision:
    """Start the support with consent and outcomes: an accepted episode only."""
    if episode.status != Episode.Status.ACCEPTED:
        return Decision.deny("not_accepted")
    return _responsible(actor, episode)


def can_end_episode(actor: Actor, episode: EpisodeFacts) -> Decision:
    """End a running episode with its reason and outcomes."""
    if episode.status != Episode.Status.ACTIVE:
        return Decision.deny("not_active")
    return _responsible(actor, episode)


def can_record_outcome(actor: Actor, episode: EpisodeFacts) -> Decision:
    """Outcomes of a running episode: any assigned member of the team, teachers included (they
    own the school goals, R0.5), or the work lead."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if episode.status != Episode.Status.ACTIVE:
        return Decision.deny("not_active")
    team = frozenset({episode.team_id})
    if episode.team_id in _work_lead_units(actor):
        return Decision.allow(grant=actor.grant_for({Role.WORK_LEAD}, team))
    grant = actor.grant_for(TEAM_ROLES, team)
    if grant is None or actor.user_id not in episode.member_user_ids:
        return Decision.deny("not_a_member")
    return Decision.allow(grant=grant)


def can_record_adult_consent(actor: Actor, episode: EpisodeFacts) -> Decision:
    """Record an adult's consent for their own part (issue 12, 3): the staff of the episode's
    team, on the way to the start and while it runs. Nobody outside the team records it."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    grant = actor.grant_for(TEAM_ROLES, frozenset({episode.team_id}))
    if grant is None:
        return Decision.deny("not_team_staff")
    if episode.status not in (Episode.Status.ACCEPTED, Episode.Status.ACTIVE):
        return Decision.deny("not_open")
    return Decision.allow(grant=grant)


@dataclass(frozen=True)
class ContactFacts:
    """What the principal's contact with a team depends on (R2.8): the child's schools today."""

    municipality_id: UUID
    child_school_ids: frozenset[UUID]


def contact_schools(actor: Actor, facts: ContactFacts) -> frozenset[UUID]:
    """The schools the actor leads as principal where the child is a pupil today."""
    if facts.municipality_id != actor.tenant_id:
        return frozenset()
    return actor.unit_ids_for({Role.PRINCIPAL}) & facts.child_school_ids


def can_send_team_request(
    actor: Actor, facts: ContactFacts, school_id: UUID | None = None
) -> Decision:
    """The principal of the child's school contacts the team's school-responsible member with a
    request for an episode (R2.8); nobody else sends one this way (teachers and student health
    go through the one way in, R1.2)."""
    if facts.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    schools = contact_schools(actor, facts)
    if school_id is not None:
        schools &= frozenset({school_id})
    if not actor.unit_ids_for({Role.PRINCIPAL}):
        return Decision.deny("not_principal")
    if not schools:
        return Decision.deny("child_not_at_principals_school")
    return Decision.allow("principal_contact", grant=actor.grant_for({Role.PRINCIPAL}, schools))


def can_view_sent_requests(actor: Actor) -> Decision:
    """The principal's list of the requests their schools sent to teams and the answers."""
    if actor.unit_ids_for({Role.PRINCIPAL}):
        return Decision.allow(grant=actor.grant_for({Role.PRINCIPAL}))
    return Decision.deny("not_principal")


@dataclass(frozen=True)
class SentRequestFacts:
    municipality_id: UUID
    source: str
    referring_school_id: UUID | None


def can_view_sent_request(actor: Actor, request: SentRequestFacts) -> Decision:
    """A request a school's principal sent (R2.8): its status and a decline's reason, no
    content of the episode. The principal of the sending school only."""
    if request.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if request.source != Episode.Source.PRINCIPAL_CONTACT:
        return Decision.deny("not_a_principal_contact")
    if request.referring_school_id not in actor.unit_ids_for({Role.PRINCIPAL}):
        return Decision.deny("not_principal_of_school")
    return Decision.allow("sender", grant=actor.grant_for({Role.PRINCIPAL}))


def sent_requests_visible_to(actor: Actor) -> Q:
    """The filter twin of can_view_sent_request."""
    return Q(
        municipality_id=actor.tenant_id,
        source=Episode.Source.PRINCIPAL_CONTACT,
        referring_school_id__in=actor.unit_ids_for({Role.PRINCIPAL}),
    )


def can_repeat_step(actor: Actor, episode: EpisodeFacts) -> Decision:
    """A repeated step (double submit, Back and resubmit) answers with what is recorded, but
    only to the team's work lead or its staff in a team role: nobody else learns that a step
    'succeeded'."""
    if episode.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    grant = actor.grant_for(TEAM_ROLES, frozenset({episode.team_id}))
    if grant is None:
        return Decision.deny("not_team_staff")
    return Decision.allow(grant=grant)
