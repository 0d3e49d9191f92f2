"""Who may call, read, write and agree a SIP: pure decisions and the matching filter.

The SIP is read only under a consent (SoL 2025:400 10 kap. 8–9 §§; OSL 12 kap. 2 §; DOMAIN "No
SIP without consent"): a consent for the purpose coordinated_plan, in force today, naming every
participating organisation, confirmed by each side (school, social services) among the units it
names (DESIGN principle 8, the holder discloses), whose recipients (roles at units) include the
reader at a participating organisation. Before a consent is linked and in force only the person
who called the SIP sees it, to prepare it. `can_view_plan` and `plans_visible_to` encode the same rule; the
matrix in tests/test_policies.py proves they agree.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, Q

from samverkan.access.actor import Actor, Grant
from samverkan.access.decisions import Decision
from samverkan.children.policies import ChildRelation
from samverkan.consent import policies as consent_policies
from samverkan.consent.models import ConsentPurpose
from samverkan.core.models import SecrecyDomain

from .models import PlanParticipant

# The sides whose confirmation a SIP consent needs: the sides that hold information about the
# child. An outside organisation (the region) is not a side of this municipality's secrecy.
HOLDING_SIDES = frozenset({SecrecyDomain.SCHOOL, SecrecyDomain.SOCIAL_SERVICES})


@dataclass(frozen=True)
class PlanConsent:
    """A consent of the child as the SIP policies need it, gathered by the selector."""

    consent_id: UUID
    child_id: UUID
    in_force: bool
    purpose: str
    unit_ids: frozenset[UUID]
    # The holding sides among the named units, and those that have confirmed.
    named_sides: frozenset[str]
    confirmed_sides: frozenset[str]
    recipients: frozenset[tuple[UUID, str]]
    label: str = ""  # how the forms list it: period and state

    @property
    def opens_plans(self) -> bool:
        """In force, for the SIP, and confirmed by every side it names (principle 8)."""
        return (
            self.in_force
            and self.purpose == ConsentPurpose.COORDINATED_PLAN
            and (self.named_sides & HOLDING_SIDES) <= self.confirmed_sides
        )


@dataclass(frozen=True)
class PlanFacts:
    """What the decisions about one SIP depend on."""

    plan_id: UUID
    municipality_id: UUID
    child_id: UUID
    created_by_id: UUID | None
    consent_id: UUID | None
    participant_unit_ids: frozenset[UUID]
    person_ids: frozenset[UUID]  # the named persons who are users
    lead_person_ids: frozenset[UUID]  # the named person(s) of the lead organisation
    is_closed: bool = False


def _recipient_grant(actor: Actor, consent: PlanConsent, units: frozenset[UUID]) -> Grant | None:
    for grant in actor.grants:
        if grant.unit_id in units and (grant.unit_id, grant.role) in consent.recipients:
            return grant
    return None


def plan_basis(
    actor: Actor, plan: PlanFacts, consents: tuple[PlanConsent, ...]
) -> PlanConsent | None:
    """The consent the actor reads the plan under, if any."""
    for consent in consents:
        if (
            consent.consent_id == plan.consent_id
            and consent.child_id == plan.child_id
            and consent.opens_plans
            # Every participating organisation is named by the consent.
            and plan.participant_unit_ids <= consent.unit_ids
            # The reader holds a named role at a participating organisation.
            and actor.recipient_unit_ids(consent.recipients) & plan.participant_unit_ids
        ):
            return consent
    return None


def can_call_plan(actor: Actor, rel: ChildRelation) -> Decision:
    """The school (principal, student health at the child's school) or social services with a
    relation to the child may call a SIP (R2.9): the same people who record consent; teachers
    do not."""
    decision = consent_policies.can_record_consent(actor, rel)
    if not decision:
        return Decision.deny(
            "not_plan_caller" if decision.reason == "not_consent_recorder" else decision.reason
        )
    return decision


def can_view_plan(actor: Actor, plan: PlanFacts, consents: tuple[PlanConsent, ...]) -> Decision:
    """Read the SIP: its caller, or a recipient of the consent it is read under."""
    # Tenants never see each other (DESIGN principle 4).
    if plan.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    # The caller prepares the plan until a consent is linked; from then on everyone, the caller
    # too, reads under the consent, so a withdrawal closes the plan to all (OSL 12 kap. 2 §).
    if plan.consent_id is None and plan.created_by_id == actor.user_id:
        return Decision.allow("caller")
    # Everyone else only under the consent (no SIP without consent).
    consent = plan_basis(actor, plan, consents)
    if consent is not None:
        return Decision.allow(
            "consent",
            grant=_recipient_grant(actor, consent, plan.participant_unit_ids),
            basis=f"consent:{consent.consent_id}",
        )
    return Decision.deny("no_consent")


def plans_visible_to(actor: Actor, consents: tuple[PlanConsent, ...]) -> Q:
    """The filter twin of can_view_plan, for the plans of the children `consents` belong to."""
    q = Q(created_by_id=actor.user_id, consent_id__isnull=True)
    for consent in consents:
        if not consent.opens_plans:
            continue
        mine = actor.recipient_unit_ids(consent.recipients)
        if not mine:
            continue
        outside = PlanParticipant.objects.filter(plan_id=OuterRef("pk")).exclude(
            unit_id__in=consent.unit_ids
        )
        reader = PlanParticipant.objects.filter(plan_id=OuterRef("pk"), unit_id__in=mine)
        q |= (
            Q(consent_id=consent.consent_id, child_id=consent.child_id)
            & ~Q(Exists(outside))
            & Q(Exists(reader))
        )
    return Q(municipality_id=actor.tenant_id) & q


def can_edit_plan(actor: Actor, plan: PlanFacts, consents: tuple[PlanConsent, ...]) -> Decision:
    """Write the plan: someone who reads it and is its caller or a named participant."""
    seen = can_view_plan(actor, plan, consents)
    if not seen:
        return seen
    if plan.is_closed:
        return Decision.deny("closed")
    # Only the caller and the named persons write: a colleague who may read does not (R0.5).
    if plan.created_by_id == actor.user_id or actor.user_id in plan.person_ids:
        return Decision.allow(seen.reason, grant=seen.grant, basis=seen.basis)
    return Decision.deny("not_participant")


def can_agree_plan(actor: Actor, plan: PlanFacts, consents: tuple[PlanConsent, ...]) -> Decision:
    """Mark a version agreed: the named person of the lead organisation, under the consent
    (a plan is never agreed without the family's consent in force)."""
    if plan.municipality_id != actor.tenant_id:
        return Decision.deny("other_tenant")
    if plan.is_closed:
        return Decision.deny("closed")
    if plan_basis(actor, plan, consents) is None:
        consent = next((c for c in consents if c.consent_id == plan.consent_id), None)
        if consent is None or not consent.opens_plans:
            return Decision.deny("no_consent")
        return Decision.deny("not_recipient")
    if actor.user_id not in plan.lead_person_ids:
        return Decision.deny("not_lead")
    seen = can_view_plan(actor, plan, consents)
    return Decision.allow("lead", grant=seen.grant, basis=seen.basis)
