"""Support episodes through the API: the board, a member's caseload, one episode and the work
lead's and members' steps. The same services, policies and audit entries as the pages; errors as
{"code", "message", "details"} with every status declared."""

import datetime
from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from samverkan.access.api_policy import api_policy
from samverkan.consent.api import EvidenceIn  # an oral answer's evidence, as consent takes it
from samverkan.consent.services import EvidenceInput
from samverkan.core.api_common import ERROR_STATUSES, IDEMPOTENCY_KEY, request_id_from

from . import policies, selectors, services
from .models import Episode

router = Router(tags=["support"])


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, object]


ERRORS = dict.fromkeys(ERROR_STATUSES, ErrorOut)


class EpisodeRowOut(Schema):
    id: UUID
    status: str
    child_id: UUID
    child_name: str
    child_protected: bool  # skyddad folkbokföring or sekretessmarkering
    episode_type: str
    team: str
    started_on: datetime.date | None
    planned_end_on: datetime.date | None
    past_limit: bool
    is_due: bool


class LoadOut(Schema):
    user_id: UUID
    name: str
    open: int
    late: int


class BoardOut(Schema):
    requests: list[EpisodeRowOut]
    past_limit: list[EpisodeRowOut]
    past_limit_count: int
    load: list[LoadOut]


class MemberOut(Schema):
    user_id: UUID
    name: str
    role: str
    organisation: str
    is_lead: bool


class OutcomeOut(Schema):
    phase: str
    eligible_upper_secondary: str
    attendance_percent: int | None
    family_rating: int | None
    adults_work_or_study: str
    goals_reached: str


class EpisodeOut(Schema):
    id: UUID
    version: int
    status: str
    subject_kind: str
    episode_type: str
    team_id: UUID
    child_id: UUID
    child_protected: bool  # skyddad folkbokföring or sekretessmarkering
    source: str
    started_on: datetime.date | None
    planned_end_on: datetime.date | None
    ended_on: datetime.date | None
    end_reason: str
    decline_reason: str
    past_limit: bool
    members: list[MemberOut]
    outcomes: list[OutcomeOut]


class AcceptIn(Schema):
    episode_type_id: UUID
    member_ids: list[UUID]
    lead_member_id: UUID | None = None
    version: int | None = None


class MemberIn(Schema):
    user_id: UUID
    version: int | None = None


class TeamRequestIn(Schema):
    child_id: UUID
    team_id: UUID
    school_id: UUID | None = None
    note: str


class SentOut(Schema):
    id: UUID
    status: str
    decline_reason: str


class DeclineIn(Schema):
    reason: str
    version: int | None = None


class OutcomeIn(Schema):
    eligible_upper_secondary: str = "unknown"
    attendance_percent: int | None = None
    family_rating: int | None = None
    adults_work_or_study: str = "unknown"
    goals_reached: str = "unknown"


class AdultConsentIn(Schema):
    adult_id: UUID
    answer: str = "given"
    evidence: EvidenceIn


class AdultConsentOut(Schema):
    consent_id: UUID | None
    adult_id: UUID
    answer: str
    missing_adult_ids: list[UUID]


class StartIn(Schema):
    started_on: datetime.date
    age_reason: str = ""
    outcome: OutcomeIn = OutcomeIn()
    version: int | None = None


class EndIn(Schema):
    ended_on: datetime.date
    reason: str
    outcome: OutcomeIn = OutcomeIn()
    version: int | None = None


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def _row(row: dict[str, Any]) -> EpisodeRowOut:
    return EpisodeRowOut(
        id=row["id"],
        status=row["status"],
        child_id=row["child_id"],
        child_name=row["child_name"],
        child_protected=row["child_protected"],
        episode_type=row["episode_type__name"],
        team=row["owner_unit__name"],
        started_on=row["started_on"],
        planned_end_on=row["planned_end_on"],
        past_limit=row["past_limit"],
        is_due=row["is_due"],
    )


def _outcome(data: OutcomeIn) -> services.OutcomeInput:
    return services.OutcomeInput(**data.dict())


def _episode_out(request: HttpRequest, episode_id: UUID) -> EpisodeOut:
    page = services.episode_read(actor=_actor(request), episode_id=episode_id)
    ep: Episode = page.episode
    return EpisodeOut(
        id=ep.pk,
        version=ep.version,
        status=ep.status,
        subject_kind=ep.subject_kind,
        episode_type=ep.episode_type.code,
        team_id=ep.owner_unit_id,
        child_id=ep.child_id,
        child_protected=ep.child.is_protected,
        source=ep.source,
        started_on=ep.started_on,
        planned_end_on=ep.planned_end_on,
        ended_on=ep.ended_on,
        end_reason=ep.end_reason,
        decline_reason=ep.decline_reason,
        past_limit=page.past_limit,
        members=[
            MemberOut(
                user_id=m.user_id,
                name=m.user.get_full_name() or m.user.username,
                role=m.role,
                organisation=m.organisation,
                is_lead=m.is_lead,
            )
            for m in page.members
        ],
        outcomes=[
            OutcomeOut(
                phase=o.phase,
                eligible_upper_secondary=o.eligible_upper_secondary,
                attendance_percent=o.attendance_percent,
                family_rating=o.family_rating,
                adults_work_or_study=o.adults_work_or_study,
                goals_reached=o.goals_reached,
            )
            for o in page.outcomes.values()
        ],
    )


@router.get("/board", response={200: BoardOut, **ERRORS}, operation_id="support_board")
@api_policy(policies.can_view_board)
def board(request: HttpRequest) -> BoardOut:
    """The work lead's board: requests, episodes past their limit and members' load (audited)."""
    data = services.board_read(actor=_actor(request))
    return BoardOut(
        requests=[_row(r) for r in data.requests],
        past_limit=[_row(r) for r in data.past_limit],
        past_limit_count=data.past_limit_count,
        load=[
            LoadOut(
                user_id=r["user_id"],
                name=f"{r['user__first_name']} {r['user__last_name']}",
                open=r["open"],
                late=r["late"],
            )
            for r in data.load
        ],
    )


@router.get(
    "/caseload", response={200: list[EpisodeRowOut], **ERRORS}, operation_id="support_caseload"
)
@api_policy(policies.can_view_caseload)
def caseload(request: HttpRequest) -> list[EpisodeRowOut]:
    """The actor's own open episodes, those past their limit first (audited)."""
    return [_row(r) for r in services.caseload_read(actor=_actor(request))]


@router.get(
    "/episodes/{episode_id}",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_get",
)
@api_policy(policies.can_use_support)
def episode_get(request: HttpRequest, episode_id: UUID) -> EpisodeOut:
    """One episode with members and outcomes (audited; 404 outside what the actor may see)."""
    return _episode_out(request, episode_id)


def _step(
    request: HttpRequest, episode_id: UUID, service: Callable[..., object], **kwargs: Any
) -> EpisodeOut:
    """Run one step's service as the actor, then answer the episode as it is now. The service
    enforces the policy, checks the version and makes a repeat harmless."""
    service(actor=_actor(request), episode_id=episode_id, **kwargs)
    return _episode_out(request, episode_id)


@router.post(
    "/episodes/{episode_id}/accept",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_accept",
)
@api_policy(policies.can_use_support)
def accept(request: HttpRequest, episode_id: UUID, payload: AcceptIn) -> EpisodeOut:
    """The work lead accepts a request, chooses its type and members (a repeat is harmless)."""
    return _step(request, episode_id, services.episode_accept, **payload.dict())


@router.post(
    "/episodes/{episode_id}/decline",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_decline",
)
@api_policy(policies.can_use_support)
def decline(request: HttpRequest, episode_id: UUID, payload: DeclineIn) -> EpisodeOut:
    """The work lead declines a request with a reason the sender sees."""
    return _step(request, episode_id, services.episode_decline, **payload.dict())


@router.post(
    "/episodes/{episode_id}/members",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_member_assign",
)
@api_policy(policies.can_use_support)
def member_assign(request: HttpRequest, episode_id: UUID, payload: MemberIn) -> EpisodeOut:
    """The work lead adds a member of the team (a repeat is harmless)."""
    return _step(request, episode_id, services.member_assign, **payload.dict())


@router.post(
    "/episodes/{episode_id}/members/release",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_member_release",
)
@api_policy(policies.can_use_support)
def member_release(request: HttpRequest, episode_id: UUID, payload: MemberIn) -> EpisodeOut:
    """The work lead releases a member; their access through the episode ends (audited)."""
    return _step(request, episode_id, services.member_release, **payload.dict())


@router.post(
    "/episodes/{episode_id}/start",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_start",
)
@api_policy(policies.can_use_support)
def start(request: HttpRequest, episode_id: UUID, payload: StartIn) -> EpisodeOut:
    """Start with the consent to the service in force and the start outcomes (400 with
    details.consent listing what is missing)."""
    return _step(
        request,
        episode_id,
        services.episode_start,
        started_on=payload.started_on,
        age_reason=payload.age_reason,
        outcome=_outcome(payload.outcome),
        version=payload.version,
    )


@router.post(
    "/episodes/{episode_id}/end",
    response={200: EpisodeOut, **ERRORS},
    operation_id="support_episode_end",
)
@api_policy(policies.can_use_support)
def end(request: HttpRequest, episode_id: UUID, payload: EndIn) -> EpisodeOut:
    """End with a reason and the end outcomes; the referring school is told, without content."""
    return _step(
        request,
        episode_id,
        services.episode_end,
        ended_on=payload.ended_on,
        reason=payload.reason,
        outcome=_outcome(payload.outcome),
        version=payload.version,
    )


@router.post(
    "/requests",
    response={201: SentOut, **ERRORS},
    operation_id="support_request_from_principal",
)
@api_policy(policies.can_view_sent_requests)
def team_request(
    request: HttpRequest, payload: TeamRequestIn, idempotency_key: str = IDEMPOTENCY_KEY
) -> Status[SentOut]:
    """The principal of the pupil's school asks a team's school-responsible member for support
    (R2.8). The same Idempotency-Key again returns the first request."""
    episode = services.episode_request_from_principal(
        actor=_actor(request),
        child_id=payload.child_id,
        team_id=payload.team_id,
        school_id=payload.school_id,
        note=payload.note,
        request_id=request_id_from(idempotency_key),
    )
    return Status(201, SentOut(id=episode.pk, status=episode.status, decline_reason=""))


@router.get("/requests", response={200: list[SentOut], **ERRORS}, operation_id="support_sent")
@api_policy(policies.can_view_sent_requests)
def sent(request: HttpRequest) -> list[SentOut]:
    """The requests the principal's schools sent and the teams' answers (audited)."""
    return [
        SentOut(id=r["id"], status=r["status"], decline_reason=r["decline_reason"])
        for r in services.sent_requests_read(actor=_actor(request))
    ]


@router.post(
    "/episodes/{episode_id}/adult-consent",
    response={200: AdultConsentOut, **ERRORS},
    operation_id="support_episode_adult_consent",
)
@api_policy(policies.can_use_support)
def adult_consent(request: HttpRequest, episode_id: UUID, payload: AdultConsentIn) -> Any:
    """An adult of the family consents for their own part, on the child's consent to the
    service naming the team; the evidence is oral here (a signed form is uploaded on the page).
    The team's staff only; a repeat returns the first answer."""
    actor = _actor(request)
    party = services.adult_consent_record(
        actor=actor,
        episode_id=episode_id,
        adult_id=payload.adult_id,
        answer=payload.answer,
        proof=EvidenceInput(
            kind=payload.evidence.kind,
            received_by=payload.evidence.received_by,
            received_on=payload.evidence.received_on,
            how=payload.evidence.how,
        ),
    )
    episode, _facts = selectors.episode_get(actor=actor, episode_id=episode_id)
    state = selectors.adult_consents(episode=episode)
    return AdultConsentOut(
        consent_id=party.consent_id,
        adult_id=payload.adult_id,
        answer=party.answer,
        missing_adult_ids=[pk for pk, _name in state.missing],
    )
