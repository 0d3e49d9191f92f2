"""The one way in through the API: the school sends consultations, reports of concern and support
requests and sees what it sent; intake works its queue and records each handling step. The same
services, rules and audit entries as the pages; errors as {"code", "message", "details"}."""

import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from samverkan.access.api_policy import api_policy
from samverkan.core.api_common import ERROR_STATUSES, IDEMPOTENCY_KEY, request_id_from

from . import policies, selectors, services
from .models import Consultation, IntakeItem, ItemKind, TriState

router = Router(tags=["intake"])


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, object]


ERRORS = dict.fromkeys(ERROR_STATUSES, ErrorOut)


# ---------------------------------------------------------------------------------------------
# Schemas


class ConsultationIn(Schema):
    school_id: UUID
    age_group: str
    question: str
    names_confirmed: bool = False


class ReportIn(Schema):
    school_id: UUID
    child_id: UUID | None = None
    observed: str
    situation: str
    needs_protection_now: str
    guardians_informed: str
    wants_feedback: bool = True
    reporter_phone: str = ""
    consultation_id: UUID | None = None
    # The same words about the same child within a day answer 409 possible_duplicate (with the
    # earlier reference) unless this is true: a warning, never a refusal of the reporting duty.
    confirm_duplicate: bool = False
    # Issue #14: "school" (child_id, enrolled at the school), "register" (register_number, the
    # exact full identity number of any child of the municipality) or "provisional" (a child
    # not in the register: name, birth date or age, what is known).
    child_source: str = "school"
    register_number: str = ""
    provisional_name: str = ""
    provisional_birth_date: datetime.date | None = None
    provisional_age: int | None = None
    provisional_known: str = ""


class RegisterLookupIn(Schema):
    number: str  # the exact full identity number; posted, never in a URL


class RegisterLookupOut(Schema):
    """Name and age only; for a child with a protection marking nothing (protected=true)."""

    name: str
    age: int | None
    protected: bool


class SupportRequestIn(Schema):
    school_id: UUID
    child_id: UUID | None = None
    support_wished: str
    situation: str
    consent_id: UUID | None = None
    guardians_informed: str = TriState.YES
    consultation_id: UUID | None = None
    confirm_duplicate: bool = False  # as for a report


class ConsultationOut(Schema):
    id: UUID
    reference: str
    status: str
    status_label: str
    answer: str  # "" until answered
    masked_passages: int = 0  # passages intake masked (never their text)


class SentOut(Schema):
    """What the school side sees of an item it sent: never intake's handling, only the status
    and, when feedback was asked for and given, the outcome (SoL 19 kap. 6 §)."""

    id: UUID
    reference: str
    kind: str
    kind_label: str
    school: str
    received_at: datetime.datetime
    status_label: str
    outcome: str | None
    feedback_given_on: datetime.date | None


class DeadlinesOut(Schema):
    protection: str
    decision: str
    decision_date: datetime.date | None
    feedback: str
    feedback_date: datetime.date | None
    worst: str


class QueueRowOut(Schema):
    id: UUID
    reference: str
    kind: str
    status: str
    child_id: UUID
    child_name: str
    # Skyddad folkbokföring or sekretessmarkering: whoever handles the child must see it.
    child_protected: bool
    school: str
    received_at: datetime.datetime
    needs_protection_now: str
    assigned_to_id: UUID | None
    deadlines: DeadlinesOut


class ItemOut(Schema):
    id: UUID
    reference: str
    kind: str
    status: str
    version: int
    child_id: UUID
    child_name: str
    # Skyddad folkbokföring or sekretessmarkering: whoever handles the child must see it.
    child_protected: bool
    # How the sender named the child (school / register / provisional) and, for a child not
    # in the register, whether intake has linked or kept it yet (issue #14).
    child_source: str = "school"
    child_unresolved: bool = False
    # The anonymous consultation the item came from, if any (its reference).
    consultation_reference: str = ""
    school_id: UUID
    school: str
    received_at: datetime.datetime
    reporter: str
    reporter_phone: str
    observed: str
    situation: str
    support_wished: str
    needs_protection_now: str
    guardians_informed: str
    consent_id: UUID | None
    routing_reason: str
    wants_feedback: bool
    assigned_to_id: UUID | None
    protection_assessed_at: datetime.datetime | None
    protection_needed: bool | None
    protection_assessment: str
    decision_due: datetime.date | None
    extended_due: datetime.date | None
    extension_reason: str
    decision: str
    decision_reason: str
    decided_at: datetime.datetime | None
    feedback_given_at: datetime.datetime | None
    meeting_offered_at: datetime.datetime | None
    meeting_with: list[str]
    handed_over_to_id: UUID | None
    handed_over_at: datetime.datetime | None
    deadlines: DeadlinesOut


class ActionOut(Schema):
    """The item's state after a handling step (no case text: read the item for that)."""

    id: UUID
    reference: str
    status: str
    version: int
    deadlines: DeadlinesOut


class AssignIn(Schema):
    user_id: UUID
    version: int | None = None


class ProtectionIn(Schema):
    protection_needed: bool
    assessment: str


class DecisionIn(Schema):
    decision: str
    reason: str = ""
    give_feedback_now: bool = False


class ExtensionIn(Schema):
    new_due: datetime.date
    reason: str
    version: int | None = None


class MeetingIn(Schema):
    participants: list[str]
    note: str = ""


class HandoverIn(Schema):
    team_id: UUID | None = None
    note: str = ""


class NoteIn(Schema):
    body: str


class CreatedOut(Schema):
    id: UUID


class AnswerIn(Schema):
    answer: str


class RedactIn(Schema):
    passage: str
    reason: str


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _deadlines(item: IntakeItem) -> DeadlinesOut:
    d = selectors.item_deadlines(item)
    return DeadlinesOut(
        protection=d.protection,
        decision=d.decision,
        decision_date=d.decision_date,
        feedback=d.feedback,
        feedback_date=d.feedback_date,
        worst=d.worst,
    )


def _sent_out(view: selectors.SentView) -> SentOut:
    item = view.item
    return SentOut(
        id=item.pk,
        reference=item.reference,
        kind=item.kind,
        kind_label=str(ItemKind(item.kind).label),
        school=item.school.name,
        received_at=item.received_at,
        status_label=view.status_label,
        outcome=view.outcome or None,
        feedback_given_on=view.feedback_given_on,
    )


def _consultation_out(consultation: Consultation) -> ConsultationOut:
    return ConsultationOut(
        id=consultation.pk,
        reference=consultation.reference,
        status=consultation.status,
        status_label=str(consultation.get_status_display()),
        answer=consultation.answer,
    )


def _action_out(item: IntakeItem) -> ActionOut:
    return ActionOut(
        id=item.pk,
        reference=item.reference,
        status=item.status,
        version=item.version,
        deadlines=_deadlines(item),
    )


def _item_out(item: IntakeItem) -> ItemOut:
    reporter = item.created_by
    return ItemOut(
        id=item.pk,
        reference=item.reference,
        kind=item.kind,
        status=item.status,
        version=item.version,
        child_id=item.child_id,
        child_name=item.child.full_name,
        child_protected=item.child.is_protected,
        child_source=item.child_source,
        child_unresolved=item.child_unresolved,
        consultation_reference=item.consultation.reference if item.consultation else "",
        school_id=item.school_id,
        school=item.school.name,
        received_at=item.received_at,
        reporter=(reporter.get_full_name() or reporter.username) if reporter else "",
        reporter_phone=item.reporter_phone,
        observed=item.observed,
        situation=item.situation,
        support_wished=item.support_wished,
        needs_protection_now=item.needs_protection_now,
        guardians_informed=item.guardians_informed,
        consent_id=item.consent_id,
        routing_reason=item.routing_reason,
        wants_feedback=item.wants_feedback,
        assigned_to_id=item.assigned_to_id,
        protection_assessed_at=item.protection_assessed_at,
        protection_needed=item.protection_needed,
        protection_assessment=item.protection_assessment,
        decision_due=item.decision_due,
        extended_due=item.extended_due,
        extension_reason=item.extension_reason,
        decision=item.decision,
        decision_reason=item.decision_reason,
        decided_at=item.decided_at,
        feedback_given_at=item.feedback_given_at,
        meeting_offered_at=item.meeting_offered_at,
        meeting_with=list(item.meeting_with or []),
        handed_over_to_id=item.handed_over_to_id,
        handed_over_at=item.handed_over_at,
        deadlines=_deadlines(item),
    )


# ---------------------------------------------------------------------------------------------
# The school side


@router.post(
    "/consultations",
    response={201: ConsultationOut, **ERRORS},
    operation_id="intake_consultation_submit",
)
@api_policy(policies.can_use_one_way_in)
def consultation_submit(
    request: HttpRequest, payload: ConsultationIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> Status[ConsultationOut]:
    """Send an anonymous consultation (no identity of the child). An identity number in the
    question is refused (400, details.question); a possible full name needs names_confirmed."""
    consultation = services.consultation_submit(
        actor=_actor(request),
        school_id=payload.school_id,
        age_group=payload.age_group,
        question=payload.question,
        names_confirmed=payload.names_confirmed,
        request_id=request_id_from(idempotency_key),
    )
    return Status(201, _consultation_out(consultation))


@router.post(
    "/reports",
    response={201: SentOut, **ERRORS},
    operation_id="intake_report_submit",
)
@api_policy(policies.can_use_one_way_in)
def report_submit(
    request: HttpRequest, payload: ReportIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> Status[SentOut]:
    """Send a report of concern (SoL 19 kap. 1 §). Repeating the request with the same
    Idempotency-Key returns the report the first request sent."""
    actor = _actor(request)
    item = services.report_submit(
        actor=actor,
        school_id=payload.school_id,
        child_id=payload.child_id,
        observed=payload.observed,
        situation=payload.situation,
        needs_protection_now=payload.needs_protection_now,
        guardians_informed=payload.guardians_informed,
        wants_feedback=payload.wants_feedback,
        reporter_phone=payload.reporter_phone,
        consultation_id=payload.consultation_id,
        request_id=request_id_from(idempotency_key),
        confirm_duplicate=payload.confirm_duplicate,
        child_source=payload.child_source,
        register_number=payload.register_number,
        provisional={
            "name": payload.provisional_name,
            "birth_date": payload.provisional_birth_date,
            "age": payload.provisional_age,
            "known": payload.provisional_known,
        },
    )
    return Status(201, _sent_out(selectors.sent_view(item, _actor(request).user_id)))


@router.post(
    "/register-lookup",
    response={200: RegisterLookupOut, **ERRORS},
    operation_id="intake_register_lookup",
)
@api_policy(policies.can_look_up_register)
def register_lookup(request: HttpRequest, payload: RegisterLookupIn) -> RegisterLookupOut:
    """Find a child of the municipality's register by the exact full identity number, to
    report about them (audited; a limited number per user per hour)."""
    match = services.register_lookup(actor=_actor(request), number=payload.number)
    return RegisterLookupOut(name=match.name, age=match.age, protected=match.protected)


@router.post(
    "/support-requests",
    response={201: SentOut, **ERRORS},
    operation_id="intake_support_request_submit",
)
@api_policy(policies.can_use_one_way_in)
def support_request_submit(
    request: HttpRequest, payload: SupportRequestIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> Status[SentOut]:
    """Send a support request on a consent in force (R1.3)."""
    actor = _actor(request)
    item = services.support_request_submit(
        actor=actor,
        school_id=payload.school_id,
        child_id=payload.child_id,
        support_wished=payload.support_wished,
        situation=payload.situation,
        consent_id=payload.consent_id,
        guardians_informed=payload.guardians_informed,
        consultation_id=payload.consultation_id,
        request_id=request_id_from(idempotency_key),
        confirm_duplicate=payload.confirm_duplicate,
    )
    return Status(201, _sent_out(selectors.sent_view(item, _actor(request).user_id)))


@router.get("/sent", response={200: list[SentOut], **ERRORS}, operation_id="intake_sent_list")
@api_policy(policies.can_use_one_way_in)
def sent_list(request: HttpRequest) -> list[SentOut]:
    """What the actor sent (or their school sent, for its leaders), newest first: reference,
    kind, status and the outcome only when feedback was given. Never intake's handling."""
    items, _consultations = services.sent_list_read(actor=_actor(request))
    return [_sent_out(view) for view in items]


# ---------------------------------------------------------------------------------------------
# Intake


@router.get("/queue", response={200: list[QueueRowOut], **ERRORS}, operation_id="intake_queue_list")
@api_policy(policies.can_work_intake)
def queue_list(
    request: HttpRequest, status: str = "open", assigned_to_me: bool = False
) -> list[QueueRowOut]:
    """The intake queue by urgency with each item's deadline flags (an audited read)."""
    items = services.queue_read(actor=_actor(request), status=status, assigned_to_me=assigned_to_me)
    return [
        QueueRowOut(
            id=item.pk,
            reference=item.reference,
            kind=item.kind,
            status=item.status,
            child_id=item.child_id,
            child_name=item.child.full_name,
            child_protected=item.child.is_protected,
            school=item.school.name,
            received_at=item.received_at,
            needs_protection_now=item.needs_protection_now,
            assigned_to_id=item.assigned_to_id,
            deadlines=_deadlines(item),
        )
        for item in items
    ]


@router.get("/items/{item_id}", response={200: ItemOut, **ERRORS}, operation_id="intake_item_get")
@api_policy(policies.can_work_intake)
def item_get(request: HttpRequest, item_id: UUID) -> ItemOut:
    """One item for its handlers (the receiving unit, or the team it was handed to)."""
    return _item_out(services.item_read(actor=_actor(request), item_id=item_id))


@router.post(
    "/items/{item_id}/assign", response={200: ActionOut, **ERRORS}, operation_id="intake_assign"
)
@api_policy(policies.can_work_intake)
def item_assign(request: HttpRequest, item_id: UUID, payload: AssignIn) -> ActionOut:
    item = services.item_assign(
        actor=_actor(request), item_id=item_id, user_id=payload.user_id, version=payload.version
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/protection-assessment",
    response={200: ActionOut, **ERRORS},
    operation_id="intake_protection_assessment",
)
@api_policy(policies.can_work_intake)
def protection_assessment(request: HttpRequest, item_id: UUID, payload: ProtectionIn) -> ActionOut:
    """The immediate protection assessment (SoL 20 kap. 1 §), recorded once."""
    item = services.protection_assessment_record(
        actor=_actor(request),
        item_id=item_id,
        protection_needed=payload.protection_needed,
        assessment=payload.assessment,
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/decision", response={200: ActionOut, **ERRORS}, operation_id="intake_decide"
)
@api_policy(policies.can_work_intake)
def decision(request: HttpRequest, item_id: UUID, payload: DecisionIn) -> ActionOut:
    """The decision whether to open an investigation (SoL 20 kap. 2 §), recorded once."""
    item = services.decision_record(
        actor=_actor(request),
        item_id=item_id,
        decision=payload.decision,
        reason=payload.reason,
        give_feedback_now=payload.give_feedback_now,
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/extension", response={200: ActionOut, **ERRORS}, operation_id="intake_extend"
)
@api_policy(policies.can_work_intake)
def extension(request: HttpRequest, item_id: UUID, payload: ExtensionIn) -> ActionOut:
    """Extend the 14 days, only with the exceptional reason recorded."""
    item = services.decision_extend(
        actor=_actor(request),
        item_id=item_id,
        new_due=payload.new_due,
        reason=payload.reason,
        version=payload.version,
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/feedback", response={200: ActionOut, **ERRORS}, operation_id="intake_feedback"
)
@api_policy(policies.can_work_intake)
def feedback(request: HttpRequest, item_id: UUID) -> ActionOut:
    """Tell the reporter who asked the outcome (SoL 19 kap. 6 §); a repeat changes nothing."""
    return _action_out(services.feedback_give(actor=_actor(request), item_id=item_id))


@router.post(
    "/items/{item_id}/meeting", response={200: ActionOut, **ERRORS}, operation_id="intake_meeting"
)
@api_policy(policies.can_work_intake)
def meeting(request: HttpRequest, item_id: UUID, payload: MeetingIn) -> ActionOut:
    """Record a meeting offered to the child, the guardians and/or the reporter (19 kap. 5 §)."""
    item = services.meeting_offer(
        actor=_actor(request),
        item_id=item_id,
        participants=payload.participants,
        note=payload.note,
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/handover",
    response={200: ActionOut, **ERRORS},
    operation_id="intake_handover",
)
@api_policy(policies.can_work_intake)
def handover(request: HttpRequest, item_id: UUID, payload: HandoverIn) -> ActionOut:
    """Hand the item over to a team (R2.8)."""
    item = services.handover(
        actor=_actor(request), item_id=item_id, team_id=payload.team_id, note=payload.note
    )
    return _action_out(item)


@router.post(
    "/items/{item_id}/notes", response={201: CreatedOut, **ERRORS}, operation_id="intake_note_add"
)
@api_policy(policies.can_work_intake)
def note_add(
    request: HttpRequest,
    item_id: UUID,
    payload: NoteIn,
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status[CreatedOut]:
    """Intake's working note (never shown to the school)."""
    note = services.intake_note_add(
        actor=_actor(request),
        item_id=item_id,
        body=payload.body,
        request_id=request_id_from(idempotency_key),
    )
    return Status(201, CreatedOut(id=note.pk))


@router.post(
    "/consultations/{consultation_id}/answer",
    response={200: ConsultationOut, **ERRORS},
    operation_id="intake_consultation_answer",
)
@api_policy(policies.can_work_intake)
def consultation_answer(
    request: HttpRequest, consultation_id: UUID, payload: AnswerIn
) -> ConsultationOut:
    """Answer a consultation once; the asker is told."""
    consultation = services.consultation_answer(
        actor=_actor(request), consultation_id=consultation_id, answer=payload.answer
    )
    return _consultation_out(consultation)


@router.post(
    "/consultations/{consultation_id}/redact",
    response={200: ConsultationOut, **ERRORS},
    operation_id="intake_consultation_redact",
)
@api_policy(policies.can_work_intake)
def consultation_redact(
    request: HttpRequest, consultation_id: UUID, payload: RedactIn
) -> ConsultationOut:
    """Mask a passage of a received consultation; the asker is told that and why."""
    consultation = services.consultation_redact(
        actor=_actor(request),
        consultation_id=consultation_id,
        passage=payload.passage,
        reason=payload.reason,
    )
    out = _consultation_out(consultation)
    out.masked_passages = consultation.redactions.count()
    return out
