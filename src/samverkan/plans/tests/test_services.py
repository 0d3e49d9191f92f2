"""Calling, linking, saving and agreeing a SIP: the writes, their refusals and their audit."""

import datetime
import uuid
from dataclasses import replace
from typing import Any

import pytest
from django.utils import timezone

from samverkan.access.tests.factories import actor_of
from samverkan.audit.models import AuditEvent
from samverkan.core.errors import AccessDenied, ConcurrentEdit, NotFound
from samverkan.plans import services
from samverkan.plans.errors import PlanConsentMissing, PlanFrozen, PlanInvalid
from samverkan.plans.models import CoordinatedPlan, PlanVersion
from samverkan.plans.tests.factories import (
    called_sip,
    content,
    participants_of,
    region_of,
    sip_consent,
)

REASON = "Eleven är ofta borta från skolan."


def _call(world: Any, user: str = "counsellor", **kwargs: Any) -> CoordinatedPlan:
    region = kwargs.pop("region", None) or region_of(world)
    kwargs.setdefault("participants", participants_of(world, region))
    kwargs.setdefault("reason", REASON)
    return services.plan_call(actor=actor_of(world.users[user]), child_id=world.child1.pk, **kwargs)


def test_counsellor_calls_a_sip_with_social_services_and_the_region(world: Any) -> None:
    plan = _call(world)

    assert plan.owner_unit_id == world.school1.pk
    assert plan.domain == "school"
    assert plan.participants.count() == 3
    version = plan.versions.get()
    assert version.number == 1
    assert version.lead_unit_id == world.school1.pk
    entry = AuditEvent.objects.get(event="plan.called")
    assert entry.child_ids == [str(world.child1.pk)]
    assert entry.object_id == str(plan.pk)


def test_calling_twice_with_one_request_id_makes_one_plan(world: Any) -> None:
    region = region_of(world)
    request_id = uuid.uuid4()

    first = _call(world, region=region, request_id=request_id)
    second = _call(world, region=region, request_id=request_id)

    assert first.pk == second.pk
    assert CoordinatedPlan.objects.count() == 1
    assert AuditEvent.objects.filter(event="plan.called").count() == 1


def test_caller_is_added_when_the_form_leaves_their_organisation_out(world: Any) -> None:
    region = region_of(world)
    rows = participants_of(world, region)[1:]

    plan = _call(world, region=region, participants=rows)

    assert plan.participants.filter(unit=world.school1, person=world.users["counsellor"]).exists()


def test_teacher_cannot_call_a_sip(world: Any) -> None:
    with pytest.raises(AccessDenied):
        _call(world, user="teacher")

    assert not CoordinatedPlan.objects.exists()


def test_other_tenant_cannot_call_a_sip_for_the_child(world: Any) -> None:
    with pytest.raises(NotFound):
        _call(world, user="principal_b")


def test_bad_input_saves_nothing_and_names_each_field(world: Any) -> None:
    region = region_of(world)
    rows = [
        services.ParticipantInput(world.team.pk, world.users["teacher"].pk),
        services.ParticipantInput(region.pk, None, "", "inte-en-adress"),
        services.ParticipantInput(world.school_b.pk, None, "Någon"),
    ]

    with pytest.raises(PlanInvalid) as error:
        _call(world, region=region, reason=" ", participants=rows)

    details = error.value.details
    assert "reason" in details
    assert "participants-0-person" in details  # the teacher does not work in the team
    assert "participants-1-person_name" in details
    assert "participants-1-person_email" in details
    assert "participants-2-unit" in details  # another tenant's school
    assert not CoordinatedPlan.objects.exists()
    assert not AuditEvent.objects.filter(event="plan.called").exists()


def test_a_sip_needs_a_second_organisation(world: Any) -> None:
    with pytest.raises(PlanInvalid) as error:
        _call(world, participants=[])

    assert "participants" in error.value.details


def test_consent_is_linked_only_when_it_names_every_organisation(world: Any) -> None:
    sip = called_sip(world, linked=False)
    actor = actor_of(world.users["counsellor"])
    sip.consent.units.remove(sip.region)

    with pytest.raises(PlanInvalid) as error:
        services.plan_consent_link(
            actor=actor, plan_id=sip.plan.pk, consent_id=sip.consent.pk, expected_version=1
        )

    assert "nämner inte alla" in error.value.details["consent"][0]
    sip.plan.refresh_from_db()
    assert sip.plan.consent_id is None


def test_consent_waiting_for_a_side_is_not_linked(world: Any) -> None:
    sip = called_sip(world, linked=False, confirmed=("school",))

    with pytest.raises(PlanInvalid) as error:
        services.plan_consent_link(
            actor=actor_of(world.users["counsellor"]),
            plan_id=sip.plan.pk,
            consent_id=sip.consent.pk,
            expected_version=1,
        )

    assert "bekräftelse" in error.value.details["consent"][0]


def test_linking_the_consent_opens_the_plan_to_its_recipients(world: Any) -> None:
    sip = called_sip(world, linked=False)

    services.plan_consent_link(
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        consent_id=sip.consent.pk,
        expected_version=1,
    )
    context = services.plan_read(actor=actor_of(world.users["team_worker"]), plan_id=sip.plan.pk)

    assert context.plan.consent_id == sip.consent.pk
    entry = AuditEvent.objects.filter(event="plan.viewed").get()
    assert entry.purpose == f"consent:{sip.consent.pk}"


def test_teacher_outside_the_consents_roles_cannot_open_the_plan(world: Any) -> None:
    sip = called_sip(world)

    with pytest.raises(NotFound):
        services.plan_read(actor=actor_of(world.users["teacher"]), plan_id=sip.plan.pk)

    assert not AuditEvent.objects.filter(event="plan.viewed").exists()


def test_save_then_agree_freezes_the_version_and_a_change_makes_version_two(world: Any) -> None:
    sip = called_sip(world)
    counsellor = actor_of(world.users["counsellor"])

    services.plan_save(
        actor=counsellor,
        plan_id=sip.plan.pk,
        expected_version=1,
        content=content(world, sip.region),
    )
    agreed = services.plan_agree(
        actor=counsellor,
        plan_id=sip.plan.pk,
        expected_version=2,
        attendees="Kim Kurator, Tina Team, Dr Rut Region, vårdnadshavare, Ella",
        family_agreed=True,
    )
    second = services.plan_save(
        actor=actor_of(world.users["team_worker"]),
        plan_id=sip.plan.pk,
        expected_version=3,
        content=content(world, sip.region, goal="Eleven går i skolan minst fyra dagar i veckan."),
    )

    assert agreed.number == 1
    assert agreed.is_agreed
    assert second.number == 2
    assert not second.is_agreed
    first = PlanVersion.objects.get(plan=sip.plan, number=1)
    assert first.goals.first().text == "Eleven går i skolan varje dag."  # type: ignore[union-attr]
    assert second.goals.first().text.startswith("Eleven går i skolan minst")  # type: ignore[union-attr]
    assert second.interventions.count() == 2
    events = list(
        AuditEvent.objects.filter(object_id=str(sip.plan.pk))
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert events == ["plan.called", "plan.saved", "plan.agreed", "plan.saved"]


def test_saving_from_a_stale_form_is_refused(world: Any) -> None:
    sip = called_sip(world)
    actor = actor_of(world.users["counsellor"])
    services.plan_save(
        actor=actor, plan_id=sip.plan.pk, expected_version=1, content=content(world, sip.region)
    )

    with pytest.raises(ConcurrentEdit):
        services.plan_save(
            actor=actor_of(world.users["team_worker"]),
            plan_id=sip.plan.pk,
            expected_version=1,
            content=content(world, sip.region, goal="Något annat."),
        )


def test_back_and_resubmit_of_the_same_content_is_harmless(world: Any) -> None:
    sip = called_sip(world)
    actor = actor_of(world.users["counsellor"])
    same = content(world, sip.region)

    services.plan_save(actor=actor, plan_id=sip.plan.pk, expected_version=1, content=same)
    services.plan_save(actor=actor, plan_id=sip.plan.pk, expected_version=1, content=same)

    assert AuditEvent.objects.filter(event="plan.saved").count() == 1
    assert PlanVersion.objects.filter(plan=sip.plan).count() == 1


def test_bad_intervention_dates_are_refused_at_their_fields(world: Any) -> None:
    sip = called_sip(world)
    good = content(world, sip.region)
    today = timezone.localdate()
    bad = replace(
        good,
        interventions=(
            replace(
                good.interventions[0],
                until_on=today - datetime.timedelta(days=1),
                responsible_person="",
            ),
            replace(good.interventions[1], responsible_unit_id=world.intake.pk),
        ),
    )

    with pytest.raises(PlanInvalid) as error:
        services.plan_save(
            actor=actor_of(world.users["counsellor"]),
            plan_id=sip.plan.pk,
            expected_version=1,
            content=bad,
        )

    assert set(error.value.details) == {
        "interventions-0-until_on",
        "interventions-0-responsible_person",
        "interventions-1-responsible_unit",
    }
    assert not sip.plan.versions.get().goals.exists()


def test_agreeing_needs_the_family(world: Any) -> None:
    sip = called_sip(world)
    actor = actor_of(world.users["counsellor"])
    services.plan_save(
        actor=actor, plan_id=sip.plan.pk, expected_version=1, content=content(world, sip.region)
    )

    with pytest.raises(PlanInvalid) as error:
        services.plan_agree(
            actor=actor, plan_id=sip.plan.pk, expected_version=2, attendees="", family_agreed=False
        )

    assert set(error.value.details) == {"attendees", "family_agreed"}
    assert not sip.plan.versions.get().is_agreed


def test_agreeing_without_consent_is_refused(world: Any) -> None:
    sip = called_sip(world, linked=False)

    with pytest.raises(PlanConsentMissing):
        services.plan_agree(
            actor=actor_of(world.users["counsellor"]),
            plan_id=sip.plan.pk,
            expected_version=1,
            attendees="Alla",
            family_agreed=True,
        )


def test_only_the_lead_agrees(world: Any) -> None:
    sip = called_sip(world)
    services.plan_save(
        actor=actor_of(world.users["counsellor"]),
        plan_id=sip.plan.pk,
        expected_version=1,
        content=content(world, sip.region),
    )

    for user in ("team_worker", "principal"):
        with pytest.raises(AccessDenied):
            services.plan_agree(
                actor=actor_of(world.users[user]),
                plan_id=sip.plan.pk,
                expected_version=2,
                attendees="Alla",
                family_agreed=True,
            )


def test_agreeing_twice_is_harmless_and_a_frozen_version_stays(world: Any) -> None:
    sip = called_sip(world)
    actor = actor_of(world.users["counsellor"])
    services.plan_save(
        actor=actor, plan_id=sip.plan.pk, expected_version=1, content=content(world, sip.region)
    )
    kwargs = {"attendees": "Alla", "family_agreed": True}

    services.plan_agree(actor=actor, plan_id=sip.plan.pk, expected_version=2, **kwargs)  # type: ignore[arg-type]
    services.plan_agree(actor=actor, plan_id=sip.plan.pk, expected_version=2, **kwargs)  # type: ignore[arg-type]

    assert AuditEvent.objects.filter(event="plan.agreed").count() == 1
    with pytest.raises(PlanFrozen):
        services.plan_agree(actor=actor, plan_id=sip.plan.pk, expected_version=9, **kwargs)  # type: ignore[arg-type]


def test_principal_reads_but_cannot_write(world: Any) -> None:
    sip = called_sip(world)

    with pytest.raises(AccessDenied):
        services.plan_save(
            actor=actor_of(world.users["principal"]),
            plan_id=sip.plan.pk,
            expected_version=1,
            content=content(world, sip.region),
        )


def test_a_childs_plans_list_only_what_the_reader_may_see(world: Any) -> None:
    sip = called_sip(world)
    region = sip.region
    sip_consent(world, region)

    _child, team_plans, _call_decision = services.plans_for_child_read(
        actor=actor_of(world.users["team_worker"]), child_id=world.child1.pk
    )
    _child, teacher_plans, teacher_call = services.plans_for_child_read(
        actor=actor_of(world.users["teacher"]), child_id=world.child1.pk
    )

    assert [p.plan.pk for p in team_plans] == [sip.plan.pk]
    assert teacher_plans == []
    assert not teacher_call
