"""Writes of the one way in (STYLE P2): send a consultation, a report or a support request;
intake's handling of each; supplements. Every write enforces its policy, runs in one
transaction with its audit entry, and is safe to repeat (request ids, set-once steps)."""

import datetime
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.access.models import User
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children import selectors as child_selectors
from samverkan.children import services as child_services
from samverkan.children.identity import InvalidIdentityNumber, parse_identity_number
from samverkan.children.models import Child
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import ConsentPurpose
from samverkan.consent.rules import age_on
from samverkan.core.errors import AccessDenied, ConcurrentEdit, NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.notifications import services as notification_services
from samverkan.organisations.models import Unit
from samverkan.support import services as support_services

from . import deadlines, policies, routing, selectors, text_checks
from .errors import (
    ActionInvalid,
    AlreadyRecorded,
    NoReceivingUnit,
    PossibleDuplicate,
    PossibleName,
    SubmissionInvalid,
)
from .models import (
    MASK,
    AgeGroup,
    ChildSource,
    Consultation,
    ConsultationRedaction,
    IntakeItem,
    IntakeNote,
    ItemKind,
    ReferenceCounter,
    Supplement,
    TriState,
)

REPORTING_DUTY = "reporting_duty"  # audit purpose: OSL 10 kap. 28 § with SoL 19 kap. 1 §
REPORTING_DUTY_BASIS = "OSL 10 kap. 28 §; SoL (2025:400) 19 kap. 1 §"
PREFIXES = {ItemKind.CONSULTATION: "KONS", ItemKind.REPORT: "ANM", ItemKind.SUPPORT_REQUEST: "BEG"}
AGE_GROUP_RANGES = {
    AgeGroup.PRESCHOOL: (0, 5),
    AgeGroup.YOUNG: (6, 9),
    AgeGroup.MIDDLE: (10, 12),
    AgeGroup.TEEN: (13, 15),
    AgeGroup.OLDER: (16, 20),
}
# The same sender's same words about the same child within this time are likely a duplicate.
DUPLICATE_WINDOW = datetime.timedelta(hours=24)
DUPLICATE_TEXT_FIELDS = {  # the sender's own description: Back and send again repeats it
    ItemKind.REPORT: ("observed",),
    ItemKind.SUPPORT_REQUEST: ("situation",),
}
NOTIFY_NEW = "intake.new_item"
NOTIFY_ASSIGNED = "intake.assigned"
NOTIFY_ANSWERED = "intake.consultation_answered"
NOTIFY_FEEDBACK = "intake.feedback"
NOTIFY_HANDOVER = "intake.handover"
NOTIFY_REDACTED = "intake.consultation_redacted"
NOTIFY_REPORT_ASKED = "intake.consultation_report_asked"


def next_reference(*, municipality_id: UUID, kind: str, year: int) -> str:
    """The next number of the municipality's yearly series for the kind (ANM-2026-000042).
    The counter row is locked for the rest of the caller's transaction."""
    prefix = PREFIXES[ItemKind(kind)]
    counter = (
        ReferenceCounter.objects.select_for_update()
        .filter(municipality_id=municipality_id, year=year, prefix=prefix)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(
                    municipality_id=municipality_id, year=year, prefix=prefix
                )
        except IntegrityError:
            pass  # created by a concurrent request: lock that one
        counter = ReferenceCounter.objects.select_for_update().get(
            municipality_id=municipality_id, year=year, prefix=prefix
        )
    counter.last += 1
    counter.save(update_fields=["last", "updated_at"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _notify(recipients: Iterable[User], kind: str, title: str, body: str, url: str) -> None:
    # Notifications are written in the product's language, whatever the actor's page language;
    # they never carry data about a child (no name, no identity number).
    with translation.override(settings.LANGUAGE_CODE):
        notification_services.notify(
            recipients=recipients, kind=kind, title=str(title), body=str(body), url=url
        )


def _required(errors: dict[str, list[str]], field: str, value: str, message: str) -> None:
    if not value.strip():
        errors.setdefault(field, []).append(message)


def _school(actor: Actor, school_id: UUID) -> Unit:
    enforce(policies.can_send_from(actor, school_id))
    school = Unit.objects.filter(pk=school_id, municipality_id=actor.tenant_id).first()
    if school is None:
        raise NotFound
    return school


def _route(actor: Actor, subject: routing.Subject) -> routing.Route:
    found = selectors.route_for(municipality_id=actor.tenant_id, subject=subject)
    if found is None:
        raise NoReceivingUnit
    return found


# ---------------------------------------------------------------------------------------------
# Anonymous consultation


def identity_number_message() -> str:
    return _(
        "Texten innehåller något som ser ut som ett personnummer eller samordningsnummer (ett "
        "datum följt av fyra siffror, även om siffrorna inte stämmer). En anonym konsultation "
        "får inte gå att koppla till ett barn: ta bort numret, din text finns kvar. Ett "
        "telefonnummer skriver du med mellanslag eller bindestreck, till exempel 070-123 45 67. "
        "Vill du berätta vem barnet är, gör en orosanmälan eller en begäran om stöd i stället."
    )


def consultation_check_text(question: str, *, names_confirmed: bool) -> None:
    """Refuse anything shaped like an identity number outright (whatever its check digit); ask
    for confirmation when a full name or a street address may be named."""
    errors: dict[str, list[str]] = {}
    _required(errors, "question", question, _("Skriv din fråga."))
    if text_checks.contains_identity_number(question):
        errors.setdefault("question", []).append(identity_number_message())
    if errors:
        raise SubmissionInvalid(details=errors)
    names = text_checks.possible_full_names(question)
    addresses = text_checks.possible_street_addresses(question)
    if (names or addresses) and not names_confirmed:
        messages = []
        if names:
            messages.append(
                _(
                    "Texten kan innehålla ett fullständigt namn (%(names)s). Ett namn gör "
                    "konsultationen möjlig att koppla till ett barn. Ta bort namnet, eller "
                    "bekräfta att det inte är barnets eller familjens namn."
                )
                % {"names": ", ".join(names)}
            )
        if addresses:
            messages.append(
                _(
                    "Texten kan innehålla en adress (%(addresses)s). En adress gör "
                    "konsultationen möjlig att koppla till en familj. Ta bort den, eller "
                    "bekräfta att det inte är barnets eller familjens adress."
                )
                % {"addresses": ", ".join(addresses)}
            )
        raise PossibleName(details={"question": messages})


def consultation_submit(
    *,
    actor: Actor,
    school_id: UUID,
    age_group: str,
    question: str,
    names_confirmed: bool = False,
    request_id: UUID | None = None,
) -> Consultation:
    """Send an anonymous consultation to the school's receiving unit. A repeated request id
    returns the first consultation."""
    if request_id is not None:
        existing = Consultation.objects.filter(
            asked_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    if age_group not in AgeGroup.values:
        errors["age_group"] = [_("Välj barnets åldersgrupp.")]
    try:
        consultation_check_text(question, names_confirmed=names_confirmed)
    except SubmissionInvalid as error:
        errors.update(error.details)
    if errors:
        raise SubmissionInvalid(details=errors)
    with transaction.atomic():
        school = _school(actor, school_id)
        found = _route(
            actor,
            routing.Subject(
                kind=ItemKind.CONSULTATION,
                school_id=school.pk,
                area_id=school.residential_area_id,
                age_range=AGE_GROUP_RANGES[AgeGroup(age_group)],
            ),
        )
        consultation = Consultation.objects.create(
            municipality_id=actor.tenant_id,
            reference=next_reference(
                municipality_id=actor.tenant_id,
                kind=ItemKind.CONSULTATION,
                year=timezone.localdate().year,
            ),
            school=school,
            asked_by_id=actor.user_id,
            age_group=age_group,
            question=question.strip(),
            routed_to_id=found.unit_id,
            routed_by_rule_id=found.rule_id,
            routing_reason=found.reason[:200],
            request_id=request_id,
        )
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            event="intake.consultation_sent",
            subject=consultation,
            grant=policies.can_send_from(actor, school.pk).grant,
            details={"reference": consultation.reference, "routed_to": str(found.unit_id)},
        )
        _notify(
            selectors.unit_staff_to_notify(unit_id=found.unit_id),
            NOTIFY_NEW,
            _("Ny konsultation %(ref)s från %(school)s")
            % {"ref": consultation.reference, "school": school.name},
            _("En anonym konsultation väntar på svar."),
            reverse("intake:consultation_handle", args=[consultation.pk]),
        )
    return consultation


@transaction.atomic
def consultation_answer(*, actor: Actor, consultation_id: UUID, answer: str) -> Consultation:
    """Answer a consultation once; the asker is told. The same answer again is a no-op."""
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.status == Consultation.Status.ANSWERED:
        if consultation.answer == answer.strip():
            return consultation
        raise AlreadyRecorded(_("Konsultationen är redan besvarad."))
    errors: dict[str, list[str]] = {}
    _required(errors, "answer", answer, _("Skriv ett svar."))
    if text_checks.contains_identity_number(answer):
        errors.setdefault("answer", []).append(
            _("Svaret innehåller något som ser ut som ett personnummer. Ta bort det.")
        )
    if errors:
        raise ActionInvalid(details=errors)
    consultation.answer = answer.strip()
    consultation.answered_by_id = actor.user_id
    consultation.answered_at = timezone.now()
    consultation.status = Consultation.Status.ANSWERED
    consultation.save()
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.consultation_answered",
        subject=consultation,
        details={"reference": consultation.reference},
    )
    _notify(
        [consultation.asked_by],
        NOTIFY_ANSWERED,
        _("Svar på konsultation %(ref)s") % {"ref": consultation.reference},
        _("Socialtjänsten har svarat på din konsultation."),
        reverse("intake:consultation_sent", args=[consultation.pk]),
    )
    return consultation


@transaction.atomic
def consultation_redact(
    *, actor: Actor, consultation_id: UUID, passage: str, reason: str
) -> Consultation:
    """Mask a passage of a received consultation (issue #14): every occurrence of it in the
    question becomes MASK, so no view, export or API answer shows it again. The original is
    kept apart (ConsultationRedaction, never shown); the audit entry records who and why, not
    the passage. The asker is told that a passage was masked and why. Masking the same passage
    again is harmless: it is no longer there."""
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    enforce(
        policies.can_redact_consultation(
            actor, consultation.routed_to_id, consultation.municipality_id
        )
    )
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    errors: dict[str, list[str]] = {}
    passage = passage.strip()
    _required(errors, "passage", passage, _("Klistra in det avsnitt som ska maskeras."))
    _required(errors, "reason", reason, _("Skriv varför avsnittet maskeras."))
    if passage and passage == MASK:
        errors.setdefault("passage", []).append(_("Avsnittet är redan maskerat."))
    elif passage and passage not in consultation.question:
        errors.setdefault("passage", []).append(
            _(
                "Avsnittet finns inte i frågan. Kopiera det exakt som det står, eller kontrollera "
                "om det redan är maskerat."
            )
        )
    if errors:
        raise ActionInvalid(details=errors)
    with transaction.atomic():
        consultation.question = consultation.question.replace(passage, MASK)
        consultation.save(update_fields=["question", "updated_at"])
        redaction = ConsultationRedaction.objects.create(
            consultation=consultation,
            reason=reason.strip()[:500],
            masked_by_id=actor.user_id,
            original=passage,
        )
        audit.record(
            actor=actor,
            action=AuditAction.CHANGE,
            event="intake.consultation_redacted",
            subject=consultation,
            grant=policies.can_redact_consultation(
                actor, consultation.routed_to_id, consultation.municipality_id
            ).grant,
            details={
                "reference": consultation.reference,
                "redaction": str(redaction.pk),
                "reason": redaction.reason,
                "characters": len(passage),
            },
        )
        _notify(
            [consultation.asked_by],
            NOTIFY_REDACTED,
            _("Ett avsnitt i konsultation %(ref)s har maskerats") % {"ref": consultation.reference},
            _("Socialtjänsten har maskerat ett avsnitt som kunde identifiera barnet."),
            reverse("intake:consultation_sent", args=[consultation.pk]),
        )
    return consultation


@transaction.atomic
def consultation_ask_for_report(*, actor: Actor, consultation_id: UUID, note: str) -> Consultation:
    """Intake asks the asker to make a report of concern instead (the consultation stays
    anonymous; the report, if made, is linked to it). Asking twice is harmless."""
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    enforce(
        policies.can_redact_consultation(
            actor, consultation.routed_to_id, consultation.municipality_id
        )
    )
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.report_asked_at is not None:
        return consultation
    if text_checks.contains_identity_number(note):
        raise ActionInvalid(
            details={
                "note": [
                    _(
                        "Texten innehåller något som ser ut som ett personnummer (ett datum "
                        "följt av fyra siffror). Ta bort det."
                    )
                ]
            }
        )
    consultation.report_asked_at = timezone.now()
    consultation.report_asked_by_id = actor.user_id
    consultation.report_asked_note = note.strip()[:2000]
    consultation.save(
        update_fields=["report_asked_at", "report_asked_by", "report_asked_note", "updated_at"]
    )
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.consultation_report_asked",
        subject=consultation,
        details={"reference": consultation.reference},
    )
    _notify(
        [consultation.asked_by],
        NOTIFY_REPORT_ASKED,
        _("Socialtjänsten ber dig göra en orosanmälan (%(ref)s)") % {"ref": consultation.reference},
        _("Det du beskrev i konsultationen bör anmälas. Frågan följer med till anmälan."),
        reverse("intake:consultation_sent", args=[consultation.pk]),
    )
    return consultation


# ---------------------------------------------------------------------------------------------
# Reports of concern and support requests


def _child_at_school(actor: Actor, child_id: UUID | None, school_id: UUID) -> Child:
    """The child must be visible to the sender and enrolled at the sending school today."""
    if child_id is None:
        raise SubmissionInvalid(details={"child": [_("Välj vilket barn det gäller.")]})
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    if school_id not in relation.current_school_ids:
        raise SubmissionInvalid(
            details={"child": [_("Barnet går inte på den skola du skickar från.")]}
        )
    return child


def _source_consultation(actor: Actor, consultation_id: UUID | None) -> Consultation | None:
    if consultation_id is None:
        return None
    consultation = selectors.sent_consultation_get(actor=actor, consultation_id=consultation_id)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if IntakeItem.objects.filter(consultation_id=consultation.pk).exists():
        raise SubmissionInvalid(
            details={"consultation": [_("Konsultationen har redan blivit ett ärende.")]}
        )
    return consultation


def _existing(actor: Actor, request_id: UUID | None) -> IntakeItem | None:
    if request_id is None:
        return None
    return IntakeItem.objects.filter(created_by_id=actor.user_id, request_id=request_id).first()


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _likely_duplicate(
    actor: Actor, kind: str, child: Child, fields: dict[str, Any], *, confirmed: bool
) -> IntakeItem | None:
    """The sender's item about the child in the last day with the same words. Unconfirmed,
    it is a warning with the earlier receipt (PossibleDuplicate); confirmed, the new item is
    flagged for intake. Reads the reporter's index (a handful of rows)."""
    names = DUPLICATE_TEXT_FIELDS[ItemKind(kind)]
    since = timezone.now() - DUPLICATE_WINDOW
    recent = IntakeItem.objects.filter(
        created_by_id=actor.user_id, received_at__gte=since, child_id=child.pk, kind=kind
    ).order_by("-received_at", "pk")
    wanted = [_words(fields[name]) for name in names]
    earlier = next(
        (
            i
            for i in recent.only("pk", "reference", *names)
            if [_words(getattr(i, n)) for n in names] == wanted
        ),
        None,
    )
    if earlier is not None and not confirmed:
        raise PossibleDuplicate(
            details={
                "reference": earlier.reference,
                "url": reverse("intake:sent_item", args=[earlier.pk]),
            }
        )
    return earlier


def _create_item(
    *,
    actor: Actor,
    kind: str,
    school: Unit,
    child: Child,
    fields: dict[str, Any],
    wants_feedback: bool,
    consultation: Consultation | None,
    request_id: UUID | None,
    purpose: str,
    basis: str,
    confirm_duplicate: bool = False,
) -> IntakeItem:
    today = timezone.localdate()
    now = timezone.now()
    duplicate_of = _likely_duplicate(actor, kind, child, fields, confirmed=confirm_duplicate)
    found = _route(
        actor,
        routing.Subject(
            kind=kind,
            school_id=school.pk,
            area_id=school.residential_area_id,
            age=age_on(child.birth_date, today),
        ),
    )
    item = IntakeItem.objects.create(
        municipality_id=actor.tenant_id,
        child=child,
        domain=SecrecyDomain.SOCIAL_SERVICES,
        category=RecordCategory.SOCIAL_SITUATION,
        owner_unit_id=found.unit_id,
        created_by_id=actor.user_id,
        kind=kind,
        reference=next_reference(municipality_id=actor.tenant_id, kind=kind, year=today.year),
        school=school,
        received_at=now,
        decision_due=deadlines.decision_due(today) if kind == ItemKind.REPORT else None,
        feedback_requested_at=now if wants_feedback else None,
        consultation=consultation,
        routed_by_rule_id=found.rule_id,
        routing_reason=found.reason[:200],
        request_id=request_id,
        likely_duplicate_of=duplicate_of,
        **fields,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event=f"intake.{kind}_submitted",
        subject=item,
        child_ids=[child.pk],
        grant=policies.can_send_from(actor, school.pk).grant,
        purpose=purpose,
        details={
            "reference": item.reference,
            "basis": basis,
            "routed_to": str(found.unit_id),
            "rule": str(found.rule_id or ""),
            "consultation": str(consultation.pk) if consultation else "",
            # Sent anyway after the duplicate warning ("Skicka ändå").
            "duplicate_of": duplicate_of.reference if duplicate_of else "",
        },
    )
    title = (
        _("Ny orosanmälan %(ref)s från %(school)s")
        if kind == ItemKind.REPORT
        else _("Ny begäran om stöd %(ref)s från %(school)s")
    ) % {"ref": item.reference, "school": school.name}
    _notify(
        selectors.unit_staff_to_notify(unit_id=found.unit_id),
        NOTIFY_NEW,
        title,
        _("Ett nytt ärende väntar i mottagningens kö."),
        reverse("intake:item", args=[item.pk]),
    )
    return item


def _submit(create: Any, actor: Actor, request_id: UUID | None) -> IntakeItem:
    """Run a submission; a concurrent double submit with the same request id returns the first."""
    try:
        with transaction.atomic():
            item: IntakeItem = create()
            return item
    except IntegrityError:
        existing = _existing(actor, request_id)
        if existing is None:
            raise
        return existing


def report_submit(
    *,
    actor: Actor,
    school_id: UUID,
    child_id: UUID | None,
    observed: str,
    situation: str,
    needs_protection_now: str,
    guardians_informed: str,
    wants_feedback: bool = True,
    reporter_phone: str = "",
    consultation_id: UUID | None = None,
    request_id: UUID | None = None,
    confirm_duplicate: bool = False,
    child_source: str = ChildSource.SCHOOL,
    register_number: str = "",
    provisional: dict[str, Any] | None = None,
) -> IntakeItem:
    """A report of concern under the reporting duty (SoL 19 kap. 1 §). The reporter is the
    signed-in person (never anonymous). It crosses to social services under OSL 10 kap. 28 §,
    which the audit entry records as the basis. The same words about the same child within a
    day raise PossibleDuplicate unless `confirm_duplicate` (then the item is flagged).

    The child is one enrolled at the sending school (`child_id`), any child of the register
    found by the exact full identity number (`register_number`), or a child not in the
    register described by the reporter (`provisional`: name, birth_date or age, known)."""
    existing = _existing(actor, request_id)
    if existing is not None:
        return existing
    errors: dict[str, list[str]] = {}
    _required(errors, "observed", observed, _("Beskriv vad du har sett eller hört."))
    _required(errors, "situation", situation, _("Beskriv barnets situation just nu."))
    if needs_protection_now not in TriState.values:
        errors["needs_protection_now"] = [_("Svara på om barnet kan behöva skydd nu.")]
    if guardians_informed not in TriState.values:
        errors["guardians_informed"] = [_("Svara på om vårdnadshavarna känner till anmälan.")]
    if child_source not in ChildSource.values:
        errors["child_source"] = [_("Välj hur du anger barnet.")]
    elif child_source == ChildSource.SCHOOL and child_id is None:
        errors["child"] = [_("Välj vilket barn det gäller.")]
    if errors:
        raise SubmissionInvalid(details=errors)

    def create() -> IntakeItem:
        school = _school(actor, school_id)
        extra: dict[str, Any] = {"child_source": child_source}
        if child_source == ChildSource.REGISTER:
            enforce(policies.can_look_up_register(actor))
            child = _register_child(actor, register_number)
            extra["child_as_sent"] = _as_sent(child, child_source)
        elif child_source == ChildSource.PROVISIONAL:
            child = _provisional_child(actor, provisional or {})
            extra["child_as_sent"] = _as_sent(child, child_source, provisional)
            extra["provisional_child"] = child
            extra["provisional_known"] = str((provisional or {}).get("known") or "").strip()
        else:
            child = _child_at_school(actor, child_id, school.pk)
        consultation = _source_consultation(actor, consultation_id)
        return _create_item(
            actor=actor,
            kind=ItemKind.REPORT,
            school=school,
            child=child,
            fields={
                "observed": observed.strip(),
                "situation": situation.strip(),
                "needs_protection_now": needs_protection_now,
                "guardians_informed": guardians_informed,
                "reporter_phone": reporter_phone.strip()[:40],
                **extra,
            },
            wants_feedback=wants_feedback,
            consultation=consultation,
            request_id=request_id,
            purpose=REPORTING_DUTY,
            basis=REPORTING_DUTY_BASIS,
            confirm_duplicate=confirm_duplicate,
        )

    return _submit(create, actor, request_id)


# ---------------------------------------------------------------------------------------------
# A report about any child (issue #14): the register by full identity number, or a child not
# in the register


REGISTER_LOOKUP_EVENT = "intake.register_lookup"


def register_lookups_per_hour() -> int:
    return int(getattr(settings, "INTAKE_REGISTER_LOOKUPS_PER_HOUR", 10))


def _register_child(actor: Actor, number: str, field: str = "register_number") -> Child:
    """The register child with exactly this full identity number (never a partial match)."""
    try:
        parsed = parse_identity_number(number)
    except InvalidIdentityNumber as error:
        raise SubmissionInvalid(details={field: [str(error.message)]}) from None
    child = Child.objects.filter(
        municipality_id=actor.tenant_id, identity_number=parsed.digits, is_provisional=False
    ).first()
    if child is None:
        raise SubmissionInvalid(
            details={
                field: [
                    _(
                        "Inget barn med det personnumret finns i kommunens register. Kontrollera "
                        "numret, eller beskriv barnet under Barnet finns inte i registret."
                    )
                ]
            }
        )
    return child


def register_lookup(*, actor: Actor, number: str) -> selectors.RegisterMatch:
    """Find a child of the municipality's register by the exact full identity number, beyond
    the sender's own school, to report about them (SoL 19 kap. 1 § covers every child the
    staff learn about). Shows the name and age only; a protected child shows nothing. Every
    lookup is logged, found or not, and a user may make a limited number per hour."""
    decision = enforce(policies.can_look_up_register(actor))
    since = timezone.now() - datetime.timedelta(hours=1)
    made = AuditEvent.objects.filter(
        actor_user_id=actor.user_id, occurred_at__gte=since, event=REGISTER_LOOKUP_EVENT
    ).count()
    if made >= register_lookups_per_hour():
        raise SubmissionInvalid(
            details={
                "register_number": [
                    _(
                        "Du har sökt i registret %(n)d gånger den senaste timmen, vilket är "
                        "gränsen. Vänta en stund, eller beskriv barnet under Barnet finns inte "
                        "i registret."
                    )
                    % {"n": made}
                ]
            }
        )
    with transaction.atomic():
        try:
            child: Child | None = _register_child(actor, number)
        except SubmissionInvalid as error:
            child, refusal = None, error
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event=REGISTER_LOOKUP_EVENT,
            object_type="children.child",
            object_id=str(child.pk) if child else "",
            child_ids=[child.pk] if child else [],
            grant=decision.grant,
            purpose=REPORTING_DUTY,
            details={"found": child is not None},
        )
    if child is None:
        raise refusal
    return selectors.register_match(child)


def _provisional_child(actor: Actor, provisional: dict[str, Any]) -> Child:
    """A child described by the reporter and not in the register: a provisional Child with no
    identity number, flagged, never enrolled (no school sees it); intake sees and resolves it."""
    enforce(policies.can_report_provisional_child(actor))
    errors: dict[str, list[str]] = {}
    name = " ".join(str(provisional.get("name") or "").split())
    birth_date = provisional.get("birth_date")
    age = provisional.get("age")
    today = timezone.localdate()
    _required(errors, "provisional_name", name, _("Skriv barnets namn, så långt du vet det."))
    if birth_date is None and age is None:
        errors["provisional_birth_date"] = [
            _("Ange barnets födelsedatum, eller barnets ungefärliga ålder.")
        ]
    if birth_date is not None and birth_date > today:
        errors["provisional_birth_date"] = [_("Födelsedatumet ligger i framtiden.")]
    if age is not None and not 0 <= int(age) <= 20:
        errors["provisional_age"] = [_("Ange en ålder mellan 0 och 20 år.")]
    if errors:
        raise SubmissionInvalid(details=errors)
    if birth_date is None:
        # Only an age is known: the routing needs a birth date; the description says it is one.
        birth_date = today.replace(year=today.year - int(age or 0), month=1, day=1)
    given, _sep, family = name.partition(" ")
    child = Child(
        municipality_id=actor.tenant_id,
        identity_number="",
        given_name=given[:100],
        family_name=family[:100],
        birth_date=birth_date,
        gender="other_unknown",
        is_provisional=True,
    )
    child.save()
    return child


def _as_sent(child: Child, source: str, provisional: dict[str, Any] | None = None) -> str:
    """What the school side keeps seeing of the child: only what the sender sent or saw."""
    if source == ChildSource.PROVISIONAL and provisional is not None:
        told = (
            str(provisional["birth_date"])
            if provisional.get("birth_date")
            else _("uppgiven ålder %(age)s år") % {"age": provisional.get("age")}
        )
        return f"{child.full_name.strip()} ({told}, {_('finns inte i registret')})"[:300]
    if child.is_protected:
        return ""  # the sender saw nothing of a protected child, and sees nothing now
    return f"{child.full_name} ({child.masked_identity_number})"[:300]


@transaction.atomic
def item_resolve_child(
    *, actor: Actor, item_id: UUID, register_number: str = "", keep: bool = False
) -> IntakeItem:
    """Intake links a report about a child not in the register to the register entry found by
    full identity number, or keeps it as not registered. Logged; done once (the same answer
    again is harmless). The school side keeps seeing only what it sent."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_resolve_child(actor, selectors.item_ref(item)))
    if item.child_source != ChildSource.PROVISIONAL:
        raise ActionInvalid(_("Ärendet gäller ett barn i registret."))
    if item.child_resolved_at is not None:
        if keep and item.child_id == item.provisional_child_id:
            return item
        if not keep and register_number:
            try:
                digits = parse_identity_number(register_number).digits
            except InvalidIdentityNumber:
                digits = ""
            if item.child.identity_number == digits:
                return item
        raise AlreadyRecorded(_("Barnet är redan kopplat eller markerat som inte folkbokfört."))
    if keep:
        item.child_resolved_at = timezone.now()
        item.child_resolved_by_id = actor.user_id
        _bump(item, "child_resolved_at", "child_resolved_by")
        _record_change(actor, item, "intake.child_kept_unregistered")
        return item
    try:
        child = _register_child(actor, register_number.strip(), field="register_number")
    except SubmissionInvalid as error:
        raise ActionInvalid(details=error.details) from None
    provisional_id = item.child_id
    item.child = child
    item.child_resolved_at = timezone.now()
    item.child_resolved_by_id = actor.user_id
    _bump(item, "child", "child_resolved_at", "child_resolved_by")
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.child_linked",
        subject=item,
        child_ids=[child.pk, provisional_id],
        grant=policies.can_resolve_child(actor, selectors.item_ref(item)).grant,
        details={
            "reference": item.reference,
            "provisional_child": str(provisional_id),
            "child": str(child.pk),
        },
    )
    return item


def consents_for_request(*, child: Child, school_id: UUID) -> list[Any]:
    """Consents in force today that let the school send a support request about the child: the
    school is covered and the direction runs from the school to social services."""
    views = consent_selectors.consent_views_for_child(child=child)
    active = consent_selectors.active_consents(views=views)
    relation = child_selectors.child_relation(child=child)
    usable = {
        a.consent_id
        for a in active
        if a.purpose in (ConsentPurpose.SUPPORT_REQUEST, ConsentPurpose.INFORMATION_EXCHANGE)
        and a.opens(from_domain=SecrecyDomain.SCHOOL, to_domain=SecrecyDomain.SOCIAL_SERVICES)
        and school_id in a.covered_units(relation.current_school_ids)
    }
    return [v for v in views if v.consent.pk in usable]


def support_request_submit(
    *,
    actor: Actor,
    school_id: UUID,
    child_id: UUID | None,
    support_wished: str,
    situation: str,
    consent_id: UUID | None,
    guardians_informed: str = TriState.YES,
    consultation_id: UUID | None = None,
    request_id: UUID | None = None,
    confirm_duplicate: bool = False,
) -> IntakeItem:
    """A support request (R1.3) sent on a consent in force: routed like a report, handled as a
    request. Without a consent that covers it there is no request (use a report instead). A
    likely duplicate is handled as for a report."""
    existing = _existing(actor, request_id)
    if existing is not None:
        return existing
    errors: dict[str, list[str]] = {}
    _required(errors, "support_wished", support_wished, _("Beskriv vilket stöd som önskas."))
    _required(errors, "situation", situation, _("Beskriv barnets situation."))
    if consent_id is None:
        errors["consent"] = [
            _(
                "Välj det samtycke som begäran skickas med. Finns inget samtycke, registrera "
                "det först."
            )
        ]
    if errors:
        raise SubmissionInvalid(details=errors)

    def create() -> IntakeItem:
        school = _school(actor, school_id)
        child = _child_at_school(actor, child_id, school.pk)
        usable = {v.consent.pk for v in consents_for_request(child=child, school_id=school.pk)}
        if consent_id not in usable:
            raise SubmissionInvalid(
                details={
                    "consent": [
                        _(
                            "Samtycket gäller inte nu, eller omfattar inte att skolan lämnar "
                            "uppgifter till socialtjänsten."
                        )
                    ]
                }
            )
        consultation = _source_consultation(actor, consultation_id)
        return _create_item(
            actor=actor,
            kind=ItemKind.SUPPORT_REQUEST,
            school=school,
            child=child,
            fields={
                "support_wished": support_wished.strip(),
                "situation": situation.strip(),
                "guardians_informed": guardians_informed
                if guardians_informed in TriState.values
                else TriState.YES,
                "consent_id": consent_id,
            },
            wants_feedback=False,
            consultation=consultation,
            request_id=request_id,
            purpose=f"consent:{consent_id}",
            basis="OSL 12 kap. 2–3 §§",
            confirm_duplicate=confirm_duplicate,
        )

    return _submit(create, actor, request_id)


@transaction.atomic
def supplement_add(
    *, actor: Actor, item_id: UUID, body: str, request_id: UUID | None = None
) -> Supplement:
    """Add to a sent item (the original text never changes); the receiving unit is told."""
    view = selectors.sent_item_get(actor=actor, item_id=item_id)
    enforce(policies.can_supplement(actor, selectors.item_ref(view.item)))
    if request_id is not None:
        existing = Supplement.objects.filter(author_id=actor.user_id, request_id=request_id).first()
        if existing is not None:
            return existing
    if not body.strip():
        raise SubmissionInvalid(details={"body": [_("Skriv det du vill komplettera med.")]})
    supplement = Supplement.objects.create(
        item=view.item, author_id=actor.user_id, body=body.strip(), request_id=request_id
    )
    item = view.item
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="intake.supplement_added",
        subject=item,
        child_ids=[item.child_id],
        purpose=REPORTING_DUTY if item.kind == ItemKind.REPORT else f"consent:{item.consent_id}",
        details={"reference": item.reference, "supplement": str(supplement.pk)},
    )
    recipients = [item.assigned_to] if item.assigned_to else []
    recipients += selectors.unit_staff_to_notify(unit_id=item.owner_unit_id)
    _notify(
        recipients,
        NOTIFY_NEW,
        _("Komplettering till %(ref)s") % {"ref": item.reference},
        _("Skolan har kompletterat ett ärende."),
        reverse("intake:item", args=[item.pk]),
    )
    return supplement


@transaction.atomic
def feedback_request(*, actor: Actor, item_id: UUID) -> IntakeItem:
    """The reporter asks for feedback after submitting (SoL 19 kap. 6 §): due at once when the
    decision is already made."""
    view = selectors.sent_item_get(actor=actor, item_id=item_id)
    item = IntakeItem.objects.select_for_update().get(pk=view.item.pk)
    if item.created_by_id != actor.user_id:
        raise AccessDenied(reason="not_reporter")
    if item.kind != ItemKind.REPORT or item.feedback_requested_at is not None:
        return item
    item.feedback_requested_at = timezone.now()
    item.version += 1
    item.save(update_fields=["feedback_requested_at", "version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.feedback_requested",
        subject=item,
        child_ids=[item.child_id],
        purpose=REPORTING_DUTY,
        details={"reference": item.reference},
    )
    return item


# ---------------------------------------------------------------------------------------------
# Intake's handling


def item_read(*, actor: Actor, item_id: UUID) -> IntakeItem:
    """Open an item for handling: an audited read."""
    with transaction.atomic():
        item = selectors.item_get_for_handling(actor=actor, item_id=item_id)
        decision = policies.can_handle_item(actor, selectors.item_ref(item))
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="intake.item_viewed",
            subject=item,
            child_ids=[item.child_id],
            grant=decision.grant,
            purpose=decision.basis,
            details={"reference": item.reference},
        )
    return item


def sent_item_read(*, actor: Actor, item_id: UUID) -> selectors.SentView:
    """The school side opens what it sent: an audited read of its own submission."""
    with transaction.atomic():
        view = selectors.sent_item_get(actor=actor, item_id=item_id)
        decision = policies.can_view_as_sender(actor, selectors.item_ref(view.item))
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="intake.sent_item_viewed",
            subject=view.item,
            child_ids=[view.item.child_id],
            grant=decision.grant,
            details={"reference": view.item.reference, "outcome_shown": bool(view.outcome)},
        )
    return view


def queue_read(
    *, actor: Actor, status: str = "open", assigned_to_me: bool = False, plain: bool = False
) -> list[Any]:
    """The intake queue's page: one audited read naming every child listed. `plain`: the
    rows as selectors.QueueEntry values (the page) rather than items (the API)."""
    enforce(policies.can_work_intake(actor))
    page = selectors.queue_entries if plain else selectors.queue_page
    with transaction.atomic():
        items = page(actor=actor, status=status, assigned_to_me=assigned_to_me)
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event="intake.queue_viewed",
            object_type="intake.intakeitem",
            child_ids=sorted({str(i.child_id) for i in items}),
            details={"status": status[:20], "rows": len(items)},
        )
    return items


def _locked(actor: Actor, item_id: UUID, version: int | None) -> IntakeItem:
    item = selectors.item_for_update(actor=actor, item_id=item_id)
    if not policies.can_handle_item(actor, selectors.item_ref(item)):
        raise NotFound
    if version is not None and version != item.version:
        raise ConcurrentEdit
    return item


def _bump(item: IntakeItem, *fields: str) -> None:
    item.version += 1
    item.save(update_fields=[*fields, "version", "updated_at"])


def _record_change(actor: Actor, item: IntakeItem, event: str, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event=event,
        subject=item,
        child_ids=[item.child_id],
        purpose="intake_remit",
        details={"reference": item.reference, **details},
    )


@transaction.atomic
def item_assign(
    *, actor: Actor, item_id: UUID, user_id: UUID, version: int | None = None
) -> IntakeItem:
    item = _locked(actor, item_id, None)
    enforce(policies.can_assign(actor, selectors.item_ref(item)))
    if item.assigned_to_id == user_id:
        return item  # the same assignment again
    if version is not None and version != item.version:
        raise ConcurrentEdit
    workers = {u.pk: u for u in selectors.assignable_workers(item=item)}
    if user_id not in workers:
        raise ActionInvalid(details={"assigned_to": [_("Välj en handläggare i mottagande enhet.")]})
    item.assigned_to_id = user_id
    item.assigned_at = timezone.now()
    if item.status == IntakeItem.Status.NEW:
        item.status = IntakeItem.Status.IN_PROGRESS
    _bump(item, "assigned_to", "assigned_at", "status")
    _record_change(actor, item, "intake.assigned", assigned_to=str(user_id))
    if user_id != actor.user_id:
        _notify(
            [workers[user_id]],
            NOTIFY_ASSIGNED,
            _("Du har tilldelats %(ref)s") % {"ref": item.reference},
            _("Ett ärende i mottagningen har tilldelats dig."),
            reverse("intake:item", args=[item.pk]),
        )
    return item


@transaction.atomic
def protection_assessment_record(
    *, actor: Actor, item_id: UUID, protection_needed: bool | None, assessment: str
) -> IntakeItem:
    """The immediate protection assessment (SoL 20 kap. 1 §), recorded once."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    if item.kind != ItemKind.REPORT:
        raise ActionInvalid(_("Skyddsbedömning görs för orosanmälningar."))
    if item.protection_assessed_at is not None:
        if item.protection_assessed_by_id == actor.user_id and (
            item.protection_assessment == assessment.strip()
        ):
            return item
        raise AlreadyRecorded(_("Skyddsbedömningen är redan registrerad."))
    errors: dict[str, list[str]] = {}
    if protection_needed is None:
        errors["protection_needed"] = [_("Ange om barnet behöver skydd omedelbart.")]
    _required(errors, "assessment", assessment, _("Skriv skyddsbedömningen."))
    if errors:
        raise ActionInvalid(details=errors)
    item.protection_needed = protection_needed
    item.protection_assessment = assessment.strip()
    item.protection_assessed_at = timezone.now()
    item.protection_assessed_by_id = actor.user_id
    if item.status == IntakeItem.Status.NEW:
        item.status = IntakeItem.Status.IN_PROGRESS
    _bump(
        item,
        "protection_needed",
        "protection_assessment",
        "protection_assessed_at",
        "protection_assessed_by",
        "status",
    )
    _record_change(
        actor, item, "intake.protection_assessed", protection_needed=bool(protection_needed)
    )
    return item


@transaction.atomic
def decision_extend(
    *,
    actor: Actor,
    item_id: UUID,
    new_due: datetime.date | None,
    reason: str,
    version: int | None = None,
) -> IntakeItem:
    """Extend the 14 days (20 kap. 2 §) only with a recorded exceptional reason. The same
    extension again (a double submit) is a no-op."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    if (
        item.extended_due is not None
        and item.extended_due == new_due
        and item.extension_reason == reason.strip()
    ):
        return item
    if version is not None and version != item.version:
        raise ConcurrentEdit
    if item.kind != ItemKind.REPORT:
        raise ActionInvalid(_("Förhandsbedömningens tidsfrist gäller orosanmälningar."))
    if item.decided_at is not None:
        raise AlreadyRecorded(_("Beslutet är redan fattat."))
    errors: dict[str, list[str]] = {}
    current = item.extended_due or item.decision_due
    if new_due is None:
        errors["new_due"] = [_("Ange ett nytt datum.")]
    elif current is not None and new_due <= current:
        errors["new_due"] = [
            _("Det nya datumet måste vara senare än %(date)s.") % {"date": current.isoformat()}
        ]
    _required(
        errors,
        "reason",
        reason,
        _("Ange det synnerliga skälet till att förhandsbedömningen tar längre tid."),
    )
    if errors:
        raise ActionInvalid(details=errors)
    item.extended_due = new_due
    item.extension_reason = reason.strip()
    item.extended_by_id = actor.user_id
    _bump(item, "extended_due", "extension_reason", "extended_by")
    _record_change(
        actor,
        item,
        "intake.decision_extended",
        new_due=new_due.isoformat() if new_due else "",
    )
    return item


@transaction.atomic
def decision_record(
    *,
    actor: Actor,
    item_id: UUID,
    decision: str,
    reason: str,
    give_feedback_now: bool = False,
) -> IntakeItem:
    """The initial assessment decision (20 kap. 2 §), recorded once. With `give_feedback_now`
    the reporter who asked is told the outcome at once."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    if item.kind != ItemKind.REPORT:
        raise ActionInvalid(_("Beslut om att inleda utredning gäller orosanmälningar."))
    if item.decided_at is not None:
        if item.decision == decision and item.decided_by_id == actor.user_id:
            return item
        raise AlreadyRecorded(_("Beslutet är redan registrerat."))
    errors: dict[str, list[str]] = {}
    if decision not in IntakeItem.Decision.values:
        errors["decision"] = [_("Välj beslut: inleda, inte inleda eller utredning pågår redan.")]
    if item.protection_assessed_at is None:
        errors.setdefault("decision", []).append(_("Registrera skyddsbedömningen innan beslutet."))
    if errors:
        raise ActionInvalid(details=errors)
    item.decision = decision
    item.decision_reason = reason.strip()
    item.decided_at = timezone.now()
    item.decided_by_id = actor.user_id
    item.status = IntakeItem.Status.DECIDED
    _bump(item, "decision", "decision_reason", "decided_at", "decided_by", "status")
    _record_change(actor, item, "intake.decided", decision=decision)
    if give_feedback_now and item.feedback_requested_at is not None:
        _give_feedback(actor, item)
    return item


def _give_feedback(actor: Actor, item: IntakeItem) -> None:
    item.feedback_given_at = timezone.now()
    item.feedback_given_by_id = actor.user_id
    _bump(item, "feedback_given_at", "feedback_given_by")
    # Disclosure to the reporter of the outcome only (OSL 26 kap. 9 a §).
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="intake.feedback_given",
        subject=item,
        child_ids=[item.child_id],
        purpose="feedback:OSL 26 kap. 9 a §",
        details={"reference": item.reference, "decision": item.decision},
    )
    reporter = item.created_by
    if reporter is not None:
        _notify(
            [reporter],
            NOTIFY_FEEDBACK,
            _("Återkoppling på %(ref)s") % {"ref": item.reference},
            _("Socialtjänsten har lämnat återkoppling på din anmälan."),
            reverse("intake:sent_item", args=[item.pk]),
        )


@transaction.atomic
def feedback_give(*, actor: Actor, item_id: UUID) -> IntakeItem:
    """Tell the reporter the outcome (SoL 19 kap. 6 §): once, after the decision, when asked."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    if item.feedback_given_at is not None:
        return item
    if item.decided_at is None:
        raise ActionInvalid(_("Återkoppling lämnas när beslutet är fattat."))
    if item.feedback_requested_at is None:
        raise ActionInvalid(_("Anmälaren har inte bett om återkoppling."))
    _give_feedback(actor, item)
    return item


@transaction.atomic
def meeting_offer(*, actor: Actor, item_id: UUID, participants: list[str], note: str) -> IntakeItem:
    """Record that a meeting was offered (SoL 19 kap. 5 §) and with whom."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    allowed = {"child", "guardians", "reporter"}
    chosen = [p for p in participants if p in allowed]
    if not chosen:
        raise ActionInvalid(
            details={
                "participants": [
                    _("Välj vem mötet erbjuds: barnet, vårdnadshavarna och/eller anmälaren.")
                ]
            }
        )
    if item.meeting_offered_at is not None and sorted(item.meeting_with) == sorted(chosen):
        return item
    item.meeting_offered_at = timezone.now()
    item.meeting_with = sorted(chosen)
    item.meeting_note = note.strip()
    _bump(item, "meeting_offered_at", "meeting_with", "meeting_note")
    _record_change(actor, item, "intake.meeting_offered", participants=sorted(chosen))
    return item


@transaction.atomic
def handover(*, actor: Actor, item_id: UUID, team_id: UUID | None, note: str) -> IntakeItem:
    """Hand a support request (or a decided report) over to a team (R2.8): it becomes an
    episode request for the team's work lead, which puts the child in the team's caseload, and the team's member responsible for the school and the school's
    principal are each told to contact the other."""
    item = _locked(actor, item_id, None)
    enforce(policies.can_record_assessment(actor, selectors.item_ref(item)))
    if item.handed_over_to_id is not None:
        if item.handed_over_to_id == team_id:
            return item
        raise AlreadyRecorded(_("Ärendet är redan överlämnat."))
    if item.kind == ItemKind.REPORT and item.decided_at is None:
        raise ActionInvalid(_("En orosanmälan lämnas över först när beslutet är fattat."))
    teams = {t.pk: t for t, _profile in selectors.teams_for_handover(actor=actor)}
    if team_id not in teams:
        raise ActionInvalid(details={"team": [_("Välj ett team.")]})
    team = teams[team_id]
    item.handed_over_to = team
    item.handed_over_at = timezone.now()
    item.handover_note = note.strip()
    item.status = IntakeItem.Status.HANDED_OVER
    _bump(item, "handed_over_to", "handed_over_at", "handover_note", "status")
    # The item becomes an episode request for the team's work lead (issue 12): the team has
    # the child in its caseload while the request is open.
    episode = support_services.episode_request_from_handover(
        actor=actor, item=item, team=team, note=note
    )
    _record_change(actor, item, "intake.handed_over", team=str(team.pk), episode=str(episode.pk))
    member = selectors.team_school_member(team_id=team.pk, school_id=item.school_id)
    leaders = selectors.school_leaders(school_id=item.school_id)
    school = Unit.objects.get(pk=item.school_id)
    team_recipients = [member] if member else selectors.unit_staff_to_notify(unit_id=team.pk)
    contact = member.get_full_name() if member else team.name
    _notify(
        team_recipients,
        NOTIFY_HANDOVER,
        _("Nytt ärende till %(team)s: %(ref)s") % {"team": team.name, "ref": item.reference},
        _("Kontakta rektor på %(school)s om ärendet.") % {"school": school.name},
        reverse("children:detail", args=[item.child_id]),
    )
    _notify(
        leaders,
        NOTIFY_HANDOVER,
        _("%(ref)s har lämnats över till %(team)s") % {"ref": item.reference, "team": team.name},
        _("Kontakta %(contact)s i %(team)s om fortsatt stöd.")
        % {"contact": contact, "team": team.name},
        reverse("intake:sent_item", args=[item.pk]),
    )
    return item


@transaction.atomic
def intake_note_add(
    *, actor: Actor, item_id: UUID, body: str, request_id: UUID | None = None
) -> IntakeNote:
    item = _locked(actor, item_id, None)
    if request_id is not None:
        existing = IntakeNote.objects.filter(author_id=actor.user_id, request_id=request_id).first()
        if existing is not None:
            return existing
    if not body.strip():
        raise ActionInvalid(details={"body": [_("Skriv anteckningen.")]})
    note = IntakeNote.objects.create(
        item=item, author_id=actor.user_id, body=body.strip(), request_id=request_id
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="intake.note_added",
        subject=item,
        child_ids=[item.child_id],
        purpose="intake_remit",
        details={"reference": item.reference, "note": str(note.pk)},
    )
    return note


# ---------------------------------------------------------------------------------------------
# Audited reads of the school side


def sender_child_search(
    *, actor: Actor, school_ids: frozenset[UUID], text: str
) -> tuple[Any, list[selectors.ChildChoice]]:
    """Find the child a report or request is about among the sender's pupils, by name or
    identity number: the children app's search (one audit entry listing every child found),
    narrowed to children enrolled today at the sender's schools."""
    query, results = child_services.child_search(actor=actor, text=text)
    choices = selectors.sender_children(
        actor=actor, school_ids=school_ids, child_ids=[c.pk for c in results]
    )
    return query, choices


def sender_child_read(
    *, actor: Actor, school_ids: frozenset[UUID], child_id: UUID
) -> list[selectors.ChildChoice]:
    """The child already chosen for a report or request (?barn= or the posted child), shown by
    name on the form: an audited read when the child is one of the sender's pupils."""
    with transaction.atomic():
        chosen = selectors.sender_children(actor=actor, school_ids=school_ids, child_ids=[child_id])
        if chosen:
            audit.record(
                actor=actor,
                action=AuditAction.VIEW,
                event="intake.form_child_viewed",
                object_type="children.child",
                object_id=str(child_id),
                child_ids=[child_id],
                details={"schools": sorted({str(c.school_id) for c in chosen})},
            )
    return chosen


def request_consents_read(*, actor: Actor, child: Child, consent_ids: list[UUID]) -> None:
    """The request form shows the child's consents that can carry it (parties' names)."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="intake.request_consents_viewed",
            object_type="consent.consent",
            child_ids=[child.pk],
            details={"consents": [str(c) for c in consent_ids]},
        )


def sent_list_read(*, actor: Actor) -> tuple[list[selectors.SentView], list[Consultation]]:
    """Skickat till socialtjänsten: one audited read naming every child listed."""
    enforce(policies.can_use_one_way_in(actor))
    with transaction.atomic():
        items = selectors.sent_items(actor=actor, full=True)
        consultations = selectors.sent_consultations(actor=actor)
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event="intake.sent_listed",
            object_type="intake.intakeitem",
            child_ids=sorted({str(v.item.child_id) for v in items}),
            details={"rows": len(items), "consultations": len(consultations)},
        )
    return items, consultations
