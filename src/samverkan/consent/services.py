"""Recording, completing and withdrawing consent, and auditing expiry (STYLE P2)."""

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import HEALTH_CARE_ROLES, STUDENT_HEALTH_ROLES, Role
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child, Guardianship
from samverkan.children.policies import ChildRelation
from samverkan.core import uploads
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.notifications import services as notification_services
from samverkan.organisations.models import Unit

from . import policies, rules, selectors
from .errors import ConsentInvalid, WithdrawalInvalid
from .models import (
    Consent,
    ConsentConfirmation,
    ConsentDirection,
    ConsentForm,
    ConsentParty,
    ConsentPurpose,
    ConsentRecipient,
    EvidenceKind,
    RecordRelease,
)


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


@dataclass(frozen=True)
class EvidenceInput:
    """What proves the family's answer when a side records or confirms a consent: the scan of
    the signed form (the file), or for an oral consent who received it, when and how."""

    kind: str
    received_by: str = ""
    received_on: datetime.date | None = None
    how: str = ""


def _check_proof(proof: EvidenceInput | None, has_file: bool, errors: dict[str, list[str]]) -> None:
    """Every act that opens data requires evidence (DESIGN principle 8)."""
    if proof is None or proof.kind not in EvidenceKind.values:
        errors.setdefault("evidence_kind", []).append(
            _(
                "Ange vad samtycket bygger på: en inskannad underskriven blankett, eller vem som "
                "tog emot ett muntligt samtycke, när och hur."
            )
        )
        return
    if proof.kind == EvidenceKind.SIGNED_FORM:
        if not has_file:
            errors.setdefault("evidence", []).append(
                _("Ladda upp den underskrivna blanketten (PDF, JPEG eller PNG).")
            )
        return
    if not proof.received_by.strip():
        errors.setdefault("evidence_received_by", []).append(
            _("Ange vem som tog emot det muntliga samtycket.")
        )
    if proof.received_on is None:
        errors.setdefault("evidence_received_on", []).append(
            _("Ange när det muntliga samtycket lämnades.")
        )
    elif proof.received_on > timezone.localdate():
        errors.setdefault("evidence_received_on", []).append(
            _("Datumet ligger i framtiden. Ange dagens datum eller ett tidigare.")
        )
    if not proof.how.strip():
        errors.setdefault("evidence_how", []).append(
            _("Ange hur samtycket lämnades, till exempel i telefon eller vid ett möte.")
        )


def _confirmation_create(
    *,
    actor: Actor,
    consent: Consent,
    side: str,
    unit_id: UUID,
    proof: EvidenceInput,
    evidence: UploadedFile | None,
) -> ConsentConfirmation:
    confirmation = ConsentConfirmation.objects.create(
        consent=consent,
        side=side,
        unit_id=unit_id,
        confirmed_by_id=actor.user_id,
        confirmed_at=timezone.now(),
        evidence_kind=proof.kind,
        oral_received_by=proof.received_by.strip()[:200] if proof.kind == EvidenceKind.ORAL else "",
        oral_received_on=proof.received_on if proof.kind == EvidenceKind.ORAL else None,
        oral_how=proof.how.strip()[:200] if proof.kind == EvidenceKind.ORAL else "",
    )
    if evidence is not None:
        confirmation.evidence.save(uploads.stored_name(evidence), evidence, save=True)
    return confirmation


def _recipients_checked(
    purpose: str,
    units: list[Unit],
    recipients: list[tuple[UUID, str]] | None,
    errors: dict[str, list[str]],
) -> frozenset[tuple[UUID, str]]:
    """The named roles at the named units; the purpose's defaults when none are given."""
    if recipients is None:
        return rules.default_recipients(purpose, [(u.pk, u.kind, u.domain) for u in units])
    by_id = {u.pk: u for u in units}
    checked: set[tuple[UUID, str]] = set()
    for unit_id, role in recipients:
        unit = by_id.get(unit_id)
        group = rules.recipient_group(unit.kind, unit.domain) if unit else ""
        if unit is None or role not in rules.RECIPIENT_ROLE_CHOICES.get(group, ()):
            errors.setdefault("recipients", []).append(
                _("Välj mottagare bland rollerna på de valda verksamheterna.")
            )
            break
        checked.add((unit_id, role))
    if not checked and "recipients" not in errors:
        errors.setdefault("recipients", []).append(
            _("Välj vilka yrkesroller som får ta del av uppgifterna.")
        )
    return frozenset(checked)


def _confirmers(consent: Consent, sides: frozenset[str]) -> list[User]:
    """Staff who may confirm a waiting side of the consent, at the units it names."""
    unit_ids = list(consent.units.values_list("pk", flat=True))
    roles: set[str] = set()
    if SecrecyDomain.SCHOOL in sides:
        roles |= STUDENT_HEALTH_ROLES
    if SecrecyDomain.SOCIAL_SERVICES in sides:
        roles |= {Role.INTAKE_SOCIAL_WORKER, Role.TEAM_SOCIAL_WORKER, Role.UNIT_HEAD}
    rows = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(unit_id__in=unit_ids, role__in=roles, unit__domain__in=sides)
        .select_related("user")
        .order_by("pk")
    )
    return [r.user for r in rows]


def _notify_waiting(consent: Consent, sides: frozenset[str]) -> None:
    """Tell those who may confirm that a consent waits for their side; no child data."""
    if not sides:
        return
    with translation.override(settings.LANGUAGE_CODE):
        notification_services.notify(
            recipients=_confirmers(consent, sides),
            kind="consent_waiting",
            title=_("Ett samtycke väntar på bekräftelse"),
            body=_(
                "Ett samtycke som nämner er verksamhet väntar på att någon hos er bekräftar det "
                "med underlag. Uppgifter från er lämnas inte ut förrän dess."
            ),
            url=reverse("consent_waiting"),
        )


def _check_evidence(evidence: UploadedFile | None, errors: dict[str, list[str]]) -> None:
    """The size as streamed and the type as the content shows it; the declared name and
    Content-Type are ignored (samverkan.core.uploads)."""
    if evidence is None:
        return
    if evidence.size is not None and evidence.size > uploads.max_upload_bytes():
        errors.setdefault("evidence", []).append(_("Filen är större än 10 MB."))
        return
    if uploads.detected_type(evidence) is None:
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
    proof: EvidenceInput | None = None,
    recipients: list[tuple[UUID, str]] | None = None,
) -> Consent:
    """Record a consent with the parties' answers, the roles at units that may read and the
    evidence; it confirms the recorder's own side at once, the other side waits (DESIGN
    principle 8). A repeated request_id returns the first."""
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
            proof=proof,
            recipients=recipients,
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
    proof: EvidenceInput | None,
    recipients: list[tuple[UUID, str]] | None,
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
    _check_proof(proof, evidence is not None, errors)
    side, side_units = policies.recorder_side(actor, relation)
    own = sorted(side_units & {u.pk for u in units}, key=str)
    if units and not own:
        errors.setdefault("units", []).append(
            _(
                "Välj även din egen verksamhet. Den som registrerar samtycket bekräftar det för "
                "sin egen sida."
            )
        )
    readers = _recipients_checked(purpose, units, recipients, errors)
    if errors:
        raise ConsentInvalid(details=errors)
    assert proof is not None  # noqa: S101 — checked by _check_proof

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
        consent.evidence.save(uploads.stored_name(evidence), evidence, save=True)
    consent.units.set(units)
    ConsentRecipient.objects.bulk_create(
        ConsentRecipient(consent=consent, unit_id=unit_id, role=role)
        for unit_id, role in sorted(readers, key=str)
    )
    for party in parties:
        _party_create(consent, party)
    _confirmation_create(
        actor=actor, consent=consent, side=side, unit_id=own[0], proof=proof, evidence=None
    )
    details = _scope_details(consent, units, parties)
    details["recipients"] = sorted(f"{unit_id}:{role}" for unit_id, role in readers)
    details["confirmed_side"] = side
    details["evidence"] = proof.kind
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="consent.given",
        subject=consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details=details,
    )
    _notify_waiting(consent, policies.from_sides(direction) - {side})
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


def adult_party_create(
    *,
    consent: Consent,
    adult_id: UUID,
    answer: str,
    proof: EvidenceInput,
    evidence: UploadedFile | None = None,
) -> ConsentParty:
    """An adult of a family consents for their own part (ConsentParty.Kind.ADULT) on the
    child's consent to a team's support (issue 12, 3), with evidence as every consent needs: the
    scan of the signed form and the day it was signed (`proof.received_on`), or for an oral
    answer who received it, when and how. A building block of support.services, which runs it
    in its transaction and owns the policy (the episode's team) and the audit. The same
    adult's answer again returns the first one."""
    existing = consent.parties.filter(kind=ConsentParty.Kind.ADULT, guardian_id=adult_id).first()
    if existing is not None and existing.withdrawn_at is None and existing.answer == answer:
        return existing
    errors: dict[str, list[str]] = {}
    if answer not in (ConsentParty.Answer.GIVEN, ConsentParty.Answer.REFUSED):
        errors["answer"] = [_("Välj om den vuxna samtycker eller inte.")]
    if existing is not None:
        errors.setdefault("adult", []).append(
            _("Den vuxna har redan svarat på det här samtycket. Se samtycket på barnets sida.")
        )
    _check_evidence(evidence, errors)
    _check_proof(proof, evidence is not None, errors)
    if proof is not None and proof.kind == EvidenceKind.SIGNED_FORM:
        if proof.received_on is None:
            errors.setdefault("evidence_received_on", []).append(
                _("Ange datumet då blanketten skrevs under.")
            )
        elif proof.received_on > timezone.localdate():
            errors.setdefault("evidence_received_on", []).append(
                _("Datumet ligger i framtiden. Ange dagens datum eller ett tidigare.")
            )
    if errors:
        raise ConsentInvalid(details=errors)
    assert proof.received_on is not None  # noqa: S101 — checked above
    oral = proof.kind == EvidenceKind.ORAL
    party = ConsentParty.objects.create(
        consent=consent,
        kind=ConsentParty.Kind.ADULT,
        guardian_id=adult_id,
        answer=answer,
        form=ConsentForm.ORAL if oral else ConsentForm.WRITTEN,
        oral_received_by=proof.received_by.strip()[:200] if oral else "",
        oral_how=proof.how.strip()[:200] if oral else "",
        given_on=proof.received_on,
    )
    if evidence is not None and not oral:
        party.evidence.save(uploads.stored_name(evidence), evidence, save=True)
    return party


@transaction.atomic
def consent_party_withdraw(
    *,
    actor: Actor,
    child_id: UUID,
    party_id: UUID,
    reason: str,
    reported_by: str = "",
    how: str = "",
) -> ConsentParty:
    """Record that a party withdrew its consent, as either side heard it: who told and how.
    Effective at commit in both directions: the next request no longer finds the consent in
    force. The reason is optional (guardians owe none). A repeat records nothing more."""
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
    party.withdrawal_reported_by = reported_by.strip()[:200]
    party.withdrawal_form = how if how in ConsentForm.values else ""
    party.save(
        update_fields=[
            "withdrawn_at",
            "withdrawal_reason",
            "withdrawn_by",
            "withdrawal_reported_by",
            "withdrawal_form",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="consent.withdrawn",
        subject=party.consent,
        child_ids=[child.pk],
        grant=decision.grant,
        details={"party": str(party.pk), "kind": party.kind, "how": party.withdrawal_form},
    )
    return party


@transaction.atomic
def consent_confirm(
    *,
    actor: Actor,
    consent_id: UUID,
    proof: EvidenceInput,
    evidence: UploadedFile | None = None,
) -> ConsentConfirmation:
    """Someone of the side that holds the information confirms the consent with evidence; from
    then on that side's information flows in the consent's direction (OSL 12 kap. 2 §). A
    repeat by the same side returns the first confirmation."""
    consent, facts = selectors.consent_for_confirmation(actor=actor, consent_id=consent_id)
    side_unit = policies.confirmable_side(actor, facts)
    if side_unit is None:
        # Back and send again: the actor's own confirmation stands; nothing more is recorded.
        existing = consent.confirmations.filter(confirmed_by_id=actor.user_id).first()
        if existing is not None:
            return existing
    decision = enforce(policies.can_confirm_consent(actor, facts))
    assert side_unit is not None  # noqa: S101 — allowed only with a side
    errors: dict[str, list[str]] = {}
    _check_evidence(evidence, errors)
    _check_proof(proof, evidence is not None or bool(consent.evidence), errors)
    if errors:
        raise ConsentInvalid(details=errors)
    side, unit_id = side_unit
    try:
        with transaction.atomic():
            confirmation = _confirmation_create(
                actor=actor,
                consent=consent,
                side=side,
                unit_id=unit_id,
                proof=proof,
                evidence=evidence,
            )
    except IntegrityError:  # the same side confirmed in a parallel request
        return consent.confirmations.get(side=side)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="consent.confirmed",
        subject=consent,
        child_ids=[consent.child_id],
        grant=decision.grant,
        details={"side": side, "unit": str(unit_id), "evidence": proof.kind},
    )
    return confirmation


@transaction.atomic
def record_release(
    *,
    actor: Actor,
    child_id: UUID,
    consent_id: UUID,
    note_id: UUID | None = None,
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
) -> RecordRelease:
    """Release one health-care record, or those of a period, to a consent's recipients; only
    the author or the same profession at the school may (PDL; OSL 25 kap.). Logged."""
    child, _relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    consent = selectors.consent_get(child=child, consent_id=consent_id)
    errors: dict[str, list[str]] = {}
    if note_id is not None:
        note = selectors.health_record_get(actor=actor, child=child, note_id=note_id)
        owner_unit_id = note.owner_unit_id
        facts = selectors.health_record_facts(note=note)
    else:
        owner_unit_id = _release_unit(actor)
        facts = policies.HealthRecordFacts(
            child.municipality_id,
            owner_unit_id,
            RecordCategory.STUDENT_HEALTH_CARE,
            actor.user_id,
            frozenset(),
        )
        if period_from is None or period_to is None:
            errors.setdefault("period_from", []).append(_("Ange perioden som ska lämnas ut."))
        elif period_to < period_from:
            errors.setdefault("period_to", []).append(_("Slutdatumet ligger före startdatumet."))
    decision = enforce(policies.can_release_record(actor, facts))
    if RecordCategory.STUDENT_HEALTH_CARE not in consent.categories:
        errors.setdefault("consent", []).append(
            _("Samtycket omfattar inte elevhälsans medicinska och psykologiska insats.")
        )
    if not consent.units.filter(pk=owner_unit_id).exists():
        errors.setdefault("consent", []).append(_("Samtycket omfattar inte er skola."))
    if errors:
        raise ConsentInvalid(details=errors)
    release = RecordRelease.objects.create(
        municipality_id=child.municipality_id,
        consent=consent,
        child=child,
        owner_unit_id=owner_unit_id,
        note_id=note_id,
        period_from=None if note_id else period_from,
        period_to=None if note_id else period_to,
        released_by_id=actor.user_id,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="record.released",
        subject=release,
        child_ids=[child.pk],
        grant=decision.grant,
        purpose=f"consent:{consent.pk}",
        details={
            "note": str(note_id or ""),
            "period": f"{period_from}..{period_to}" if note_id is None else "",
        },
    )
    return release


def _release_unit(actor: Actor) -> UUID:
    units = sorted({g.unit_id for g in actor.grants if g.role in HEALTH_CARE_ROLES}, key=str)
    if not units:
        raise NotFound
    return units[0]


@transaction.atomic
def release_revoke(*, actor: Actor, child_id: UUID, release_id: UUID) -> RecordRelease:
    """Revoke a release: the records stop crossing on the next request. A repeat is a no-op."""
    child, _relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    release = selectors.release_get_for_update(child=child, release_id=release_id)
    facts = policies.HealthRecordFacts(
        child.municipality_id,
        release.owner_unit_id,
        RecordCategory.STUDENT_HEALTH_CARE,
        release.released_by_id,
        selectors.author_roles(user_id=release.released_by_id, unit_id=release.owner_unit_id),
    )
    decision = enforce(policies.can_release_record(actor, facts))
    if release.revoked_at is not None:
        return release
    release.revoked_at = timezone.now()
    release.revoked_by_id = actor.user_id
    release.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="record.release_revoked",
        subject=release,
        child_ids=[child.pk],
        grant=decision.grant,
    )
    return release


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
    views = selectors.consent_views_for_child(child=child, consent_id=consent_id)
    if consent_id is not None and not views:
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


@transaction.atomic
def evidence_open(
    *, actor: Actor, child_id: UUID, consent_id: UUID, confirmation_id: UUID | None = None
) -> FieldFile:
    """The stored scan of a consent (or of one side's confirmation), under the consent's policy:
    an audited read. A consent of another child, tenant or without that file is NotFound."""
    consent, facts = selectors.consent_for_confirmation(actor=actor, consent_id=consent_id)
    if consent.child_id != child_id:
        raise NotFound
    relation = child_selectors.child_relation(child=consent.child)
    decision = enforce(policies.can_open_evidence(actor, relation, facts))
    stored: FieldFile = consent.evidence
    if confirmation_id is not None:
        confirmation = consent.confirmations.filter(pk=confirmation_id).first()
        if confirmation is None:
            raise NotFound
        stored = confirmation.evidence
    if not stored:
        raise NotFound
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="consent.evidence_opened",
        subject=consent,
        child_ids=[consent.child_id],
        grant=decision.grant,
        purpose=decision.basis or decision.reason,
        details={"confirmation": str(confirmation_id or "")},
    )
    return stored


@transaction.atomic
def consents_waiting_read(*, actor: Actor) -> list[selectors.WaitingConsent]:
    """The list of consents that wait for the actor's side: audited, it names children."""
    rows = selectors.consents_waiting(actor=actor)
    if rows:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="consent.waiting_viewed",
            object_type="consent.consent",
            child_ids=sorted({r.child.pk for r in rows}, key=str),
            details={"consents": [str(r.consent.pk) for r in rows]},
        )
    return rows


@transaction.atomic
def consent_confirmation_read(
    *, actor: Actor, consent_id: UUID
) -> tuple[Consent, "policies.ConsentFacts"]:
    """The consent to confirm, for someone who may confirm it: an audited read."""
    consent, facts = selectors.consent_for_confirmation(actor=actor, consent_id=consent_id)
    decision = policies.can_confirm_consent(actor, facts)
    if not decision and not consent.confirmations.filter(confirmed_by_id=actor.user_id).exists():
        enforce(decision)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="consent.viewed",
        subject=consent,
        child_ids=[consent.child_id],
        grant=decision.grant,
        purpose="confirmation",
    )
    return consent, facts
