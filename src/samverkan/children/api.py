"""Children in the API: search and the overview, through the same services as the pages."""

import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from samverkan.access.api_policy import api_policy
from samverkan.core.api_common import ERROR_STATUSES
from samverkan.core.errors import InvalidInput

from . import policies, services

router = Router(tags=["children"])


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, object]


class ChildSummaryOut(Schema):
    id: UUID
    name: str
    identity_number_masked: str
    birth_year: int
    is_protected: bool
    # Skyddad folkbokföring or sekretessmarkering: whoever handles the child must see it.
    protected: bool


class GuardianOut(Schema):
    name: str
    has_custody: bool
    phone: str
    email: str


class EnrolmentOut(Schema):
    school_id: UUID
    school_name: str
    school_type: str
    grade: int | None
    valid_from: datetime.date
    valid_to: datetime.date | None


class NoteOut(Schema):
    id: UUID
    domain: str
    category: str
    owner_unit: str
    title: str
    body: str
    created_at: datetime.datetime


class ChildOut(Schema):
    id: UUID
    given_name: str
    family_name: str
    identity_number: str
    protection_marking: str
    protected: bool
    is_in_foster_care: bool
    address: str
    guardians: list[GuardianOut]
    enrolments: list[EnrolmentOut]
    notes: list[NoteOut]


ERRORS = dict.fromkeys(ERROR_STATUSES, ErrorOut)


@router.get("/", response={200: list[ChildSummaryOut], **ERRORS}, operation_id="child_search")
@api_policy(policies.can_search_children)
def child_search(request: HttpRequest, q: str) -> list[ChildSummaryOut]:
    """Search children by name or identity number within the tenant (logged)."""
    query, results = services.child_search(actor=request.actor, text=q[:100])  # type: ignore[attr-defined]
    if query.error:
        # The same specific Swedish message the page shows ("Kontrollsiffran stämmer inte …").
        raise InvalidInput(query.error, details={"field": "q"})
    return [
        ChildSummaryOut(
            id=c.pk,
            name=c.full_name,
            identity_number_masked=c.masked_identity_number,
            birth_year=c.birth_date.year,
            is_protected=c.is_protected,
            protected=c.is_protected,
        )
        for c in results
    ]


@router.get("/{child_id}", response={200: ChildOut, **ERRORS}, operation_id="child_get")
@api_policy(policies.can_search_children)
def child_get(request: HttpRequest, child_id: UUID) -> ChildOut:
    """What the caller may see of one child (logged). A protected child's address and
    guardians' contact details are empty."""
    ov = services.child_open(actor=request.actor, child_id=child_id)  # type: ignore[attr-defined]
    c = ov.child
    return ChildOut(
        id=c.pk,
        given_name=c.given_name,
        family_name=c.family_name,
        identity_number=c.identity_number,
        protection_marking=c.protection_marking,
        protected=c.is_protected,
        is_in_foster_care=c.is_in_foster_care,
        address=ov.address,
        guardians=[
            GuardianOut(name=g.name, has_custody=g.has_custody, phone=g.phone, email=g.email)
            for g in ov.guardians
        ],
        enrolments=[
            EnrolmentOut(
                school_id=e.school_id,
                school_name=e.school.name,
                school_type=e.school_type,
                grade=e.grade,
                valid_from=e.valid_from,
                valid_to=e.valid_to,
            )
            for e in ov.enrolments
        ],
        notes=[
            NoteOut(
                id=n.pk,
                domain=n.domain,
                category=n.category,
                owner_unit=n.owner_unit.name,
                title=n.title,
                body=n.body,
                created_at=n.created_at,
            )
            for n in ov.notes
        ],
    )
