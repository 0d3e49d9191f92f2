"""Writes of support episodes (STYLE P2): a request from intake's hand-over, the work lead's
accept / decline / assignment, the start with consent and outcomes, the end. Each write loads
through a selector, enforces its policy, validates, writes, audits and notifies in one
transaction, and is safe to repeat (request ids, set-once steps, versions)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import Decision, enforce
from samverkan.access.models import User
from samverkan.access.roles import Role
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.children import selectors as child_selectors
from samverkan.children.models import Child
from samverkan.consent import services as consent_services
from samverkan.consent.errors import ConsentInvalid
from samverkan.consent.models import Consent, ConsentParty
from samverkan.consent.rules import age_on
from samverkan.core.errors import ConcurrentEdit, NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.intake import selectors as intake_selectors
from samverkan.notifications import services as notification_services
from samverkan.organisations.models import Unit

from . import policies, rules, selectors
from .errors import EpisodeInvalid
from .models import Episode, EpisodeMember, EpisodeOutcome, EpisodeSubject, EpisodeType
from .types import DEFAULT_TYPES, FAMILY, INTENSIVE, NETWORK

NOTIFY_REQUEST = "support.request"
NOTIFY_DECIDED = "support.request_decided"
NOTIFY_ASSIGNED = "support.assigned"
NOTIFY_ENDED = "support.ended"
# The type a hand-over starts as, by the team's function; the work lead may change it.
TYPE_BY_FUNCTION: dict[str, str] = {
    Unit.Function.SCHOOL_SOCIAL_TEAM: INTENSIVE,
    Unit.Function.FAMILY_TEAM: FAMILY,
}


def _notify(recipients: list[User], kind: str, title: str, body: str, url: str) -> None:
    # Notifications never carry data about a child (no name, no identity number).
    with translation.override(settings.LANGUAGE_CODE):
        notification_services.notify(
            recipients=recipients, kind=kind, title=str(title), body=str(body), url=url
        )


def _audit(
    actor: Actor,
    episode: Episode,
    event: str,
    decision: Decision | None = None,
    action: str = AuditAction.CHANGE,
    **details: Any,
) -> None:
    child_ids = [
        str(c)
        for c in EpisodeSubject.objects.filter(episode_id=episode.pk, child__isnull=False)
        .order_by("pk")
        .values_list("child_id", flat=True)
    ] or [str(episode.child_id)]
    audit.record(
        actor=actor,
        action=action,
        event=event,
        subject=episode,
        child_ids=child_ids,
        purpose=decision.reason if decision is not None else "caseload",
        grant=decision.grant if decision is not None else None,
        details={"team": str(episode.owner_unit_id), **details},
    )


def _bump(episode: Episode, *fields: str) -> None:
    episode.version += 1
    episode.save(update_fields=[*fields, "version", "updated_at"])


def _check_version(episode: Episode, version: int | None) -> None:
    if version is not None and version != episode.version:
        raise ConcurrentEdit


# ---------------------------------------------------------------------------------------------
# Configuration


@transaction.atomic
def episode_types_ensure(*, municipality_id: UUID) -> list[EpisodeType]:
    """Create the seeds' four types for a municipality that has none of them yet (idempotent;
    a type the municipality changed is left as it is)."""
    existing = set(
        EpisodeType.objects.filter(municipality_id=municipality_id).values_list("code", flat=True)
    )
    created = [
        EpisodeType(
            municipality_id=municipality_id,
            code=spec.code,
            name=str(spec.name),
            age_from=spec.age_from,
            age_to=spec.age_to,
            weeks_limit=spec.weeks_limit,
            professions=list(spec.professions),
            consent_purpose=spec.consent_purpose,
            is_family_work=spec.is_family_work,
        )
        for spec in DEFAULT_TYPES
        if spec.code not in existing
    ]
    with translation.override(settings.LANGUAGE_CODE):
        EpisodeType.objects.bulk_create(created)
    return created


# ---------------------------------------------------------------------------------------------
# Requests


def episode_request_from_handover(
    *,
    actor: Actor,
    item: Any,
    team: Unit,
    note: str,
) -> Episode:
    """Intake hands an item over to a team (R2.8): the item becomes an episode request for the
    team's work lead. Called inside intake's hand-over transaction, which audits the hand-over
    and owns the item's policy; repeated hand-overs return the same request."""
    existing = Episode.objects.filter(intake_item_id=item.pk).first()
    if existing is not None:
        return existing
    episode_types_ensure(municipality_id=item.municipality_id)
    code = TYPE_BY_FUNCTION.get(team.function, NETWORK)
    episode_type = EpisodeType.objects.filter(
        municipality_id=item.municipality_id, code=code
    ).first() or (
        EpisodeType.objects.filter(municipality_id=item.municipality_id, is_active=True)
        .order_by("name")
        .first()
    )
    if episode_type is None:  # pragma: no cover - ensure() just created them
        raise NotFound
    episode = Episode.objects.create(
        municipality_id=item.municipality_id,
        child_id=item.child_id,
        domain=SecrecyDomain.SOCIAL_SERVICES,
        category=RecordCategory.SOCIAL_SITUATION,
        owner_unit=team,
        created_by_id=actor.user_id,
        episode_type=episode_type,
        # A school's support request keeps its origin; a report comes through intake.
        source=(
            Episode.Source.SUPPORT_REQUEST
            if item.kind == "support_request"
            else Episode.Source.INTAKE_HANDOVER
        ),
        intake_item=item,
        referring_school_id=item.school_id,
        request_note=note.strip(),
    )
    EpisodeSubject.objects.create(episode=episode, child_id=item.child_id)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="support.requested",
        subject=episode,
        child_ids=[item.child_id],
        purpose="intake_remit",
        details={"team": str(team.pk), "item": str(item.pk)},
    )
    _notify(
        _work_leads(team.pk),
        NOTIFY_REQUEST,
        _("Ny förfrågan till %(team)s") % {"team": team.name},
        _("Ta ställning till förfrågan på tavlan."),
        reverse("support:board"),
    )
    return episode


def episode_request_from_principal(
    *,
    actor: Actor,
    child_id: UUID,
    team_id: UUID,
    note: str,
    school_id: UUID | None = None,
    request_id: UUID | None = None,
) -> Episode:
    """The principal contacts the team's member responsible for the school (R2.8): a request
    for an episode on the team's board, like intake's hand-over. The work lead accepts or
    declines it with a reason the principal sees. The same request_id returns the first."""
    if request_id is not None:
        existing = Episode.objects.filter(
            created_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is not None:
            return existing
    try:
        return _episode_request_from_principal(
            actor=actor,
            child_id=child_id,
            team_id=team_id,
            note=note,
            school_id=school_id,
            request_id=request_id,
        )
    except IntegrityError:
        existing = Episode.objects.filter(
            created_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is None or request_id is None:
            raise
        return existing


@transaction.atomic
def _episode_request_from_principal(
    *,
    actor: Actor,
    child_id: UUID,
    team_id: UUID,
    note: str,
    school_id: UUID | None,
    request_id: UUID | None,
) -> Episode:
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    facts = policies.ContactFacts(relation.municipality_id, relation.current_school_ids)
    decision = enforce(policies.can_send_team_request(actor, facts, school_id))
    schools = policies.contact_schools(actor, facts)
    contacts = [
        c
        for c in selectors.contact_teams(municipality_id=actor.tenant_id, school_ids=schools)
        if c.team_id == team_id and (school_id is None or c.school_id == school_id)
    ]
    errors: dict[str, list[str]] = {}
    if not contacts:
        errors["team"] = [_("Välj ett team som har en skolansvarig för er skola.")]
    if not note.strip():
        errors["note"] = [_("Skriv kort vad ni ser hos eleven och vad ni vill ha hjälp med.")]
    if errors:
        raise EpisodeInvalid(details=errors)
    contact = contacts[0]
    team = Unit.objects.get(pk=contact.team_id)
    episode_types_ensure(municipality_id=actor.tenant_id)
    code = TYPE_BY_FUNCTION.get(team.function, NETWORK)
    episode_type = EpisodeType.objects.filter(municipality_id=actor.tenant_id, code=code).first()
    if episode_type is None:  # pragma: no cover - ensure() just created them
        raise NotFound
    episode = Episode.objects.create(
        municipality_id=actor.tenant_id,
        child_id=child.pk,
        domain=SecrecyDomain.SOCIAL_SERVICES,
        category=RecordCategory.SOCIAL_SITUATION,
        owner_unit=team,
        created_by_id=actor.user_id,
        episode_type=episode_type,
        source=Episode.Source.PRINCIPAL_CONTACT,
        referring_school_id=contact.school_id,
        request_note=note.strip(),
        request_id=request_id,
    )
    EpisodeSubject.objects.create(episode=episode, child_id=child.pk)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="support.requested",
        subject=episode,
        child_ids=[child.pk],
        purpose=decision.reason,
        grant=decision.grant,
        details={
            "team": str(team.pk),
            "school": str(contact.school_id),
            "school_responsible": str(contact.member_id),
        },
    )
    responsible = list(User.objects.filter(pk=contact.member_id))
    _notify(
        [*_work_leads(team.pk), *[u for u in responsible if u.pk not in _lead_ids(team.pk)]],
        NOTIFY_REQUEST,
        _("Ny förfrågan från en rektor till %(team)s") % {"team": team.name},
        _("Ta ställning till förfrågan på tavlan."),
        reverse("support:board"),
    )
    return episode


def _lead_ids(team_id: UUID) -> set[UUID]:
    return {u.pk for u in _work_leads(team_id)}


def team_request_form_read(*, actor: Actor, child: Child) -> None:
    """The principal opens the contact form about a pupil: audited like any view of a child."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        event="support.team_request_form_viewed",
        object_type="children.child",
        object_id=str(child.pk),
        child_ids=[child.pk],
        purpose="principal_contact",
    )


def sent_requests_read(*, actor: Actor) -> list[dict[str, Any]]:
    """The principal's sent requests with their answers: one audit entry listing the children."""
    enforce(policies.can_view_sent_requests(actor))
    return _rows_read(actor, selectors.sent_requests, "support.sent_requests_viewed", "sender")


def _rows_read(
    actor: Actor,
    read: Callable[..., list[dict[str, Any]]],
    event: str,
    purpose: str,
) -> list[dict[str, Any]]:
    """A list of episode rows with one audit entry naming every child shown."""
    with transaction.atomic():
        rows = read(actor=actor)
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event=event,
            object_type="support.episode",
            child_ids=sorted({str(r["child_id"]) for r in rows}),
            purpose=purpose,
            details={"rows": len(rows)},
        )
    return rows


def _work_leads(team_id: UUID) -> list[User]:
    return [u for u, role in selectors.team_members(team_id=team_id) if role == Role.WORK_LEAD]


@transaction.atomic
def episode_accept(
    *,
    actor: Actor,
    episode_id: UUID,
    episode_type_id: UUID,
    member_ids: list[UUID],
    lead_member_id: UUID | None = None,
    family_adult_ids: list[UUID] | None = None,
    version: int | None = None,
) -> Episode:
    """The work lead accepts a request, chooses its type and assigns members (R0.7)."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    if episode.status == Episode.Status.ACCEPTED and episode.episode_type_id == episode_type_id:
        enforce(policies.can_assign_members(actor, facts))  # the team's work lead
        return episode  # the same acceptance again (double submit, Back and resubmit)
    decision = enforce(policies.can_decide_request(actor, facts))
    _check_version(episode, version)
    errors: dict[str, list[str]] = {}
    episode_type = (
        selectors.episode_types(municipality_id=actor.tenant_id).filter(pk=episode_type_id).first()
    )
    if episode_type is None:
        errors["episode_type"] = [_("Välj en insatstyp.")]
    staff = {u.pk: (u, role) for u, role in selectors.team_members(team_id=episode.owner_unit_id)}
    chosen = [m for m in dict.fromkeys(member_ids) if m in staff]
    if not chosen or len(chosen) != len(set(member_ids)):
        errors["members"] = [_("Välj minst en medarbetare i teamet.")]
    if lead_member_id is not None and lead_member_id not in chosen:
        errors.setdefault("lead_member", []).append(
            _("Huvudansvarig måste vara en av de valda medarbetarna.")
        )
    if errors:
        raise EpisodeInvalid(details=errors)
    assert episode_type is not None  # noqa: S101  # errors raised above
    episode.episode_type = episode_type
    episode.status = Episode.Status.ACCEPTED
    episode.decided_by_id = actor.user_id
    episode.decided_at = timezone.now()
    if episode_type.is_family_work:
        episode.subject_kind = Episode.SubjectKind.FAMILY
        _family_subjects(episode, family_adult_ids or [])
    _bump(episode, "episode_type", "status", "decided_by", "decided_at", "subject_kind")
    lead = lead_member_id or chosen[0]
    for user_id in chosen:
        _member_add(actor, episode, staff[user_id][0], staff[user_id][1], user_id == lead)
    _audit(
        actor,
        episode,
        "support.accepted",
        decision,
        episode_type=episode_type.code,
        members=[str(m) for m in chosen],
    )
    _notify(
        [staff[m][0] for m in chosen],
        NOTIFY_ASSIGNED,
        _("Du har fått en ny insats i %(team)s") % {"team": episode.owner_unit.name},
        _("Insatsen finns bland dina ärenden."),
        reverse("support:episode", args=[episode.pk]),
    )
    return episode


def _family_subjects(episode: Episode, adult_ids: list[UUID]) -> None:
    """A family episode lists the family's adults (R2.1): each consents for their own part."""
    child = Child.objects.get(pk=episode.child_id)
    adults = {a.pk: a for a in selectors.family_adults(child=child)}
    have = set(
        EpisodeSubject.objects.filter(episode_id=episode.pk, adult__isnull=False).values_list(
            "adult_id", flat=True
        )
    )
    for adult_id in adult_ids or list(adults):
        if adult_id in adults and adult_id not in have:
            EpisodeSubject.objects.create(episode=episode, adult_id=adult_id)


def _member_add(actor: Actor, episode: Episode, user: User, role: str, is_lead: bool) -> None:
    organisation = (
        EpisodeMember.Organisation.EDUCATION
        if role == Role.TEAM_TEACHER
        else EpisodeMember.Organisation.SOCIAL_SERVICES
    )
    EpisodeMember.objects.create(
        episode=episode,
        user=user,
        role=role,
        organisation=organisation,
        is_lead=is_lead,
        assigned_by_id=actor.user_id,
    )


@transaction.atomic
def episode_decline(
    *, actor: Actor, episode_id: UUID, reason: str, version: int | None = None
) -> Episode:
    """The work lead declines a request with a reason the sender sees (R0.7)."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    if episode.status == Episode.Status.DECLINED:
        enforce(policies.can_repeat_step(actor, facts))
        return episode
    decision = enforce(policies.can_decide_request(actor, facts))
    _check_version(episode, version)
    if not reason.strip():
        raise EpisodeInvalid(
            details={"reason": [_("Skriv varför förfrågan avböjs. Avsändaren ser skälet.")]}
        )
    episode.status = Episode.Status.DECLINED
    episode.decline_reason = reason.strip()
    episode.decided_by_id = actor.user_id
    episode.decided_at = timezone.now()
    _bump(episode, "status", "decline_reason", "decided_by", "decided_at")
    _audit(actor, episode, "support.declined", decision)
    sender = (
        User.objects.filter(pk=episode.created_by_id).first()
        if episode.created_by_id is not None
        else None
    )
    if sender is not None:
        _notify(
            [sender],
            NOTIFY_DECIDED,
            _("%(team)s avböjde en förfrågan") % {"team": episode.owner_unit.name},
            _("Skälet står i ärendet."),
            _sender_url(episode),
        )
    return episode


def _sender_url(episode: Episode) -> str:
    if episode.intake_item_id is not None:
        return reverse("intake:item", args=[episode.intake_item_id])
    if episode.source == Episode.Source.PRINCIPAL_CONTACT:
        return reverse("support:sent")
    return reverse("support:episode", args=[episode.pk])


@transaction.atomic
def member_assign(
    *, actor: Actor, episode_id: UUID, user_id: UUID, version: int | None = None
) -> Episode:
    """The work lead adds a member of the team to an accepted or running episode."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    decision = enforce(policies.can_assign_members(actor, facts))
    if user_id in facts.member_user_ids:
        return episode
    _check_version(episode, version)
    staff = {u.pk: (u, role) for u, role in selectors.team_members(team_id=episode.owner_unit_id)}
    if user_id not in staff:
        raise EpisodeInvalid(details={"member": [_("Välj en medarbetare i teamet.")]})
    _member_add(actor, episode, staff[user_id][0], staff[user_id][1], is_lead=False)
    _bump(episode)
    _audit(actor, episode, "support.member_assigned", decision, member=str(user_id))
    _notify(
        [staff[user_id][0]],
        NOTIFY_ASSIGNED,
        _("Du har fått en ny insats i %(team)s") % {"team": episode.owner_unit.name},
        _("Insatsen finns bland dina ärenden."),
        reverse("support:episode", args=[episode.pk]),
    )
    return episode


@transaction.atomic
def member_release(
    *, actor: Actor, episode_id: UUID, user_id: UUID, version: int | None = None
) -> Episode:
    """The work lead releases a member; the member's access through the episode ends."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    decision = enforce(policies.can_assign_members(actor, facts))
    if user_id not in facts.member_user_ids:
        return episode
    _check_version(episode, version)
    if facts.member_user_ids == frozenset({user_id}):
        raise EpisodeInvalid(
            details={"member": [_("Insatsen måste ha minst en medarbetare. Lägg till en först.")]}
        )
    EpisodeMember.objects.filter(
        episode_id=episode.pk, user_id=user_id, ended_at__isnull=True
    ).update(ended_at=timezone.now())
    _bump(episode)
    _audit(actor, episode, "support.member_released", decision, member=str(user_id))
    return episode


@transaction.atomic
def adult_consent_record(
    *,
    actor: Actor,
    episode_id: UUID,
    adult_id: UUID,
    answer: str,
    proof: consent_services.EvidenceInput,
    evidence: UploadedFile | None = None,
) -> ConsentParty:
    """An adult of a family episode consents for their own part (issue 12, 3; R2.3, R2.6), on
    the child's consent to the service that names the team, with evidence (a signed form, or
    who received an oral answer, when and how). The team's staff record it, on the way to the
    start or while the episode runs; a repeat returns the first answer."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    decision = enforce(policies.can_record_adult_consent(actor, facts))
    state = selectors.adult_consents(episode=episode)
    if adult_id not in {pk for pk, _name, _given in state.adults}:
        raise EpisodeInvalid(details={"adult": [_("Välj en av familjens vuxna i listan.")]})
    if state.consent_id is None:
        raise EpisodeInvalid(
            details={
                "adult": [
                    _(
                        "Registrera först samtycket till insatsen för barnet, som nämner "
                        "teamet. De vuxnas samtycke för egen del läggs till på det."
                    )
                ]
            }
        )
    consent = Consent.objects.select_for_update(no_key=True).get(pk=state.consent_id)
    repeat = consent.parties.filter(
        kind=ConsentParty.Kind.ADULT, guardian_id=adult_id, answer=answer, withdrawn_at__isnull=True
    ).first()
    if repeat is not None:
        return repeat  # the same answer again (double submit, Back and resubmit)
    try:
        party = consent_services.adult_party_create(
            consent=consent, adult_id=adult_id, answer=answer, proof=proof, evidence=evidence
        )
    except ConsentInvalid as error:
        raise EpisodeInvalid(details=error.details) from None
    details = {
        "consent": str(consent.pk),
        "adult": str(adult_id),
        "answer": party.answer,
        "evidence": proof.kind,
    }
    _audit(actor, episode, "support.adult_consent_recorded", decision, **details)
    audit.record(
        actor=actor,
        action=AuditAction.CHANGE,
        event="consent.changed",
        subject=consent,
        child_ids=[consent.child_id],
        grant=decision.grant,
        details={"party_added": f"adult:{party.answer}:{party.form}", "adult": str(adult_id)},
    )
    return party


# ---------------------------------------------------------------------------------------------
# Start, outcomes and end


@dataclass(frozen=True)
class OutcomeInput:
    """Outcomes (R2.10) as typed by the worker, or filled in with the family."""

    eligible_upper_secondary: str = EpisodeOutcome.TriState.UNKNOWN
    attendance_percent: int | None = None
    family_rating: int | None = None
    adults_work_or_study: str = EpisodeOutcome.TriState.UNKNOWN
    goals_reached: str = EpisodeOutcome.TriState.UNKNOWN


def _outcome_errors(outcome: OutcomeInput, errors: dict[str, list[str]]) -> None:
    tri = EpisodeOutcome.TriState.values
    for field in ("eligible_upper_secondary", "adults_work_or_study", "goals_reached"):
        if getattr(outcome, field) not in tri:
            errors.setdefault(field, []).append(_("Välj ett av alternativen."))
    if outcome.attendance_percent is not None and not 0 <= outcome.attendance_percent <= 100:
        errors.setdefault("attendance_percent", []).append(
            _("Ange närvaron i procent, mellan 0 och 100.")
        )
    if outcome.family_rating is not None and not 1 <= outcome.family_rating <= 5:
        errors.setdefault("family_rating", []).append(_("Välj familjens skattning mellan 1 och 5."))


def _outcome_save(actor: Actor, episode: Episode, phase: str, outcome: OutcomeInput) -> None:
    EpisodeOutcome.objects.update_or_create(
        episode=episode,
        phase=phase,
        defaults={
            "eligible_upper_secondary": outcome.eligible_upper_secondary,
            "attendance_percent": outcome.attendance_percent,
            "family_rating": outcome.family_rating,
            "adults_work_or_study": outcome.adults_work_or_study,
            "goals_reached": outcome.goals_reached,
            "recorded_by_id": actor.user_id,
        },
    )


@transaction.atomic
def episode_start(
    *,
    actor: Actor,
    episode_id: UUID,
    started_on: datetime.date,
    outcome: OutcomeInput,
    age_reason: str = "",
    version: int | None = None,
) -> Episode:
    """Start an accepted episode: the consent it needs must be in force and name the team
    (SoL 21 kap. 1–2 §§; each adult of a family for their own part; R2.6's mandate for family
    coordination); an age outside the type's range needs a written reason; the start outcomes
    are recorded (R2.10); a time-limited type gets its planned end (R0.3)."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    if episode.status == Episode.Status.ACTIVE and episode.started_on == started_on:
        enforce(policies.can_repeat_step(actor, facts))
        return episode
    decision = enforce(policies.can_start_episode(actor, facts))
    _check_version(episode, version)
    episode_type = episode.episode_type
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if started_on > today + datetime.timedelta(days=31):
        errors["started_on"] = [_("Startdatumet får ligga högst en månad fram i tiden.")]
    child = Child.objects.get(pk=episode.child_id)
    age = age_on(child.birth_date, started_on)
    outside = rules.age_outside(age=age, age_from=episode_type.age_from, age_to=episode_type.age_to)
    if outside and not age_reason.strip():
        errors["age_reason"] = [
            _(
                "Barnet är %(age)s år och %(type)s gäller %(from)s–%(to)s år. "
                "Skriv varför insatsen ändå ges."
            )
            % {
                "age": age,
                "type": episode_type.name,
                "from": episode_type.age_from,
                "to": episode_type.age_to,
            }
        ]
    _outcome_errors(outcome, errors)
    children, adults = selectors.subject_names(episode=episode)
    check = rules.service_consent(
        purpose=episode_type.consent_purpose,
        team_id=episode.owner_unit_id,
        child_names=children,
        adult_names=adults,
        facts=selectors.service_consent_facts(child_ids=list(children)),
    )
    if not check.ok:
        errors["consent"] = list(check.missing)
    if errors:
        raise EpisodeInvalid(details=errors)
    episode.status = Episode.Status.ACTIVE
    episode.started_on = started_on
    episode.planned_end_on = rules.planned_end(started_on, episode_type.weeks_limit)
    episode.age_reason = age_reason.strip() if outside else ""
    episode.service_consent_id = check.consent_ids[0] if check.consent_ids else None
    _bump(episode, "status", "started_on", "planned_end_on", "age_reason", "service_consent")
    _outcome_save(actor, episode, EpisodeOutcome.Phase.START, outcome)
    _audit(
        actor,
        episode,
        "support.started",
        decision,
        consents=[str(c) for c in check.consent_ids],
        age_outside_range=outside,
    )
    return episode


@transaction.atomic
def outcome_record(
    *,
    actor: Actor,
    episode_id: UUID,
    phase: str,
    outcome: OutcomeInput,
    version: int | None = None,
) -> EpisodeOutcome:
    """Correct the start outcomes of a running episode, or fill in the family's rating with
    them on the screen (R2.10); teachers record the school outcomes they own (R0.5)."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    decision = enforce(policies.can_record_outcome(actor, facts))
    _check_version(episode, version)
    errors: dict[str, list[str]] = {}
    if phase not in EpisodeOutcome.Phase.values:
        errors["phase"] = [_("Välj vid start eller vid avslut.")]
    _outcome_errors(outcome, errors)
    if errors:
        raise EpisodeInvalid(details=errors)
    _outcome_save(actor, episode, phase, outcome)
    _bump(episode)
    _audit(actor, episode, "support.outcome_recorded", decision, phase=phase)
    return EpisodeOutcome.objects.get(episode=episode, phase=phase)


@transaction.atomic
def episode_end(
    *,
    actor: Actor,
    episode_id: UUID,
    ended_on: datetime.date,
    reason: str,
    outcome: OutcomeInput,
    version: int | None = None,
) -> Episode:
    """End a running episode with its reason and end outcomes. The referring school's leader is
    told it ended, without content; the members' access through it ends at commit (issue 12,
    7): the caseload relation counts only open episodes."""
    episode, facts = selectors.episode_get_for_update(actor=actor, episode_id=episode_id)
    if episode.status == Episode.Status.ENDED:
        enforce(policies.can_repeat_step(actor, facts))
        return episode
    decision = enforce(policies.can_end_episode(actor, facts))
    _check_version(episode, version)
    errors: dict[str, list[str]] = {}
    if reason not in Episode.EndReason.values:
        errors["reason"] = [_("Välj varför insatsen avslutas.")]
    today = timezone.localdate()
    if ended_on > today:
        errors["ended_on"] = [_("Slutdatumet får inte ligga i framtiden.")]
    elif episode.started_on is not None and ended_on < episode.started_on:
        errors["ended_on"] = [_("Slutdatumet får inte ligga före startdatumet.")]
    _outcome_errors(outcome, errors)
    if errors:
        raise EpisodeInvalid(details=errors)
    episode.status = Episode.Status.ENDED
    episode.ended_on = ended_on
    episode.end_reason = reason
    _bump(episode, "status", "ended_on", "end_reason")
    _outcome_save(actor, episode, EpisodeOutcome.Phase.END, outcome)
    EpisodeMember.objects.filter(episode_id=episode.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    past = rules.is_past_limit(
        status=Episode.Status.ACTIVE, planned_end_on=episode.planned_end_on, today=ended_on
    )
    _audit(actor, episode, "support.ended", decision, reason=reason, past_limit=past)
    if episode.referring_school_id is not None:
        _notify(
            intake_selectors.school_leaders(school_id=episode.referring_school_id),
            NOTIFY_ENDED,
            _("Ett stöd från %(team)s har avslutats") % {"team": episode.owner_unit.name},
            _("Kontakta teamet om ni vill veta mer."),
            _ended_url(episode),
        )
    return episode


def _ended_url(episode: Episode) -> str:
    # The sender's own page of what they sent, never the episode (no content crosses).
    if episode.intake_item_id is not None:
        return reverse("intake:sent_item", args=[episode.intake_item_id])
    if episode.source == Episode.Source.PRINCIPAL_CONTACT:
        return reverse("support:sent")
    return ""


# ---------------------------------------------------------------------------------------------
# Audited reads


def episode_read(*, actor: Actor, episode_id: UUID) -> selectors.EpisodePage:
    """Open an episode: one audit entry naming its children and the relation that allowed it."""
    with transaction.atomic():
        page = selectors.episode_page(actor=actor, episode_id=episode_id)
        decision = policies.can_view_episode(actor, page.facts)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            event="support.episode_viewed",
            subject=page.episode,
            child_ids=[s.child_id for s in page.subjects if s.child_id is not None],
            purpose=decision.reason,
            grant=decision.grant,
        )
    return page


def caseload_read(*, actor: Actor) -> list[dict[str, Any]]:
    """A member's caseload: one audit entry listing every child shown."""
    enforce(policies.can_view_caseload(actor))
    return _rows_read(actor, selectors.caseload, "support.caseload_viewed", "caseload")


def board_read(*, actor: Actor) -> selectors.Board:
    """The work lead's board: one audit entry listing every child shown."""
    enforce(policies.can_view_board(actor))
    with transaction.atomic():
        board = selectors.board(actor=actor)
        audit.record(
            actor=actor,
            action=AuditAction.SEARCH,
            event="support.board_viewed",
            object_type="support.episode",
            child_ids=sorted({str(r["child_id"]) for r in board.requests + board.past_limit}),
            purpose="caseload",
            details={"requests": len(board.requests), "past_limit": board.past_limit_count},
        )
    return board
