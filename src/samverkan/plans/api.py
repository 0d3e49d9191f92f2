"""The SIP in the API: a child's plans, one plan, calling, saving a version and agreeing it.
The same services, policies and audit entries as the pages; errors as {"code", "message",
"details"}; every status an operation can answer is declared."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from samverkan.access.api_policy import api_policy
from samverkan.children import policies as children_policies
from samverkan.consent.api import ERRORS
from samverkan.core.api_common import IDEMPOTENCY_KEY, request_id_from

from . import selectors, services

router = Router(tags=["plans"])


class ParticipantOut(Schema):
    unit_id: UUID
    unit: str
    person: str
    is_outside: bool


class InterventionOut(Schema):
    text: str
    responsible_unit_id: UUID
    responsible_person: str
    start_on: datetime.date
    until_on: datetime.date
    follow_up_on: datetime.date


class VersionOut(Schema):
    number: int
    lead_unit_id: UUID | None
    goals: list[str]
    interventions: list[InterventionOut]
    child_words: str
    guardians_view: str
    next_follow_up_on: datetime.date | None
    agreed_at: datetime.datetime | None
    attendees: str


class PlanOut(Schema):
    id: UUID
    child_id: UUID
    child_protected: bool  # skyddad folkbokföring or sekretessmarkering
    reason: str
    consent_id: UUID | None
    closed_at: datetime.datetime | None
    version: int  # send back as expected_version to save or agree
    participants: list[ParticipantOut]
    current: VersionOut
    agreed_number: int | None


class ParticipantIn(Schema):
    unit_id: UUID
    person_id: UUID | None = None
    person_name: str = ""
    person_email: str = ""


class PlanIn(Schema):
    reason: str
    participants: list[ParticipantIn]
    consent_id: UUID | None = None


class InterventionIn(Schema):
    text: str
    responsible_unit_id: UUID
    responsible_person: str
    start_on: datetime.date
    until_on: datetime.date
    follow_up_on: datetime.date


class ContentIn(Schema):
    expected_version: int
    lead_unit_id: UUID
    goals: list[str]
    interventions: list[InterventionIn]
    child_words: str = ""
    guardians_view: str = ""
    next_follow_up_on: datetime.date | None = None


class AgreeIn(Schema):
    expected_version: int
    attendees: str
    family_agreed: bool


class CreatedOut(Schema):
    id: UUID


class SavedOut(Schema):
    number: int
    agreed_at: datetime.datetime | None


def _out(context: selectors.PlanContext) -> PlanOut:
    plan, current = context.plan, context.current
    agreed = context.agreed
    return PlanOut(
        id=plan.pk,
        child_id=plan.child_id,
        child_protected=plan.child.is_protected,
        reason=plan.reason,
        consent_id=plan.consent_id,
        closed_at=plan.closed_at,
        version=plan.version,
        participants=[
            ParticipantOut(
                unit_id=p.unit_id, unit=p.unit.name, person=p.display_name, is_outside=p.is_outside
            )
            for p in plan.participants.all()
        ],
        current=VersionOut(
            number=current.number,
            lead_unit_id=current.lead_unit_id,
            goals=[g.text for g in current.goals.all()],
            interventions=[
                InterventionOut(
                    text=i.text,
                    responsible_unit_id=i.responsible_unit_id,
                    responsible_person=i.responsible_person,
                    start_on=i.start_on,
                    until_on=i.until_on,
                    follow_up_on=i.follow_up_on,
                )
                for i in current.interventions.all()
            ],
            child_words=current.child_words,
            guardians_view=current.guardians_view,
            next_follow_up_on=current.next_follow_up_on,
            agreed_at=current.agreed_at,
            attendees=current.attendees,
        ),
        agreed_number=agreed.number if agreed else None,
    )


@router.get(
    "/children/{child_id}",
    response={200: list[PlanOut], **ERRORS},
    operation_id="plan_list",
)
@api_policy(children_policies.can_search_children)
def plan_list(request: HttpRequest, child_id: UUID) -> list[PlanOut]:
    """The child's SIPs the caller may read, newest first."""
    _child, plans, _can_call = services.plans_for_child_read(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
    )
    return [_out(p) for p in plans]


@router.post(
    "/children/{child_id}",
    response={201: CreatedOut, **ERRORS},
    operation_id="plan_call",
)
@api_policy(children_policies.can_search_children)
def plan_call(
    request: HttpRequest,
    child_id: UUID,
    payload: PlanIn,
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status[CreatedOut]:
    """Call a SIP. The same Idempotency-Key returns the plan the first request made."""
    plan = services.plan_call(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        reason=payload.reason,
        participants=[
            services.ParticipantInput(p.unit_id, p.person_id, p.person_name, p.person_email)
            for p in payload.participants
        ],
        request_id=request_id_from(idempotency_key),
        consent_id=payload.consent_id,
    )
    return Status(201, CreatedOut(id=plan.pk))


@router.get("/{plan_id}", response={200: PlanOut, **ERRORS}, operation_id="plan_get")
@api_policy(children_policies.can_search_children)
def plan_get(request: HttpRequest, plan_id: UUID) -> PlanOut:
    """One SIP with its current version (audited as plan.viewed)."""
    return _out(services.plan_read(actor=request.actor, plan_id=plan_id))  # type: ignore[attr-defined]


@router.put("/{plan_id}/content", response={200: SavedOut, **ERRORS}, operation_id="plan_save")
@api_policy(children_policies.can_search_children)
def plan_save(request: HttpRequest, plan_id: UUID, payload: ContentIn) -> SavedOut:
    """Save the content; an agreed version becomes a new version. 409 on a stale version."""
    version = services.plan_save(
        actor=request.actor,  # type: ignore[attr-defined]
        plan_id=plan_id,
        expected_version=payload.expected_version,
        content=services.PlanContent(
            lead_unit_id=payload.lead_unit_id,
            goals=tuple(payload.goals),
            interventions=tuple(
                services.InterventionInput(
                    i.text,
                    i.responsible_unit_id,
                    i.responsible_person,
                    i.start_on,
                    i.until_on,
                    i.follow_up_on,
                )
                for i in payload.interventions
            ),
            child_words=payload.child_words,
            guardians_view=payload.guardians_view,
            next_follow_up_on=payload.next_follow_up_on,
        ),
    )
    return SavedOut(number=version.number, agreed_at=version.agreed_at)


@router.post("/{plan_id}/agree", response={200: SavedOut, **ERRORS}, operation_id="plan_agree")
@api_policy(children_policies.can_search_children)
def plan_agree(request: HttpRequest, plan_id: UUID, payload: AgreeIn) -> SavedOut:
    """The lead marks the current version agreed; it is frozen from then on."""
    version = services.plan_agree(
        actor=request.actor,  # type: ignore[attr-defined]
        plan_id=plan_id,
        expected_version=payload.expected_version,
        attendees=payload.attendees,
        family_agreed=payload.family_agreed,
    )
    return SavedOut(number=version.number, agreed_at=version.agreed_at)
