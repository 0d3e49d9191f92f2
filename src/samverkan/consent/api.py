"""Consent in the API: list a child's consents, record one, withdraw a party's consent. The same
services, rules and audit entries as the pages; errors as {"code", "message", "details"}."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from samverkan.access.api_policy import api_policy
from samverkan.children import policies as children_policies
from samverkan.core.api_common import ERROR_STATUSES, IDEMPOTENCY_KEY, request_id_from

from . import selectors, services

router = Router(tags=["consents"])


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, object]


ERRORS = dict.fromkeys(ERROR_STATUSES, ErrorOut)


class PartyOut(Schema):
    id: UUID
    kind: str
    name: str  # a guardian's name only: never contact details
    answer: str
    form: str
    given_on: datetime.date
    view: str
    oral_received_by: str
    withdrawn_at: datetime.datetime | None


class ConsentOut(Schema):
    id: UUID
    # Skyddad folkbokföring or sekretessmarkering: the parties name the child.
    child_protected: bool
    purpose: str
    purpose_text: str
    state: str
    state_label: str
    missing: list[str]
    units: list[str]
    categories: list[str]
    direction: str
    follows_child: bool
    valid_from: datetime.date
    valid_to: datetime.date
    parties: list[PartyOut]
    confirmed_sides: list[str]
    recipients: list[str]


class PartyIn(Schema):
    kind: str
    guardian_id: UUID | None = None
    answer: str
    form: str
    given_on: datetime.date
    view: str = ""
    oral_received_by: str = ""


class EvidenceIn(Schema):
    """An oral consent's evidence: who received it, when and how. A signed form is uploaded on
    the consent's page."""

    kind: str = "oral"
    received_by: str
    received_on: datetime.date
    how: str


class RecipientIn(Schema):
    unit_id: UUID
    role: str


class ConsentIn(Schema):
    purpose: str
    purpose_text: str
    unit_ids: list[UUID]
    categories: list[str]
    direction: str = "both"
    follows_child: bool = False
    valid_from: datetime.date
    valid_to: datetime.date
    parties: list[PartyIn]
    evidence: EvidenceIn
    # The roles at units that may read; the purpose's defaults when left out.
    recipients: list[RecipientIn] | None = None


class ConfirmIn(Schema):
    evidence: EvidenceIn


class ConfirmedOut(Schema):
    id: UUID
    side: str
    confirmed_at: datetime.datetime


class WithdrawIn(Schema):
    reason: str = ""
    reported_by: str = ""
    how: str = ""


class CreatedOut(Schema):
    id: UUID


class WithdrawnOut(Schema):
    id: UUID
    withdrawn_at: datetime.datetime


def _out(view: selectors.ConsentView) -> ConsentOut:
    c = view.consent
    return ConsentOut(
        id=c.pk,
        child_protected=c.child.is_protected,
        purpose=c.purpose,
        purpose_text=c.purpose_text,
        state=view.status.state,
        state_label=view.state_label,
        missing=list(view.status.missing),
        units=list(view.units),
        categories=list(c.categories),
        direction=c.direction,
        follows_child=c.follows_child,
        valid_from=c.valid_from,
        valid_to=c.valid_to,
        parties=[
            PartyOut(
                id=p.pk,
                kind=p.kind,
                name=(
                    f"{p.guardian.given_name} {p.guardian.family_name}"
                    if p.guardian is not None
                    else c.child.full_name
                ),
                answer=p.answer,
                form=p.form,
                given_on=p.given_on,
                view=p.view,
                oral_received_by=p.oral_received_by,
                withdrawn_at=p.withdrawn_at,
            )
            for p in view.parties
        ],
        confirmed_sides=sorted(x.side for x in c.confirmations.all()),
        recipients=sorted(f"{r.unit_id}:{r.role}" for r in c.recipients.all()),
    )


@router.get(
    "/children/{child_id}",
    response={200: list[ConsentOut], **ERRORS},
    operation_id="consent_list",
)
@api_policy(children_policies.can_search_children)
def consent_list(request: HttpRequest, child_id: UUID) -> list[ConsentOut]:
    """The child's consents, newest first, each with its state today and what is missing."""
    child, _relation, views = services.consents_read(actor=request.actor, child_id=child_id)  # type: ignore[attr-defined]
    for view in views:  # the child is loaded once; spare a query per consent
        view.consent.child = child
    return [_out(v) for v in views]


@router.post(
    "/children/{child_id}",
    response={201: CreatedOut, **ERRORS},
    operation_id="consent_create",
)
@api_policy(children_policies.can_search_children)
def consent_create(
    request: HttpRequest,
    child_id: UUID,
    payload: ConsentIn,
    idempotency_key: str = IDEMPOTENCY_KEY,
) -> Status[CreatedOut]:
    """Record a consent. Repeating the request with the same Idempotency-Key returns the
    consent the first request recorded."""
    consent = services.consent_record(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        purpose=payload.purpose,
        purpose_text=payload.purpose_text,
        unit_ids=payload.unit_ids,
        categories=payload.categories,
        direction=payload.direction,
        follows_child=payload.follows_child,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        parties=[services.PartyInput(**p.dict()) for p in payload.parties],
        request_id=request_id_from(idempotency_key),
        proof=_proof(payload.evidence),
        recipients=(
            [(r.unit_id, r.role) for r in payload.recipients]
            if payload.recipients is not None
            else None
        ),
    )
    return Status(201, CreatedOut(id=consent.pk))


def _proof(evidence: EvidenceIn) -> services.EvidenceInput:
    return services.EvidenceInput(
        kind=evidence.kind,
        received_by=evidence.received_by,
        received_on=evidence.received_on,
        how=evidence.how,
    )


@router.post(
    "/{consent_id}/confirm",
    response={200: ConfirmedOut, **ERRORS},
    operation_id="consent_confirm",
)
@api_policy(children_policies.can_search_children)
def consent_confirm(request: HttpRequest, consent_id: UUID, payload: ConfirmIn) -> ConfirmedOut:
    """The side that holds the information confirms the consent with evidence; from then on its
    information flows in the consent's direction. A repeat returns the first confirmation."""
    confirmation = services.consent_confirm(
        actor=request.actor,  # type: ignore[attr-defined]
        consent_id=consent_id,
        proof=_proof(payload.evidence),
    )
    return ConfirmedOut(
        id=confirmation.pk, side=confirmation.side, confirmed_at=confirmation.confirmed_at
    )


@router.post(
    "/children/{child_id}/parties/{party_id}/withdraw",
    response={200: WithdrawnOut, **ERRORS},
    operation_id="consent_party_withdraw",
)
@api_policy(children_policies.can_search_children)
def consent_party_withdraw(
    request: HttpRequest, child_id: UUID, party_id: UUID, payload: WithdrawIn
) -> WithdrawnOut:
    """A party withdraws its consent; it takes effect at once. A repeat changes nothing."""
    party = services.consent_party_withdraw(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        party_id=party_id,
        reason=payload.reason,
        reported_by=payload.reported_by,
        how=payload.how,
    )
    assert party.withdrawn_at is not None  # noqa: S101 — set by the service
    return WithdrawnOut(id=party.pk, withdrawn_at=party.withdrawn_at)
