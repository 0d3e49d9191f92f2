"""Pure consent rules: whose consent a purpose needs at an age, whether a consent is in force
today, and what is still missing. No queries: the selectors gather the facts.

Defaults follow the law table in DOMAIN.md: SoL 21 kap. 1–2 §§ and FB 6 kap. 11, 13 §§ (under 12
the guardians with custody, both where custody is joint; 12–14 the child's consent too; from 15
the child's own consent can suffice), and SIP practice (guardians until 18, the child heard).
"""

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.utils.translation import gettext as _

from .models import ConsentDirection, ConsentParty, ConsentPurpose, ConsentRule

G = ConsentRule.Guardians
C = ConsentRule.ChildPart


@dataclass(frozen=True)
class Requirement:
    guardians: str
    child: str


# Services for a child (SoL 21 kap. 1–2 §§): under 12 the guardians, the child heard; 12–14 the
# guardians and the child; from 15 the child's own consent suffices.
_SERVICE_AGES = (
    (0, 11, G.ALL_WITH_CUSTODY, C.HEARD),
    (12, 14, G.ALL_WITH_CUSTODY, C.CONSENT),
    (15, 200, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
)
# (age from, age to inclusive, guardians, child) per purpose.
DEFAULT_RULES: dict[str, tuple[tuple[int, int, str, str], ...]] = {
    ConsentPurpose.INFORMATION_EXCHANGE: (
        (0, 11, G.ALL_WITH_CUSTODY, C.HEARD),
        (12, 14, G.ALL_WITH_CUSTODY, C.CONSENT),
        (15, 200, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
    ),
    ConsentPurpose.SUPPORT_REQUEST: _SERVICE_AGES,
    ConsentPurpose.COORDINATED_PLAN: (
        (0, 17, G.ALL_WITH_CUSTODY, C.HEARD),
        (18, 200, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
    ),
    # Support from a team (SoL 21 kap. 1–2 §§): the same ages as a request for support; an
    # 18–20-year-old consents alone.
    ConsentPurpose.SUPPORT_SERVICE: _SERVICE_AGES,
    # The family's mandate (R2.6): the child's part by the same ages; each adult gives their
    # own part as an ADULT party, checked by the support app.
    ConsentPurpose.FAMILY_MANDATE: _SERVICE_AGES,
}


def requirement_for(
    purpose: str, age: int, overrides: tuple[tuple[int, int, str, str], ...] = ()
) -> Requirement:
    """The municipality's rule for the purpose and age, else the law's default."""
    for age_from, age_to, guardians, child in overrides or DEFAULT_RULES[purpose]:
        if age_from <= age <= age_to:
            return Requirement(guardians, child)
    return Requirement(G.ALL_WITH_CUSTODY, C.CONSENT)  # default-deny: ask everyone


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class PartyFact:
    kind: str
    guardian_id: UUID | None
    answer: str
    withdrawn: bool

    @property
    def consents(self) -> bool:
        return self.answer == ConsentParty.Answer.GIVEN and not self.withdrawn


@dataclass(frozen=True)
class Custodian:
    guardian_id: UUID
    name: str


class State:
    ACTIVE = "active"
    PENDING = "pending"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


STATE_LABELS = {
    State.ACTIVE: "Gäller",
    State.PENDING: "Ofullständigt",
    State.WITHDRAWN: "Återkallat",
    State.EXPIRED: "Har gått ut",
    State.NOT_YET_VALID: "Gäller ännu inte",
}


@dataclass(frozen=True)
class ConsentStatus:
    state: str
    missing: tuple[str, ...]  # what is still needed, in plain Swedish
    age: int

    @property
    def in_force(self) -> bool:
        return self.state == State.ACTIVE


def evaluate(
    *,
    valid_from: datetime.date,
    valid_to: datetime.date,
    parties: tuple[PartyFact, ...],
    custodians: tuple[Custodian, ...],
    birth_date: datetime.date,
    purpose: str,
    today: datetime.date,
    overrides: tuple[tuple[int, int, str, str], ...] = (),
) -> ConsentStatus:
    """Is the consent in force today, and if not, why? Evaluated against today's age, so a
    child who turns 15 while a consent runs may from then on withdraw it alone."""
    age = age_on(birth_date, today)
    need = requirement_for(purpose, age, overrides)
    by_guardian = {p.guardian_id: p for p in parties if p.kind == ConsentParty.Kind.GUARDIAN}
    child = next((p for p in parties if p.kind == ConsentParty.Kind.CHILD), None)
    missing: list[str] = []

    missing_guardians = [c for c in custodians if not _consents(by_guardian.get(c.guardian_id))]
    guardians_ok = bool(custodians) and not missing_guardians
    child_gives = child is not None and child.consents
    child_objects = child is not None and (
        child.answer == ConsentParty.Answer.REFUSED or child.withdrawn
    )

    if need.child == C.CONSENT_SUFFICES:
        ok = child_gives or (guardians_ok and not child_objects)
        if not ok:
            missing.append(
                _("Barnets eget samtycke (barnet är %(age)s år), eller vårdnadshavarnas.")
                % {"age": age}
            )
    elif need.child == C.CONSENT:
        ok = guardians_ok and child_gives
        if not child_gives:
            missing.append(_("Barnets eget samtycke (barnet är %(age)s år).") % {"age": age})
    else:
        ok = guardians_ok and not (child is not None and child.withdrawn)
        if child is None:
            missing.append(_("Barnets mening är inte dokumenterad (barnet ska höras)."))
    if need.guardians == G.ALL_WITH_CUSTODY or not child_gives:
        if not custodians:
            missing.append(_("Barnet har ingen registrerad vårdnadshavare med vårdnad."))
        missing.extend(
            _("Samtycke från vårdnadshavare %(name)s.") % {"name": c.name}
            for c in missing_guardians
        )

    if today > valid_to:
        return ConsentStatus(State.EXPIRED, (), age)
    if today < valid_from:
        return ConsentStatus(State.NOT_YET_VALID, tuple(missing), age)
    if ok:
        return ConsentStatus(State.ACTIVE, (), age)
    if any(p.withdrawn for p in parties):
        return ConsentStatus(State.WITHDRAWN, tuple(missing), age)
    return ConsentStatus(State.PENDING, tuple(missing), age)


def _consents(party: PartyFact | None) -> bool:
    return party is not None and party.consents


@dataclass(frozen=True)
class ActiveConsent:
    """A consent in force today, as the policies need it: which units may exchange which
    categories about which child, in which direction, until when."""

    consent_id: UUID
    child_id: UUID
    unit_ids: frozenset[UUID]
    categories: frozenset[str]
    direction: str
    follows_child: bool
    valid_to: datetime.date
    purpose: str = ""
    # The sides (secrecy domains) whose staff recorded or confirmed the consent: information
    # flows only *from* a side that has (DESIGN principle 8, OSL 12 kap. 2 §).
    confirmed_sides: frozenset[str] = frozenset()
    # (unit, role) pairs that may read what the consent opens; a unit added because the consent
    # follows the child to a new school takes the school defaults (DEFAULT_RECIPIENT_ROLES).
    recipients: frozenset[tuple[UUID, str]] = frozenset()

    @property
    def purpose_label(self) -> str:
        return str(ConsentPurpose(self.purpose).label) if self.purpose else ""

    def allows(self, *, from_domain: str, to_domain: str) -> bool:
        if self.direction == ConsentDirection.BOTH:
            return True
        if self.direction == ConsentDirection.SCHOOL_TO_SOCIAL_SERVICES:
            return from_domain == "school" and to_domain == "social_services"
        return from_domain == "social_services" and to_domain == "school"

    def opens(self, *, from_domain: str, to_domain: str) -> bool:
        """The direction is in scope and the holding side has confirmed it."""
        return from_domain in self.confirmed_sides and self.allows(
            from_domain=from_domain, to_domain=to_domain
        )

    def covered_units(self, current_school_ids: frozenset[UUID]) -> frozenset[UUID]:
        """The units in scope; a consent that follows the child also covers its school today."""
        return self.unit_ids | (current_school_ids if self.follows_child else frozenset())

    def recipients_at(self, current_school_ids: frozenset[UUID]) -> frozenset[tuple[UUID, str]]:
        """The named (unit, role) pairs, and for a new school the consent follows the child to,
        the school defaults of its purpose."""
        if not self.follows_child:
            return self.recipients
        added = current_school_ids - self.unit_ids
        defaults = DEFAULT_RECIPIENT_ROLES.get(
            self.purpose, DEFAULT_RECIPIENT_ROLES[ConsentPurpose.INFORMATION_EXCHANGE]
        )["school"]
        return self.recipients | frozenset((u, r) for u in added for r in defaults)


@dataclass(frozen=True)
class ReleaseFact:
    """A health-care record (or a period of them) released to a consent's recipients by its
    author's profession; revoked releases are not facts."""

    consent_id: UUID
    owner_unit_id: UUID
    note_id: UUID | None = None
    period_from: datetime.date | None = None
    period_to: datetime.date | None = None

    def covers(
        self, *, owner_unit_id: UUID, record_id: UUID | None, created_on: datetime.date | None
    ) -> bool:
        if owner_unit_id != self.owner_unit_id:
            return False
        if self.note_id is not None:
            return record_id == self.note_id
        return (
            created_on is not None
            and self.period_from is not None
            and self.period_to is not None
            and self.period_from <= created_on <= self.period_to
        )


# Who may read by default, per purpose and kind of receiving unit (DESIGN principle 8): at a
# school the principal, the counsellor and the special-needs teacher; at a preschool (no
# student-health team) its head; in social services the handling unit's social workers and head.
_SCHOOL_DEFAULT = ("principal", "counsellor", "special_educator")
_PRESCHOOL_DEFAULT = ("preschool_head",)
_SOCIAL_DEFAULT = ("intake_social_worker", "team_social_worker", "unit_head")
DEFAULT_RECIPIENT_ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    purpose: {
        "school": _SCHOOL_DEFAULT,
        "preschool": _PRESCHOOL_DEFAULT,
        "social_services": _SOCIAL_DEFAULT,
    }
    for purpose in ConsentPurpose.values
}
# Consent to a team's service names the team's own professions (R0.6: one caseload).
_TEAM_DEFAULT = (
    "team_social_worker",
    "family_coordinator",
    "network_worker",
    "work_lead",
    "unit_head",
)
for _purpose in (ConsentPurpose.SUPPORT_SERVICE, ConsentPurpose.FAMILY_MANDATE):
    DEFAULT_RECIPIENT_ROLES[_purpose] = {
        "school": _SCHOOL_DEFAULT,
        "preschool": _PRESCHOOL_DEFAULT,
        "social_services": _TEAM_DEFAULT,
    }
# The roles that can be ticked per kind of unit.
RECIPIENT_ROLE_CHOICES: dict[str, tuple[str, ...]] = {
    "school": (
        "principal",
        "counsellor",
        "special_educator",
        "school_nurse",
        "school_doctor",
        "school_psychologist",
        "teacher",
        "career_counsellor",
    ),
    "preschool": ("preschool_head", "preschool_teacher", "childcare_worker"),
    "social_services": (
        "intake_social_worker",
        "team_social_worker",
        "unit_head",
        "family_coordinator",
        "network_worker",
        "team_teacher",
        "work_lead",
    ),
}


def recipient_group(kind: str, domain: str) -> str:
    """Which recipient group a unit belongs to: school, preschool or social services."""
    if kind == "preschool":
        return "preschool"
    if kind == "school":
        return "school"
    if domain == "social_services":
        return "social_services"
    return ""


def default_recipients(
    purpose: str, units: list[tuple[UUID, str, str]]
) -> frozenset[tuple[UUID, str]]:
    """The purpose's default (unit, role) pairs for units given as (id, kind, domain)."""
    defaults = DEFAULT_RECIPIENT_ROLES.get(purpose, {})
    return frozenset(
        (unit_id, role)
        for unit_id, kind, domain in units
        for role in defaults.get(recipient_group(kind, domain), ())
    )
