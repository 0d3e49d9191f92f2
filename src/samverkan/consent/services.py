"""Recording, completing and withdrawing consent, and auditing expiry (STYLE P2)."""

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child, Guardianship
from samverkan.children.policies import ChildRelation
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory
from samverkan.organisations.models import Unit

from . import policies, selectors
from .errors import ConsentInvalid, WithdrawalInvalid
from .models import Consent, ConsentDirection, ConsentForm, ConsentParty, ConsentPurpose

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


@dataclass(frozen=True)
class PartyInput:
    """One party's answer as the form gives it."""

    kind: str
    answer: str
    form: str
    given_on: datetime.date
    guardian_id: UUID | None = None
    view: str = ""
    oral_received_by: str = ""


def _check_parties(
    child_id: UUID, parties: list[PartyInput], errors: dict[str, list[str]]
) -> dict[UUID, Guardianship]:
    today = timezone.localdate()
    relations = {
        g.guardian_id: g
        for g in Guardianship.objects.filter(child_id=child_id).select_related("guardian")
    }
    seen: set[UUID | None] = set()
    for index, party in enumerate(parties):
        key = f"parties-{index}"
        if party.kind not in ConsentParty.Kind.values:
            errors.setdefault(key, []).append(_("Välj vem svaret kommer från."))
            continue
        if party.answer not in ConsentParty.Answer.values:
            errors.setdefault(key, []).append(_("Välj ett svar."))
        if party.form not in ConsentForm.values:
            errors.setdefault(key, []).append(_("Välj hur svaret lämnades."))
        if party.given_on > today:
            errors.setdefault(key, []).append(
                _("Datumet för svaret ligger i framtiden. Ange dagens datum eller ett tidigare.")
            )
        if party.form == ConsentForm.ORAL and not party.oral_received_by.strip():
            errors.setdefault(key, []).append(_("Ange vem som tog emot det muntliga svaret."))
        if party.kind == ConsentParty.Kind.GUARDIAN:
            relation = relations.get(party.guardian_id) if party.guardian_id else None
            if relation is None:
                errors.setdefault(key, []).append(_("Vårdnadshavaren hör inte till barnet."))
            elif not relation.has_custody:
                errors.setdefault(key, []).append(
                    _(
                        "%(name)s har inte vårdnaden om barnet och kan inte samtycka för "
                        "barnets räkning."
                    )
                    % {"name": f"{relation.guardian.given_name} {relation.guardian.family_name}"}
                )
            elif party.answer == ConsentParty.Answer.HEARD:
                errors.setdefault(key, []).append(
                    _("En vårdnadshavare samtycker eller samtycker inte.")
                )
        marker = party.guardian_id if party.kind == ConsentParty.Kind.GUARDIAN else None
        if marker in seen:
            errors.setdefault(key, []).append(_("Samma part finns redan med."))
        seen.add(marker)
    return relations


def _check_evidence(evidence: UploadedFile | None, errors: dict[str, list[str]]) -> None:
    if evidence is None:
        return
    if evidence.size is not None and evidence.size > MAX_EVIDENCE_BYTES:
        errors.setdefault("evidence", []).append(_("Filen är större än 10 MB."))
    if evidence.content_type not in EVIDENCE_TYPES:
        errors.setdefault("evidence", []).append(_("Ladda upp underlaget som PDF, JPEG eller PNG."))


def consent_record(
    *,
    actor: Actor,
    child_id: UUID,
    purpose: str,
    purpose_text: str,
    unit_ids: list[UUID],
    categories: list[str],
    direction: str,
    follows_child: bool,
    valid_from: datetime.date,
    valid_to: datetime.date,
    parties: list[PartyInput],
    evidence: UploadedFile | None = None,
    request_id: UUID | None = None,
) -> Consent:
    """Record a consent with the parties' answers. A repeated request_id returns the first."""
    if request_id is not None:
        existing = Consent.objects.filter(
            recorded_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is not None:
            return existing
    try:
        return _consent_record(
            actor=actor,
            child_id=child_id,
            purpose=purpose,
            purpose_text=purpose_text,
            unit_ids=unit_ids,
            categories=categories,
            direction=direction,
            follows_child=follows_child,
            valid_from=valid_from,
            valid_to=valid_to,
            parties=parties,
            evidence=evidence,
            request_id=request_id,
        )
    except IntegrityError:
        existing = Consent.objects.filter(
            recorded_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is None or request_id is None:
            raise
        return existing


@transaction.atomic
def _consent_record(
    *,
    actor: Actor,
    child_id: UUID,
    purpose: str,
    purpose_text: str,
    unit_ids: list[UUID],
    categories: list[str],
    direction: str,
    follows_child: bool,
    valid_from: datetime.date,
    valid_to: datetime.date,
    parties: list[PartyInput],
    evidence: UploadedFile | None,
    request_id: UUID | None,
) -> Consent:
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_record_consent(actor, relation))
    errors: dict[str, list[str]] = {}
    if purpose not in ConsentPurpose.values:
        errors.setdefault("purpose", []).append(_("Välj ändamål."))
    if not purpose_text.strip():
        errors.setdefault("purpose_text", []).append(_("Beskriv syftet med samtycket."))
    if direction not in ConsentDirection.values:
        errors.setdefault("direction", []).append(_("Välj i vilken riktning uppgifter får gå."))
    if not categories or any(c not in RecordCategory.values for c in categories):
        errors.setdefault("categories", []).append(_("Välj vilka uppgifter som får lämnas."))
    units = list(Unit.objects.filter(pk__in=unit_ids, municipality_id=actor.tenant_id))
    if len(units) != len(set(unit_ids)):
        errors.setdefault("units", []).append(_("En vald verksamhet finns inte."))
    if len(units) < 2:
        errors.setdefault("units", []).append(
            _("Välj minst två verksamheter som får utbyta uppgifter.")
        )
    if valid_to < valid_from:
        errors.setdefault("valid_to", []).append(
            _("Slutdatumet ligger före startdatumet. Ange ett slutdatum efter %(start)s.")
            % {"start": valid_from.isoformat()}
        )
    if valid_to < timezone.localdate():
        errors.setdefault("valid_to", []).append(_("Slutdatumet har redan passerat."))
    if not parties:
        errors.setdefault("parties", []).append(_("Registrera minst en parts svar."))
    _check_parties(child.pk, parties, errors)
    _check_evidence(evidence, errors)
    if errors:
        raise ConsentInvalid(details=errors)

    consent = Consent.objects.create(
        municipality_id=actor.tenant_id,
        child=child,
        purpose=purpose,
        purpose_text=purpose_text.strip()[:500],
        categories=sorted(set(categories)),
        direction=direction,
        follows_child=follows_child,
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by_id=actor.user_id,
        request_id=request_id,
    )
    if evidence is not None:
        consent.evidence.save(f"{consent.pk}-{evidence.name}", evidence, save=True)
    consent.units.set(units)
    for party in parties:
        _party_create(consent, party)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="consent.given",
        subject=consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details=_scope_details(consent, units, parties),
    )
    return consent


def _party_create(consent: Consent, party: PartyInput) -> ConsentParty:
    return ConsentParty.objects.create(
        consent=consent,
        kind=party.kind,
        guardian_id=party.guardian_id if party.kind == ConsentParty.Kind.GUARDIAN else None,
        answer=party.answer,
        view=party.view.strip()[:2000],
        form=party.form,
        oral_received_by=party.oral_received_by.strip()[:200],
        given_on=party.given_on,
    )


def _scope_details(
    consent: Consent, units: list[Unit], parties: list[PartyInput]
) -> dict[str, Any]:
    return {
        "purpose": consent.purpose,
        "units": sorted(str(u.pk) for u in units),
        "categories": consent.categories,
        "direction": consent.direction,
        "follows_child": consent.follows_child,
        "valid_from": consent.valid_from.isoformat(),
        "valid_to": consent.valid_to.isoformat(),
        "parties": [f"{p.kind}:{p.answer}:{p.form}" for p in parties],
    }


@transaction.atomic
def consent_party_add(
    *, actor: Actor, child_id: UUID, consent_id: UUID, party: PartyInput
) -> ConsentParty:
    """Add a party's answer later (the second guardian, the child's own view)."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_record_consent(actor, relation))
    consent = selectors.consent_get(child=child, consent_id=consent_id)
    errors: dict[str, list[str]] = {}
    _check_parties(child.pk, [party], errors)
    if party.kind == ConsentParty.Kind.GUARDIAN and party.guardian_id is not None:
        existing = consent.parties.filter(kind=party.kind, guardian_id=party.guardian_id)
    else:
        existing = consent.parties.filter(kind=party.kind, guardian__isnull=True)
    if existing.exists():
        errors.setdefault("parties-0", []).append(_("Den parten har redan svarat."))
    if errors:
        raise ConsentInvalid(details=errors)
    created = _party_create(consent, party)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="consent.changed",
        subject=consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details={"party_added": f"{party.kind}:{party.answer}:{party.form}"},
    )
    return created


@transaction.atomic
def consent_party_withdraw(
    *, actor: Actor, child_id: UUID, party_id: UUID, reason: str
) -> ConsentParty:
    """Record that a party withdrew its consent. Effective at commit: the next request no
    longer finds the consent in force. A repeat records nothing more."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_record_consent(actor, relation))
    party = selectors.party_get_for_update(child=child, party_id=party_id)
    if party.withdrawn_at is not None:
        return party
    if party.answer != ConsentParty.Answer.GIVEN:
        raise WithdrawalInvalid
    party.withdrawn_at = timezone.now()
    party.withdrawal_reason = reason.strip()[:500]
    party.withdrawn_by_id = actor.user_id
    party.save(update_fields=["withdrawn_at", "withdrawal_reason", "withdrawn_by", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="consent.withdrawn",
        subject=party.consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details={"party": str(party.pk), "kind": party.kind},
    )
    return party


def consent_expire_due(*, today: datetime.date | None = None) -> int:
    """Write one audit entry per consent whose end date has passed (run daily). Safe to run
    twice: each consent's expiry is recorded once."""
    day = today or timezone.localdate()
    count = 0
    for consent_id in Consent.objects.filter(
        valid_to__lt=day, expiry_recorded_at__isnull=True
    ).values_list("pk", flat=True)[:10000]:
        with transaction.atomic():
            consent = (
                Consent.objects.select_for_update()
                .filter(pk=consent_id, expiry_recorded_at__isnull=True)
                .first()
            )
            if consent is None:
                continue
            consent.expiry_recorded_at = timezone.now()
            consent.save(update_fields=["expiry_recorded_at", "updated_at"])
            audit.record_system(
                municipality_id=consent.municipality_id,
                action=AuditAction.CHANGE,
                event="consent.expired",
                subject=consent,
                child_ids=[consent.child_id],
                purpose="expiry",
                details={"valid_to": consent.valid_to.isoformat()},
            )
            count += 1
    return count


@transaction.atomic
def consent_form_read(*, actor: Actor, child: Child, relation: ChildRelation) -> None:
    """The form to record a consent shows the child's and the guardians' names and custody:
    an audited read, like every page that renders a child (issue #10)."""
    decision = enforce(policies.can_record_consent(actor, relation))
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="consent.form_viewed",
        subject=child,
        child_ids=[child.pk],
        grant=decision.grant,
        purpose=decision.basis or decision.reason,
    )


@transaction.atomic
def consents_read(
    *, actor: Actor, child_id: UUID, consent_id: UUID | None = None
) -> tuple[Child, ChildRelation, list[selectors.ConsentView]]:
    """The child's consents (or one of them) with their state today: an audited read, since
    parties, views and scope are data about the child."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_view_consents(actor, relation))
    views = selectors.consent_views_for_child(child=child)
    if consent_id is not None:
        views = [v for v in views if v.consent.pk == consent_id]
        if not views:
            raise NotFound
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="consent.viewed",
        object_type="consent.consent",
        object_id=str(consent_id or ""),
        child_ids=[child.pk],
        grant=decision.grant,
        purpose=decision.basis or decision.reason,
        details={"consents": [str(v.consent.pk) for v in views]},
    )
    return child, relation, views
