"""SIP meetings, invitations, reminders and the outside participants' download links
(services, STYLE P2). E-mail is sent by the task worker after commit; each sending is recorded
(PlanSending) in the transaction that sends it, so running a task twice sends nothing twice."""

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.access.actor import Actor
from samverkan.access.decisions import enforce
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.errors import NotFound

from . import invitations, policies, selectors
from .errors import PlanInvalid
from .models import (
    CoordinatedPlan,
    PlanDownload,
    PlanMeeting,
    PlanParticipant,
    PlanSending,
    PlanVersion,
)

DOWNLOAD_DAYS = 7
DOWNLOAD_MAX_ATTEMPTS = 5
REMIND_DAYS_BEFORE = 1


def _participant_email(participant: PlanParticipant) -> str:
    if participant.person_id is not None and participant.person is not None:
        return participant.person.email or participant.person_email
    return participant.person_email


def _is_staff(participant: PlanParticipant) -> bool:
    return participant.person_id is not None and not participant.unit.is_external


@transaction.atomic
def meeting_schedule(
    *,
    actor: Actor,
    plan_id: UUID,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    request_id: UUID | None = None,
) -> PlanMeeting:
    """Book a SIP meeting; the invitations go out after commit. Audited as plan.meeting."""
    context = selectors.plan_get_for_update(actor=actor, plan_id=plan_id)
    decision = enforce(policies.can_edit_plan(actor, context.facts, context.consents))
    if request_id is not None:
        existing = PlanMeeting.objects.filter(
            created_by_id=actor.user_id, request_id=request_id
        ).first()
        if existing is not None:
            return existing
    errors: dict[str, list[str]] = {}
    if starts_at <= timezone.now():
        errors.setdefault("starts_at", []).append(_("Mötet ska ligga framåt i tiden."))
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("Mötet ska sluta efter att det börjar."))
    if not place.strip():
        errors.setdefault("place", []).append(_("Ange var mötet hålls."))
    if errors:
        raise PlanInvalid(details=errors)
    meeting = PlanMeeting.objects.create(
        plan=context.plan,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip()[:300],
        created_by_id=actor.user_id,
        request_id=request_id,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        event="plan.meeting",
        subject=context.plan,
        child_ids=[context.plan.child_id],
        grant=decision.grant,
        purpose=decision.basis or audit.NEED_TO_KNOW,
        details={"meeting_id": str(meeting.pk)},
    )
    from . import tasks  # the task module imports this one

    meeting_id = str(meeting.pk)
    transaction.on_commit(lambda: tasks.send_plan_invitations.enqueue(meeting_id))
    return meeting


def _send(
    *,
    plan: CoordinatedPlan,
    kind: str,
    email: str,
    subject: str,
    body: str,
    ics: bytes | None = None,
    meeting: PlanMeeting | None = None,
    participant: PlanParticipant | None = None,
    contents: dict[str, object] | None = None,
    about_on: datetime.date | None = None,
) -> PlanSending:
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    if ics is not None:
        message.attach("sip.ics", ics, "text/calendar; method=REQUEST; charset=utf-8")
    message.send()
    return PlanSending.objects.create(
        plan=plan,
        meeting=meeting,
        participant=participant,
        kind=kind,
        email=email,
        contents=contents or {},
        about_on=about_on,
        sent_at=timezone.now(),
    )


def meeting_messages_send(*, meeting_id: UUID, kind: str = PlanSending.Kind.INVITATION) -> int:
    """Send the invitation (or the reminder) of one meeting to every participant with an
    e-mail address who has not had it; returns how many were sent. Safe to run twice."""
    with transaction.atomic():
        meeting = (
            PlanMeeting.objects.select_for_update()
            .select_related("plan__child", "created_by")
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None:
            return 0
        plan = meeting.plan
        done = set(
            PlanSending.objects.filter(meeting=meeting, kind=kind).values_list(
                "participant_id", flat=True
            )
        )
        organiser = meeting.created_by.get_full_name() or meeting.created_by.username
        sent = 0
        for participant in plan.participants.select_related("unit", "person").order_by(
            "created_at", "pk"
        ):
            email = _participant_email(participant)
            if not email or participant.pk in done:
                continue
            message = invitations.meeting_message(
                kind=kind,
                plan_id=plan.pk,
                meeting_id=meeting.pk,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                place=meeting.place,
                child_is_protected=plan.child.is_protected,
                recipient=invitations.Recipient(email, _is_staff(participant)),
                organiser=organiser,
            )
            _send(
                plan=plan,
                kind=kind,
                email=email,
                subject=message.subject,
                body=message.body,
                ics=message.ics,
                meeting=meeting,
                participant=participant,
                contents={"ics": True, "place": message.shows_place},
            )
            sent += 1
        if sent:
            audit.record_system(
                municipality_id=plan.municipality_id,
                action=AuditAction.CHANGE,
                event=f"plan.{kind}_sent",
                subject=plan,
                child_ids=[plan.child_id],
                purpose="sip_invitation",
                details={"meeting_id": str(meeting.pk), "count": sent},
            )
    return sent


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Reminders before tomorrow's meetings and for plans whose follow-up date has passed
    (to the lead's named person, once per date). Run daily; safe to run twice."""
    day = today or timezone.localdate()
    count = 0
    tomorrow = day + datetime.timedelta(days=REMIND_DAYS_BEFORE)
    for meeting_id in PlanMeeting.objects.filter(
        starts_at__date=tomorrow, plan__closed_at__isnull=True
    ).values_list("pk", flat=True)[:10000]:
        count += meeting_messages_send(meeting_id=meeting_id, kind=PlanSending.Kind.REMINDER)
    latest = PlanVersion.objects.filter(
        next_follow_up_on__lt=day, plan__closed_at__isnull=True
    ).values_list("plan_id", "number", "next_follow_up_on", "lead_unit_id")[:10000]
    newest: dict[UUID, tuple[int, datetime.date | None, UUID | None]] = {}
    for plan_id, number, on, lead in latest:
        if plan_id not in newest or number > newest[plan_id][0]:
            newest[plan_id] = (number, on, lead)
    for overdue_id, (_number, due, lead_unit) in newest.items():
        if due is not None:
            count += _overdue_send(
                plan_id=overdue_id, follow_up_on=due, lead_unit_id=lead_unit, day=day
            )
    return count


def _overdue_send(
    *, plan_id: UUID, follow_up_on: datetime.date, lead_unit_id: UUID | None, day: datetime.date
) -> int:
    with transaction.atomic():
        plan = CoordinatedPlan.objects.select_for_update().filter(pk=plan_id).first()
        if plan is None or lead_unit_id is None:
            return 0
        # Still overdue only when the newest version keeps this date and no meeting is booked.
        newest = plan.versions.order_by("-number").first()
        if newest is None or newest.next_follow_up_on != follow_up_on:
            return 0
        if plan.meetings.filter(starts_at__date__gte=day).exists():
            return 0
        if PlanSending.objects.filter(
            plan=plan, kind=PlanSending.Kind.FOLLOW_UP_OVERDUE, about_on=follow_up_on
        ).exists():
            return 0
        lead = (
            plan.participants.select_related("person", "unit")
            .filter(unit_id=lead_unit_id, person__isnull=False)
            .first()
        )
        email = _participant_email(lead) if lead else ""
        if lead is None or not email:
            return 0
        subject, body = invitations.overdue_message(plan_id=plan.pk, follow_up_on=follow_up_on)
        _send(
            plan=plan,
            kind=PlanSending.Kind.FOLLOW_UP_OVERDUE,
            email=email,
            subject=subject,
            body=body,
            participant=lead,
            about_on=follow_up_on,
        )
    return 1


def _digest(*parts: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, "|".join(parts).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class DownloadLink:
    download: PlanDownload
    code: str  # shown once to the staff member, who gives it to the participant by phone


@transaction.atomic
def download_link_create(*, actor: Actor, plan_id: UUID, participant_id: UUID) -> DownloadLink:
    """An expiring single-use link to the plan's PDF for an outside participant, e-mailed
    after commit without child data; the code is returned to give separately. Audited."""
    context = selectors.plan_get_for_update(actor=actor, plan_id=plan_id)
    decision = enforce(policies.can_edit_plan(actor, context.facts, context.consents))
    # Only a plan that may be read under a consent leaves the municipality.
    if policies.plan_basis(actor, context.facts, context.consents) is None:
        raise PlanInvalid(
            details={"participant": [_("Planen kan lämnas ut först när samtycket gäller.")]}
        )
    participant = next((p for p in context.plan.participants.all() if p.pk == participant_id), None)
    if participant is None:
        raise NotFound
    if not participant.is_outside or not participant.person_email:
        raise PlanInvalid(
            details={
                "participant": [
                    _("Länk skickas bara till den som deltar utan inloggning och har e-post.")
                ]
            }
        )
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    download = PlanDownload.objects.create(
        plan=context.plan,
        participant=participant,
        token_hash=_digest("token", token),
        code_hash=_digest("code", token, code),
        expires_at=timezone.now() + datetime.timedelta(days=DOWNLOAD_DAYS),
        created_by_id=actor.user_id,
    )
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        event="plan.link_created",
        subject=context.plan,
        child_ids=[context.plan.child_id],
        grant=decision.grant,
        purpose=decision.basis,
        details={"participant_id": str(participant.pk), "download_id": str(download.pk)},
    )
    url = settings.SAMVERKAN_BASE_URL + reverse("plans:download", kwargs={"token": token})
    plan = context.plan

    def send() -> None:
        subject, body = invitations.download_message(
            plan_id=plan.pk, url=url, expires_at=download.expires_at
        )
        with transaction.atomic():
            _send(
                plan=plan,
                kind=PlanSending.Kind.DOWNLOAD_LINK,
                email=participant.person_email,
                subject=subject,
                body=body,
                participant=participant,
                contents={"link": True, "expires_at": download.expires_at.isoformat()},
            )

    transaction.on_commit(send)
    return DownloadLink(download, code)


class DownloadRefused(Exception):
    """The link is unknown, used, expired or locked, or the code is wrong (one message)."""


def download_fetch(*, token: str, code: str) -> tuple[CoordinatedPlan, bytes]:
    """The plan's PDF once for a valid link and code; wrong codes lock the link after
    DOWNLOAD_MAX_ATTEMPTS. Audited as a system entry naming the participant."""
    from . import reports

    with transaction.atomic():
        download = (
            PlanDownload.objects.select_for_update()
            .filter(token_hash=_digest("token", token))
            .first()
        )
        if (
            download is None
            or download.used_at is not None
            or download.expires_at <= timezone.now()
            or download.failed_attempts >= DOWNLOAD_MAX_ATTEMPTS
        ):
            raise DownloadRefused
        if not hmac.compare_digest(download.code_hash, _digest("code", token, code.strip())):
            download.failed_attempts += 1
            download.save(update_fields=["failed_attempts", "updated_at"])
            refused = True
        else:
            refused = False
            download.used_at = timezone.now()
            download.save(update_fields=["used_at", "updated_at"])
            plan = selectors._plans().get(pk=download.plan_id)
            context = selectors.PlanContext(
                plan, selectors.plan_facts(plan=plan), selectors.plan_consents(child=plan.child)
            )
            consent = context.consent
            if consent is None or not consent.opens_plans:
                raise DownloadRefused
            pdf = reports.plan_document_render(
                reports.plan_document_build(context, timezone.localdate())
            )
            audit.record_system(
                municipality_id=plan.municipality_id,
                action=AuditAction.EXPORT,
                event="plan.downloaded",
                subject=plan,
                child_ids=[plan.child_id],
                purpose=f"consent:{consent.consent_id}",
                details={"participant_id": str(download.participant_id)},
            )
    if refused:
        raise DownloadRefused
    return plan, pdf


def sendings_of(*, plan: CoordinatedPlan) -> list[PlanSending]:
    """What was sent to whom and when (shown on the plan page)."""
    return list(
        PlanSending.objects.filter(plan_id=plan.pk)
        .only("id", "plan_id", "kind", "email", "contents", "sent_at")
        .order_by("-sent_at", "pk")[:100]
    )
