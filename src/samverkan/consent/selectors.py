"""Reads about consent: every consent of a child with its status today, and the ones in force
as the policies need them. A constant number of queries whatever the number of consents."""

import datetime
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Prefetch
from django.utils import timezone

from samverkan.children.models import Child, Guardianship
from samverkan.core.errors import NotFound
from samverkan.organisations.models import Unit

from . import rules
from .models import Consent, ConsentParty, ConsentRule


@dataclass(frozen=True)
class ConsentView:
    consent: Consent
    status: rules.ConsentStatus
    parties: tuple[ConsentParty, ...]
    units: tuple[str, ...]

    @property
    def state_label(self) -> str:
        return rules.STATE_LABELS[self.status.state]


def custodians_of(*, child: Child) -> tuple[rules.Custodian, ...]:
    return tuple(
        rules.Custodian(g.guardian_id, f"{g.guardian.given_name} {g.guardian.family_name}")
        for g in Guardianship.objects.filter(child_id=child.pk, has_custody=True)
        .select_related("guardian")
        .order_by("guardian__family_name", "guardian__given_name", "pk")
    )


def rule_overrides(*, municipality_id: UUID, purpose: str) -> tuple[tuple[int, int, str, str], ...]:
    return tuple(
        ConsentRule.objects.filter(municipality_id=municipality_id, purpose=purpose)
        .order_by("age_from")
        .values_list("age_from", "age_to", "guardians", "child")
    )


def _status(
    consent: Consent,
    child: Child,
    custodians: tuple[rules.Custodian, ...],
    overrides: dict[str, tuple[tuple[int, int, str, str], ...]],
    today: datetime.date,
) -> rules.ConsentStatus:
    parties = tuple(
        rules.PartyFact(p.kind, p.guardian_id, p.answer, p.withdrawn_at is not None)
        for p in consent.parties.all()
    )
    return rules.evaluate(
        valid_from=consent.valid_from,
        valid_to=consent.valid_to,
        parties=parties,
        custodians=custodians,
        birth_date=child.birth_date,
        purpose=consent.purpose,
        today=today,
        overrides=overrides.get(consent.purpose, ()),
    )


def consent_views_for_child(
    *, child: Child, today: datetime.date | None = None
) -> list[ConsentView]:
    """Every consent of the child, newest first, with its state and what is missing."""
    day = today or timezone.localdate()
    consents = list(
        Consent.objects.filter(child_id=child.pk, municipality_id=child.municipality_id)
        .prefetch_related(
            # Names only: a guardian's contact details never reach the consent pages.
            Prefetch(
                "parties",
                queryset=ConsentParty.objects.select_related("guardian").only(
                    *[f.name for f in ConsentParty._meta.concrete_fields],
                    "guardian__id",
                    "guardian__given_name",
                    "guardian__family_name",
                ),
            ),
            Prefetch("units", queryset=Unit.objects.only("id", "name")),
        )
        .order_by("-valid_to", "-created_at", "pk")[:200]
    )
    if not consents:
        return []
    custodians = custodians_of(child=child)
    overrides: dict[str, tuple[tuple[int, int, str, str], ...]] = {}
    for row in ConsentRule.objects.filter(municipality_id=child.municipality_id).order_by(
        "age_from"
    ):
        overrides.setdefault(row.purpose, ())
        overrides[row.purpose] += ((row.age_from, row.age_to, row.guardians, row.child),)
    return [
        ConsentView(
            c,
            _status(c, child, custodians, overrides, day),
            tuple(c.parties.all()),
            tuple(sorted(u.name for u in c.units.all())),
        )
        for c in consents
    ]


def active_consents(*, views: list[ConsentView]) -> tuple[rules.ActiveConsent, ...]:
    """The consents in force today, as facts for the policies."""
    return tuple(
        rules.ActiveConsent(
            consent_id=v.consent.pk,
            child_id=v.consent.child_id,
            unit_ids=frozenset(u.pk for u in v.consent.units.all()),
            categories=frozenset(v.consent.categories),
            direction=v.consent.direction,
            follows_child=v.consent.follows_child,
            valid_to=v.consent.valid_to,
            purpose=v.consent.purpose,
        )
        for v in views
        if v.status.in_force
    )


def consent_get(*, child: Child, consent_id: UUID) -> Consent:
    consent = Consent.objects.filter(pk=consent_id, child_id=child.pk).first()
    if consent is None:
        raise NotFound
    return consent


def party_get_for_update(*, child: Child, party_id: UUID) -> ConsentParty:
    party = (
        ConsentParty.objects.select_for_update()
        .select_related("consent")
        .filter(pk=party_id, consent__child_id=child.pk)
        .first()
    )
    if party is None:
        raise NotFound
    return party
