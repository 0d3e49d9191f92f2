"""Reminders of intake's deadlines with frozen dates: the items' received_at and decided_at are
set by queryset update and the day is passed as `today=`."""

import datetime
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.intake import deadlines, reminders, services, tasks
from samverkan.intake.models import IntakeItem, Reminder
from samverkan.notifications.models import Notification

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = datetime.date(2026, 3, 2)  # no holiday in the 14 days after


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=STOCKHOLM)


def send_report(world: Any, *, received: datetime.date = MONDAY, **fields: Any) -> IntakeItem:
    """A report from the teacher about child1, received on `received`."""
    item = services.report_submit(
        actor=actor_of(world.users["teacher"]),
        school_id=world.school1.pk,
        child_id=world.child1.pk,
        observed="Blåmärken på armen.",
        situation="Vill inte gå hem.",
        needs_protection_now="unknown",
        guardians_informed="no",
    )
    values: dict[str, Any] = {
        "received_at": at(received),
        "decision_due": deadlines.decision_due(received),
        "feedback_requested_at": at(received),
    }
    values.update(fields)
    IntakeItem.objects.filter(pk=item.pk).update(**values)
    Notification.objects.all().delete()  # leave the "new item" notices out
    item.refresh_from_db()
    return item


def reminders_of(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=reminders.NOTIFY_REMINDER))


def kinds(item: IntakeItem, day: datetime.date) -> set[str]:
    return set(Reminder.objects.filter(object_id=item.pk, day=day).values_list("kind", flat=True))


def test_same_day_the_unit_is_told_the_protection_assessment_is_due_today(world: Any) -> None:
    item = send_report(world)

    sent = reminders.reminders_send(today=MONDAY)

    assert sent == 1
    assert kinds(item, MONDAY) == {"protection_due_today"}
    [notice] = reminders_of(world.users["intake"])
    assert notice.title == f"Skyddsbedömning ska göras i dag: {item.reference}"
    assert notice.url == f"/mottagning/arenden/{item.pk}/"
    for secret in ("Ella", "Andersson", "Blåmärken", str(world.child1.pk)):
        assert secret not in notice.title + notice.body
    event = AuditEvent.objects.get(event="intake.reminder_sent")
    assert event.actor_username == "system"
    assert event.child_ids == [str(world.child1.pk)]
    assert event.details["kind"] == "protection_due_today"


def test_next_day_the_missing_assessment_is_overdue(world: Any) -> None:
    item = send_report(world)

    reminders.reminders_send(today=MONDAY + datetime.timedelta(days=1))

    assert kinds(item, MONDAY + datetime.timedelta(days=1)) == {"protection_overdue"}
    [notice] = reminders_of(world.users["intake"])
    assert notice.title == f"Skyddsbedömning saknas: {item.reference}"


def test_running_twice_the_same_day_sends_once(world: Any) -> None:
    send_report(world)

    first = reminders.reminders_send(today=MONDAY)
    second = reminders.reminders_send(today=MONDAY)

    assert (first, second) == (1, 0)
    assert len(reminders_of(world.users["intake"])) == 1
    assert AuditEvent.objects.filter(event="intake.reminder_sent").count() == 1
    assert Reminder.objects.count() == 1


def test_a_second_day_sends_again(world: Any) -> None:
    send_report(world)

    reminders.reminders_send(today=MONDAY + datetime.timedelta(days=1))
    reminders.reminders_send(today=MONDAY + datetime.timedelta(days=2))

    assert len(reminders_of(world.users["intake"])) == 2


def test_the_assignee_is_reminded_instead_of_the_unit(world: Any) -> None:
    worker = world.users["intake"]
    other = world.users["unit_head"]
    send_report(world, assigned_to=other)

    reminders.reminders_send(today=MONDAY)

    assert len(reminders_of(other)) == 1
    assert reminders_of(worker) == []


def test_decision_coming_due_due_today_and_overdue(world: Any) -> None:
    item = send_report(world, protection_assessed_at=at(MONDAY))
    due = item.decision_due
    assert due == datetime.date(2026, 3, 16)

    reminders.reminders_send(today=due - datetime.timedelta(days=3))
    reminders.reminders_send(today=due - datetime.timedelta(days=2))
    reminders.reminders_send(today=due)
    reminders.reminders_send(today=due + datetime.timedelta(days=1))

    assert kinds(item, due - datetime.timedelta(days=3)) == set()
    assert kinds(item, due - datetime.timedelta(days=2)) == {"decision_soon"}
    assert kinds(item, due) == {"decision_due_today"}
    assert kinds(item, due + datetime.timedelta(days=1)) == {"decision_overdue"}
    titles = [n.title for n in reminders_of(world.users["intake"])]
    assert f"Beslut om utredning är försenat: {item.reference}" in titles
    assert f"Beslut om utredning senast 2026-03-16: {item.reference}" in titles


def test_an_extension_moves_the_decision_reminder(world: Any) -> None:
    item = send_report(
        world, protection_assessed_at=at(MONDAY), extended_due=datetime.date(2026, 4, 1)
    )

    reminders.reminders_send(today=datetime.date(2026, 3, 17))

    assert kinds(item, datetime.date(2026, 3, 17)) == set()


def test_decided_items_get_no_decision_reminder(world: Any) -> None:
    item = send_report(
        world,
        protection_assessed_at=at(MONDAY),
        decided_at=at(MONDAY + datetime.timedelta(days=1)),
        decision="opened",
        status=IntakeItem.Status.DECIDED,
        feedback_requested_at=None,
    )

    sent = reminders.reminders_send(today=item.decision_due)
    late = reminders.reminders_send(today=datetime.date(2026, 3, 20))

    assert sent == late == 0
    assert not Reminder.objects.exists()


def test_feedback_is_overdue_one_week_after_the_decision(world: Any) -> None:
    decided = datetime.date(2026, 3, 4)  # Wednesday: feedback due the next Wednesday
    item = send_report(
        world,
        protection_assessed_at=at(MONDAY),
        decided_at=at(decided),
        decision="opened",
        status=IntakeItem.Status.DECIDED,
    )

    reminders.reminders_send(today=datetime.date(2026, 3, 10))
    reminders.reminders_send(today=datetime.date(2026, 3, 11))
    reminders.reminders_send(today=datetime.date(2026, 3, 12))

    assert kinds(item, datetime.date(2026, 3, 10)) == {"feedback_soon"}
    assert kinds(item, datetime.date(2026, 3, 11)) == {"feedback_due_today"}
    assert kinds(item, datetime.date(2026, 3, 12)) == {"feedback_overdue"}
    titles = [n.title for n in reminders_of(world.users["intake"])]
    assert f"Återkoppling till anmälaren är försenad: {item.reference}" in titles


def test_feedback_given_or_not_asked_for_is_not_reminded(world: Any) -> None:
    common = {
        "protection_assessed_at": at(MONDAY),
        "decided_at": at(MONDAY),
        "decision": "opened",
        "status": IntakeItem.Status.DECIDED,
    }
    send_report(world, feedback_given_at=at(MONDAY), **common)
    send_report(world, feedback_requested_at=None, **common)

    assert reminders.reminders_send(today=datetime.date(2026, 3, 20)) == 0


def test_support_requests_and_closed_items_have_no_reminders(world: Any) -> None:
    item = send_report(world, status=IntakeItem.Status.CLOSED)
    IntakeItem.objects.filter(pk=item.pk).update(status=IntakeItem.Status.NEW)
    IntakeItem.objects.filter(pk=item.pk).update(kind="support_request", decision_due=None)
    send_report(world, status=IntakeItem.Status.CLOSED)

    assert reminders.reminders_send(today=MONDAY + datetime.timedelta(days=3)) == 0


def test_items_are_read_in_one_query_whatever_their_number(world: Any) -> None:
    for _ in range(4):
        send_report(world)
    with CaptureQueriesContext(connection) as queries:
        sent = reminders.reminders_send(today=MONDAY + datetime.timedelta(days=1))

    item_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "intake_intakeitem"' in q["sql"]
    ]
    assert sent == 4
    assert len(item_reads) == 1
    # The unit's staff are looked up once for the four items.
    staff_reads = [
        q for q in queries.captured_queries if 'FROM "access_roleassignment"' in q["sql"]
    ]
    assert len(staff_reads) == 1


def test_the_command_and_the_task_send_the_same_reminders_once(world: Any) -> None:
    send_report(world)
    out = io.StringIO()

    call_command("intake_reminders", "--date", MONDAY.isoformat(), stdout=out)
    call_command("intake_reminders", "--date", MONDAY.isoformat(), stdout=out)

    assert "1 påminnelser har skickats." in out.getvalue()
    assert "0 påminnelser har skickats." in out.getvalue()
    assert Reminder.objects.count() == 1
    # The task reminds for the real today (the immediate backend runs it at once).
    result = tasks.send_intake_reminders.enqueue()
    assert isinstance(result.return_value, int)


def test_the_command_refuses_a_bad_date(world: Any) -> None:
    with pytest.raises(Exception, match="ÅÅÅÅ-MM-DD"):
        call_command("intake_reminders", "--date", "2026-13-40")
