"""The demo's SIPs: one in every state at the demo school (waiting for consent, draft, agreed,
changing into version 2, closed), each with the school, the school-social team and the
region's child psychiatry, under a SIP consent both sides have confirmed (issue 13)."""

import datetime
import uuid
from collections.abc import Callable, Mapping, Sequence

from django.utils import timezone

from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import Role
from samverkan.children.models import Child, Guardianship, Note
from samverkan.consent import rules
from samverkan.consent.models import (
    Consent,
    ConsentConfirmation,
    ConsentParty,
    ConsentPurpose,
    ConsentRecipient,
)
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Municipality, Unit
from samverkan.plans.models import (
    CoordinatedPlan,
    PlanGoal,
    PlanIntervention,
    PlanMeeting,
    PlanParticipant,
    PlanVersion,
)

from . import data

STATES = ("waiting_for_consent", "draft", "agreed", "changing", "closed")
REASONS = (
    "Eleven är ofta borta från skolan och familjen behöver stöd hemma.",
    "Eleven har svårt med koncentrationen och oron hemma är stor.",
    "Eleven mår dåligt och skolan, socialtjänsten och BUP behöver samordna sitt stöd.",
    "Familjen har många kontakter och vill ha en gemensam plan.",
    "Eleven har gått över till en ny skola och behöver stöd i övergången.",
)


def build_plans(
    *,
    new_id: Callable[[], uuid.UUID],
    municipality: Municipality,
    units: Mapping[str, Unit],
    users: Sequence[User],
    assignments: Sequence[RoleAssignment],
    now: datetime.datetime,
) -> int:
    """One SIP per state for children of the demo school. Returns how many were made."""
    school = units[data.DEMO_SCHOOL]
    team = units[data.SCHOOL_SOCIAL_TEAM]
    region = units[data.CHILD_PSYCHIATRY]
    by_id = {u.pk: u for u in users}

    def holder(unit: Unit, role: str) -> User | None:
        return next(
            (
                by_id[a.user_id]
                for a in assignments
                if a.unit_id == unit.pk and a.role == role and a.valid_to is None
            ),
            None,
        )

    counsellor = holder(school, Role.COUNSELLOR)
    social_worker = holder(team, Role.TEAM_SOCIAL_WORKER)
    if counsellor is None or social_worker is None:
        return 0
    children = list(
        Child.objects.filter(
            municipality=municipality,
            enrolments__school=school,
            enrolments__valid_to__isnull=True,
            guardianships__has_custody=True,
            protection_marking="none",
        )
        .distinct()
        .order_by("family_name", "given_name", "pk")[: len(STATES)]
    )
    today = timezone.localdate(now)
    for index, (child, state) in enumerate(zip(children, STATES, strict=False)):
        called = now - datetime.timedelta(days=60 - index * 10)
        # The team's own note puts the child in its caseload, as its work would.
        Note.objects.create(
            id=new_id(),
            municipality=municipality,
            child=child,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
            owner_unit=team,
            created_by=social_worker,
            title="Samverkan kring SIP",
            body="Teamet deltar i elevens samordnade individuella plan.",
        )
        consent = None
        if state != "waiting_for_consent":
            consent = _consent(
                new_id,
                municipality,
                child,
                [school, team, region],
                counsellor,
                social_worker,
                called,
                today,
            )
        plan = CoordinatedPlan.objects.create(
            id=new_id(),
            municipality=municipality,
            child=child,
            domain=SecrecyDomain.SCHOOL,
            category=RecordCategory.PLAN,
            owner_unit=school,
            created_by=counsellor,
            created_at=called,
            reason=REASONS[index % len(REASONS)],
            consent=consent,
            closed_at=now - datetime.timedelta(days=2) if state == "closed" else None,
        )
        for order, (unit, person, name) in enumerate(
            ((school, counsellor, ""), (team, social_worker, ""), (region, None, "Dr Rut Region"))
        ):
            PlanParticipant.objects.create(
                id=new_id(),
                plan=plan,
                unit=unit,
                person=person,
                person_name=name,
                person_email="rut.region@example.se" if person is None else "",
                created_at=called + datetime.timedelta(microseconds=order),
            )
        agreed = state in ("agreed", "changing", "closed")
        _version(
            new_id, plan, 1, school, team, region, today, called if agreed else None, counsellor
        )
        if state == "changing":
            _version(
                new_id,
                plan,
                2,
                school,
                team,
                region,
                today,
                None,
                counsellor,
                goal="Eleven går i skolan minst fyra dagar i veckan.",
            )
        if state == "agreed":
            start = now + datetime.timedelta(days=14)
            PlanMeeting.objects.create(
                id=new_id(),
                plan=plan,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                place=f"{school.name}, elevhälsans rum",
                created_by=counsellor,
            )
    return len(children)


def _consent(
    new_id: Callable[[], uuid.UUID],
    municipality: Municipality,
    child: Child,
    units: list[Unit],
    counsellor: User,
    social_worker: User,
    called: datetime.datetime,
    today: datetime.date,
) -> Consent:
    consent = Consent.objects.create(
        id=new_id(),
        municipality=municipality,
        child=child,
        purpose=ConsentPurpose.COORDINATED_PLAN,
        purpose_text="Samordnad individuell plan med skolan, socialtjänsten och BUP.",
        categories=[RecordCategory.PLAN, RecordCategory.SCHOOL_SITUATION],
        valid_from=today - datetime.timedelta(days=60),
        valid_to=today + datetime.timedelta(days=300),
        recorded_by=counsellor,
    )
    consent.units.set(units)
    ConsentRecipient.objects.bulk_create(
        ConsentRecipient(id=new_id(), consent=consent, unit_id=unit_id, role=role)
        for unit_id, role in sorted(
            rules.default_recipients(
                ConsentPurpose.COORDINATED_PLAN, [(u.pk, u.kind, u.domain) for u in units]
            ),
            key=str,
        )
    )
    for side, unit, person in (
        (SecrecyDomain.SCHOOL, units[0], counsellor),
        (SecrecyDomain.SOCIAL_SERVICES, units[1], social_worker),
    ):
        ConsentConfirmation.objects.create(
            id=new_id(),
            consent=consent,
            side=side,
            unit=unit,
            confirmed_by=person,
            confirmed_at=called,
            evidence_kind="oral",
            oral_received_by=person.get_full_name(),
            oral_received_on=today - datetime.timedelta(days=60),
            oral_how="på möte med familjen",
        )
    for relation in Guardianship.objects.filter(child=child, has_custody=True).order_by("pk"):
        ConsentParty.objects.create(
            id=new_id(),
            consent=consent,
            kind=ConsentParty.Kind.GUARDIAN,
            guardian_id=relation.guardian_id,
            answer=ConsentParty.Answer.GIVEN,
            form="written",
            given_on=today - datetime.timedelta(days=60),
        )
    ConsentParty.objects.create(
        id=new_id(),
        consent=consent,
        kind=ConsentParty.Kind.CHILD,
        answer=ConsentParty.Answer.HEARD,
        view="Jag vill att de vuxna pratar med varandra.",
        form="oral",
        oral_received_by=counsellor.get_full_name(),
        given_on=today - datetime.timedelta(days=60),
    )
    return consent


def _version(
    new_id: Callable[[], uuid.UUID],
    plan: CoordinatedPlan,
    number: int,
    school: Unit,
    team: Unit,
    region: Unit,
    today: datetime.date,
    agreed_at: datetime.datetime | None,
    counsellor: User,
    goal: str = "Eleven går i skolan varje dag.",
) -> PlanVersion:
    version = PlanVersion.objects.create(
        id=new_id(),
        plan=plan,
        number=number,
        lead_unit=school,
        child_words="Jag vill ha en lugn plats i skolan och någon att prata med.",
        guardians_view="Vi vill att skolan och socialtjänsten pratar med varandra.",
        next_follow_up_on=today + datetime.timedelta(days=30),
        agreed_at=agreed_at,
        agreed_by=counsellor if agreed_at else None,
        attendees="Kurator, socialsekreterare i team, läkare på BUP, vårdnadshavare och eleven"
        if agreed_at
        else "",
        family_agreed=agreed_at is not None,
    )
    PlanGoal.objects.bulk_create(
        [
            PlanGoal(id=new_id(), version=version, position=0, text=goal),
            PlanGoal(id=new_id(), version=version, position=1, text="Familjen har stöd hemma."),
        ]
    )
    PlanIntervention.objects.bulk_create(
        [
            PlanIntervention(
                id=new_id(),
                version=version,
                position=position,
                text=text,
                responsible_unit=unit,
                responsible_person=person,
                start_on=today - datetime.timedelta(days=20),
                until_on=today + datetime.timedelta(days=days),
                follow_up_on=today + datetime.timedelta(days=30),
            )
            for position, (text, unit, person, days) in enumerate(
                (
                    ("Kurator träffar eleven varje vecka.", school, "Kuratorn", 90),
                    ("Föräldrastöd i hemmet.", team, "Socialsekreteraren i teamet", 120),
                    ("Utredning av koncentrationen.", region, "Dr Rut Region", 60),
                )
            )
        ]
    )
    return version
