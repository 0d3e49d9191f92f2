"""The printable consent form: a tagged PDF (PDF/UA-1, Swedish) that each guardian with custody
can sign, prefilled with the consent's scope and purpose, with a plain-language page for the
child (issue #5; DESIGN "Documents": WeasyPrint, the same HTML templates, a print stylesheet).

The form names people only: never an address, phone number, e-mail or full identity number, so
it is safe to hand over for a child with protected personal data too."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.access.roles import Role
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child
from samverkan.core.models import RecordCategory

from . import policies, rules, selectors
from .models import Consent, ConsentDirection, ConsentPurpose

TEMPLATE = "consent/print/consent_form.html"
# The stylesheet and any other asset the form links to live next to the template; nothing else
# may be read while rendering.
PRINT_DIR = (Path(__file__).resolve().parent / "templates" / "consent" / "print").resolve()
CHILD_SIGNS_FROM_AGE = 12
DEFAULT_PURPOSE = ConsentPurpose.INFORMATION_EXCHANGE
DEFAULT_DIRECTION = ConsentDirection.BOTH

TITLES: dict[str, str] = {
    ConsentPurpose.COORDINATED_PLAN: "Samtycke till samordnad individuell plan (SIP)",
}
DEFAULT_TITLE = "Samtycke till att dela uppgifter mellan skola och socialtjänst"

LEGAL_REFERENCES: dict[str, str] = {
    ConsentPurpose.COORDINATED_PLAN: "OSL 12 kap. 2–3 §§ och SoL 10 kap. 8–9 §§",
}
DEFAULT_LEGAL_REFERENCE = "OSL 12 kap. 2–3 §§ och SoL 21 kap. 1–2 §§"

# The child's page: short sentences in the child's own words.
CHILD_PURPOSE: dict[str, str] = {
    ConsentPurpose.INFORMATION_EXCHANGE: (
        "De vuxna i skolan och på socialtjänsten vill kunna prata med varandra om dig."
    ),
    ConsentPurpose.COORDINATED_PLAN: (
        "De vuxna som hjälper dig vill göra en gemensam plan tillsammans med dig och din familj."
    ),
    ConsentPurpose.SUPPORT_REQUEST: (
        "De vuxna vill ta reda på vilken hjälp du och din familj kan få."
    ),
}
CHILD_DIRECTION: dict[str, str] = {
    ConsentDirection.BOTH: "Skolan och socialtjänsten får berätta för varandra.",
    ConsentDirection.SCHOOL_TO_SOCIAL_SERVICES: "Skolan får berätta för socialtjänsten.",
    ConsentDirection.SOCIAL_SERVICES_TO_SCHOOL: "Socialtjänsten får berätta för skolan.",
}
CHILD_CATEGORIES = {
    RecordCategory.SCHOOL_SITUATION: "hur det går för dig i skolan och hur ofta du är där",
    RecordCategory.STUDENT_HEALTH: "det som elevhälsan vet om hur du mår",
    RecordCategory.STUDENT_HEALTH_CARE: (
        "det som skolsköterskan, skolläkaren eller skolpsykologen vet om din hälsa"
    ),
    RecordCategory.SOCIAL_SITUATION: (
        "hur du och din familj har det och vilken hjälp ni får från socialtjänsten"
    ),
    RecordCategory.PLAN: "planen för hur de vuxna ska hjälpa dig",
}


@dataclass(frozen=True)
class ConsentForm:
    """Exactly what the printed form shows. Built from names and labels only, so no template
    can print a contact detail or an address."""

    title: str
    municipality: str
    reference: str
    child_name: str
    child_protected: bool
    child_given_name: str
    child_identity: str
    child_birth_date: datetime.date
    child_signs: bool
    purpose: str
    purpose_text: str
    units: tuple[str, ...]
    # Who may read, as the guardians see it: "Kurator, Ekskolan" (DESIGN principle 8).
    recipients: tuple[str, ...]
    direction: str
    categories: tuple[str, ...]
    valid_from: datetime.date
    valid_to: datetime.date
    follows_child: bool
    legal_reference: str
    guardians: tuple[str, ...]
    child_purpose: str
    child_direction: str
    child_categories: tuple[str, ...]
    printed_on: datetime.date


def consent_form_build(*, child: Child, consent: Consent, today: datetime.date) -> ConsentForm:
    """The form's content for a consent already loaded under the actor's visibility."""
    categories = [c for c in consent.categories if c in RecordCategory.values]
    return ConsentForm(
        title=TITLES.get(consent.purpose, DEFAULT_TITLE),
        municipality=consent.municipality.name,
        reference=str(consent.pk)[:8].upper(),
        child_name=child.full_name,
        child_protected=child.is_protected,
        child_given_name=child.given_name,
        child_identity=child.masked_identity_number,
        child_birth_date=child.birth_date,
        child_signs=rules.age_on(child.birth_date, today) >= CHILD_SIGNS_FROM_AGE,
        purpose=consent.get_purpose_display(),
        purpose_text=consent.purpose_text,
        units=tuple(sorted(u.name for u in consent.units.all())),
        recipients=tuple(
            sorted(
                f"{Role(r.role).label if r.role in Role.values else r.role}, {r.unit.name}"
                for r in consent.recipients.select_related("unit")
            )
        ),
        direction=consent.get_direction_display(),
        categories=tuple(str(RecordCategory(c).label) for c in categories),
        valid_from=consent.valid_from,
        valid_to=consent.valid_to,
        follows_child=consent.follows_child,
        legal_reference=LEGAL_REFERENCES.get(consent.purpose, DEFAULT_LEGAL_REFERENCE),
        guardians=tuple(c.name for c in selectors.custodians_of(child=child)),
        child_purpose=CHILD_PURPOSE.get(consent.purpose, CHILD_PURPOSE[DEFAULT_PURPOSE]),
        child_direction=CHILD_DIRECTION.get(consent.direction, CHILD_DIRECTION[DEFAULT_DIRECTION]),
        child_categories=tuple(CHILD_CATEGORIES[RecordCategory(c)] for c in categories),
        printed_on=today,
    )


def _url_fetcher(root: Path = PRINT_DIR) -> Any:
    """A fetcher that reads only files in `root` (PRINT_DIR): no network, no other file. A
    refused URL is skipped by WeasyPrint with a warning. The SIP's PDF uses it too."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"Refusing to fetch a non-file URL: {parts.scheme}:")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(root):
                raise ValueError("Refusing to read a file outside the print templates.")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file",), allow_redirects=False)


def consent_form_render(form: ConsentForm) -> bytes:
    """The form as a tagged PDF/UA-1 document in Swedish."""
    from weasyprint import HTML  # imported here: the library loads Pango, which takes a while

    with translation.override("sv"):
        html = render_to_string(TEMPLATE, {"form": form})
    document = HTML(string=html, base_url=PRINT_DIR.as_uri() + "/", url_fetcher=_url_fetcher())
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf


@transaction.atomic
def consent_form_pdf(*, actor: Actor, child_id: UUID, consent_id: UUID) -> bytes:
    """The consent form to print and sign, as PDF bytes. NotFound when the child or consent is
    outside the actor's visibility; AccessDenied when the actor may not read consents. The
    export is audited in the same transaction: no log, no document."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_view_consents(actor, relation))
    consent = selectors.consent_get(child=child, consent_id=consent_id)
    form = consent_form_build(child=child, consent=consent, today=timezone.localdate())
    pdf = consent_form_render(form)
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        event="consent.form_printed",
        subject=consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details={"purpose": consent.purpose, "format": "pdf/ua-1"},
    )
    return pdf
