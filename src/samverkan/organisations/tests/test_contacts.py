"""The contact directory (R4.3, R4.5): a unit head names each school's social-services contact
and deputy, moves all of a leaving worker's schools at once, and the schools are told."""

import datetime
import uuid
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from samverkan.access.roles import Role
from samverkan.access.tests.factories import actor_of, staff
from samverkan.audit.models import AuditAction, AuditEvent
from samverkan.core.errors import AccessDenied, ConcurrentEdit, NotFound
from samverkan.core.tests.draft_checks import check_one_draft, check_sent_once
from samverkan.notifications.models import Notification
from samverkan.organisations import services
from samverkan.organisations.errors import ContactInvalid
from samverkan.organisations.models import SchoolContact, Unit
from samverkan.organisations.tests.factories import SchoolContactFactory, SchoolFactory

TODAY = timezone.localdate()
START = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def worker(world: Any) -> Any:
    return staff(
        Role.INTAKE_SOCIAL_WORKER, world.intake, username="ny_kontakt", phone="013-22 33 44"
    )


@pytest.fixture
def signed_in(client: Client, world: Any) -> Any:
    def sign_in(user: str) -> Client:
        client.force_login(world.users[user])
        client.get(reverse("start"))  # stamps the idle timer outside the counted requests
        return client

    return sign_in


def _current(school: Unit, kind: str = SchoolContact.Kind.PRIMARY) -> SchoolContact:
    return SchoolContact.objects.get(school=school, kind=kind, valid_to__isnull=True)


def test_assigning_a_contact_ends_the_current_one_and_keeps_the_history(
    world: Any, worker: Any
) -> None:
    old = _current(world.school1)

    new = services.contact_assign(
        actor=actor_of(world.users["unit_head"]),
        school_id=world.school1.pk,
        social_worker_id=worker.pk,
        kind=SchoolContact.Kind.PRIMARY,
        valid_from=START,
    )

    old.refresh_from_db()
    assert old.valid_to == TODAY
    assert (new.social_worker, new.valid_from, new.valid_to) == (worker, START, None)
    assert SchoolContact.objects.filter(school=world.school1).count() == 2
    event = AuditEvent.objects.get(event="contact.changed")
    assert event.action == AuditAction.CHANGE
    assert event.child_ids == []
    assert event.details["previous_social_worker_id"] == str(world.users["intake"].pk)


def test_a_municipality_admin_may_assign_a_deputy(world: Any, worker: Any) -> None:
    services.contact_assign(
        actor=actor_of(world.users["admin"]),
        school_id=world.school1.pk,
        social_worker_id=worker.pk,
        kind=SchoolContact.Kind.DEPUTY,
        valid_from=START,
    )

    assert _current(world.school1, SchoolContact.Kind.DEPUTY).social_worker == worker
    assert _current(world.school1).social_worker == world.users["intake"]  # primary untouched


def test_the_school_leaders_student_health_and_both_workers_are_told(
    world: Any, worker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_assign(
            actor=actor_of(world.users["unit_head"]),
            school_id=world.school1.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START,
        )

    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"rektor", "kurator", "mottagning", "ny_kontakt"} <= told
    assert "larare" not in told
    assert "rektor2" not in told
    notice = Notification.objects.get(recipient=world.users["principal"])
    assert notice.body == (
        f"Ny kontaktperson i socialtjänsten för Ekskolan: {worker.get_full_name()}, "
        f"013-22 33 44, {worker.email} från {START.isoformat()}."
    )
    assert notice.emailed_at is not None
    addressed = {address for message in mail.outbox for address in message.to}
    assert world.users["principal"].email in addressed
    assert world.users["counsellor"].email in addressed
    assert world.users["teacher"].email not in addressed


def test_reassigning_all_moves_every_contact_of_a_leaving_worker(world: Any, worker: Any) -> None:
    leaving = world.users["intake"]
    SchoolContactFactory(school=world.school2, social_worker=leaving)
    SchoolContactFactory(
        school=world.school2, social_worker=leaving, kind=SchoolContact.Kind.DEPUTY
    )
    kept = SchoolContactFactory(school=SchoolFactory(municipality=world.a), social_worker=worker)

    moved = services.contacts_reassign_all(
        actor=actor_of(world.users["unit_head"]),
        from_social_worker_id=leaving.pk,
        to_social_worker_id=worker.pk,
        valid_from=START,
    )

    assert len(moved) == 3
    assert not SchoolContact.objects.filter(social_worker=leaving, valid_to__isnull=True).exists()
    assert SchoolContact.objects.filter(social_worker=leaving, valid_to=TODAY).count() == 3
    assert SchoolContact.objects.filter(social_worker=worker, valid_from=START).count() == 3
    kept.refresh_from_db()
    assert kept.valid_to is None
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"rektor", "kurator", "rektor2"} <= told


def test_a_worker_without_a_social_services_role_is_refused(world: Any) -> None:
    with pytest.raises(NotFound):
        services.contact_assign(
            actor=actor_of(world.users["unit_head"]),
            school_id=world.school1.pk,
            social_worker_id=world.users["teacher"].pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START,
        )


def test_a_unit_that_is_not_a_school_is_refused(world: Any, worker: Any) -> None:
    with pytest.raises(ContactInvalid):
        services.contact_assign(
            actor=actor_of(world.users["unit_head"]),
            school_id=world.team.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START,
        )


def test_another_tenants_school_is_not_found(world: Any, worker: Any) -> None:
    with pytest.raises(NotFound):
        services.contact_assign(
            actor=actor_of(world.users["unit_head"]),
            school_id=world.school_b.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START,
        )


@pytest.mark.parametrize("user", ["principal", "teacher", "intake"])
def test_others_may_not_change_contacts(world: Any, worker: Any, user: str) -> None:
    with pytest.raises(AccessDenied):
        services.contact_assign(
            actor=actor_of(world.users[user]),
            school_id=world.school1.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START,
        )


def test_a_change_since_the_form_was_shown_is_a_concurrent_edit(world: Any, worker: Any) -> None:
    seen = _current(world.school1).pk
    other = staff(Role.INTAKE_SOCIAL_WORKER, world.intake)
    head = actor_of(world.users["unit_head"])
    services.contact_assign(
        actor=head,
        school_id=world.school1.pk,
        social_worker_id=other.pk,
        kind=SchoolContact.Kind.PRIMARY,
        valid_from=START,
    )

    with pytest.raises(ConcurrentEdit):
        services.contact_assign(
            actor=head,
            school_id=world.school1.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.PRIMARY,
            valid_from=START + datetime.timedelta(days=1),
            current_contact_id=seen,
            check_current=True,
        )


# Pages.


def _form(world: Any, worker: Any, **changes: str) -> dict[str, str]:
    data = {
        "kind": "primary",
        "social_worker": str(worker.pk),
        "valid_from": START.isoformat(),
        "current_primary": str(_current(world.school1).pk),
        "current_deputy": "",
        "request_id": str(uuid.uuid4()),
    }
    data.update(changes)
    return data


def test_the_unit_head_changes_a_contact_through_the_form(
    signed_in: Any, world: Any, worker: Any
) -> None:
    client = signed_in("unit_head")
    url = reverse("organisations:contact_assign", args=[world.school1.pk])

    page = client.get(url)
    response = client.post(url, _form(world, worker))

    assert page.status_code == 200
    assert 'name="current_primary"' in page.content.decode()
    assert response.status_code == 302
    assert _current(world.school1).social_worker == worker


def test_a_double_submit_makes_one_change(signed_in: Any, world: Any, worker: Any) -> None:
    client = signed_in("unit_head")
    url = reverse("organisations:contact_assign", args=[world.school1.pk])
    data = _form(world, worker)

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == 302
    assert "Redan skickad" in second.content.decode()
    assert SchoolContact.objects.filter(school=world.school1).count() == 2
    assert AuditEvent.objects.filter(event="contact.changed").count() == 1


def test_a_concurrent_change_shows_a_swedish_message(
    signed_in: Any, world: Any, worker: Any
) -> None:
    client = signed_in("unit_head")
    url = reverse("organisations:contact_assign", args=[world.school1.pk])
    data = _form(world, worker)
    services.contact_assign(
        actor=actor_of(world.users["unit_head"]),
        school_id=world.school1.pk,
        social_worker_id=staff(Role.INTAKE_SOCIAL_WORKER, world.intake).pk,
        kind=SchoolContact.Kind.PRIMARY,
        valid_from=START,
    )

    response = client.post(url, data | {"valid_from": (START + datetime.timedelta(1)).isoformat()})

    assert response.status_code == 409
    assert "Någon annan har ändrat uppgiften" in response.content.decode()


def test_a_date_before_the_current_start_is_refused_with_the_values_kept(
    signed_in: Any, world: Any, worker: Any
) -> None:
    client = signed_in("unit_head")
    url = reverse("organisations:contact_assign", args=[world.school1.pk])

    response = client.post(url, _form(world, worker, valid_from="2019-05-01"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Datumet måste vara efter 2020-01-01" in html
    assert 'value="2019-05-01"' in html
    assert f'<option value="{worker.pk}" selected>' in html
    assert _current(world.school1).social_worker == world.users["intake"]


@pytest.mark.parametrize("user", ["principal", "teacher"])
def test_the_contact_pages_are_denied_to_school_staff_and_audited(
    signed_in: Any, world: Any, worker: Any, user: str
) -> None:
    client = signed_in(user)

    responses = [
        client.get(reverse("organisations:contacts")),
        client.post(
            reverse("organisations:contact_assign", args=[world.school1.pk]),
            _form(world, worker),
        ),
        client.get(reverse("organisations:contacts_move")),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.DENIED, actor_username=world.users[user].username
        ).count()
        == 3
    )
    assert _current(world.school1).social_worker == world.users["intake"]


def test_another_tenants_school_page_is_not_found(signed_in: Any, world: Any) -> None:
    client = signed_in("unit_head")

    response = client.get(reverse("organisations:contact_assign", args=[world.school_b.pk]))

    assert response.status_code == 404


def test_the_move_form_moves_every_school(signed_in: Any, world: Any, worker: Any) -> None:
    SchoolContactFactory(school=world.school2, social_worker=world.users["intake"])
    client = signed_in("unit_head")

    response = client.post(
        reverse("organisations:contacts_move"),
        {
            "from_worker": str(world.users["intake"].pk),
            "to_worker": str(worker.pk),
            "valid_from": START.isoformat(),
        },
    )

    assert response.status_code == 302
    assert _current(world.school1).social_worker == worker
    assert _current(world.school2).social_worker == worker


def test_the_coverage_page_counts_gaps_by_organiser_and_schools_per_contact(
    signed_in: Any, world: Any
) -> None:
    SchoolFactory(municipality=world.a, organiser_type=Unit.OrganiserType.INDEPENDENT)
    SchoolFactory(municipality=world.a, organiser_type=Unit.OrganiserType.INDEPENDENT)
    client = signed_in("unit_head")

    response = client.get(reverse("organisations:contacts"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-organiser="municipal" data-count="1"' in html  # school2
    assert 'data-organiser="independent" data-count="2"' in html
    assert 'data-count="1">1' in html  # the intake worker has school1
    assert reverse("organisations:contact_assign", args=[world.school1.pk]) in html


def test_the_organisation_page_links_to_contacts_only_for_managers(
    signed_in: Any, world: Any
) -> None:
    url = reverse("organisations:contacts")

    assert url in signed_in("unit_head").get(reverse("organisations:list")).content.decode()
    assert url not in signed_in("principal").get(reverse("organisations:list")).content.decode()


def test_the_coverage_page_query_count_is_flat(signed_in: Any, world: Any, worker: Any) -> None:
    client = signed_in("unit_head")
    url = reverse("organisations:contacts")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    SchoolContactFactory(school=SchoolFactory(municipality=world.a), social_worker=worker)
    three = count()  # school1, school2 and this one
    for _ in range(3):
        SchoolContactFactory(school=SchoolFactory(municipality=world.a), social_worker=worker)
    six = count()

    # session, user, actor, unit head's subtree, unread count, schools, school rows, contacts
    assert three == six == 8


def test_the_notice_is_in_swedish_whatever_the_actors_language(world: Any, worker: Any) -> None:
    with translation.override("en"):
        services.contact_assign(
            actor=actor_of(world.users["unit_head"]),
            school_id=world.school1.pk,
            social_worker_id=worker.pk,
            kind=SchoolContact.Kind.DEPUTY,
            valid_from=START,
        )

    notice = Notification.objects.get(recipient=world.users["principal"])
    assert notice.title == "Ny ersättare i socialtjänsten för Ekskolan"


def test_the_contact_forms_keep_their_draft_and_change_once(
    signed_in: Any, world: Any, worker: Any
) -> None:
    """Issue #11: the shared draft (core.drafts) on the contact forms."""
    client = signed_in("unit_head")
    url = reverse("organisations:contact_assign", args=[world.school1.pk])

    check_sent_once(client, url, _form(world, worker))
    check_one_draft(client, reverse("organisations:contacts_move"))

    assert AuditEvent.objects.filter(event="contact.changed").count() == 1
