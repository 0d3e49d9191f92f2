"""Load the fictional demo municipality: units, staff with role logins, contacts and children."""

import datetime
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from samverkan.access.models import RoleAssignment, User
from samverkan.access.roles import Role
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Municipality, ResidentialArea, SchoolContact, Unit

from . import data
from .data import SchoolSpec
from .errors import DemoInvalidSize, DemoMunicipalityExists
from .families import BATCH_SIZE, FamilyBuilder
from .intake import build_intake
from .plans import build_plans
from .support import build_support

MAX_CHILDREN = 1_000_000
LOAD_PAGE_CACHE_KIB = 256 * 1024
ESTABLISHED_ON = datetime.date(2018, 1, 1)
FAMILY_TEAM_FROM = datetime.date(2018, 9, 1)
SCHOOL_SOCIAL_TEAM_FROM = datetime.date(2019, 8, 1)  # seed 000: the teams merged in 2019
INTAKE_SOCIAL_WORKERS = 10

SCHOOL_WRITER_ROLES = frozenset(
    {Role.PRINCIPAL, Role.TEACHER, Role.PRESCHOOL_HEAD, Role.PRESCHOOL_TEACHER}
)
HEALTH_WRITER_ROLES = frozenset(
    {Role.COUNSELLOR, Role.SCHOOL_NURSE, Role.SCHOOL_PSYCHOLOGIST, Role.SPECIAL_EDUCATOR}
)
TEAM_WRITER_ROLES = frozenset(
    {Role.TEAM_SOCIAL_WORKER, Role.TEAM_TEACHER, Role.FAMILY_COORDINATOR, Role.NETWORK_WORKER}
)


class Writer(Protocol):
    def write(self, msg: str, /) -> object: ...


@dataclass(frozen=True)
class DemoResult:
    code: str
    name: str
    created: bool
    schools: int = 0
    users: int = 0
    children: int = 0
    guardians: int = 0
    enrolments: int = 0
    notes: int = 0
    seconds: float = 0.0


@transaction.atomic
def demo_load(
    *,
    children: int = 3000,
    seed: int = 1,
    code: str = data.DEFAULT_CODE,
    name: str = data.DEFAULT_NAME,
    if_empty: bool = False,
    stdout: Writer | None = None,
    intake_items: int | None = None,
) -> DemoResult:
    """Create the demo municipality with `children` children, the same for the same seed and
    day. Refuse when the code is taken, or with `if_empty` leave it as it is. Not audited: no
    person acts, and the data is fictional."""
    if not 1 <= children <= MAX_CHILDREN:
        raise DemoInvalidSize(DemoInvalidSize.message % {"maximum": MAX_CHILDREN})
    started = time.monotonic()
    existing = Municipality.objects.filter(code=code).first()
    if existing is not None:
        if if_empty:
            return DemoResult(code=code, name=existing.name, created=False)
        raise DemoMunicipalityExists(DemoMunicipalityExists.message % {"code": code})
    with _sqlite_page_cache():
        items = max(children // 50, 12) if intake_items is None else intake_items
        result = _Loader(seed=seed, code=code, stdout=stdout).load(
            name=name, children=children, intake_items=items
        )
    return replace(result, seconds=time.monotonic() - started)


@contextmanager
def _sqlite_page_cache() -> Iterator[None]:
    """SQLite's default 2 MB page cache spills the indexes of half a million new rows to disk
    mid-transaction; 256 MB halved the writes and cut 100 000 children from 4m16s to 3m09s on a
    busy two-core machine. PostgreSQL needs nothing. The old size is put back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{LOAD_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


class _Loader:
    """One load. Data comes from `rng`; ids from `id_rng`, salted with the code so that two
    tenants loaded with the same seed hold the same people under different primary keys."""

    def __init__(self, *, seed: int, code: str, stdout: Writer | None) -> None:
        self.rng = random.Random(seed)  # noqa: S311  # reproducible data, not secrets
        self.id_rng = random.Random(f"samverkan-demo:{seed}:{code}")  # noqa: S311
        self.code = code
        self.prefix = data.username_prefix(code)
        self.stdout = stdout
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.year_ago = self.today - datetime.timedelta(days=365)
        # The school year starts in mid-August; grades follow the birth year (cohort).
        this_year_start = datetime.date(self.today.year, 8, 15)
        self.school_year = self.today.year - (0 if self.today >= this_year_start else 1)
        self.password = make_password(data.PASSWORD)  # hashed once: one hash for every user
        self.handles: set[str] = set()
        self.units: dict[str, Unit] = {}
        self.specs = {spec.name: spec for spec in data.SCHOOLS}
        self.users: list[User] = []
        self.assignments: list[RoleAssignment] = []
        self.writers: dict[tuple[uuid.UUID, str], list[User]] = defaultdict(list)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.id_rng.getrandbits(128), version=4)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def load(self, *, name: str, children: int, intake_items: int = 0) -> DemoResult:
        self.municipality = Municipality.objects.create(id=self.uuid(), name=name, code=self.code)
        self._build_units()
        workers, former = self._build_staff()
        self._build_contacts(workers, former)
        self.say(f"Enheter och {len(self.users)} användare skapade. Skapar {children} barn …")
        counts = FamilyBuilder(
            rng=self.rng,
            new_id=self.uuid,
            municipality_id=self.municipality.pk,
            units=self.units,
            writers=self.writers,
            today=self.today,
            now=self.now,
            school_year=self.school_year,
        ).build(children, self.say)
        episodes = build_support(
            rng=self.rng,
            new_id=self.uuid,
            municipality_id=self.municipality.pk,
            units=self.units,
            today=self.today,
            now=self.now,
        )
        self.say(f"{episodes} insatser skapade.")
        items = build_intake(
            rng=self.rng,
            new_id=self.uuid,
            municipality=self.municipality,
            units=self.units,
            users=self.users,
            assignments=self.assignments,
            items=intake_items,
            now=self.now,
        )
        self.say(f"{items} inkomna ärenden skapade.")
        plans = build_plans(
            new_id=self.uuid,
            municipality=self.municipality,
            units=self.units,
            users=self.users,
            assignments=self.assignments,
            now=self.now,
        )
        self.say(f"{plans} SIP:ar skapade.")
        return DemoResult(
            code=self.code,
            name=name,
            created=True,
            schools=len(data.SCHOOLS),
            users=len(self.users),
            children=counts["children"],
            guardians=counts["guardians"],
            enrolments=counts["enrolments"],
            notes=counts["notes"],
        )

    # Organisation -------------------------------------------------------------------------

    def _build_units(self) -> None:
        self.areas = {
            area: ResidentialArea.objects.create(
                id=self.uuid(), municipality=self.municipality, name=area
            )
            for area in data.AREAS
        }
        school, social = SecrecyDomain.SCHOOL, SecrecyDomain.SOCIAL_SERVICES
        health = SecrecyDomain.HEALTH
        education = self._unit(data.EDUCATION, None, Unit.Kind.ADMINISTRATION, school)
        independent = self._unit(data.INDEPENDENT, education, Unit.Kind.UNIT, school)
        for spec in data.SCHOOLS:
            parent = independent if spec.is_independent else education
            kind = Unit.Kind.PRESCHOOL if spec.is_preschool else Unit.Kind.SCHOOL
            self._unit(spec.name, parent, kind, school, spec=spec)
        administration = self._unit(data.SOCIAL, None, Unit.Kind.ADMINISTRATION, social)
        child_youth = self._unit(data.CHILD_YOUTH, administration, Unit.Kind.UNIT, social)
        self._unit(data.INTAKE, child_youth, Unit.Kind.UNIT, social, function=Unit.Function.INTAKE)
        team = self._unit(
            data.SCHOOL_SOCIAL_TEAM,
            child_youth,
            Unit.Kind.TEAM,
            social,
            function=Unit.Function.SCHOOL_SOCIAL_TEAM,
            valid_from=SCHOOL_SOCIAL_TEAM_FROM,
        )
        # R0.6: the team's records are the social welfare board's; its two teachers, employed
        # by the education administration, work on the board's assignment (seed 000).
        team.joint_basis = Unit.JointBasis.SINGLE_AUTHORITY
        team.joint_basis_text = (
            "Teamets journaler förs inom socialnämndens verksamhet. Lärarna i teamet är anställda "
            "av barn- och utbildningsförvaltningen och arbetar på socialnämndens uppdrag enligt "
            "samverkansöverenskommelsen om skolsocialt team (2019)."
        )
        team.save(update_fields=["joint_basis", "joint_basis_text", "updated_at"])
        for merged in data.MERGED_TEAMS:  # R0.10: history survives the reorganisation
            self._unit(
                merged,
                child_youth,
                Unit.Kind.TEAM,
                social,
                valid_to=SCHOOL_SOCIAL_TEAM_FROM - datetime.timedelta(days=1),
                successor=team,
            )
        self._unit(
            data.FAMILY_TEAM,
            child_youth,
            Unit.Kind.TEAM,
            social,
            function=Unit.Function.FAMILY_TEAM,
            valid_from=FAMILY_TEAM_FROM,
        )
        region = self._unit(data.REGION, None, Unit.Kind.EXTERNAL, health, is_external=True)
        self._unit(  # R2.13: the region may join; no child-data role exists for its staff
            data.CHILD_PSYCHIATRY,
            region,
            Unit.Kind.EXTERNAL,
            health,
            function=Unit.Function.CHILD_PSYCHIATRY,
            is_external=True,
        )

    def _unit(
        self,
        name: str,
        parent: Unit | None,
        kind: str,
        domain: str,
        *,
        function: str = "",
        valid_from: datetime.date = ESTABLISHED_ON,
        valid_to: datetime.date | None = None,
        successor: Unit | None = None,
        is_external: bool = False,
        spec: SchoolSpec | None = None,
    ) -> Unit:
        unit = Unit(
            id=self.uuid(),
            municipality=self.municipality,
            parent=parent,
            name=name,
            kind=kind,
            domain=domain,
            function=function,
            is_external=is_external,
            valid_from=valid_from,
            valid_to=valid_to,
            successor=successor,
            phone=self._office_phone(),
            email="" if is_external else f"{data.ascii_handle(name)}@{data.STAFF_EMAIL_DOMAIN}",
        )
        if spec is not None:
            unit.school_unit_code = self._school_unit_code()
            unit.school_types = list(spec.school_types)
            unit.grade_from = spec.grade_from
            unit.grade_to = spec.grade_to
            unit.organiser_type = (
                Unit.OrganiserType.INDEPENDENT
                if spec.is_independent
                else Unit.OrganiserType.MUNICIPAL
            )
            unit.residential_area = self.areas[spec.area]
        unit.save()  # computes the materialised path
        self.units[name] = unit
        return unit

    def _school_unit_code(self) -> str:
        taken = {u.school_unit_code for u in self.units.values()}
        while True:
            code = str(self.rng.randrange(10_000_000, 100_000_000))
            if code not in taken:
                return code

    # Staff --------------------------------------------------------------------------------

    def _build_staff(self) -> tuple[list[User], User]:
        units = self.units
        with_health = [spec for spec in data.SCHOOLS if spec.has_student_health]
        # Three psychologists share the schools; the login's group holds the demo school.
        for index in range(3):
            group = [units[spec.name] for spec in with_health[index::3]]
            login = "skolpsykolog" if index == 0 else None
            self._staff(Role.SCHOOL_PSYCHOLOGIST, group, login=login)
        for spec in data.SCHOOLS:
            self._school_staff(spec, units[spec.name])

        self._staff(Role.UNIT_HEAD, [units[data.CHILD_YOUTH]], login="enhetschef")
        intake = [units[data.INTAKE]]
        self._staff(Role.UNIT_HEAD, intake)
        workers = [
            self._staff(Role.INTAKE_SOCIAL_WORKER, intake, login=None if i else "mottagning")
            for i in range(INTAKE_SOCIAL_WORKERS)
        ]
        # A social worker who left a year ago: the schools' contact history names them.
        former = self._staff(
            Role.INTAKE_SOCIAL_WORKER,
            intake,
            valid_from=self.year_ago - datetime.timedelta(days=3 * 365),
            valid_to=self.year_ago - datetime.timedelta(days=1),
        )
        team = [units[data.SCHOOL_SOCIAL_TEAM]]  # R0.1: 2 teachers and 5 social workers
        for i in range(2):
            self._staff(Role.TEAM_TEACHER, team, login=None if i else "teamlarare")
        for i in range(5):
            self._staff(Role.TEAM_SOCIAL_WORKER, team, login=None if i else "teamsocionom")
        # R0.7: each team's daily work lead (gruppledare) takes requests in and assigns members.
        self._staff(Role.WORK_LEAD, team, login="gruppledare")
        family = [units[data.FAMILY_TEAM]]  # R2.4: 5 staff
        self._staff(Role.WORK_LEAD, family)
        for i in range(3):
            self._staff(Role.FAMILY_COORDINATOR, family, login=None if i else "familjeombud")
        for i in range(2):
            self._staff(Role.NETWORK_WORKER, family, login=None if i else "natverk")

        both = [units[data.SOCIAL], units[data.EDUCATION]]
        self._staff(Role.STEERING_GROUP_MEMBER, both[:1], login="styrgrupp")
        self._staff(Role.STEERING_GROUP_MEMBER, both[1:])
        self._staff(Role.STEERING_GROUP_MEMBER, both[:1])
        self._staff(Role.MUNICIPALITY_ADMIN, both, login="admin")
        self._staff(Role.LOG_REVIEWER, both, login="loggranskare")

        User.objects.bulk_create(self.users, batch_size=BATCH_SIZE)
        RoleAssignment.objects.bulk_create(self.assignments, batch_size=BATCH_SIZE)
        return workers, former

    def _school_staff(self, spec: SchoolSpec, unit: Unit) -> None:
        def login(name: str, first: bool = True) -> str | None:
            school = data.DEMO_PRESCHOOL if spec.is_preschool else data.DEMO_SCHOOL
            return name if first and spec.name == school else None

        if spec.is_preschool:
            self._staff(Role.PRESCHOOL_HEAD, [unit], login=login("forskolechef"))
            for i in range(self.rng.randint(2, 4)):
                role = Role.PRESCHOOL_TEACHER if i % 2 == 0 else Role.CHILDCARE_WORKER
                self._staff(role, [unit])
            return
        self._staff(Role.PRINCIPAL, [unit], login=login("rektor"))
        for i in range(self.rng.randint(2, 4)):
            self._staff(Role.TEACHER, [unit], login=login("larare", i == 0))
        self._staff(Role.COUNSELLOR, [unit], login=login("kurator"))
        self._staff(Role.SCHOOL_NURSE, [unit], login=login("skolskoterska"))
        self._staff(Role.SPECIAL_EDUCATOR, [unit], login=login("specialpedagog"))

    def _staff(
        self,
        role: Role,
        units: Sequence[Unit],
        *,
        login: str | None = None,
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
    ) -> User:
        female = self.rng.random() < 0.7  # most school and social-services staff are women
        first = self.rng.choice(data.WOMEN if female else data.MEN)
        last = self.rng.choice(data.FAMILY_NAMES)
        handle = self._unique_handle(f"{first}.{last}")
        user = User(
            id=self.uuid(),
            username=self.prefix + (login or handle),
            password=self.password,
            first_name=first,
            last_name=last,
            email=f"{handle}@{data.STAFF_EMAIL_DOMAIN}",
            phone=self._office_phone(),
            title=str(role.label),
            municipality=self.municipality,
            is_active=valid_to is None,
        )
        self.users.append(user)
        for unit in units:
            start = valid_from or max(
                unit.valid_from, self.today - datetime.timedelta(days=self.rng.randint(400, 3000))
            )
            self.assignments.append(
                RoleAssignment(
                    id=self.uuid(),
                    municipality=self.municipality,
                    user=user,
                    role=role,
                    unit=unit,
                    valid_from=start,
                    valid_to=valid_to,
                )
            )
            if valid_to is None:
                self._register_writer(role, unit, user)
        return user

    def _register_writer(self, role: Role, unit: Unit, user: User) -> None:
        if role in SCHOOL_WRITER_ROLES:
            self.writers[unit.pk, RecordCategory.SCHOOL_SITUATION].append(user)
        elif role in HEALTH_WRITER_ROLES:
            self.writers[unit.pk, RecordCategory.STUDENT_HEALTH].append(user)
        elif role in TEAM_WRITER_ROLES:
            self.writers[unit.pk, RecordCategory.SOCIAL_SITUATION].append(user)

    def _unique_handle(self, text: str) -> str:
        base = data.ascii_handle(text)
        handle, number = base, 1
        while handle in self.handles:
            number += 1
            handle = f"{base}{number}"
        self.handles.add(handle)
        return handle

    def _office_phone(self) -> str:
        return f"{data.OFFICE_PHONE_PREFIX}{self.rng.choice(data.OFFICE_PHONE_SUFFIXES):02d}"

    def _build_contacts(self, workers: list[User], former: User) -> None:
        """Each school: a primary and a deputy contact in intake (R4.3); each social worker is
        primary for two schools and deputy for two others. Some schools keep an ended contact."""
        contacts = []
        schools = [self.units[spec.name] for spec in data.SCHOOLS]  # the demo school first
        for index, school in enumerate(schools):
            for kind, worker in (
                (SchoolContact.Kind.PRIMARY, workers[index % len(workers)]),
                (SchoolContact.Kind.DEPUTY, workers[(index + 3) % len(workers)]),
            ):
                contacts.append(self._contact(school, worker, kind, self.year_ago, None))
        for school in schools[::5]:
            start = self.year_ago - datetime.timedelta(days=2 * 365)
            end = self.year_ago - datetime.timedelta(days=1)
            contacts.append(self._contact(school, former, SchoolContact.Kind.PRIMARY, start, end))
        SchoolContact.objects.bulk_create(contacts, batch_size=BATCH_SIZE)

    def _contact(
        self,
        school: Unit,
        worker: User,
        kind: str,
        valid_from: datetime.date,
        valid_to: datetime.date | None,
    ) -> SchoolContact:
        return SchoolContact(
            id=self.uuid(),
            municipality=self.municipality,
            school=school,
            social_worker=worker,
            kind=kind,
            valid_from=valid_from,
            valid_to=valid_to,
        )
