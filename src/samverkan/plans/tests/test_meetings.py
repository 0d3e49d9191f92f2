"""Invitations, reminders and the outside participants' links: no child name or identity
number in any e-mail or calendar file, no meeting place of a protected child outside the
participants' staff, every sending recorded, a link that works once with its code."""

import datetime
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.children.models import Guardianship, ProtectionMarking
from samverkan.plans import meetings, services
from samverkan.plans.models import CoordinatedPlan, PlanDownload, PlanSending
from samverkan.plans.tests.factories import called_sip, content

PLACE = "Ekskolan, rum 12"


_CAPTURE: list[Any] = []


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks: Any) -> Any:
    """Run each write's after-commit work (the sending tasks) as the worker would."""
    _CAPTURE.append(django_capture_on_commit_callbacks)
    yield
    _CAPTURE.pop()


def committed(call: Any, *args: Any, **kwargs: Any) -> Any:
    with _CAPTURE[-1](execute=True):
        return call(*args, **kwargs)


def _book(world: Any, sip: Any, **kwargs: Any) -> Any:
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=kwargs.pop("days", 3))
    return committed(
        meetings.meeting_schedule,
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        place=PLACE,
        **kwargs,
    )


def _calendars() -> list[tuple[str, Any, str]]:
    found = []
    for message in mail.outbox:
        for _name, data, _mime in message.attachments:
            calendar = Calendar.from_ical(data)
            found.append((message.to[0], calendar, message.subject + "\n" + message.body))
    return found


def _assert_no_child_data(world: Any, child: Any, text: str) -> None:
    for secret in (
        child.given_name,
        child.family_name,
        child.identity_number,
        child.identity_number[2:8],
        child.masked_identity_number,
    ):
        assert secret not in text, secret


def test_invitations_carry_a_calendar_file_and_no_child_data(world: Any) -> None:
    sip = called_sip(world)

    meeting = _book(world, sip)

    # The counsellor, the team's social worker and the region's doctor (named by e-mail).
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [
            world.users["counsellor"].email,
            world.users["team_worker"].email,
            "rut@region.example.se",
        ]
    )
    for _to, calendar, text in _calendars():
        event = calendar.walk("VEVENT")[0]
        ics_text = calendar.to_ical().decode()
        _assert_no_child_data(world, world.child1, ics_text + text)
        assert event["UID"] == f"{meeting.pk}@samverkan"
        assert str(event["LOCATION"]) == PLACE
        assert event.decoded("DTSTART") == meeting.starts_at
    sendings = PlanSending.objects.filter(meeting=meeting, kind="invitation")
    assert sendings.count() == 3
    assert all(s.contents == {"ics": True, "place": True} for s in sendings)


def test_sending_again_sends_nothing_twice(world: Any) -> None:
    sip = called_sip(world)
    meeting = _book(world, sip)

    again = meetings.meeting_messages_send(meeting_id=meeting.pk)

    assert again == 0
    assert len(mail.outbox) == 3


def test_a_protected_childs_meeting_place_reaches_only_the_participants_staff(
    world: Any,
) -> None:
    sip = called_sip(world)
    type(world.child1).objects.filter(pk=world.child1.pk).update(
        protection_marking=ProtectionMarking.PROTECTED_REGISTRATION
    )

    _book(world, sip)

    by_recipient = {to: (calendar, text) for to, calendar, text in _calendars()}
    outsider_calendar, outsider_text = by_recipient["rut@region.example.se"]
    assert "LOCATION" not in outsider_calendar.walk("VEVENT")[0]
    assert PLACE not in outsider_text
    staff_calendar, _text = by_recipient[world.users["team_worker"].email]
    assert str(staff_calendar.walk("VEVENT")[0]["LOCATION"]) == PLACE
    assert PlanSending.objects.get(email="rut@region.example.se").contents["place"] is False


def test_booking_twice_with_one_request_id_books_once(world: Any) -> None:
    sip = called_sip(world)
    request_id = uuid.uuid4()

    first = _book(world, sip, request_id=request_id)
    second = _book(world, sip, request_id=request_id)

    assert first.pk == second.pk
    assert len(mail.outbox) == 3


def test_reminder_the_day_before_and_overdue_follow_up(world: Any) -> None:
    sip = called_sip(world)
    counsellor = actor_of(world.users["counsellor"])
    services.plan_save(
        actor=counsellor,
        plan_id=sip.plan.pk,
        expected_version=1,
        content=content(world, sip.region),
    )
    meeting = _book(world, sip, days=1)
    mail.outbox.clear()
    later = timezone.localdate() + datetime.timedelta(days=45)

    reminded = meetings.reminders_send(
        today=timezone.localdate(meeting.starts_at) - datetime.timedelta(days=1)
    )
    overdue = meetings.reminders_send(today=later)
    again = meetings.reminders_send(today=later)

    assert reminded == 3
    assert overdue == 1
    assert again == 0
    kinds = list(PlanSending.objects.filter(plan=sip.plan).values_list("kind", flat=True))
    assert kinds.count("reminder") == 3
    assert kinds.count("follow_up_overdue") == 1
    for message in mail.outbox:
        _assert_no_child_data(world, world.child1, message.subject + message.body)


def test_outside_participant_downloads_once_with_the_code(world: Any, client: Client) -> None:
    sip = called_sip(world)
    region = sip.plan.participants.get(unit=sip.region)

    link = committed(
        meetings.download_link_create,
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        participant_id=region.pk,
    )

    message = mail.outbox[-1]
    assert message.to == ["rut@region.example.se"]
    assert link.code not in message.body
    _assert_no_child_data(world, world.child1, message.subject + message.body)
    url = next(line for line in message.body.splitlines() if "/sip/hamta/" in line)
    path = url[url.index("/sip/hamta/") :]
    assert client.get(path).status_code == 200
    wrong = client.post(path, {"code": "000000" if link.code != "000000" else "111111"})
    assert wrong.status_code == 400
    right = client.post(path, {"code": link.code})
    assert right.status_code == 200
    assert right["Content-Type"] == "application/pdf"
    used = client.post(path, {"code": link.code})
    assert used.status_code == 400
    assert AuditEvent.objects.filter(event="plan.downloaded").count() == 1
    assert PlanSending.objects.filter(kind="download_link", participant=region).count() == 1


def test_a_link_locks_after_five_wrong_codes_and_expires(world: Any, client: Client) -> None:
    sip = called_sip(world)
    region = sip.plan.participants.get(unit=sip.region)
    link = committed(
        meetings.download_link_create,
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        participant_id=region.pk,
    )
    token = mail.outbox[-1].body.split("/sip/hamta/")[1].split("/")[0]
    wrong = "000000" if link.code != "000000" else "111111"

    for _ in range(meetings.DOWNLOAD_MAX_ATTEMPTS):
        with pytest.raises(meetings.DownloadRefused):
            meetings.download_fetch(token=token, code=wrong)

    with pytest.raises(meetings.DownloadRefused):
        meetings.download_fetch(token=token, code=link.code)
    PlanDownload.objects.update(failed_attempts=0, expires_at=timezone.now())
    with pytest.raises(meetings.DownloadRefused):
        meetings.download_fetch(token=token, code=link.code)


def test_no_link_for_a_participant_who_signs_in_or_without_consent(world: Any) -> None:
    sip = called_sip(world)
    staff = sip.plan.participants.get(unit=world.team)

    with pytest.raises(services.PlanInvalid):
        meetings.download_link_create(
            actor=actor_of(world.users["counsellor"]), plan_id=sip.plan.pk, participant_id=staff.pk
        )
    CoordinatedPlan.objects.filter(pk=sip.plan.pk).update(consent=None)
    region = sip.plan.participants.get(unit=sip.region)
    with pytest.raises(services.PlanInvalid):
        meetings.download_link_create(
            actor=actor_of(world.users["counsellor"]), plan_id=sip.plan.pk, participant_id=region.pk
        )


def test_guardians_contacts_never_reach_a_message(world: Any) -> None:
    sip = called_sip(world)
    guardian = Guardianship.objects.filter(child=world.child1).get().guardian

    _book(world, sip)

    for message in mail.outbox:
        for secret in (guardian.given_name, guardian.phone, guardian.email):
            assert not secret or secret not in message.body


def test_booking_form_refuses_a_past_meeting_at_its_field(world: Any, client: Client) -> None:
    sip = called_sip(world)
    client.force_login(world.users["counsellor"])

    response = committed(
        client.post,
        reverse("plans:meeting", kwargs={"plan_id": sip.plan.pk}),
        {
            "on": "2020-01-01",
            "starts_at": "10:00",
            "ends_at": "09:00",
            "place": PLACE,
            "request_id": str(uuid.uuid4()),
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Mötet ska ligga framåt i tiden." in page
    assert PLACE in page
    assert not mail.outbox


def test_the_reminder_command_runs_and_says_how_many(world: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("plan_reminders", "--date", "2026-03-02", stdout=out)

    assert "0 påminnelser har skickats." in out.getvalue()
