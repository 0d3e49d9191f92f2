"""The demo's one way in: routing, team criteria and school-responsible team members, and items
in every state of intake's handling (R1.2–R1.4, R2.8), so the queue, its deadline flags and
the principal's "sent" list show something real on the first login."""

import datetime
import random
import uuid
from collections.abc import Callable, Mapping, Sequence

from django.utils import timezone

from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import SCHOOL_LEADER_ROLES, TEAM_ROLES, Role
from samverkan.children.models import Enrolment
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.intake import deadlines
from samverkan.intake.models import (
    IntakeItem,
    ItemKind,
    ReferenceCounter,
    RoutingRule,
    RoutingSettings,
    TeamProfile,
    TeamSchoolContact,
    TriState,
)
from samverkan.organisations.models import Municipality, Unit

from . import data

BATCH_SIZE = 2000
# Days since receipt of the demo school's first items: new, unassessed, waiting, decided.
DEMO_AGES = (0, 0, 1, 1, 2, 5, 9, 13, 15, 20, 30, 40)

OBSERVED = (
    "Eleven berättade på rasten att det är mycket bråk hemma och att hen inte vill gå hem.",
    "Eleven har kommit till skolan utan mat och med för lite kläder flera dagar i rad.",
    "Eleven har ett blåmärke på armen och säger att en vuxen hemma tog hårt.",
    "Eleven har nästan slutat komma till skolan sedan terminsstarten.",
    "En kamrat berättade att eleven skadar sig själv.",
)
SITUATIONS = (
    "Eleven är i skolan i dag och verkar ledsen.",
    "Eleven är hemma i dag. Vi har inte fått kontakt med vårdnadshavarna.",
    "Eleven är i skolan och vill prata med kuratorn igen.",
)


def build_intake(
    *,
    rng: random.Random,
    new_id: Callable[[], uuid.UUID],
    municipality: Municipality,
    units: Mapping[str, Unit],
    users: Sequence[User],
    assignments: Sequence[RoleAssignment],
    items: int,
    now: datetime.datetime,
) -> int:
    """Create the routing configuration and `items` reports and requests. Returns the count."""
    intake = units[data.INTAKE]
    school_team = units[data.SCHOOL_SOCIAL_TEAM]
    family_team = units[data.FAMILY_TEAM]
    RoutingSettings.objects.create(id=new_id(), municipality=municipality, default_unit=intake)
    RoutingRule.objects.bulk_create(
        [
            RoutingRule(
                id=new_id(),
                municipality=municipality,
                name="Begäran om stöd, 6–16 år",
                position=10,
                kinds=[ItemKind.SUPPORT_REQUEST],
                age_from=6,
                age_to=16,
                target_unit=intake,
            ),
            RoutingRule(
                id=new_id(),
                municipality=municipality,
                name="Förskolebarn",
                position=20,
                age_to=5,
                target_unit=intake,
            ),
        ]
    )
    TeamProfile.objects.bulk_create(
        [
            TeamProfile(
                id=new_id(),
                team=school_team,
                criteria=(
                    "Barn i årskurs 1–9 och deras familjer som behöver gemensamt stöd från "
                    "skola och socialtjänst. Intensivt och tidsbegränsat stöd."
                ),
                age_from=7,
                age_to=16,
            ),
            TeamProfile(
                id=new_id(),
                team=family_team,
                criteria=(
                    "Familjer med barn 6–16 år där flera i familjen behöver omfattande stöd. "
                    "Inte biståndsprövat; familjeombud på familjens uppdrag."
                ),
                age_from=6,
                age_to=16,
            ),
        ]
    )
    by_unit: dict[tuple[uuid.UUID, str], list[User]] = {}
    user_by_id = {u.pk: u for u in users}
    for a in assignments:
        if a.valid_to is None:
            by_unit.setdefault((a.unit_id, a.role), []).append(user_by_id[a.user_id])
    schools = [units[spec.name] for spec in data.SCHOOLS]
    contacts = []
    for team in (school_team, family_team):
        members = [u for role in TEAM_ROLES for u in by_unit.get((team.pk, role), [])]
        for index, school in enumerate(schools):
            if members:
                contacts.append(
                    TeamSchoolContact(
                        id=new_id(),
                        municipality=municipality,
                        team=team,
                        school=school,
                        member=members[index % len(members)],
                    )
                )
    TeamSchoolContact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)
    if items <= 0:
        return 0
    return _items(
        rng=rng,
        new_id=new_id,
        municipality=municipality,
        intake=intake,
        by_unit=by_unit,
        schools=schools,
        items=items,
        now=now,
    )


def _items(
    *,
    rng: random.Random,
    new_id: Callable[[], uuid.UUID],
    municipality: Municipality,
    intake: Unit,
    by_unit: dict[tuple[uuid.UUID, str], list[User]],
    schools: list[Unit],
    items: int,
    now: datetime.datetime,
) -> int:
    workers = by_unit.get((intake.pk, Role.INTAKE_SOCIAL_WORKER), [])
    senders: dict[uuid.UUID, list[User]] = {}
    for school in schools:
        senders[school.pk] = [
            u
            for role in (*SCHOOL_LEADER_ROLES, Role.COUNSELLOR, Role.TEACHER)
            for u in by_unit.get((school.pk, role), [])
        ]
    enrolled = list(
        Enrolment.objects.filter(child__municipality=municipality, valid_to__isnull=True)
        .order_by("pk")
        .values_list("child_id", "school_id")
    )
    # The demo school comes first: its principal's login sees items in every state.
    demo_school = schools[0].pk
    first = [row for row in enrolled if row[1] == demo_school][: len(DEMO_AGES)]
    chosen = first + [enrolled[rng.randrange(len(enrolled))] for _ in range(items - len(first))]
    counters: dict[tuple[int, str], int] = {}
    batch: list[IntakeItem] = []
    for index, (child_id, school_id) in enumerate(chosen[:items]):
        sender_pool = senders.get(school_id) or []
        if not sender_pool:
            continue
        # Reports only: a support request needs a recorded consent, which the demo's
        # families do not have yet.
        kind = ItemKind.REPORT
        # Mostly older, handled items; the newest are open, some past a deadline.
        age_days = DEMO_AGES[index] if index < len(DEMO_AGES) else int(rng.expovariate(1 / 120))
        received = now - datetime.timedelta(days=age_days, hours=rng.randint(0, 6))
        received_on = timezone.localdate(received)
        prefix = "ANM"
        key = (received_on.year, prefix)
        counters[key] = counters.get(key, 0) + 1
        item = IntakeItem(
            id=new_id(),
            municipality=municipality,
            child_id=child_id,
            domain=SecrecyDomain.SOCIAL_SERVICES,
            category=RecordCategory.SOCIAL_SITUATION,
            owner_unit=intake,
            created_by=rng.choice(sender_pool),
            created_at=received,
            kind=kind,
            reference=f"{prefix}-{received_on.year}-{counters[key]:06d}",
            school_id=school_id,
            received_at=received,
            observed=rng.choice(OBSERVED),
            situation=rng.choice(SITUATIONS),
            needs_protection_now=rng.choice(TriState.values),
            guardians_informed=rng.choice(TriState.values),
            feedback_requested_at=received if rng.random() < 0.9 else None,
            routing_reason="Standardmottagning (ingen regel passade)",
            decision_due=deadlines.decision_due(received_on),
        )
        _advance(item, rng, workers, age_days)
        item.is_open = item.needs_action()  # bulk_create bypasses save()
        item.urgency = item.queue_urgency()
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            IntakeItem.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            batch = []
    IntakeItem.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    ReferenceCounter.objects.bulk_create(
        [
            ReferenceCounter(
                id=new_id(), municipality=municipality, year=year, prefix=prefix, last=last
            )
            for (year, prefix), last in counters.items()
        ]
    )
    return sum(counters.values())


def _advance(item: IntakeItem, rng: random.Random, workers: list[User], age_days: int) -> None:
    """Move an item along intake's steps according to how long ago it came in."""
    if not workers:
        return
    worker = rng.choice(workers)
    received = item.received_at
    if age_days == 0 and rng.random() < 0.5:
        return  # new today, not yet assessed
    item.assigned_to = worker
    item.assigned_at = received + datetime.timedelta(hours=1)
    item.status = IntakeItem.Status.IN_PROGRESS
    if age_days == 1 and rng.random() < 0.5:
        return  # the protection assessment missing after the day: flagged red
    item.protection_assessed_at = received + datetime.timedelta(hours=2)
    item.protection_assessed_by = worker
    item.protection_needed = item.needs_protection_now == TriState.YES and rng.random() < 0.3
    item.protection_assessment = "Skyddsbedömning gjord samma dag: inget omedelbart skydd."
    if age_days < 10 or (age_days < 20 and rng.random() < 0.3):
        return  # waiting for the decision (some past the 14 days)
    decided = received + datetime.timedelta(days=min(rng.randint(5, 13), age_days - 1))
    item.decided_at = decided
    item.decided_by = worker
    item.decision = rng.choice(IntakeItem.Decision.values)
    item.decision_reason = "Förhandsbedömning gjord."
    item.status = IntakeItem.Status.DECIDED
    if item.feedback_requested_at is not None and (age_days > 25 or rng.random() < 0.6):
        item.feedback_given_at = min(
            decided + datetime.timedelta(days=rng.randint(0, 5)),
            received + datetime.timedelta(days=age_days),
        )
        item.feedback_given_by = worker
