"""The seeds' own episode types, created for every municipality (DESIGN principle 5: the
municipality changes them; these are only the starting configuration)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.access.roles import Role
from samverkan.consent.models import ConsentPurpose


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str | Promise
    age_from: int
    age_to: int
    weeks_limit: int | None
    professions: tuple[str, ...]
    consent_purpose: str = ConsentPurpose.SUPPORT_SERVICE
    is_family_work: bool = False


INTENSIVE = "intensive_school_social"
FAMILY = "family_coordination"
NETWORK = "network_work"
FOSTER_CARE = "foster_care_school"

DEFAULT_TYPES: tuple[TypeSpec, ...] = (
    # Seed 000: intensive, time-limited support by teachers and social workers, grades 1–9
    # (R0.1–R0.5); teachers own the school goals, social workers the treatment.
    TypeSpec(
        INTENSIVE,
        _("Intensivt skolsocialt stöd"),
        6,
        16,
        12,
        (Role.TEAM_SOCIAL_WORKER, Role.TEAM_TEACHER),
    ),
    # Seed 002: families with complex needs, children 6–16; not means-tested, on the
    # family's own mandate (R2.1–R2.3, R2.6).
    TypeSpec(
        FAMILY,
        _("Familjekoordinering"),
        6,
        16,
        None,
        (Role.FAMILY_COORDINATOR,),
        ConsentPurpose.FAMILY_MANDATE,
        is_family_work=True,
    ),
    # Seed 002: network work for ages 0–20 (R2.5).
    TypeSpec(NETWORK, _("Nätverksarbete"), 0, 20, None, (Role.NETWORK_WORKER,)),
    # Seed 001: children in foster care get support in school (R1.11, Skolfam).
    TypeSpec(
        FOSTER_CARE,
        _("Stöd i skolan för familjehemsplacerade barn"),
        6,
        16,
        None,
        (Role.TEAM_SOCIAL_WORKER, Role.TEAM_TEACHER),
    ),
)
