"""Reminders of intake's legal deadlines (SoL 2025:400 20 kap. 1–2 §§, 19 kap. 6 §), sent by the
scheduled job (tasks.send_intake_reminders, `samverkan intake_reminders`): a protection
assessment missing, a decision or feedback coming due, due today or overdue.

Each reminder goes to the item's assignee, or without one to the receiving unit's staff; at
most once per item, kind and day (models.Reminder, unique), so running the job twice a day
sends once. Notices carry the reference number only, never data about the child."""

import datetime
import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samverkan.access.models import User
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.notifications import services as notification_services

from . import selectors
from .deadlines import Deadlines, Flag
from .models import IntakeItem, ItemKind, Reminder

logger = logging.getLogger(__name__)

NOTIFY_REMINDER = "intake.reminder"
BATCH = 5000  # open reports of a large municipality fit many times over

# Which flags of which deadline are reminded of, and under what kind.
REMINDED = {
    "protection": (Flag.DUE_TODAY, Flag.OVERDUE),
    "decision": (Flag.SOON, Flag.DUE_TODAY, Flag.OVERDUE),
    "feedback": (Flag.SOON, Flag.DUE_TODAY, Flag.OVERDUE),
}


@dataclass(frozen=True)
class Due:
    """One reminder to send: `kind` is "<deadline>_<flag>", e.g. "decision_overdue"."""

    deadline: str
    flag: str
    date: datetime.date | None

    @property
    def kind(self) -> str:
        return f"{self.deadline}_{self.flag}"


def due_reminders(deadlines: Deadlines, received_on: datetime.date) -> list[Due]:
    """The reminders an item's deadline flags call for (pure)."""
    dates = {
        "protection": received_on,
        "decision": deadlines.decision_date,
        "feedback": deadlines.feedback_date,
    }
    found = []
    for deadline, flags in REMINDED.items():
        flag = getattr(deadlines, deadline)
        if flag in flags:
            found.append(Due(deadline, flag, dates[deadline]))
    return found


def _text(due: Due, reference: str) -> tuple[str, str]:
    """Title and body in the product's language; the reference only, never the child."""
    values = {"ref": reference, "date": due.date.isoformat() if due.date else ""}
    if due.deadline == "protection":
        if due.flag == Flag.DUE_TODAY:
            title = _("Skyddsbedömning ska göras i dag: %(ref)s")
        else:
            title = _("Skyddsbedömning saknas: %(ref)s")
        body = _(
            "En orosanmälan ska skyddsbedömas samma dag som den kommer in (SoL 20 kap. 1 §). "
            "Gör och registrera bedömningen nu."
        )
    elif due.deadline == "decision":
        if due.flag == Flag.SOON:
            title = _("Beslut om utredning senast %(date)s: %(ref)s")
        elif due.flag == Flag.DUE_TODAY:
            title = _("Beslut om utredning ska fattas i dag: %(ref)s")
        else:
            title = _("Beslut om utredning är försenat: %(ref)s")
        body = _(
            "Beslut om att inleda utredning ska fattas inom 14 dagar (SoL 20 kap. 2 §), senast "
            "%(date)s. Fatta beslut, eller förläng med synnerliga skäl."
        )
    else:
        if due.flag == Flag.SOON:
            title = _("Återkoppling till anmälaren senast %(date)s: %(ref)s")
        elif due.flag == Flag.DUE_TODAY:
            title = _("Återkoppling till anmälaren ska lämnas i dag: %(ref)s")
        else:
            title = _("Återkoppling till anmälaren är försenad: %(ref)s")
        body = _(
            "Anmälaren har bett om återkoppling (SoL 19 kap. 6 §), senast %(date)s. Lämna "
            "återkopplingen i ärendet."
        )
    return title % values, body % values


def _open_reports(today: datetime.date) -> list[IntakeItem]:
    """Reports with a deadline still running: one query, the assignee joined."""
    waiting = (
        Q(protection_assessed_at__isnull=True)
        | Q(decided_at__isnull=True)
        | Q(feedback_requested_at__isnull=False, feedback_given_at__isnull=True)
    )
    return list(
        IntakeItem.objects.filter(waiting, kind=ItemKind.REPORT)
        .exclude(status=IntakeItem.Status.CLOSED)
        .select_related("assigned_to")
        .order_by("received_at", "pk")[:BATCH]
    )


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Send every reminder due on `today` (default: today) that was not sent yet; return how
    many were sent. Safe to run again the same day: each goes once per item, kind and day."""
    day = today or timezone.localdate()
    items = _open_reports(day)
    sent_today = set(
        Reminder.objects.filter(day=day, object_id__in=[i.pk for i in items]).values_list(
            "object_id", "kind"
        )
    )
    staff: dict[UUID, list[User]] = {}
    count = 0
    for item in items:
        deadlines = selectors.item_deadlines(item, day)
        for due in due_reminders(deadlines, timezone.localdate(item.received_at)):
            if (item.pk, due.kind) in sent_today:
                continue
            if item.assigned_to is not None:
                recipients = [item.assigned_to]
            else:
                if item.owner_unit_id not in staff:
                    staff[item.owner_unit_id] = selectors.unit_staff_to_notify(
                        unit_id=item.owner_unit_id
                    )
                recipients = staff[item.owner_unit_id]
            if _send(item, due, day, recipients):
                count += 1
    return count


def _send(item: IntakeItem, due: Due, day: datetime.date, recipients: list[User]) -> bool:
    """One reminder in one transaction: the Reminder row (unique), the notices, the audit entry.
    A concurrent run that got there first makes this one a no-op."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                municipality_id=item.municipality_id, object_id=item.pk, kind=due.kind, day=day
            )
            with translation.override(settings.LANGUAGE_CODE):
                title, body = _text(due, item.reference)
                notification_services.notify(
                    recipients=recipients,
                    kind=NOTIFY_REMINDER,
                    title=str(title),
                    body=str(body),
                    url=reverse("intake:item", args=[item.pk]),
                )
            audit.record_system(
                municipality_id=item.municipality_id,
                action=AuditAction.CREATE,
                event="intake.reminder_sent",
                subject=item,
                child_ids=[item.child_id],
                purpose="intake_remit",
                details={
                    "reference": item.reference,
                    "kind": due.kind,
                    "day": day.isoformat(),
                    "recipients": sorted(str(u.pk) for u in recipients),
                },
            )
    except IntegrityError:
        logger.info("reminder %s for %s already sent on %s", due.kind, item.pk, day)
        return False
    return True
