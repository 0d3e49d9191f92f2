"""Intake's handling pages through the Django test client: the queue with its deadline flags,
one item with every action, hand-over to a team, and the anonymous consultations.

Items are created through the services as the principal of Ekskolan (routed to the default
receiving unit, Mottagningen). Time is moved by updating the item's dates in the database.
"""

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of, staff
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.children.identity import generate_identity_number
from samverkan.consent.tests.test_views import make_consent
from samverkan.intake import deadlines, services
from samverkan.intake.models import Consultation, IntakeItem, IntakeNote, TeamProfile
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import UnitFactory

# session, user, actor, the audited read (savepoint, the page's ids in queue order, those items
# with child, school and worker, audit insert, release), the three counts (one query over the
# open items' index range; three before, issue #16), unread notifications.
QUEUE_QUERIES = 10


@pytest.fixture
def login(client: Client, world: Any) -> Callable[[Any], Client]:
    def sign_in(user: Any) -> Client:
        client.force_login(world.users[user] if isinstance(user, str) else user)
        client.get(reverse("start"))
        return client

    return sign_in


def report(world: Any, *, wants_feedback: bool = True, **changes: Any) -> IntakeItem:
    data: dict[str, Any] = {
        "school_id": world.school1.pk,
        "child_id": world.child1.pk,
        "observed": "Ella har haft blåmärken på armarna flera dagar i rad.",
        "situation": "Hon säger att hon inte vill gå hem efter skolan.",
        "needs_protection_now": "unknown",
        "guardians_informed": "no",
        "reporter_phone": "070-123 45 67",
        "wants_feedback": wants_feedback,
        "confirm_duplicate": True,  # several reports about one child, on purpose
    }
    data.update(changes)
    return services.report_submit(actor=actor_of(world.users["principal"]), **data)


def item_url(item: IntakeItem, name: str = "item") -> str:
    return reverse(f"intake:{name}", kwargs={"item_id": item.pk})


def events(name: str, item: IntakeItem | None = None) -> int:
    qs = AuditEvent.objects.filter(event=name)
    if item is not None:
        qs = qs.filter(object_id=str(item.pk))
    return qs.count()


def denials(user: Any) -> int:
    return AuditEvent.objects.filter(action=AuditAction.DENIED, actor_user_id=user.pk).count()


def assessed(world: Any, item: IntakeItem) -> IntakeItem:
    return services.protection_assessment_record(
        actor=actor_of(world.users["intake"]),
        item_id=item.pk,
        protection_needed=False,
        assessment="Inget akut skyddsbehov; skolan har daglig kontakt med Ella.",
    )


def decided(world: Any, item: IntakeItem, *, feedback_now: bool = False) -> IntakeItem:
    assessed(world, item)
    return services.decision_record(
        actor=actor_of(world.users["intake"]),
        item_id=item.pk,
        decision=IntakeItem.Decision.OPENED,
        reason="Uppgifterna behöver utredas.",
        give_feedback_now=feedback_now,
    )


def handed_over(world: Any, item: IntakeItem) -> IntakeItem:
    decided(world, item)
    return services.handover(
        actor=actor_of(world.users["intake"]), item_id=item.pk, team_id=world.team.pk, note=""
    )


def second_intake_unit(world: Any) -> Any:
    """Another receiving unit of tenant A (named so it is not the default) and its worker."""
    unit = UnitFactory(
        municipality=world.a,
        parent=world.social_admin,
        name="Västra mottagningen",
        function=Unit.Function.INTAKE,
    )
    return staff(Role.INTAKE_SOCIAL_WORKER, unit, username="mottagning_vast")


def move_received(item: IntakeItem, days_ago: int) -> None:
    received = timezone.now() - datetime.timedelta(days=days_ago)
    IntakeItem.objects.filter(pk=item.pk).update(
        received_at=received,
        decision_due=deadlines.decision_due(timezone.localdate(received)),
        feedback_requested_at=received if item.feedback_requested_at else None,
    )


def days_back_until_overdue(start: int, period: Callable[[datetime.date], datetime.date]) -> int:
    """The fewest days back, from `start`, for which the period has ended before today (a
    period ending on a weekend or holiday moves to the next working day)."""
    today = timezone.localdate()
    days = start
    while period(today - datetime.timedelta(days=days)) >= today:
        days += 1
    return days


# ---------------------------------------------------------------------------------------------
# The queue


def test_queue_lists_the_units_items_for_intake_and_records_the_read(
    login: Any, world: Any
) -> None:
    item = report(world)

    response = login("intake").get(reverse("intake:queue"))

    assert response.status_code == 200
    page = response.content.decode()
    assert item.reference in page
    assert "Andersson, Ella" in page
    assert "13 år" in page
    assert world.child1.masked_identity_number in page
    assert world.child1.identity_number not in page
    assert "Ekskolan" in page
    assert "Skyddsbedömning i dag" in page
    entry = AuditEvent.objects.get(event="intake.queue_viewed")
    assert entry.child_ids == [str(world.child1.pk)]


def test_queue_is_open_to_the_unit_head_above_the_receiving_unit(login: Any, world: Any) -> None:
    item = report(world)

    response = login("unit_head").get(reverse("intake:queue"))

    assert response.status_code == 200
    assert item.reference in response.content.decode()


@pytest.mark.parametrize("user", ["principal", "teacher", "steering"])
def test_queue_is_refused_outside_social_services(login: Any, world: Any, user: str) -> None:
    report(world)

    response = login(user).get(reverse("intake:queue"))

    assert response.status_code == 403
    assert denials(world.users[user]) == 1
    assert events("intake.queue_viewed") == 0


def test_queue_of_another_receiving_unit_leaves_the_items_out(login: Any, world: Any) -> None:
    item = report(world)
    other = second_intake_unit(world)

    client = login(other)
    queue = client.get(reverse("intake:queue"))
    page = client.get(item_url(item))

    assert queue.status_code == 200
    assert item.reference not in queue.content.decode()
    assert page.status_code == 404
    assert denials(other) == 1


def test_queue_flags_a_missing_protection_assessment_after_the_day_of_receipt(
    login: Any, world: Any
) -> None:
    late = report(world)
    move_received(late, 1)
    report(world)  # today's: due today, not yet late

    response = login("intake").get(reverse("intake:queue"))

    page = response.content.decode()
    assert page.count("Skyddsbedömning saknas</strong>") == 1
    assert "väntat 1 dag<" in page
    assert page.count("Skyddsbedömning i dag") == 1
    # The late one is the most urgent: it comes first.
    assert page.index(late.reference) < page.index("Skyddsbedömning i dag")


def test_queue_flags_the_decision_late_after_fourteen_days(login: Any, world: Any) -> None:
    item = report(world)
    days = days_back_until_overdue(15, deadlines.decision_due)
    move_received(item, days)
    assessed(world, item)
    due = deadlines.decision_due(timezone.localdate() - datetime.timedelta(days=days))

    response = login("intake").get(reverse("intake:queue"))

    page = response.content.decode()
    assert f"Beslut senast {due:%Y-%m-%d}" in page
    assert "Försenad" in page


def test_queue_flags_a_decision_coming_due(login: Any, world: Any) -> None:
    today = timezone.localdate()
    soon = [
        days
        for days in range(10, 15)
        if 0 < (deadlines.decision_due(today - datetime.timedelta(days=days)) - today).days <= 2
    ]
    if not soon:
        pytest.skip("no receipt day this week gives a decision due in one or two days")
    item = report(world)
    move_received(item, soon[0])

    page = login("intake").get(reverse("intake:queue")).content.decode()

    assert ">Snart</strong>" in page
    assert "Försenad" not in page


def test_queue_shows_a_decision_in_fourteen_days_without_a_flag(login: Any, world: Any) -> None:
    item = report(world)

    page = login("intake").get(reverse("intake:queue")).content.decode()

    assert f"Beslut senast {item.decision_due:%Y-%m-%d}" in page
    assert "Försenad" not in page


def test_queue_flags_feedback_late_one_week_after_the_decision(login: Any, world: Any) -> None:
    item = decided(world, report(world))
    days = days_back_until_overdue(8, lambda day: deadlines.period_end(day, 7))
    moment = timezone.now() - datetime.timedelta(days=days)
    IntakeItem.objects.filter(pk=item.pk).update(
        received_at=moment - datetime.timedelta(days=2),
        feedback_requested_at=moment - datetime.timedelta(days=2),
        protection_assessed_at=moment - datetime.timedelta(days=2),
        decided_at=moment,
    )
    due = deadlines.period_end(timezone.localdate(moment), 7)

    response = login("intake").get(reverse("intake:queue") + "?status=decided")

    page = response.content.decode()
    assert item.reference in page
    assert f"Återkoppling senast {due:%Y-%m-%d}" in page
    assert "Återkoppling försenad" in page


def test_queue_filters_by_status_and_own_items(login: Any, world: Any) -> None:
    mine = report(world)
    other = report(world)
    done = decided(world, report(world))
    owed = decided(world, report(world))
    services.feedback_give(actor=actor_of(world.users["intake"]), item_id=done.pk)
    services.item_assign(
        actor=actor_of(world.users["intake"]), item_id=mine.pk, user_id=world.users["intake"].pk
    )
    client = login("intake")

    open_page = client.get(reverse("intake:queue")).content.decode()
    # Decided, but the feedback the reporter asked for is still owed: it stays in the queue.
    assert owed.reference in open_page
    my_page = client.get(reverse("intake:queue") + "?status=open&mine=on").content.decode()
    decided_page = client.get(reverse("intake:queue") + "?status=decided").content.decode()
    all_page = client.get(reverse("intake:queue") + "?status=all").content.decode()

    assert mine.reference in open_page
    assert other.reference in open_page
    assert done.reference not in open_page
    assert mine.reference in my_page
    assert other.reference not in my_page
    assert done.reference in decided_page
    assert mine.reference not in decided_page
    assert all(i.reference in all_page for i in (mine, other, done))


def test_queue_query_count_does_not_grow_with_the_items(login: Any, world: Any) -> None:
    report(world)
    client = login("intake")
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("intake:queue")).status_code == 200
    for _ in range(19):
        report(world)

    with CaptureQueriesContext(connection) as twenty:
        response = client.get(reverse("intake:queue"))

    assert response.content.decode().count("/mottagning/arenden/") == 20
    assert len(one) == len(twenty) == QUEUE_QUERIES


# ---------------------------------------------------------------------------------------------
# One item


def test_item_query_count_does_not_grow_with_supplements_and_notes(login: Any, world: Any) -> None:
    item = report(world)
    client = login("intake")

    def add(n: int) -> None:
        for i in range(n):
            services.supplement_add(
                actor=actor_of(world.users["principal"]), item_id=item.pk, body=f"Tillägg {i}"
            )
            services.intake_note_add(
                actor=actor_of(world.users["intake"]), item_id=item.pk, body=f"Notering {i}"
            )

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(item_url(item)).status_code == 200
    add(2)
    with CaptureQueriesContext(connection) as three:
        response = client.get(item_url(item))

    assert response.content.decode().count("Notering ") == 3
    assert len(one) == len(three)
    # Each entry's time (local) and author, as the item page prints them.
    for entry in [*IntakeNote.objects.filter(item=item), *item.supplements.all()]:
        when = timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M")
        author = entry.author.get_full_name() or entry.author.username
        assert f'<p class="govuk-body-s">{when}, {author}</p>' in response.content.decode()


def test_item_shows_child_reporter_submission_routing_and_deadlines(login: Any, world: Any) -> None:
    item = report(world)
    services.supplement_add(
        actor=actor_of(world.users["principal"]),
        item_id=item.pk,
        body="Ella kom till skolan med ett nytt blåmärke i dag.",
    )

    response = login("intake").get(item_url(item))

    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("children:detail", args=[world.child1.pk]) in page
    assert "Ella Andersson" in page
    assert world.child1.masked_identity_number in page
    assert world.users["principal"].get_full_name() in page
    assert "Rektor" in page
    worker = world.users["intake"]
    name = worker.get_full_name() or worker.username
    assert f'<option value="{worker.pk}">{name}</option>' in page  # the assign form's choice
    assert "070-123 45 67" in page
    assert "blåmärken på armarna" in page
    assert "nytt blåmärke i dag" in page
    assert "Mottagningen" in page
    assert item.routing_reason in page
    assert "SoL 20 kap. 1 §: görs genast, dokumenteras samma dag." in page
    assert f"Senast {item.decision_due:%Y-%m-%d}" in page
    for name in ("assign", "protection", "extend", "meeting", "note"):
        assert f'action="{item_url(item, name)}"' in page
    # Not yet: the decision waits for the assessment, the hand-over for the decision.
    for name in ("decide", "feedback", "handover"):
        assert f'action="{item_url(item, name)}"' not in page
    assert events("intake.item_viewed", item) == 1


@pytest.mark.parametrize("user", ["principal", "teacher", "principal2"])
def test_item_is_not_found_for_school_staff(login: Any, world: Any, user: str) -> None:
    item = report(world)

    response = login(user).get(item_url(item))

    assert response.status_code == 404
    assert item.reference not in response.content.decode()
    assert denials(world.users[user]) == 1
    assert events("intake.item_viewed") == 0


def test_item_of_another_tenant_is_not_found(login: Any, world: Any) -> None:
    item = report(world)
    other = staff(Role.INTAKE_SOCIAL_WORKER, UnitFactory(municipality=world.b))

    response = login(other).get(item_url(item))

    assert response.status_code == 404


# --- assign


def test_assign_sets_the_worker_and_a_double_submit_is_harmless(login: Any, world: Any) -> None:
    item = report(world)
    client = login("intake")
    data = {"assign-assigned_to": str(world.users["intake"].pk), "assign-version": item.version}

    first = client.post(item_url(item, "assign"), data)
    again = client.post(item_url(item, "assign"), data)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == item_url(item)
    item.refresh_from_db()
    assert item.assigned_to_id == world.users["intake"].pk
    assert item.status == IntakeItem.Status.IN_PROGRESS
    assert events("intake.assigned", item) == 1
    assert "Ärendet är tilldelat." in client.get(item_url(item)).content.decode()


def test_assign_without_a_worker_shows_the_error_at_the_field(login: Any, world: Any) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "assign"), {"assign-assigned_to": "", "assign-version": item.version}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_assign-assigned_to"' in page
    assert "Välj en handläggare i mottagande enhet." in page
    assert events("intake.assigned") == 0


def test_assign_to_someone_outside_the_unit_is_refused_at_the_field(login: Any, world: Any) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "assign"),
        {"assign-assigned_to": str(world.users["teacher"].pk), "assign-version": item.version},
    )

    assert response.status_code == 400
    assert "Välj en handläggare i mottagande enhet." in response.content.decode()
    item.refresh_from_db()
    assert item.assigned_to_id is None


def test_assign_with_a_malformed_worker_is_refused_at_the_field(login: Any, world: Any) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "assign"), {"assign-assigned_to": "nobody", "assign-version": item.version}
    )

    assert response.status_code == 400
    assert "Välj en handläggare i listan." in response.content.decode()


def test_assign_on_a_stale_version_shows_the_concurrent_edit_message(
    login: Any, world: Any
) -> None:
    item = report(world)
    colleague = staff(Role.INTAKE_SOCIAL_WORKER, world.intake, username="kollega")
    stale = item.version
    services.item_assign(
        actor=actor_of(colleague), item_id=item.pk, user_id=colleague.pk, version=stale
    )

    response = login("intake").post(
        item_url(item, "assign"),
        {"assign-assigned_to": str(world.users["intake"].pk), "assign-version": stale},
    )

    assert response.status_code == 409
    assert "Någon annan har ändrat uppgiften" in response.content.decode()
    item.refresh_from_db()
    assert item.assigned_to_id == colleague.pk


# --- protection assessment


def test_protection_errors_are_shown_at_the_fields_with_the_text_kept(
    login: Any, world: Any
) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "protection"), {"protection-assessment": "Pratat med mentor."}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_protection-protection_needed_0"' in page
    assert "Ange om barnet behöver skydd omedelbart." in page
    assert "Pratat med mentor." in page
    assert events("intake.protection_assessed") == 0


def test_protection_is_recorded_once_and_a_different_one_is_refused(login: Any, world: Any) -> None:
    item = report(world)
    client = login("intake")
    data = {"protection-protection_needed": "yes", "protection-assessment": "Polis kontaktad."}

    first = client.post(item_url(item, "protection"), data)
    again = client.post(item_url(item, "protection"), data)
    other = client.post(
        item_url(item, "protection"), {**data, "protection-assessment": "Något annat."}
    )

    assert first.status_code == again.status_code == 302
    assert other.status_code == 409
    assert "Skyddsbedömningen är redan registrerad." in other.content.decode()
    item.refresh_from_db()
    assert item.protection_needed is True
    assert item.protection_assessment == "Polis kontaktad."
    assert events("intake.protection_assessed", item) == 1


# --- extend


def test_extend_needs_a_later_date_and_keeps_the_reason(login: Any, world: Any) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "extend"),
        {
            "extend-new_due": item.decision_due.isoformat(),
            "extend-reason": "Väntar på uppgifter från BUP.",
            "extend-version": item.version,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_extend-new_due"' in page
    assert "Det nya datumet måste vara senare än" in page
    assert "Väntar på uppgifter från BUP." in page


def test_extend_records_the_new_date_once(login: Any, world: Any) -> None:
    item = report(world)
    new_due = item.decision_due + datetime.timedelta(days=14)
    client = login("intake")
    data = {
        "extend-new_due": new_due.isoformat(),
        "extend-reason": "Väntar på uppgifter från BUP.",
        "extend-version": item.version,
    }

    first = client.post(item_url(item, "extend"), data)
    again = client.post(item_url(item, "extend"), data)

    assert first.status_code == again.status_code == 302
    item.refresh_from_db()
    assert item.extended_due == new_due
    assert events("intake.decision_extended", item) == 1
    assert f"Senast {new_due:%Y-%m-%d}" in client.get(item_url(item)).content.decode()


# --- decision and feedback


def test_decide_before_the_protection_assessment_is_refused_at_the_field(
    login: Any, world: Any
) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "decide"),
        {"decide-decision": "opened", "decide-reason": "Behöver utredas.", "decide-feedback": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Registrera skyddsbedömningen innan beslutet." in page
    assert "Behöver utredas." in page
    assert events("intake.decided") == 0


def test_decide_without_a_decision_keeps_the_reason(login: Any, world: Any) -> None:
    item = assessed(world, report(world))

    response = login("intake").post(item_url(item, "decide"), {"decide-reason": "Motiverat."})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_decide-decision_0"' in page
    assert "Motiverat." in page


def test_decide_shows_the_feedback_checkbox_checked_when_the_reporter_asked(
    login: Any, world: Any
) -> None:
    asked = assessed(world, report(world))
    not_asked = assessed(world, report(world, wants_feedback=False))
    client = login("intake")

    asked_page = client.get(item_url(asked)).content.decode()
    not_asked_page = client.get(item_url(not_asked)).content.decode()

    assert 'name="decide-give_feedback_now" type="checkbox" checked' in asked_page
    assert "Skicka återkoppling till anmälaren nu" not in not_asked_page


def test_decide_with_feedback_now_records_both_once(login: Any, world: Any) -> None:
    item = assessed(world, report(world))
    client = login("intake")
    data = {
        "decide-decision": "not_opened",
        "decide-reason": "Familjen har redan stöd.",
        "decide-give_feedback_now": "on",
    }

    first = client.post(item_url(item, "decide"), data)
    again = client.post(item_url(item, "decide"), data)

    assert first.status_code == again.status_code == 302
    item.refresh_from_db()
    assert item.decision == IntakeItem.Decision.NOT_OPENED
    assert item.feedback_given_at is not None
    assert events("intake.decided", item) == 1
    assert events("intake.feedback_given", item) == 1


def test_feedback_is_offered_with_its_due_date_and_given_once(login: Any, world: Any) -> None:
    item = decided(world, report(world))
    client = login("intake")
    due = deadlines.feedback_due(timezone.localdate(), timezone.localdate())

    page = client.get(item_url(item)).content.decode()
    first = client.post(item_url(item, "feedback"))
    again = client.post(item_url(item, "feedback"))

    assert f'action="{item_url(item, "feedback")}"' in page
    assert f"Lämna den senast {due:%Y-%m-%d}" in page
    assert first.status_code == again.status_code == 302
    assert events("intake.feedback_given", item) == 1
    after = client.get(item_url(item)).content.decode()
    assert f'action="{item_url(item, "feedback")}"' not in after


def test_feedback_before_the_decision_is_refused_with_the_message(login: Any, world: Any) -> None:
    item = report(world)

    response = login("intake").post(item_url(item, "feedback"))

    assert response.status_code == 400
    assert "Återkoppling lämnas när beslutet är fattat." in response.content.decode()


# --- meeting


def test_meeting_needs_someone_and_is_recorded_once(login: Any, world: Any) -> None:
    item = report(world)
    client = login("intake")

    empty = client.post(item_url(item, "meeting"), {"meeting-note": "Föreslå tisdag."})
    data = {"meeting-participants": ["child", "guardians"], "meeting-note": "Föreslå tisdag."}
    first = client.post(item_url(item, "meeting"), data)
    again = client.post(item_url(item, "meeting"), data)

    assert empty.status_code == 400
    empty_page = empty.content.decode()
    assert 'href="#id_meeting-participants_0"' in empty_page
    assert "Föreslå tisdag." in empty_page
    assert first.status_code == again.status_code == 302
    item.refresh_from_db()
    assert item.meeting_with == ["child", "guardians"]
    assert events("intake.meeting_offered", item) == 1


# --- hand-over


def test_handover_shows_the_team_criteria_once_decided(login: Any, world: Any) -> None:
    TeamProfile.objects.create(
        team=world.team, criteria="Elever 6–16 år med hög frånvaro.", age_from=6, age_to=16
    )
    item = report(world)
    client = login("intake")

    before = client.get(item_url(item)).content.decode()
    decided(world, item)
    after = client.get(item_url(item)).content.decode()

    assert f'action="{item_url(item, "handover")}"' not in before
    assert f'action="{item_url(item, "handover")}"' in after
    assert "Elever 6–16 år med hög frånvaro." in after
    assert "Skolsocialt team" in after
    assert "Familjeteamet" in after


def test_handover_of_an_undecided_report_is_refused_with_the_message(
    login: Any, world: Any
) -> None:
    item = report(world)

    response = login("intake").post(
        item_url(item, "handover"), {"handover-team": str(world.team.pk)}
    )

    assert response.status_code == 400
    assert "lämnas över först när beslutet är fattat" in response.content.decode()
    item.refresh_from_db()
    assert item.handed_over_to_id is None


def test_handover_without_a_team_keeps_the_note(login: Any, world: Any) -> None:
    item = decided(world, report(world))

    response = login("intake").post(
        item_url(item, "handover"), {"handover-note": "Mamma vill ha kontakt."}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_handover-team_0"' in page
    assert "Välj ett team." in page
    assert "Mamma vill ha kontakt." in page


def test_handover_moves_the_item_to_the_team_once(login: Any, world: Any) -> None:
    item = decided(world, report(world))
    client = login("intake")
    data = {"handover-team": str(world.team.pk), "handover-note": "Mamma vill ha kontakt."}

    first = client.post(item_url(item, "handover"), data)
    again = client.post(item_url(item, "handover"), data)

    assert first.status_code == again.status_code == 302
    item.refresh_from_db()
    assert item.handed_over_to_id == world.team.pk
    assert item.status == IntakeItem.Status.HANDED_OVER
    assert events("intake.handed_over", item) == 1


def test_a_support_request_goes_to_a_team_without_the_reports_steps(login: Any, world: Any) -> None:
    consent = make_consent(world)
    item = services.support_request_submit(
        actor=actor_of(world.users["counsellor"]),
        school_id=world.school1.pk,
        child_id=world.child1.pk,
        support_wished="Samtal med skolsocialt team.",
        situation="Ella har svårt att komma till skolan.",
        consent_id=consent.pk,
    )
    client = login("intake")

    page = client.get(item_url(item)).content.decode()
    response = client.post(item_url(item, "handover"), {"handover-team": str(world.team.pk)})

    assert "Samtal med skolsocialt team." in page
    assert reverse("consent:detail", args=[world.child1.pk, consent.pk]) in page
    assert "ingen lagstadgad tidsfrist" in page
    for name in ("protection", "extend", "decide", "feedback", "meeting"):
        assert f'action="{item_url(item, name)}"' not in page
    assert f'action="{item_url(item, "handover")}"' in page
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.handed_over_to_id == world.team.pk
    assert events("intake.handed_over", item) == 1


# --- notes


def test_note_is_required_and_a_double_submit_saves_one(login: Any, world: Any) -> None:
    item = report(world)
    client = login("intake")
    request_id = str(uuid.uuid4())

    empty = client.post(item_url(item, "note"), {"note-body": " ", "note-request_id": request_id})
    data = {"note-body": "Ringt mentor, återkommer i morgon.", "note-request_id": request_id}
    first = client.post(item_url(item, "note"), data)
    again = client.post(item_url(item, "note"), data)

    assert empty.status_code == 400
    assert "Skriv anteckningen." in empty.content.decode()
    assert first.status_code == again.status_code == 302
    assert IntakeNote.objects.filter(item=item).count() == 1
    assert events("intake.note_added", item) == 1
    assert "Ringt mentor, återkommer i morgon." in client.get(item_url(item)).content.decode()


# --- refused


@pytest.mark.parametrize(
    "action", ["assign", "protection", "extend", "decide", "feedback", "meeting", "handover"]
)
def test_actions_are_refused_for_school_staff(login: Any, world: Any, action: str) -> None:
    item = report(world)

    response = login("principal").post(item_url(item, action), {})

    assert response.status_code == 403
    assert denials(world.users["principal"]) == 1


def test_actions_of_another_receiving_unit_are_not_found(login: Any, world: Any) -> None:
    item = report(world)
    other = second_intake_unit(world)

    response = login(other).post(
        item_url(item, "protection"),
        {"protection-protection_needed": "no", "protection-assessment": "Inget."},
    )

    assert response.status_code == 404
    item.refresh_from_db()
    assert item.protection_assessed_at is None
    assert denials(other) == 1


# ---------------------------------------------------------------------------------------------
# Handed over to a team


def test_the_team_opens_a_handed_over_item_without_intakes_actions(login: Any, world: Any) -> None:
    item = handed_over(world, report(world))

    response = login("team_worker").get(item_url(item))

    assert response.status_code == 200
    page = response.content.decode()
    assert item.reference in page
    assert "Överlämnat till Skolsocialt team" in page
    for name in ("assign", "protection", "extend", "decide", "feedback", "meeting", "handover"):
        assert f'action="{item_url(item, name)}"' not in page
    assert f'action="{item_url(item, "note")}"' in page
    assert events("intake.item_viewed", item) == 1


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("protection", {"protection-protection_needed": "no", "protection-assessment": "x"}),
        ("decide", {"decide-decision": "opened"}),
        ("feedback", {}),
        ("meeting", {"meeting-participants": ["child"]}),
        ("handover", {"handover-team": "TEAM"}),
    ],
)
def test_the_team_is_refused_intakes_actions(
    login: Any, world: Any, action: str, data: dict[str, Any]
) -> None:
    item = handed_over(world, report(world))
    data = {k: str(world.other_team.pk) if v == "TEAM" else v for k, v in data.items()}

    response = login("team_worker").post(item_url(item, action), data)

    assert response.status_code == 403
    assert denials(world.users["team_worker"]) == 1


def test_the_team_is_refused_assigning(login: Any, world: Any) -> None:
    item = handed_over(world, report(world))
    item.refresh_from_db()

    response = login("team_worker").post(
        item_url(item, "assign"),
        {"assign-assigned_to": str(world.users["intake"].pk), "assign-version": item.version},
    )

    assert response.status_code == 403


def test_a_team_not_handed_the_item_does_not_find_it(login: Any, world: Any) -> None:
    item = handed_over(world, report(world))

    response = login("family_coordinator").get(item_url(item))

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Anonymous consultations


def consultation(world: Any) -> Consultation:
    return services.consultation_submit(
        actor=actor_of(world.users["teacher"]),
        school_id=world.school1.pk,
        age_group="10-12",
        question="En elev berättar att det är mycket bråk hemma. Hur ska vi tänka?",
    )


def handle_url(c: Consultation) -> str:
    return reverse("intake:consultation_handle", kwargs={"consultation_id": c.pk})


def test_consultation_queue_lists_the_waiting_ones(login: Any, world: Any) -> None:
    c = consultation(world)

    response = login("intake").get(reverse("intake:consultation_queue"))

    assert response.status_code == 200
    page = response.content.decode()
    assert c.reference in page
    assert "Ekskolan" in page
    assert "10–12 år" in page
    assert "mycket bråk hemma" in page
    assert "i dag" in page


def test_consultation_queue_shows_how_many_days_it_has_waited(login: Any, world: Any) -> None:
    c = consultation(world)
    Consultation.objects.filter(pk=c.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )

    page = login("intake").get(reverse("intake:consultation_queue")).content.decode()

    assert "3 dagar" in page


def test_consultation_queue_query_count_does_not_grow(login: Any, world: Any) -> None:
    consultation(world)
    client = login("intake")
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("intake:consultation_queue")).status_code == 200
    for _ in range(2):
        consultation(world)

    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("intake:consultation_queue"))

    assert response.content.decode().count(">KONS-") == 3
    # session, user, actor, waiting, answered, unread notifications
    assert len(one) == len(three) == 6


@pytest.mark.parametrize("user", ["principal", "teacher", "steering"])
def test_consultation_pages_are_refused_outside_social_services(
    login: Any, world: Any, user: str
) -> None:
    c = consultation(world)
    client = login(user)

    assert client.get(reverse("intake:consultation_queue")).status_code == 403
    assert client.get(handle_url(c)).status_code == 403
    assert denials(world.users[user]) == 2


def test_consultation_of_another_unit_is_not_found(login: Any, world: Any) -> None:
    c = consultation(world)
    other = second_intake_unit(world)
    client = login(other)

    queue = client.get(reverse("intake:consultation_queue"))
    page = client.get(handle_url(c))

    assert c.reference not in queue.content.decode()
    assert page.status_code == 404


def test_consultation_answer_is_required(login: Any, world: Any) -> None:
    c = consultation(world)

    response = login("intake").post(handle_url(c), {"answer": ""})

    assert response.status_code == 400
    assert 'href="#id_answer"' in response.content.decode()
    assert "Skriv ett svar." in response.content.decode()


def test_consultation_answer_with_an_identity_number_keeps_the_text(login: Any, world: Any) -> None:
    c = consultation(world)
    number = generate_identity_number(datetime.date(2014, 3, 2), 123)
    answer = f"Gäller det {number[2:8]}-{number[8:]}? Ring oss."

    response = login("intake").post(handle_url(c), {"answer": answer})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Svaret innehåller något som ser ut som ett personnummer." in page
    assert answer in page
    c.refresh_from_db()
    assert c.status == Consultation.Status.OPEN


def test_consultation_is_answered_once_and_shows_the_time_to_answer(login: Any, world: Any) -> None:
    c = consultation(world)
    client = login("intake")
    data = {"answer": "Prata med eleven och ring oss gärna. Gör en anmälan vid oro."}

    first = client.post(handle_url(c), data)
    again = client.post(handle_url(c), data)
    other = client.post(handle_url(c), {"answer": "Ett annat svar."})

    assert first.status_code == again.status_code == 302
    assert other.status_code == 409
    assert "Konsultationen är redan besvarad." in other.content.decode()
    c.refresh_from_db()
    assert c.status == Consultation.Status.ANSWERED
    assert events("intake.consultation_answered") == 1
    queue = client.get(reverse("intake:consultation_queue")).content.decode()
    assert "Inga konsultationer väntar på svar." in queue
    assert c.reference in queue
    assert "Tid till svar" in queue


def test_queue_rows_escape_every_value(login: Any, world: Any) -> None:
    """The rows' HTML is built in Python (issue #16): a name is escaped as the template would."""
    world.child1.given_name = "<b>Ella</b>"
    world.child1.save(update_fields=["given_name"])
    item = report(world)
    page = login("intake").get(reverse("intake:queue")).content.decode()

    assert "&lt;b&gt;Ella&lt;/b&gt;" in page
    assert "<b>Ella</b>" not in page
    assert f'href="{reverse("intake:item", args=[item.pk])}">{item.reference}</a>' in page


def test_intake_field_renders_as_the_include(world: Any) -> None:
    """{% intake_field %} keeps an unbound field's HTML (issue #16): the same HTML as
    includes/field.html, for unbound and bound forms and for hidden fields."""
    from django.template.loader import get_template

    from samverkan.intake.forms_intake import AssignForm, ExtendForm, MeetingForm, NoteForm
    from samverkan.intake.templatetags.intake_fields import intake_field

    include = get_template("includes/field.html")
    workers = [(str(uuid.uuid4()), "Anna & <Berg>")]
    forms = [
        AssignForm(workers=workers, initial={"assigned_to": workers[0][0], "version": 3}),
        ExtendForm(initial={"version": 2}),
        MeetingForm(initial={"participants": ["child"]}),
        NoteForm(initial={"request_id": uuid.uuid4()}),
        ExtendForm({"extend-new_due": "x", "extend-reason": "", "extend-version": "2"}),
    ]
    for form in forms:
        for field in form:
            for options in ({}, {"hint": "Ett <tips>", "input_class": "govuk-input--width-10"}):
                expected = include.render({"field": field, **options})
                assert intake_field(field, **options) == expected
                assert intake_field(field, **options) == expected  # kept


def test_queue_counts_match_the_orm_counts(world: Any) -> None:
    """The counts are SQL written once (issue #16): the same three counts as the ORM's."""
    from django.db.models import Count, Q

    from samverkan.intake import selectors

    items = [report(world) for _ in range(4)]
    # One received two days ago and still unassessed, one with a worker, one decided.
    IntakeItem.objects.filter(pk=items[0].pk).update(
        received_at=timezone.now() - datetime.timedelta(days=2)
    )
    IntakeItem.objects.filter(pk=items[1].pk).update(
        assigned_to=world.users["intake"], status=IntakeItem.Status.IN_PROGRESS
    )
    IntakeItem.objects.filter(pk=items[2].pk).update(is_open=False)
    actor = actor_of(world.users["intake"])
    today_start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    expected = IntakeItem.objects.filter(
        owner_unit_id__in=actor.social_unit_ids, is_open=True
    ).aggregate(
        open=Count("pk"),
        unassigned=Count("pk", filter=Q(status=IntakeItem.Status.NEW, assigned_to__isnull=True)),
        protection_overdue=Count("pk", filter=Q(urgency__in=[0, 1], received_at__lt=today_start)),
    )

    counts = selectors.queue_counts(actor=actor)

    assert counts == expected
    assert counts["open"] == 3
    assert counts["unassigned"] == 2
    assert counts["protection_overdue"] >= 1
    assert selectors.queue_counts(actor=actor_of(world.users["principal"]))["open"] == 0
