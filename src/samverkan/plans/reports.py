"""The SIP as a tagged PDF (PDF/UA-1, Swedish): the plan in force or the draft, with goals,
interventions, responsibility and time (R3.5), printed for the meeting or for participants who
cannot sign in (DESIGN "Documents": WeasyPrint, an HTML template with a print stylesheet).

The document names the child (it is handed to the family and the participants at the meeting)
but never an address, phone number, e-mail or full identity number."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samverkan.access.actor import Actor
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.consent.reports import PRINT_DIR as CONSENT_PRINT_DIR
from samverkan.consent.reports import _url_fetcher as url_fetcher

from . import policies, selectors
from .models import PlanParticipant, PlanVersion

TEMPLATE = "plans/print/plan.html"
PRINT_DIR = (Path(__file__).resolve().parent / "templates" / "plans" / "print").resolve()
# One print stylesheet for every printed document: the consent form's.
STYLESHEET = CONSENT_PRINT_DIR / "consent_form.css"


@dataclass(frozen=True)
class PlanDocument:
    municipality: str
    reference: str
    child_name: str
    child_identity: str
    reason: str
    participants: tuple[PlanParticipant, ...]
    version: PlanVersion
    printed_on: datetime.date


def plan_document_build(context: selectors.PlanContext, today: datetime.date) -> PlanDocument:
    """The agreed version when there is one, else the draft."""
    plan = context.plan
    return PlanDocument(
        municipality=plan.child.municipality.name,
        reference=str(plan.pk)[:8].upper(),
        child_name=plan.child.full_name,
        child_identity=plan.child.masked_identity_number,
        reason=plan.reason,
        participants=tuple(plan.participants.all()),
        version=context.agreed or context.current,
        printed_on=today,
    )


def plan_document_render(document: PlanDocument) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango takes a while

    with translation.override("sv"):
        html = render_to_string(TEMPLATE, {"doc": document})
    # Only files next to this template may be read: no network, no other file.
    pdf: bytes = HTML(
        string=html, base_url=PRINT_DIR.as_uri() + "/", url_fetcher=url_fetcher(PRINT_DIR)
    ).write_pdf(pdf_variant="pdf/ua-1", stylesheets=[CSS(filename=str(STYLESHEET))])
    return pdf


@transaction.atomic
def plan_pdf(*, actor: Actor, plan_id: UUID) -> bytes:
    """The plan as PDF bytes for a reader of the plan; the export is audited in the same
    transaction (no log, no document)."""
    context = selectors.plan_get_visible(actor=actor, plan_id=plan_id)
    decision = policies.can_view_plan(actor, context.facts, context.consents)
    document = plan_document_build(context, timezone.localdate())
    pdf = plan_document_render(document)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        event="plan.printed",
        subject=context.plan,
        child_ids=[context.plan.child_id],
        grant=decision.grant,
        purpose=decision.basis or audit.NEED_TO_KNOW,
        details={"number": document.version.number, "format": "pdf/ua-1"},
    )
    return pdf
