"""Demo families: children with identity numbers, guardians, enrolments and a few notes.

Written in chunks with bulk_create: 100 000 children are about half a million rows, and one
save() per row would take far longer than the five minutes `make bench` allows.
"""

import datetime
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from samverkan.access.models import User
from samverkan.children.identity import generate_identity_number
from samverkan.children.models import (
    Child,
    Enrolment,
    Gender,
    Guardian,
    Guardianship,
    Note,
    ProtectionMarking,
)
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit

from . import data
from .data import SchoolSpec

# Rows per INSERT (SQLite lowers it to fit its 999 bound parameters); children are also built
# and written in chunks of this size so 100 000 of them never sit in memory at once.
BATCH_SIZE = 2000
PROTECTED_SHARE = 0.01
FOSTER_CARE_SHARE = 0.03
COORDINATION_NUMBER_SHARE = 0.005
OTHER_GENDER_SHARE = 0.004
LOCAL_SCHOOL_SHARE = 0.9  # most children go to a school in their own residential area
SCHOOL_CHANGE_SHARE = 0.03
SCHOOL_NOTE_SHARE = 0.02
STUDENT_HEALTH_NOTE_SHARE = 0.01
SOCIAL_NOTE_SHARE = 0.01
NOTE_MAX_AGE_DAYS = 300
SCHOOL_YEAR_START = (8, 15)  # month, day
SCHOOL_YEAR_END = (6, 14)


@dataclass
class Batch:
    children: list[Child] = field(default_factory=list)
    guardians: list[Guardian] = field(default_factory=list)
    guardianships: list[Guardianship] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Address:
    street: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass(frozen=True)
class Pool:
    specs: tuple[SchoolSpec, ...]
    cum_weights: tuple[int, ...]


class FamilyBuilder:
    """Builds families one at a time into a batch; `build` writes them in chunks."""

    def __init__(
        self,
        *,
        rng: random.Random,
        new_id: Callable[[], uuid.UUID],
        municipality_id: uuid.UUID,
        units: Mapping[str, Unit],
        writers: Mapping[tuple[uuid.UUID, str], Sequence[User]],
        today: datetime.date,
        now: datetime.datetime,
        school_year: int,
    ) -> None:
        self.rng = rng
        self.new_id = new_id
        self.municipality_id = municipality_id
        self.units = units
        self.writers = writers
        self.today = today
        self.now = now
        self.school_year = school_year
        self.one_year_ago = today - datetime.timedelta(days=366)
        self.used_numbers: set[str] = set()
        self.pools: dict[tuple[str | None, str, int | None], Pool] = {}
        # The principal login must find a protected child and notes at the demo school.
        self.demo_pending = {"protected", "school_note", "health_note"}
        self.counts: dict[str, int] = defaultdict(int)

    def build(self, total: int, say: Callable[[str], None]) -> dict[str, int]:
        batch = Batch()
        made, step = 0, max(total // 10, 1)
        next_report = step
        while made < total:
            made += self.family(batch, total - made)
            if len(batch.children) >= BATCH_SIZE or made >= total:
                self._flush(batch)
                batch = Batch()
            if made >= next_report:
                say(f"  {made} av {total} barn")
                next_report += step
        return dict(self.counts)

    def _flush(self, batch: Batch) -> None:
        Child.objects.bulk_create(batch.children, batch_size=BATCH_SIZE)
        Guardian.objects.bulk_create(batch.guardians, batch_size=BATCH_SIZE)
        Guardianship.objects.bulk_create(batch.guardianships, batch_size=BATCH_SIZE)
        Enrolment.objects.bulk_create(batch.enrolments, batch_size=BATCH_SIZE)
        Note.objects.bulk_create(batch.notes, batch_size=BATCH_SIZE)
        self.counts["children"] += len(batch.children)
        self.counts["guardians"] += len(batch.guardians)
        self.counts["guardianships"] += len(batch.guardianships)
        self.counts["enrolments"] += len(batch.enrolments)
        self.counts["notes"] += len(batch.notes)

    def family(self, batch: Batch, room: int) -> int:
        """One household of one to three children and their guardians; returns the children."""
        rng = self.rng
        area = rng.choice(data.AREAS)
        family_name = rng.choice(data.FAMILY_NAMES)
        protection = ProtectionMarking.NONE
        if rng.random() < PROTECTED_SHARE:
            protection = rng.choice(
                (
                    ProtectionMarking.CONFIDENTIALITY_MARKING,
                    ProtectionMarking.PROTECTED_REGISTRATION,
                )
            )
        # Skyddad folkbokföring: the registered address is not the home; we hold none.
        hidden = protection == ProtectionMarking.PROTECTED_REGISTRATION
        address = Address() if hidden else self._address(area)
        kids = min(room, rng.choices((1, 2, 3), weights=(45, 40, 15))[0])
        cohorts = sorted(rng.sample(range(1, 19), kids), reverse=True)
        guardians = self._guardians(
            batch, family_name, address, hidden, self.school_year - cohorts[0]
        )
        family_names = [family_name, *(g.family_name for g, _ in guardians[1:])]
        for cohort in cohorts:
            child = self._child(batch, cohort, area, family_names, address, protection)
            for guardian, has_custody in guardians:
                batch.guardianships.append(
                    Guardianship(
                        id=self.new_id(),
                        child_id=child.pk,
                        guardian_id=guardian.pk,
                        has_custody=has_custody,
                    )
                )
        return kids

    def _guardians(
        self,
        batch: Batch,
        family_name: str,
        address: Address,
        hidden: bool,
        oldest_child_born: int,
    ) -> list[tuple[Guardian, bool]]:
        rng = self.rng
        count = 2 if rng.random() < 0.78 else 1
        # Sometimes one parent has no custody: their consent does not count (FB 6 kap.).
        second_has_custody = rng.random() >= 0.06
        first_female = rng.random() < 0.8
        guardians = []
        for index in range(count):
            female = first_female if index == 0 else (not first_female) ^ (rng.random() < 0.1)
            given = rng.choice(data.WOMEN if female else data.MEN)
            family = family_name if index == 0 or rng.random() < 0.6 else None
            family = family or rng.choice(data.FAMILY_NAMES)
            home = address
            if index == 1 and not hidden and rng.random() < 0.25:
                home = self._address(rng.choice(data.AREAS))  # parents living apart
            birth = self._birth_date(oldest_child_born - rng.randint(22, 40), latest=None)
            guardian = Guardian(
                id=self.new_id(),
                municipality_id=self.municipality_id,
                identity_number=self._identity_number(birth, female=female, coordination=False),
                given_name=given,
                family_name=family,
                phone=self._mobile_phone(),
                email=f"{data.ascii_handle(f'{given}.{family}')}{rng.randint(1, 99)}"
                f"@{data.GUARDIAN_EMAIL_DOMAIN}",
                street_address=home.street,
                postal_code=home.postal_code,
                city=home.city,
            )
            batch.guardians.append(guardian)
            guardians.append((guardian, index == 0 or second_has_custody))
        return guardians

    def _child(
        self,
        batch: Batch,
        cohort: int,
        area: str,
        family_names: list[str],
        address: Address,
        protection: str,
    ) -> Child:
        rng = self.rng
        legal_female = rng.random() < 0.49
        gender = Gender.FEMALE if legal_female else Gender.MALE
        if rng.random() < OTHER_GENDER_SHARE:
            gender = Gender.OTHER_UNKNOWN
        given = rng.choice(data.GIRLS if legal_female else data.BOYS)
        family = family_names[0] if rng.random() < 0.9 else rng.choice(family_names)
        birth = self._birth_date(self.school_year - cohort, latest=self.one_year_ago)
        coordination = rng.random() < COORDINATION_NUMBER_SHARE
        child_id = self.new_id()
        spec, since = self._enrol(batch, child_id, cohort, area, birth)
        is_demo_school = spec.name == data.DEMO_SCHOOL
        if is_demo_school and "protected" in self.demo_pending:
            self.demo_pending.discard("protected")
            if protection == ProtectionMarking.NONE:
                protection = ProtectionMarking.CONFIDENTIALITY_MARKING
        child = Child(
            id=child_id,
            municipality_id=self.municipality_id,
            identity_number=self._identity_number(
                birth, female=legal_female, coordination=coordination
            ),
            given_name=given,
            family_name=family,
            birth_date=birth,
            gender=gender,
            protection_marking=protection,
            is_in_foster_care=rng.random() < FOSTER_CARE_SHARE,  # R1.11
            street_address=address.street,
            postal_code=address.postal_code,
            city=address.city,
        )
        batch.children.append(child)
        self._notes(batch, child_id, spec, cohort, since)
        return child

    # Schools ------------------------------------------------------------------------------

    def _enrol(
        self, batch: Batch, child_id: uuid.UUID, cohort: int, area: str, birth: datetime.date
    ) -> tuple[SchoolSpec, datetime.date]:
        """The current enrolment by birth cohort (1–5 preschool, 6 FKLASS, 7–15 GR 1–9,
        16–18 GY 1–3) and, for a few, an ended one at another school before it."""
        rng = self.rng
        school_type, grade = _level(cohort)
        spec = self._pick(area, school_type, grade)
        if grade is None:
            since = min(birth + datetime.timedelta(days=365 + rng.randint(0, 240)), self.today)
        else:
            first_grade = spec.grade_from or 0
            since = self._term_start(self.school_year - (grade - first_grade))
            if grade > first_grade and rng.random() < SCHOOL_CHANGE_SHARE:
                since = self._earlier_enrolment(batch, child_id, spec, school_type, grade, since)
        batch.enrolments.append(self._enrolment(child_id, spec, school_type, grade, since, None))
        return spec, since

    def _earlier_enrolment(
        self,
        batch: Batch,
        child_id: uuid.UUID,
        spec: SchoolSpec,
        school_type: str,
        grade: int,
        since: datetime.date,
    ) -> datetime.date:
        """Record the school the child left; returns when the current enrolment began."""
        moved_year = self.rng.randint(since.year + 1, self.school_year)
        earlier_grade = grade - (self.school_year - moved_year) - 1
        earlier_type = "FKLASS" if earlier_grade == 0 else school_type
        others = [
            s for s in data.SCHOOLS if s.name != spec.name and _fits(s, earlier_type, earlier_grade)
        ]
        if not others:
            return since
        other = self.rng.choice(others)
        left = datetime.date(moved_year, *SCHOOL_YEAR_END)
        batch.enrolments.append(
            self._enrolment(child_id, other, earlier_type, earlier_grade, since, left)
        )
        return self._term_start(moved_year)

    def _enrolment(
        self,
        child_id: uuid.UUID,
        spec: SchoolSpec,
        school_type: str,
        grade: int | None,
        valid_from: datetime.date,
        valid_to: datetime.date | None,
    ) -> Enrolment:
        return Enrolment(
            id=self.new_id(),
            municipality_id=self.municipality_id,
            child_id=child_id,
            school_id=self.units[spec.name].pk,
            school_type=school_type,
            grade=grade,
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def _pick(self, area: str, school_type: str, grade: int | None) -> SchoolSpec:
        local = self.rng.random() < LOCAL_SCHOOL_SHARE
        pool = self._pool(area if local else None, school_type, grade)
        if not pool.specs:
            pool = self._pool(None, school_type, grade)
        return self.rng.choices(pool.specs, cum_weights=pool.cum_weights)[0]

    def _pool(self, area: str | None, school_type: str, grade: int | None) -> Pool:
        key = (area, school_type, grade)
        if key not in self.pools:
            specs = tuple(
                s
                for s in data.SCHOOLS
                if (area is None or s.area == area) and _fits(s, school_type, grade)
            )
            cum_weights, total = [], 0
            for spec in specs:
                total += 1 if spec.is_independent else 3  # R4.5: independent schools are fewer
                cum_weights.append(total)
            self.pools[key] = Pool(specs, tuple(cum_weights))
        return self.pools[key]

    def _term_start(self, year: int) -> datetime.date:
        return min(datetime.date(year, *SCHOOL_YEAR_START), self.today)

    # Notes --------------------------------------------------------------------------------

    def _notes(
        self,
        batch: Batch,
        child_id: uuid.UUID,
        spec: SchoolSpec,
        cohort: int,
        since: datetime.date,
    ) -> None:
        rng = self.rng
        school = self.units[spec.name]
        demo = spec.name == data.DEMO_SCHOOL
        draw = rng.random()
        if draw < SCHOOL_NOTE_SHARE or (demo and "school_note" in self.demo_pending):
            if demo:
                self.demo_pending.discard("school_note")
            category, owner, texts = RecordCategory.SCHOOL_SITUATION, school, data.SCHOOL_NOTES
        elif spec.has_student_health and (
            draw < SCHOOL_NOTE_SHARE + STUDENT_HEALTH_NOTE_SHARE
            or (demo and "health_note" in self.demo_pending)
        ):
            if demo:
                self.demo_pending.discard("health_note")
            category, owner = RecordCategory.STUDENT_HEALTH, school
            texts = data.STUDENT_HEALTH_NOTES
        elif (
            draw < SCHOOL_NOTE_SHARE + STUDENT_HEALTH_NOTE_SHARE + SOCIAL_NOTE_SHARE
            and 6 <= cohort <= 16
        ):
            # School-social team: grades 1–9 (R0.2); family team: ages 6–16 (R2.1).
            team = data.SCHOOL_SOCIAL_TEAM if 7 <= cohort <= 15 and rng.random() < 0.6 else None
            category, owner = RecordCategory.SOCIAL_SITUATION, self.units[team or data.FAMILY_TEAM]
            texts = data.SOCIAL_NOTES
        else:
            return
        domain = (
            SecrecyDomain.SOCIAL_SERVICES
            if category == RecordCategory.SOCIAL_SITUATION
            else SecrecyDomain.SCHOOL
        )
        title, body = rng.choice(texts)
        age_days = rng.randint(0, max(0, min(NOTE_MAX_AGE_DAYS, (self.today - since).days)))
        batch.notes.append(
            Note(
                id=self.new_id(),
                municipality_id=self.municipality_id,
                child_id=child_id,
                domain=domain,
                category=category,
                owner_unit_id=owner.pk,
                created_by=rng.choice(self.writers[owner.pk, category]),
                title=title,
                body=body,
                created_at=self.now
                - datetime.timedelta(days=age_days, minutes=rng.randint(1, 600)),
            )
        )

    # Identity and contact details ------------------------------------------------------------

    def _identity_number(self, birth: datetime.date, *, female: bool, coordination: bool) -> str:
        """A valid, unused number; the birth number is even for women (FOL 18 §)."""
        while True:
            serial = self.rng.randrange(2 if female else 1, 1000, 2)
            number = generate_identity_number(birth, serial, coordination=coordination)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def _birth_date(self, year: int, *, latest: datetime.date | None) -> datetime.date:
        first = datetime.date(year, 1, 1)
        last = datetime.date(year, 12, 31)
        if latest is not None:
            last = min(last, latest)  # every child is at least one year old
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))

    def _address(self, area: str) -> Address:
        street = self.rng.choice(data.STREETS[area])
        return Address(
            street=f"{street} {self.rng.randint(1, 60)}",
            postal_code=self.rng.choice(data.POSTAL_CODES[area]),
            city=data.CITY,
        )

    def _mobile_phone(self) -> str:
        return f"{data.MOBILE_PHONE_PREFIX}{self.rng.choice(data.MOBILE_PHONE_SUFFIXES):02d}"


def _level(cohort: int) -> tuple[str, int | None]:
    """School type and grade for a birth cohort (the age the child turns this school year)."""
    if cohort <= 5:
        return "FS", None
    if cohort == 6:
        return "FKLASS", 0
    if cohort <= 15:
        return "GR", cohort - 6
    return "GY", cohort - 15


def _fits(spec: SchoolSpec, school_type: str, grade: int | None) -> bool:
    if school_type == "FS":
        return spec.is_preschool
    if school_type not in spec.school_types or grade is None:
        return False
    return (spec.grade_from or 0) <= grade <= (spec.grade_to or 0)
