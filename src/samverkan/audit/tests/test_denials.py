"""Refused attempts that can be traced and do not flood the log (issue #10): the object and the
child, repeated denials collapsed per minute, the log reviewers told of a flood, and a probe of
another tenant's object recorded in that tenant's log too."""

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverkan.audit import services
from samverkan.audit.models import AuditAction, AuditEvent, DenialWindow
from samverkan.intake.tests.test_views_intake import report
from samverkan.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _child_url(child_id: object) -> str:
    return reverse("children:detail", args=[child_id])


def _denials(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.DENIED, **filters).order_by("id"))


def _minute_later() -> None:
    DenialWindow.objects.update(
        started_at=timezone.now() - services.DENIAL_WINDOW - datetime.timedelta(seconds=1)
    )


def test_a_denial_names_the_object_and_the_child(client: Client, world: Any) -> None:
    client.force_login(world.users["principal2"])

    response = client.get(_child_url(world.child1.pk))

    assert response.status_code == 404
    [entry] = _denials(event="access.denied")
    assert (entry.object_type, entry.object_id, entry.child_ids) == (
        "children.child",
        str(world.child1.pk),
        [str(world.child1.pk)],
    )
    assert entry.details["reason"] == "not_visible"


def test_a_denied_intake_item_names_its_child(client: Client, world: Any) -> None:
    item = report(world)
    client.force_login(world.users["teacher"])

    client.get(reverse("intake:item", args=[item.pk]))

    [entry] = _denials(event="access.denied")
    assert (entry.object_type, entry.object_id) == ("intake.intakeitem", str(item.pk))
    assert entry.child_ids == [str(world.child1.pk)]


def test_a_probe_of_another_tenants_child_is_in_both_logs(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    client.get(_child_url(world.child_b.pk))

    [own] = _denials(municipality=world.a)
    [theirs] = _denials(municipality=world.b)
    assert own.event == "access.denied"
    assert own.child_ids == []  # tenant B's child is not named in tenant A's log
    assert theirs.event == "access.probed_from_other_tenant"
    assert (theirs.actor_username, theirs.object_id, theirs.child_ids) == (
        "rektor",
        str(world.child_b.pk),
        [str(world.child_b.pk)],
    )
    assert theirs.details["from_tenant"] == str(world.a.pk)


def test_a_random_id_is_recorded_only_in_the_users_own_log(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    client.get(_child_url(uuid.uuid4()))

    assert [e.municipality_id for e in _denials()] == [world.a.pk]


def test_repeated_denials_within_a_minute_collapse_into_one_entry(
    client: Client, world: Any
) -> None:
    client.force_login(world.users["principal"])
    probed = [uuid.uuid4() for _ in range(60)]

    for child_id in [*probed, world.child2.pk]:
        client.get(_child_url(child_id))
    written_at_once = _denials()
    _minute_later()
    services.flush_denials()

    assert len(written_at_once) == services.COLLAPSE_AFTER == 5
    summary = _denials(event="access.denied_repeated")[0]
    assert summary.details["count"] == 56
    assert len(summary.details["objects"]) == 50
    assert summary.details["more_objects"] is True
    assert summary.actor_username == "rektor"
    assert not DenialWindow.objects.exists()


def test_the_next_denial_after_the_minute_closes_the_window(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])
    for _ in range(services.COLLAPSE_AFTER):
        client.get(_child_url(uuid.uuid4()))
    client.get(_child_url(world.child2.pk))
    _minute_later()

    client.get(_child_url(uuid.uuid4()))

    events = [e.event for e in _denials()]
    assert events == [
        *["access.denied"] * services.COLLAPSE_AFTER,
        "access.denied_repeated",
        "access.denied",
    ]
    repeated = _denials(event="access.denied_repeated")[0]
    assert repeated.details["objects"] == [f"children.child:{world.child2.pk}"]
    assert repeated.child_ids == [str(world.child2.pk)]


def test_seal_audit_writes_the_closed_windows(client: Client, world: Any) -> None:
    from django.core.management import call_command

    client.force_login(world.users["principal"])
    for _ in range(services.COLLAPSE_AFTER + 2):
        client.get(_child_url(uuid.uuid4()))
    _minute_later()

    call_command("seal_audit", stdout=None)

    assert len(_denials(event="access.denied_repeated")) == 1


def test_more_than_twenty_denials_in_ten_minutes_tell_the_log_reviewer_once(
    client: Client, world: Any
) -> None:
    client.force_login(world.users["principal"])

    for _ in range(30):
        client.get(_child_url(uuid.uuid4()))

    [notice] = Notification.objects.filter(recipient=world.users["log_reviewer"])
    assert "rektor" in notice.body
    assert "21" in notice.body
    assert AuditEvent.objects.filter(event="access.denials_alerted").count() == 1


def test_twenty_denials_tell_nobody(client: Client, world: Any) -> None:
    client.force_login(world.users["principal"])

    for _ in range(20):
        client.get(_child_url(uuid.uuid4()))

    assert not Notification.objects.exists()
