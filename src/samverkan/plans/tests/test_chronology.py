"""The child's chronology: built from the records, in order, each entry visible only where
its record is: every step for the team the report was handed to, the school-visible subset
for the principal, the outcome for the reporter alone."""

import datetime
import uuid
from typing import Any

import pytest
from django.urls import reverse

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.intake import services as intake_services
from samverkan.intake.models import IntakeItem
from samverkan.plans import chronology
from samverkan.plans.tests.factories import agreed_sip

# Session, user and actor (3); the child and its relation (3); the consents with parties,
# units, confirmations, recipients, custodians and rule overrides (7); the intake items (1);
# the plans, their agreed versions and meetings (3); the audited read (3); the header's
# notification count (1). Flat in the number of reports, consents and plans.
CHRONOLOGY_QUERIES = 21


def _handled_report(world: Any) -> IntakeItem:
    item = intake_services.report_submit(
        actor=actor_of(world.users["counsellor"]),
        school_id=world.school1.pk,
        child_id=world.child1.pk,
        # A new text each time: the same text about the same child within a day is refused
        # as a possible duplicate.
        observed=f"Eleven är ofta borta ({uuid.uuid4().hex[:8]}).",
        situation="Eleven är i skolan.",
        needs_protection_now="no",
        guardians_informed="yes",
    )
    start = item.received_at
    IntakeItem.objects.filter(pk=item.pk).update(
        protection_assessed_at=start + datetime.timedelta(hours=1),
        decided_at=start + datetime.timedelta(days=5),
        decision=IntakeItem.Decision.NOT_OPENED,
        feedback_given_at=start + datetime.timedelta(days=6),
        handed_over_to=world.team,
        handed_over_at=start + datetime.timedelta(days=7),
        status=IntakeItem.Status.HANDED_OVER,
    )
    return item


def _titles(world: Any, user: str, **kwargs: Any) -> list[str]:
    entries = chronology.chronology(actor=actor_of(world.users[user]), child=world.child1, **kwargs)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    return [e.title for e in entries]


def test_the_team_sees_every_step_in_order(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "team_worker")

    ref = item.reference
    steps = [
        f"Orosanmälan {ref} mottagen",
        f"{ref}: Skyddsbedömning gjord",
        f"{ref}: Beslut: Utredning inleds inte",
        f"{ref}: Återkoppling lämnad till anmälaren",
        f"{ref}: Överlämnad till Skolsocialt team",
    ]
    assert [t for t in titles if ref in t] == steps
    assert "SIP kallad av Ekskolan" in titles
    assert "SIP version 1 överenskommen" in titles
    assert any(t.startswith("Samtycke registrerat") for t in titles)


def test_the_principal_sees_the_school_visible_subset(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "principal")

    assert [t for t in titles if item.reference in t] == [f"Orosanmälan {item.reference} mottagen"]
    assert "SIP version 1 överenskommen" in titles


def test_the_reporter_sees_the_outcome_owed_to_them(world: Any) -> None:
    item = _handled_report(world)

    titles = _titles(world, "counsellor")

    assert f"{item.reference}: Återkoppling lämnad till anmälaren" in titles
    assert f"{item.reference}: Skyddsbedömning gjord" not in titles


def test_a_teacher_outside_the_consent_sees_neither_the_report_nor_the_plan(world: Any) -> None:
    item = _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "teacher")

    assert not [t for t in titles if item.reference in t]
    assert not [t for t in titles if t.startswith("SIP")]


def test_filter_by_kind(world: Any) -> None:
    _handled_report(world)
    agreed_sip(world)

    titles = _titles(world, "team_worker", kinds=frozenset({chronology.Kind.PLAN}))

    assert titles
    assert all(t.startswith("SIP") for t in titles)


def test_the_page_is_audited_and_filters(world: Any, client: Any) -> None:
    agreed_sip(world)
    client.force_login(world.users["team_worker"])

    response = client.get(
        reverse("plans:chronology", kwargs={"child_id": world.child1.pk}), {"slag": "plan"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "SIP version 1 överenskommen" in page
    assert "Samtycke registrerat" not in page
    assert AuditEvent.objects.filter(event="child.chronology").count() == 1


@pytest.mark.parametrize("user", ["principal_b", "steering"])
def test_outside_the_child_the_chronology_is_not_found(world: Any, client: Any, user: str) -> None:
    client.force_login(world.users[user])

    response = client.get(reverse("plans:chronology", kwargs={"child_id": world.child1.pk}))

    assert response.status_code in (403, 404)


def test_chronology_query_count_is_flat(
    world: Any, client: Any, django_assert_num_queries: Any
) -> None:
    _handled_report(world)
    agreed_sip(world)
    client.force_login(world.users["team_worker"])
    url = reverse("plans:chronology", kwargs={"child_id": world.child1.pk})
    client.get(url)

    with django_assert_num_queries(CHRONOLOGY_QUERIES):
        client.get(url)
    for _ in range(3):
        _handled_report(world)
    agreed_sip(world)
    with django_assert_num_queries(CHRONOLOGY_QUERIES):
        client.get(url)
