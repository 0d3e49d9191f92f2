"""Who may send, see and handle what in the one way in. Pure decisions with their Q twins.

- School staff send consultations, reports and requests from a school where they hold a role;
  a report is about a child enrolled there (the reporter knows the child in their work).
- The receiving social-services unit (its staff and unit head) sees and handles the whole item;
  after a hand-over, the team too.
- The school side sees only its own submission: the reporter their own, the school's leaders
  their school's (never another school's). Of the handling, the school sees the status and,
  when the reporter asked for feedback and it was given, the outcome (SoL 19 kap. 6 §;
  OSL 26 kap. 9 a §). Nothing else of the case.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Q

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision
from samverkan.access.roles import (
    INTAKE_ROLES,
    SCHOOL_LEADER_ROLES,
    SCHOOL_ROLES,
    SOCIAL_SERVICES_ROLES,
    Role,
)

# Who among school staff may use the one way in: everyone working with children at the school.
SENDER_ROLES = SCHOOL_ROLES - {Role.SCHOOL_ADMINISTRATOR}


@dataclass(frozen=True)
class ItemRef:
    municipality_id: UUID
    owner_unit_id: UUID
    school_id: UUID
    created_by_id: UUID | None
    handed_over_to_id: UUID | None = None


def can_use_one_way_in(actor: Actor) -> Decision:
    """The entry page and its forms: staff of a school or preschool."""
    schools = actor.unit_ids_for(SENDER_ROLES) & actor.school_ids
    if schools:
        return Decision.allow(grant=actor.grant_for(SENDER_ROLES, schools))
    return Decision.deny("not_school_staff")


def can_send_from(actor: Actor, school_id: UUID) -> Decision:
    if school_id in actor.unit_ids_for(SENDER_ROLES) & actor.school_ids:
        return Decision.allow(grant=actor.grant_for(SENDER_ROLES, frozenset({school_id})))
    return Decision.deny("not_staff_at_school")


def can_look_up_register(actor: Actor) -> Decision:
    """Look up a child of the municipality's register by full identity number, to report
    about a child beyond the sender's own school (the reporting duty covers every child):
    staff of a school or preschool, as for the one way in. Not intake, not the administrator."""
    decision = can_use_one_way_in(actor)
    if not decision.allowed:
        return Decision.deny("not_school_staff")
    return Decision.allow("reporting_duty", grant=decision.grant, basis="reporting_duty")


def can_report_provisional_child(actor: Actor) -> Decision:
    """Describe a child not in the register in a report: as for the register lookup."""
    return can_look_up_register(actor)


def can_resolve_child(actor: Actor, item: ItemRef) -> Decision:
    """Link a report about a child not in the register to a register entry, or keep it as
    not registered: an intake social worker of the receiving unit or its unit head; not the
    team it was handed to, not the school."""
    if item.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if item.owner_unit_id in handler_unit_ids(actor) and actor.has_role(
        *INTAKE_ROLES, Role.UNIT_HEAD
    ):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit")
    return Decision.deny("not_receiving_unit")


def can_work_intake(actor: Actor) -> Decision:
    """The intake queue: social-services staff of a receiving unit, or their unit head."""
    if actor.social_unit_ids:
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("not_social_services")


def handler_unit_ids(actor: Actor) -> frozenset[UUID]:
    return actor.social_unit_ids


def can_handle_item(actor: Actor, item: ItemRef) -> Decision:
    """See the whole item and act on it: the receiving unit, or the team it was handed to."""
    if item.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    units = handler_unit_ids(actor)
    if item.owner_unit_id in units:
        return Decision.allow(
            "receiving_unit", grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit"
        )
    if item.handed_over_to_id is not None and item.handed_over_to_id in units:
        return Decision.allow(
            "handed_over", grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="handed_over"
        )
    return Decision.deny("not_receiving_unit")


def items_handled_by(actor: Actor) -> Q:
    units = handler_unit_ids(actor)
    return Q(municipality_id=actor.tenant_id) & (
        Q(owner_unit_id__in=units) | Q(handed_over_to_id__in=units)
    )


def leader_school_ids(actor: Actor) -> frozenset[UUID]:
    return actor.unit_ids_for(SCHOOL_LEADER_ROLES) & actor.school_ids


def can_view_as_sender(actor: Actor, item: ItemRef) -> Decision:
    """The school side's view: the reporter's own item, or an item from a school the actor leads."""
    if item.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if item.created_by_id == actor.user_id:
        return Decision.allow(
            "own_submission", grant=actor.grant_for(SENDER_ROLES, frozenset({item.school_id}))
        )
    if item.school_id in leader_school_ids(actor):
        return Decision.allow(
            "school_leader", grant=actor.grant_for(SCHOOL_LEADER_ROLES, frozenset({item.school_id}))
        )
    return Decision.deny("not_sender")


def items_sent_visible_to(actor: Actor) -> Q:
    return Q(municipality_id=actor.tenant_id) & (
        Q(created_by_id=actor.user_id) | Q(school_id__in=leader_school_ids(actor))
    )


def can_supplement(actor: Actor, item: ItemRef) -> Decision:
    """A report is never edited; the reporter (or the school's leader) may add to it."""
    return can_view_as_sender(actor, item)


def can_answer_consultation(actor: Actor, routed_to_id: UUID, municipality_id: UUID) -> Decision:
    """The receiving unit answers (the school's contact is normally one of its staff)."""
    if municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if routed_to_id in handler_unit_ids(actor):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES))
    return Decision.deny("not_receiving_unit")


def can_redact_consultation(actor: Actor, routed_to_id: UUID, municipality_id: UUID) -> Decision:
    """Mask a passage of a consultation, or ask the asker for a report instead: an intake
    social worker of the receiving unit or its unit head (not a team, not the school)."""
    if municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if routed_to_id in handler_unit_ids(actor) and actor.has_role(*INTAKE_ROLES, Role.UNIT_HEAD):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit")
    return Decision.deny("not_receiving_unit")


def can_view_consultation_as_sender(
    actor: Actor, asked_by_id: UUID, school_id: UUID, municipality_id: UUID
) -> Decision:
    return can_view_as_sender(actor, ItemRef(municipality_id, school_id, school_id, asked_by_id))


def consultations_handled_by(actor: Actor) -> Q:
    return Q(municipality_id=actor.tenant_id, routed_to_id__in=handler_unit_ids(actor))


def consultations_sent_visible_to(actor: Actor) -> Q:
    return Q(municipality_id=actor.tenant_id) & (
        Q(asked_by_id=actor.user_id) | Q(school_id__in=leader_school_ids(actor))
    )


def can_assign(actor: Actor, item: ItemRef) -> Decision:
    """Assign a worker: staff of the receiving unit (intake workers, the unit head); not the
    team an item was handed to."""
    if item.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if item.owner_unit_id in handler_unit_ids(actor):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit")
    return Decision.deny("not_receiving_unit")


def can_record_assessment(actor: Actor, item: ItemRef) -> Decision:
    """The protection assessment, the decision and the feedback are intake's: a social worker
    of the receiving unit or its unit head, not the team it was handed to."""
    if item.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if item.owner_unit_id in handler_unit_ids(actor) and (
        actor.has_role(*INTAKE_ROLES, Role.UNIT_HEAD, Role.TEAM_SOCIAL_WORKER)
    ):
        return Decision.allow(grant=actor.grant_for(SOCIAL_SERVICES_ROLES), basis="intake_remit")
    return Decision.deny("not_receiving_unit")


def can_manage_routing(actor: Actor) -> Decision:
    """Routing rules and team criteria are the municipality administrator's configuration."""
    if actor.has_role(Role.MUNICIPALITY_ADMIN):
        return Decision.allow(grant=actor.grant_for(frozenset({Role.MUNICIPALITY_ADMIN})))
    return Decision.deny("not_admin")
