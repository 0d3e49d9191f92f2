"""Consents for tests: in force, confirmed by the sides asked for, read by the roles asked for."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from samverkan.children.models import Guardianship
from samverkan.consent import rules
from samverkan.consent.models import (
    Consent,
    ConsentConfirmation,
    ConsentParty,
    ConsentRecipient,
)

BOTH_SIDES = ("school", "social_services")


def give_consent(
    *,
    child: Any,
    units: Iterable[Any],
    recorded_by: Any,
    categories: Iterable[str] = ("social_situation",),
    direction: str = "both",
    follows_child: bool = False,
    valid_to: datetime.date | None = None,
    confirmed: Iterable[str] = BOTH_SIDES,
    recipients: Iterable[tuple[Any, str]] | None = None,
    purpose: str = "information_exchange",
    purpose_text: str = "Samordna stödet.",
) -> Consent:
    """A consent in force: every custodial guardian and the child consent, in writing; each side
    in `confirmed` has confirmed it; `recipients` as (unit, role), else the purpose's defaults."""
    units = list(units)
    today = timezone.localdate()
    consent = Consent.objects.create(
        municipality=child.municipality,
        child=child,
        purpose=purpose,
        purpose_text=purpose_text,
        categories=sorted(categories),
        direction=direction,
        follows_child=follows_child,
        valid_from=today - datetime.timedelta(days=30),
        valid_to=valid_to or today + datetime.timedelta(days=180),
        recorded_by=recorded_by,
    )
    consent.units.set(units)
    pairs = (
        {(u.pk, role) for u, role in recipients}
        if recipients is not None
        else rules.default_recipients(purpose, [(u.pk, u.kind, u.domain) for u in units])
    )
    ConsentRecipient.objects.bulk_create(
        ConsentRecipient(consent=consent, unit_id=unit_id, role=role) for unit_id, role in pairs
    )
    for side in confirmed:
        unit = next((u for u in units if u.domain == side), units[0])
        ConsentConfirmation.objects.create(
            consent=consent,
            side=side,
            unit=unit,
            confirmed_by=recorded_by,
            confirmed_at=timezone.now(),
            evidence_kind="oral",
            oral_received_by="Test Testsson",
            oral_received_on=today,
            oral_how="i telefon",
        )
    for relation in Guardianship.objects.filter(child=child, has_custody=True):
        ConsentParty.objects.create(
            consent=consent,
            kind="guardian",
            guardian_id=relation.guardian_id,
            answer="given",
            form="written",
            given_on=today - datetime.timedelta(days=30),
        )
    ConsentParty.objects.create(
        consent=consent,
        kind="child",
        answer="given",
        form="oral",
        oral_received_by="Kim Kurator",
        given_on=today - datetime.timedelta(days=30),
    )
    return consent
