"""Calling a SIP, linking its consent, writing and agreeing its versions, and the audited reads
(STYLE P2): each loads through a selector, checks the policy, validates, writes and audits in
one transaction. Nothing is half-saved: a validation error leaves the database untouched."""

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.access.actor import SCHOOLS, Actor
from samverkan.access.decisions import Decision, enforce
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child
from samverkan.consent.models import ConsentPurpose
from samverkan.core.errors import ConcurrentEdit, NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit

from . import chronology, policies, selectors
from .errors import PlanConsentMissing, PlanFrozen, PlanInvalid
from .models import CoordinatedPlan, PlanGoal, PlanIntervention, PlanParticipant, PlanVersion

MAX_TEXT = 4000
MAX_ITEM = 2000
MAX_ROWS = 20


@dataclass(frozen=True)
class ParticipantInput:
    """A participating organisation and its named person (a user, or a name for outsiders)."""

    unit_id: UUID
    person_id: UUID | None = None
    person_name: str = ""
    person_email: str = ""


@dataclass(frozen=True)
class InterventionInput:
    text: str
    responsible_unit_id: UUID | None
    responsible_person: str
    start_on: datetime.date | None
    until_on: datetime.date | None
    follow_up_on: datetime.date | None


@dataclass(frozen=True)
class PlanContent:
    """The content of one version as the edit form gives it."""

    lead_unit_id: UUID | None
    goals: tuple[str, ...]
    interventions: tuple[InterventionInput, ...]
    child_words: str = ""
    guardians_view: str = ""
    next_follow_up_on: datetime.date | None = None


def _audit(
    actor: Actor,
    action: str,
    event: str,
    plan: CoordinatedPlan,
    decision: Decision,
    details: dict[str, Any] | None = None,
) -> None:
    audit.record(
        actor=actor,
        action=action,
        event=event,
        subject=plan,
        child_ids=[plan.child_id],
        grant=decision.grant,
        purpose=decision.basis or audit.NEED_TO_KNOW,
        details=details or {},
    )


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _check_participants(
    actor: Actor, participants: list[ParticipantInput], errors: dict[str, list[str]]
) -> dict[UUID, Unit]:
    """Each organisation once, of the tenant and valid today, with a named person who works
    there (a user) or, for an organisation outside the platform, a name."""
    today = timezone.localdate()
    units = {
        u.pk: u
        for u in Unit.objects.filter(
            pk__in=[p.unit_id for p in participants],
            municipality_id=actor.tenant_id,
            kind__in=selectors.PARTICIPANT_KINDS,
        ).valid_on(today)
    }
    seen: set[UUID] = set()
    for index, row in enumerate(participants):
        key = f"participants-{index}"
        unit = units.get(row.unit_id)
        if unit is None:
            _add(errors, f"{key}-unit", _("Välj en verksamhet i listan."))
            continue
        if row.unit_id in seen:
            _add(errors, f"{key}-unit", _("Verksamheten finns redan med. Ange den en gång."))
        seen.add(row.unit_id)
        if row.person_id is not None:
            if not selectors.roles_at(user_id=row.person_id, unit_id=row.unit_id, day=today):
                _add(
                    errors,
                    f"{key}-person",
                    _("Personen arbetar inte på %(unit)s. Välj någon som gör det.")
                    % {"unit": unit.name},
                )
        elif not row.person_name.strip():
            _add(
                errors,
                f"{key}-person_name",
                _("Ange vem som deltar från %(unit)s.") % {"unit": unit.name},
            )
        if row.person_email:
            try:
                validate_email(row.person_email)
            except ValidationError:
                _add(
                    errors,
                    f"{key}-person_email",
                    _("Ange en e-postadress i formatet namn@exempel.se."),
                )
    if len(seen) < 2:
        _add(
            errors,
            "participants",
            _("En SIP samordnar flera verksamheter: ange minst en verksamhet till."),
        )
    return units


def consent_problem(
    consent: policies.PlanConsent | None, *, child_id: UUID, unit_ids: frozenset[UUID]
) -> str:
    """Why a consent cannot carry a SIP, in plain Swedish; empty when it can."""
    if consent is None or consent.child_id != child_id:
        return _("Välj ett samtycke för barnet.")
    if consent.purpose != ConsentPurpose.COORDINATED_PLAN:
        return _("Samtycket gäller inte SIP. Registrera ett samtycke med ändamålet SIP.")
    if not unit_ids <= consent.unit_ids:
        return _(
            "Samtycket nämner inte alla verksamheter som deltar. Registrera ett samtycke som "
            "nämner varje verksamhet."
        )
    if not consent.in_force:
        return _("Samtycket gäller inte i dag. Se vad som saknas på samtyckets sida.")
    if not consent.opens_plans:
        return _(
            "Samtycket väntar på bekräftelse från den sida som har uppgifterna. Be dem bekräfta "
            "det först."
        )
    return ""


def _caller_unit(decision: Decision) -> tuple[UUID, str]:
    grant = decision.grant
    if grant is None:
        raise NotFound
    domain = SecrecyDomain.SCHOOL if grant.unit_kind in SCHOOLS else SecrecyDomain.SOCIAL_SERVICES
    return grant.unit_id, domain


def plan_call(
    *,
    actor: Actor,
    child_id: UUID,
    reason: str,
    participants: list[ParticipantInput],
    request_id: UUID | None = None,
    consent_id: UUID | None = None,
) -> CoordinatedPlan:
    """Call a SIP for a child (R2.9): the caller's organisation takes part and leads at first.
    Audited as plan.called; a repeated request_id returns the first plan."""
    if request_id is not None:
        existing = CoordinatedPlan.objects.filter(
            created_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is not None:
            return existing
    try:
        return _plan_call(
            actor=actor,
            child_id=child_id,
            reason=reason,
            participants=participants,
            request_id=request_id,
            consent_id=consent_id,
        )
    except IntegrityError:
        # Two submissions of the same form raced: the first one won.
        existing = CoordinatedPlan.objects.filter(
            created_by_id=actor.user_id, request_id=request_id
        ).first()
        if request_id is None or existing is None:
            raise
        return existing


@transaction.atomic
def _plan_call(
    *,
    actor: Actor,
    child_id: UUID,
    reason: str,
    participants: list[ParticipantInput],
    request_id: UUID | None,
    consent_id: UUID | None,
) -> CoordinatedPlan:
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_call_plan(actor, relation))
    own_unit_id, domain = _caller_unit(decision)
    # The caller's organisation takes part; added last so that error keys keep the form's
    # row numbers, and listed first (created_at) on the page.
    if own_unit_id not in {p.unit_id for p in participants}:
        participants = [*participants, ParticipantInput(own_unit_id, actor.user_id)]
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        _add(errors, "reason", _("Skriv varför SIP:en kallas."))
    elif len(reason) > MAX_TEXT:
        _add(errors, "reason", _("Anledningen får vara högst %(n)s tecken.") % {"n": MAX_TEXT})
    if len(participants) > MAX_ROWS:
        _add(errors, "participants", _("Högst %(n)s verksamheter.") % {"n": MAX_ROWS})
    _check_participants(actor, participants, errors)
    if consent_id is not None:
        consent = next(
            (c for c in selectors.plan_consents(child=child) if c.consent_id == consent_id), None
        )
        problem = consent_problem(
            consent,
            child_id=child.pk,
            unit_ids=frozenset(p.unit_id for p in participants),
        )
        if problem:
            _add(errors, "consent", problem)
    if errors:
        raise PlanInvalid(details=errors)
    plan = CoordinatedPlan.objects.create(
        municipality_id=actor.tenant_id,
        child=child,
        domain=domain,
        category=RecordCategory.PLAN,
        owner_unit_id=own_unit_id,
        created_by_id=actor.user_id,
        reason=reason.strip(),
        consent_id=consent_id,
        request_id=request_id,
    )
    now = timezone.now()
    PlanParticipant.objects.bulk_create(
        PlanParticipant(
            plan=plan,
            unit_id=p.unit_id,
            person_id=p.person_id,
            person_name="" if p.person_id else p.person_name.strip(),
            person_email=p.person_email.strip(),
            created_at=now
            + datetime.timedelta(microseconds=0 if p.unit_id == own_unit_id else index + 1),
        )
        for index, p in enumerate(participants)
    )
    PlanVersion.objects.create(plan=plan, number=1, lead_unit_id=own_unit_id)
    _audit(
        actor,
        AuditAction.CREATE,
        "plan.called",
        plan,
        decision,
        {
            "unit_ids": [str(p.unit_id) for p in participants],
            "consent_id": str(consent_id) if consent_id else "",
        },
    )
    return plan


def _check_version(plan: CoordinatedPlan, expected: int) -> None:
    if plan.version != expected:
        raise ConcurrentEdit


@transaction.atomic
def plan_consent_link(
    *, actor: Actor, plan_id: UUID, consent_id: UUID, expected_version: int
) -> CoordinatedPlan:
    """Link the consent the SIP is read under: for the SIP, in force, naming every participating
    organisation and confirmed by each side it names. Audited as plan.consent_linked."""
    context = selectors.plan_get_for_update(actor=actor, plan_id=plan_id)
    plan = context.plan
    decision = enforce(policies.can_edit_plan(actor, context.facts, context.consents))
    if plan.consent_id == consent_id:
        return plan  # a repeated request
    _check_version(plan, expected_version)
    consent = next((c for c in context.consents if c.consent_id == consent_id), None)
    problem = consent_problem(
        consent, child_id=plan.child_id, unit_ids=context.facts.participant_unit_ids
    )
    if problem:
        raise PlanInvalid(details={"consent": [problem]})
    plan.consent_id = consent_id
    plan.version += 1
    plan.save(update_fields=["consent", "version", "updated_at"])
    _audit(
        actor,
        AuditAction.CHANGE,
        "plan.consent_linked",
        plan,
        decision,
        {"consent_id": str(consent_id)},
    )
    return plan


def _content_of(version: PlanVersion) -> PlanContent:
    return PlanContent(
        lead_unit_id=version.lead_unit_id,
        goals=tuple(g.text for g in version.goals.all()),
        interventions=tuple(
            InterventionInput(
                i.text,
                i.responsible_unit_id,
                i.responsible_person,
                i.start_on,
                i.until_on,
                i.follow_up_on,
            )
            for i in version.interventions.all()
        ),
        child_words=version.child_words,
        guardians_view=version.guardians_view,
        next_follow_up_on=version.next_follow_up_on,
    )


def _normalised(content: PlanContent) -> PlanContent:
    return PlanContent(
        lead_unit_id=content.lead_unit_id,
        goals=tuple(g.strip() for g in content.goals if g.strip()),
        interventions=tuple(
            InterventionInput(
                i.text.strip(),
                i.responsible_unit_id,
                i.responsible_person.strip(),
                i.start_on,
                i.until_on,
                i.follow_up_on,
            )
            for i in content.interventions
        ),
        child_words=content.child_words.strip(),
        guardians_view=content.guardians_view.strip(),
        next_follow_up_on=content.next_follow_up_on,
    )


def _check_content(content: PlanContent, unit_ids: frozenset[UUID]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if content.lead_unit_id not in unit_ids:
        _add(errors, "lead_unit", _("Välj den huvudansvariga verksamheten bland de deltagande."))
    for key, text in (
        ("child_words", content.child_words),
        ("guardians_view", content.guardians_view),
    ):
        if len(text) > MAX_TEXT:
            _add(errors, key, _("Texten får vara högst %(n)s tecken.") % {"n": MAX_TEXT})
    if len(content.goals) > MAX_ROWS or len(content.interventions) > MAX_ROWS:
        _add(errors, "goals", _("Högst %(n)s mål och %(n)s insatser.") % {"n": MAX_ROWS})
    for index, goal in enumerate(content.goals):
        if len(goal) > MAX_ITEM:
            _add(
                errors,
                f"goals-{index}-text",
                _("Målet får vara högst %(n)s tecken.") % {"n": MAX_ITEM},
            )
    for index, row in enumerate(content.interventions):
        key = f"interventions-{index}"
        if not row.text:
            _add(errors, f"{key}-text", _("Beskriv insatsen."))
        elif len(row.text) > MAX_ITEM:
            _add(
                errors, f"{key}-text", _("Insatsen får vara högst %(n)s tecken.") % {"n": MAX_ITEM}
            )
        if row.responsible_unit_id not in unit_ids:
            _add(
                errors,
                f"{key}-responsible_unit",
                _("Välj den ansvariga verksamheten bland de deltagande."),
            )
        if not row.responsible_person:
            _add(errors, f"{key}-responsible_person", _("Ange vem som ansvarar för insatsen."))
        if row.start_on is None:
            _add(errors, f"{key}-start_on", _("Ange när insatsen börjar."))
        if row.until_on is None:
            _add(errors, f"{key}-until_on", _("Ange hur länge insatsen pågår."))
        elif row.start_on is not None and row.until_on < row.start_on:
            _add(
                errors,
                f"{key}-until_on",
                _("Slutdatumet ligger före startdatumet. Ange ett senare datum."),
            )
        if row.follow_up_on is None:
            _add(errors, f"{key}-follow_up_on", _("Ange när insatsen följs upp."))
        elif row.start_on is not None and row.follow_up_on < row.start_on:
            _add(
                errors,
                f"{key}-follow_up_on",
                _("Uppföljningen ligger före insatsens start. Ange ett senare datum."),
            )
    return errors


def _intervention_row(version: PlanVersion, index: int, row: InterventionInput) -> PlanIntervention:
    # _check_content has refused a missing unit or date.
    if not (row.responsible_unit_id and row.start_on and row.until_on and row.follow_up_on):
        raise PlanInvalid
    return PlanIntervention(
        version=version,
        position=index,
        text=row.text,
        responsible_unit_id=row.responsible_unit_id,
        responsible_person=row.responsible_person,
        start_on=row.start_on,
        until_on=row.until_on,
        follow_up_on=row.follow_up_on,
    )


@transaction.atomic
def plan_save(
    *, actor: Actor, plan_id: UUID, expected_version: int, content: PlanContent
) -> PlanVersion:
    """Save the plan's content. An agreed version is frozen: the change becomes a new version.
    A stale form is refused (ConcurrentEdit) unless it repeats what is saved (Back+resubmit).
    Audited as plan.saved with the version number."""
    context = selectors.plan_get_for_update(actor=actor, plan_id=plan_id)
    plan = context.plan
    decision = enforce(policies.can_edit_plan(actor, context.facts, context.consents))
    content = _normalised(content)
    current = context.current
    if plan.version != expected_version:
        if _content_of(current) == content:
            return current  # the same content again: nothing to do
        raise ConcurrentEdit
    errors = _check_content(content, context.facts.participant_unit_ids)
    if errors:
        raise PlanInvalid(details=errors)
    if current.is_agreed:
        if _content_of(current) == content:
            return current  # no change: no new version
        current = PlanVersion(plan=plan, number=current.number + 1)
    else:
        PlanGoal.objects.filter(version=current).delete()
        PlanIntervention.objects.filter(version=current).delete()
    current.lead_unit_id = content.lead_unit_id
    current.child_words = content.child_words
    current.guardians_view = content.guardians_view
    current.next_follow_up_on = content.next_follow_up_on
    current.save()
    PlanGoal.objects.bulk_create(
        PlanGoal(version=current, position=index, text=text)
        for index, text in enumerate(content.goals)
    )
    PlanIntervention.objects.bulk_create(
        _intervention_row(current, index, row) for index, row in enumerate(content.interventions)
    )
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    _audit(actor, AuditAction.CHANGE, "plan.saved", plan, decision, {"number": current.number})
    return current


@transaction.atomic
def plan_agree(
    *,
    actor: Actor,
    plan_id: UUID,
    expected_version: int,
    attendees: str,
    family_agreed: bool,
) -> PlanVersion:
    """The lead marks the current version agreed with who took part and that the family
    agreed; from then on it is frozen. Audited as plan.agreed."""
    context = selectors.plan_get_for_update(actor=actor, plan_id=plan_id)
    plan = context.plan
    decision = policies.can_agree_plan(actor, context.facts, context.consents)
    if not decision and decision.reason == "no_consent":
        raise PlanConsentMissing
    enforce(decision)
    current = context.current
    if current.is_agreed:
        if plan.version == expected_version or expected_version == plan.version - 1:
            return current  # a repeated request
        raise PlanFrozen
    _check_version(plan, expected_version)
    errors: dict[str, list[str]] = {}
    if not attendees.strip():
        _add(errors, "attendees", _("Skriv vilka som deltog när planen kom överens."))
    elif len(attendees) > MAX_ITEM:
        _add(errors, "attendees", _("Texten får vara högst %(n)s tecken.") % {"n": MAX_ITEM})
    if not family_agreed:
        _add(
            errors,
            "family_agreed",
            _("Planen kan bara bli överenskommen när familjen är överens. Kryssa i rutan."),
        )
    if not list(current.goals.all()) or not list(current.interventions.all()):
        _add(
            errors,
            "attendees",
            _("Planen behöver minst ett mål och en insats innan den kan bli överenskommen."),
        )
    if errors:
        raise PlanInvalid(details=errors)
    current.agreed_at = timezone.now()
    current.agreed_by_id = actor.user_id
    current.attendees = attendees.strip()
    current.family_agreed = True
    current.save(
        update_fields=["agreed_at", "agreed_by", "attendees", "family_agreed", "updated_at"]
    )
    plan.version += 1
    plan.save(update_fields=["version", "updated_at"])
    _audit(actor, AuditAction.CHANGE, "plan.agreed", plan, decision, {"number": current.number})
    return current


@transaction.atomic
def plan_read(*, actor: Actor, plan_id: UUID, all_contents: bool = True) -> selectors.PlanContext:
    """Open a SIP: audited as plan.viewed under the basis it was read on. all_contents=False
    loads the current version's goals and interventions only (the plan's page)."""
    context = selectors.plan_get_visible(actor=actor, plan_id=plan_id, all_contents=all_contents)
    decision = policies.can_view_plan(actor, context.facts, context.consents)
    _audit(actor, AuditAction.VIEW, "plan.viewed", context.plan, decision)
    return context


@transaction.atomic
def plans_for_child_read(
    *, actor: Actor, child_id: UUID
) -> tuple[Child, list[selectors.PlanContext], Decision]:
    """The child's SIPs the actor may read, and whether the actor may call one. Audited."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    consents = selectors.plan_consents(child=child)
    plans = selectors.plans_for_child(actor=actor, child=child, consents=consents)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="plan.listed",
        subject=child,
        child_ids=[child.pk],
        details={"plan_ids": [str(p.plan.pk) for p in plans]},
    )
    return child, plans, policies.can_call_plan(actor, relation)


@transaction.atomic
def plan_call_start(
    *, actor: Actor, child_id: UUID
) -> tuple[Child, tuple[policies.PlanConsent, ...]]:
    """The child and its consents for the call form, if the actor may call a SIP. Audited."""
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    decision = enforce(policies.can_call_plan(actor, relation))
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="plan.call_form",
        subject=child,
        child_ids=[child.pk],
        grant=decision.grant,
    )
    return child, selectors.plan_consents(child=child)


@transaction.atomic
def plan_edit_start(*, actor: Actor, plan_id: UUID) -> selectors.PlanContext:
    """The plan for its edit form, if the actor may write it. Audited as plan.viewed."""
    context = selectors.plan_get_visible(actor=actor, plan_id=plan_id)
    decision = enforce(policies.can_edit_plan(actor, context.facts, context.consents))
    _audit(actor, AuditAction.VIEW, "plan.viewed", context.plan, decision, {"form": "edit"})
    return context


@transaction.atomic
def chronology_read(
    *, actor: Actor, child_id: UUID, kinds: frozenset[str] = frozenset()
) -> tuple[Child, list["chronology.Entry"]]:
    """The child's chronology as the actor may see it. Audited as child.chronology."""
    child, _relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    entries = chronology.chronology(actor=actor, child=child, kinds=kinds)
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="child.chronology",
        subject=child,
        child_ids=[child.pk],
        details={"entries": len(entries), "kinds": sorted(kinds)},
    )
    return child, entries
