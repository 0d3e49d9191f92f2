"""Pure rules of an episode: its time limit, the age range of its type and the consent it
starts with (SoL 21 kap. 1–2 §§; R2.6). No queries: the selectors gather the facts."""

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.utils.translation import gettext as _

from .models import Episode


def planned_end(started_on: datetime.date, weeks_limit: int | None) -> datetime.date | None:
    """The planned end of a time-limited type (R0.3): the start plus its weeks."""
    if weeks_limit is None:
        return None
    return started_on + datetime.timedelta(weeks=weeks_limit)


def is_past_limit(
    *, status: str, planned_end_on: datetime.date | None, today: datetime.date
) -> bool:
    """A running episode is past its limit from the day after its planned end."""
    return status == Episode.Status.ACTIVE and planned_end_on is not None and today > planned_end_on


def age_outside(*, age: int, age_from: int, age_to: int) -> bool:
    """Outside the type's range: allowed only with a written reason (issue 12, 1)."""
    return not age_from <= age <= age_to


@dataclass(frozen=True)
class ServiceConsentFact:
    """One consent of a subject child, as the start of an episode needs it."""

    consent_id: UUID
    child_id: UUID
    purpose: str
    unit_ids: frozenset[UUID]
    in_force: bool
    # Adults of the family who consented for their own part (ConsentParty.Kind.ADULT).
    adults_given: frozenset[UUID] = frozenset()


@dataclass(frozen=True)
class ConsentCheck:
    consent_ids: tuple[UUID, ...]
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing


def service_consent(
    *,
    purpose: str,
    team_id: UUID,
    child_names: dict[UUID, str],
    adult_names: dict[UUID, str],
    facts: tuple[ServiceConsentFact, ...],
) -> ConsentCheck:
    """Every child of the episode needs a consent of the type's purpose in force that names the
    team (the guardians' and the child's by age, as consent.rules decides); every adult of a
    family episode consents for their own part on one of them."""
    usable = [f for f in facts if f.purpose == purpose and f.in_force and team_id in f.unit_ids]
    missing: list[str] = []
    chosen: list[UUID] = []
    for child_id, name in sorted(child_names.items(), key=lambda kv: kv[1]):
        found = [f for f in usable if f.child_id == child_id]
        if not found:
            missing.append(
                _("Samtycke till insatsen för %(name)s som gäller och nämner teamet.")
                % {"name": name}
            )
        else:
            chosen.append(found[0].consent_id)
    given = frozenset().union(*(f.adults_given for f in usable)) if usable else frozenset()
    for adult_id, name in sorted(adult_names.items(), key=lambda kv: kv[1]):
        if adult_id not in given:
            missing.append(_("Samtycke från %(name)s för egen del.") % {"name": name})
    return ConsentCheck(tuple(chosen), tuple(missing))
