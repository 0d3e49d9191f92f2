"""A SIP for tests: child1 of the shared world with its school, the school-social team and the
region's child psychiatry, under a SIP consent confirmed by both sides."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from samverkan.access.tests.factories import actor_of
from samverkan.consent.models import Consent
from samverkan.consent.tests.factories import give_consent
from samverkan.core.models import SecrecyDomain
from samverkan.organisations.models import Unit
from samverkan.organisations.tests.factories import UnitFactory
from samverkan.plans import services
from samverkan.plans.models import CoordinatedPlan


@dataclass
class Sip:
    plan: CoordinatedPlan
    consent: Consent
    region: Unit


def region_of(world: Any) -> Unit:
    unit: Unit = UnitFactory(
        municipality=world.a,
        name="BUP Linköping",
        kind=Unit.Kind.EXTERNAL,
        domain=SecrecyDomain.HEALTH,
        function=Unit.Function.CHILD_PSYCHIATRY,
        is_external=True,
    )
    return unit


def participants_of(world: Any, region: Unit) -> list[services.ParticipantInput]:
    return [
        services.ParticipantInput(world.school1.pk, world.users["counsellor"].pk),
        services.ParticipantInput(world.team.pk, world.users["team_worker"].pk),
        services.ParticipantInput(region.pk, None, "Dr Rut Region", "rut@region.example.se"),
    ]


def sip_consent(world: Any, region: Unit, **kwargs: Any) -> Consent:
    return give_consent(
        child=world.child1,
        units=[world.school1, world.team, region],
        recorded_by=world.users["counsellor"],
        categories=("plan",),
        purpose="coordinated_plan",
        **kwargs,
    )


def called_sip(world: Any, *, linked: bool = True, **consent_kwargs: Any) -> Sip:
    """The counsellor calls a SIP with the team and the region; the consent is linked."""
    region = region_of(world)
    consent = sip_consent(world, region, **consent_kwargs)
    plan = services.plan_call(
        actor=actor_of(world.users["counsellor"]),
        child_id=world.child1.pk,
        reason="Eleven är ofta borta från skolan och familjen behöver stöd.",
        participants=participants_of(world, region),
    )
    if linked:
        CoordinatedPlan.objects.filter(pk=plan.pk).update(consent=consent)
        plan.refresh_from_db()
    return Sip(plan, consent, region)


def content(world: Any, region: Unit, *, goal: str = "Eleven går i skolan varje dag.") -> Any:
    today = timezone.localdate()
    return services.PlanContent(
        lead_unit_id=world.school1.pk,
        goals=(goal, "Familjen har stöd hemma."),
        interventions=(
            services.InterventionInput(
                "Kurator träffar eleven varje vecka.",
                world.school1.pk,
                "Kim Kurator",
                today,
                today + datetime.timedelta(days=90),
                today + datetime.timedelta(days=30),
            ),
            services.InterventionInput(
                "Utredning av koncentrationen.",
                region.pk,
                "Dr Rut Region",
                today,
                today + datetime.timedelta(days=60),
                today + datetime.timedelta(days=45),
            ),
        ),
        child_words="Jag vill ha en lugn plats i skolan.",
        guardians_view="Vi vill att skolan och socialtjänsten pratar med varandra.",
        next_follow_up_on=today + datetime.timedelta(days=30),
    )


def agreed_sip(world: Any) -> Sip:
    """called_sip with version 1 written by the counsellor and agreed with the family."""
    sip = called_sip(world)
    actor = actor_of(world.users["counsellor"])
    services.plan_save(
        actor=actor, plan_id=sip.plan.pk, expected_version=1, content=content(world, sip.region)
    )
    services.plan_agree(
        actor=actor, plan_id=sip.plan.pk, expected_version=2, attendees="Alla", family_agreed=True
    )
    return sip
