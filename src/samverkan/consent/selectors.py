"""Reads about consent: every consent of a child with its status today, and the ones in force
as the policies need them. A constant number of queries whatever the number of consents."""

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models import Prefetch, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from samverkan.access.actor import Actor
from samverkan.access.models import RoleAssignment
from samverkan.children.models import Child, Guardianship, Note
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations.models import Unit

from . import policies, rules
from .models import (
    Consent,
    ConsentConfirmation,
    ConsentParty,
    ConsentPurpose,
    ConsentRecipient,
    ConsentRule,
    RecordRelease,
)

STATE_TAG_CLASSES = {
    rules.State.ACTIVE: "govuk-tag--green",
    rules.State.PENDING: "govuk-tag--yellow",
    rules.State.WITHDRAWN: "govuk-tag--red",
    rules.State.NOT_YET_VALID: "govuk-tag--blue",
}


class _StateShown:
    """The consent's state as pages print it."""

    status: rules.ConsentStatus

    @property
    def state_label(self) -> str:
        return rules.STATE_LABELS[self.status.state]

    @property
    def tag_class(self) -> str:
        """The colour of the state's tag (consent/partials/_state_tag.html)."""
        return STATE_TAG_CLASSES.get(self.status.state, "govuk-tag--grey")


@dataclass(frozen=True)
class ConsentView(_StateShown):
    consent: Consent
    status: rules.ConsentStatus
    parties: tuple[ConsentParty, ...]
    units: tuple[str, ...]
    # The child's custodians the state was judged against (the consent page offers the ones
    # who have not answered), so a page need not ask for them again.
    custodians: tuple[rules.Custodian, ...] = ()


def custodians_of(*, child: Child) -> tuple[rules.Custodian, ...]:
    return tuple(
        rules.Custodian(g.guardian_id, f"{g.guardian.given_name} {g.guardian.family_name}")
        for g in Guardianship.objects.filter(child_id=child.pk, has_custody=True)
        .select_related("guardian")
        .order_by("guardian__family_name", "guardian__given_name", "pk")
    )


def custodians_of_children(*, child_ids: Iterable[UUID]) -> dict[UUID, tuple[rules.Custodian, ...]]:
    """custodians_of for many children in one query (a list of consents stays flat)."""
    found: dict[UUID, tuple[rules.Custodian, ...]] = dict.fromkeys(child_ids, ())
    for g in (
        Guardianship.objects.filter(child_id__in=list(found), has_custody=True)
        .select_related("guardian")
        .order_by("guardian__family_name", "guardian__given_name", "pk")
    ):
        found[g.child_id] += (
            rules.Custodian(g.guardian_id, f"{g.guardian.given_name} {g.guardian.family_name}"),
        )
    return found


def rule_overrides(*, municipality_id: UUID, purpose: str) -> tuple[tuple[int, int, str, str], ...]:
    return tuple(
        ConsentRule.objects.filter(municipality_id=municipality_id, purpose=purpose)
        .order_by("age_from")
        .values_list("age_from", "age_to", "guardians", "child")
    )


def _overrides_by_purpose(
    *, municipality_id: UUID
) -> dict[str, tuple[tuple[int, int, str, str], ...]]:
    """The municipality's own consent rules (ConsentRule), per purpose, in one query."""
    rows: dict[str, list[tuple[int, int, str, str]]] = {}
    for purpose, age_from, age_to, guardians, child_part in (
        ConsentRule.objects.filter(municipality_id=municipality_id)
        .order_by("age_from")
        .values_list("purpose", "age_from", "age_to", "guardians", "child")
    ):
        rows.setdefault(purpose, []).append((age_from, age_to, guardians, child_part))
    return {purpose: tuple(rules_) for purpose, rules_ in rows.items()}


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


# The related rows of a child's consents. Each orders within one consent as the model's default
# ordering does, but without it: that ordering starts with "consent", which would join the
# consent table again only to sort rows that are grouped per consent anyway.
_PARTIES = (
    # Names only: a guardian's contact details never reach the consent pages.
    ConsentParty.objects.select_related("guardian")
    .only(
        *[f.name for f in ConsentParty._meta.concrete_fields],
        "guardian__id",
        "guardian__given_name",
        "guardian__family_name",
    )
    .order_by("kind", "created_at")
)
_UNITS = Unit.objects.only("id", "name", "kind", "domain").order_by("name", "id")
_CONFIRMATIONS = ConsentConfirmation.objects.select_related("unit", "confirmed_by").order_by("side")
_RECIPIENTS = (
    ConsentRecipient.objects.select_related("unit")
    .only("id", "consent_id", "role", "unit__id", "unit__name", "unit__kind")
    .order_by("unit__name", "unit__id", "role")
)


def consent_views_for_child(
    *,
    child: Child,
    today: datetime.date | None = None,
    custodians: tuple[rules.Custodian, ...] | None = None,
    consent_id: UUID | None = None,
) -> list[ConsentView]:
    """Every consent of the child, newest first, with its state and what is missing.
    `custodians`: the child's custodians when the caller has them already (custodians_of);
    `consent_id`: only that one of the child's consents (none if it is another child's)."""
    day = today or timezone.localdate()
    found = Consent.objects.filter(child_id=child.pk, municipality_id=child.municipality_id)
    if consent_id is not None:
        found = found.filter(pk=consent_id)
    consents = list(
        found.prefetch_related(
            Prefetch("parties", queryset=_PARTIES.all()),
            Prefetch("units", queryset=_UNITS.all()),
            Prefetch("confirmations", queryset=_CONFIRMATIONS.all()),
            Prefetch("recipients", queryset=_RECIPIENTS.all()),
        ).order_by("-valid_to", "-created_at", "pk")[:200]
    )
    if not consents:
        return []
    if custodians is None:
        custodians = custodians_of(child=child)
    overrides = _overrides_by_purpose(municipality_id=child.municipality_id)
    return [
        ConsentView(
            c,
            _status(c, child, custodians, overrides, day),
            tuple(c.parties.all()),
            tuple(sorted(u.name for u in c.units.all())),
            custodians,
        )
        for c in consents
    ]


@dataclass(frozen=True)
class ConsentSummary(_StateShown):
    """A consent as the child's overview shows it and its policies read it: plain values, no
    model instances. `active` is set while the consent is in force."""

    consent_id: UUID
    purpose: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: rules.ConsentStatus
    units: tuple[str, ...]  # the names, sorted
    active: rules.ActiveConsent | None

    @property
    def purpose_label(self) -> str:
        return str(_PURPOSE_LABELS.get(self.purpose, self.purpose))


_PURPOSE_LABELS = dict(ConsentPurpose.choices)


def _rows_of(related: str, columns: str, where: str) -> RawSQL:
    """The related rows of each consent as one JSON array of arrays, read with the consent."""
    agg, array = (
        ("json_agg", "json_build_array")
        if connection.vendor == "postgresql"
        else ("json_group_array", "json_array")
    )
    return RawSQL(  # noqa: S611 (constant SQL built from the models' table names)
        f"SELECT COALESCE({agg}({array}({columns})), '[]') FROM {related} WHERE {where}",  # noqa: S608
        (),
        output_field=TextField(),
    )


def _json(value: str | list[list[object]]) -> list[list[object]]:
    # PostgreSQL's driver decodes json; SQLite's returns the text.
    return json.loads(value) if isinstance(value, str) else value


def _uuid(value: object) -> UUID | None:
    return None if value is None else UUID(str(value))


def _when(value: object) -> datetime.datetime:
    """A time read through JSON: PostgreSQL writes it with its offset, SQLite as UTC text."""
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a time: {value!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)


@dataclass(frozen=True)
class ConsentFacts:
    """A consent of the child in plain values with its state today, read in one query: what
    the overview, the SIP pages and the chronology need of it."""

    consent_id: UUID
    purpose: str
    valid_from: datetime.date
    valid_to: datetime.date
    created_at: datetime.datetime
    categories: tuple[str, ...]
    direction: str
    follows_child: bool
    status: rules.ConsentStatus
    units: tuple[tuple[UUID, str, str], ...]  # id, domain, name
    confirmations: tuple[tuple[str, datetime.datetime, str], ...]  # side, when, unit name
    recipients: frozenset[tuple[UUID, str]]  # unit id, role
    withdrawn: tuple[datetime.datetime, ...]  # when a party withdrew


def consent_facts_for_child(
    *,
    child: Child,
    custodians: tuple[rules.Custodian, ...],
    today: datetime.date | None = None,
) -> list[ConsentFacts]:
    """Every consent of the child, newest first (as consent_views_for_child), in plain values:
    one query for the consents with their parties, units, confirmations and recipients as JSON
    arrays, one for the municipality's rules. Each state is consent.rules' judgement."""
    day = today or timezone.localdate()
    consent = Consent._meta.db_table
    party = ConsentParty._meta.db_table
    through = Consent.units.through._meta.db_table
    unit = Unit._meta.db_table
    rows = list(
        Consent.objects.filter(child_id=child.pk, municipality_id=child.municipality_id)
        .order_by("-valid_to", "-created_at", "pk")
        .annotate(
            parties_json=_rows_of(
                f"{party} p",
                "p.kind, p.guardian_id, p.answer, p.withdrawn_at, p.created_at",
                f"p.consent_id = {consent}.id",
            ),
            units_json=_rows_of(
                f"{through} cu INNER JOIN {unit} u ON u.id = cu.unit_id",
                "cu.unit_id, u.domain, u.name",
                f"cu.consent_id = {consent}.id",
            ),
            sides_json=_rows_of(
                f"{ConsentConfirmation._meta.db_table} c INNER JOIN {unit} cu ON cu.id = c.unit_id",
                "c.side, c.confirmed_at, cu.name",
                f"c.consent_id = {consent}.id",
            ),
            recipients_json=_rows_of(
                f"{ConsentRecipient._meta.db_table} r",
                "r.unit_id, r.role",
                f"r.consent_id = {consent}.id",
            ),
        )
        .values_list(
            "pk",
            "purpose",
            "valid_from",
            "valid_to",
            "created_at",
            "categories",
            "direction",
            "follows_child",
            "parties_json",
            "units_json",
            "sides_json",
            "recipients_json",
        )[:200]
    )
    if not rows:
        return []
    overrides = _overrides_by_purpose(municipality_id=child.municipality_id)
    facts: list[ConsentFacts] = []
    for (
        pk,
        purpose,
        valid_from,
        valid_to,
        created_at,
        categories,
        direction,
        follows_child,
        parties_json,
        units_json,
        sides_json,
        recipients_json,
    ) in rows:
        # In the order of the model's default ordering (kind, then when recorded).
        parties = sorted(
            (
                (kind, _uuid(guardian_id), answer, None if at is None else _when(at), _when(made))
                for kind, guardian_id, answer, at, made in _json(parties_json)
            ),
            key=lambda p: (p[0], p[4]),
        )
        status = rules.evaluate(
            valid_from=valid_from,
            valid_to=valid_to,
            parties=tuple(
                rules.PartyFact(kind, guardian_id, answer, withdrawn_at is not None)  # type: ignore[arg-type]
                for kind, guardian_id, answer, withdrawn_at, _made in parties
            ),
            custodians=custodians,
            birth_date=child.birth_date,
            purpose=purpose,
            today=day,
            overrides=overrides.get(purpose, ()),
        )
        facts.append(
            ConsentFacts(
                consent_id=pk,
                purpose=purpose,
                valid_from=valid_from,
                valid_to=valid_to,
                created_at=created_at,
                categories=tuple(categories),
                direction=direction,
                follows_child=follows_child,
                status=status,
                units=tuple(
                    (_uuid(unit_id), domain, name)  # type: ignore[misc]
                    for unit_id, domain, name in _json(units_json)
                ),
                confirmations=tuple(
                    (side, _when(at), name)  # type: ignore[misc]
                    for side, at, name in sorted(_json(sides_json), key=lambda c: str(c[0]))
                ),
                recipients=frozenset(
                    (_uuid(unit_id), role)  # type: ignore[misc]
                    for unit_id, role in _json(recipients_json)
                ),
                withdrawn=tuple(at for *_party, at, _made in parties if at is not None),
            )
        )
    return facts


def consent_summaries_for_child(
    *,
    child: Child,
    custodians: tuple[rules.Custodian, ...],
    today: datetime.date | None = None,
) -> list[ConsentSummary]:
    """consent_views_for_child in plain values for the overview: every consent of the child,
    newest first, with its state, its units' names and, while in force, its facts for the
    policies (consent_facts_for_child)."""
    return [
        ConsentSummary(
            f.consent_id,
            f.purpose,
            f.valid_from,
            f.valid_to,
            f.status,
            tuple(sorted(str(name) for _unit_id, _domain, name in f.units)),
            rules.ActiveConsent(
                consent_id=f.consent_id,
                child_id=child.pk,
                unit_ids=frozenset(unit_id for unit_id, _domain, _name in f.units),
                categories=frozenset(f.categories),
                direction=f.direction,
                follows_child=f.follows_child,
                valid_to=f.valid_to,
                purpose=f.purpose,
                confirmed_sides=frozenset(side for side, _at, _name in f.confirmations),
                recipients=f.recipients,
            )
            if f.status.in_force
            else None,
        )
        for f in consent_facts_for_child(child=child, custodians=custodians, today=today)
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
            confirmed_sides=frozenset(c.side for c in v.consent.confirmations.all()),
            recipients=frozenset((r.unit_id, r.role) for r in v.consent.recipients.all()),
        )
        for v in views
        if v.status.in_force
    )


def releases_for_child(*, child_id: UUID, consent_ids: set[UUID]) -> tuple[rules.ReleaseFact, ...]:
    """The health-care records released, not revoked, under the given consents."""
    if not consent_ids:
        return ()
    return tuple(
        rules.ReleaseFact(r.consent_id, r.owner_unit_id, r.note_id, r.period_from, r.period_to)
        for r in RecordRelease.objects.filter(
            child_id=child_id, consent_id__in=consent_ids, revoked_at__isnull=True
        ).order_by("created_at", "pk")
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


def consent_for_confirmation(
    *, actor: Actor, consent_id: UUID
) -> tuple[Consent, "policies.ConsentFacts"]:
    """A consent that names one of the actor's units, with what confirming it depends on.
    Another tenant's consent, or one that names none of the actor's units, is NotFound."""
    consent = (
        Consent.objects.filter(pk=consent_id, municipality_id=actor.tenant_id)
        .select_related("child")
        .first()
    )
    if consent is None:
        raise NotFound
    views = consent_views_for_child(child=consent.child, consent_id=consent.pk)
    if not views:
        raise NotFound
    view = views[0]
    unit_ids = frozenset(u.pk for u in view.consent.units.all())
    if not unit_ids & (actor.school_ids | actor.social_unit_ids):
        raise NotFound
    facts = policies.ConsentFacts(
        municipality_id=consent.municipality_id,
        unit_ids=unit_ids,
        direction=consent.direction,
        confirmed_sides=frozenset(c.side for c in view.consent.confirmations.all()),
        state=view.status.state,
    )
    view.consent.child = consent.child
    return view.consent, facts


@dataclass(frozen=True)
class WaitingConsent:
    consent: Consent
    child: Child
    side: str
    recorded_side: str
    status: rules.ConsentStatus


WAITING_LIMIT = 200


def consents_waiting(*, actor: Actor) -> list[WaitingConsent]:
    """Consents naming one of the actor's units that wait for the actor's side to confirm,
    oldest first; withdrawn and expired consents are left out."""
    today = timezone.localdate()
    ids = list(
        Consent.objects.filter(policies.confirmations_waiting_for(actor), valid_to__gte=today)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .distinct()[:WAITING_LIMIT]
    )
    if not ids:
        return []
    consents = list(
        Consent.objects.filter(pk__in=ids)
        .select_related("child", "recorded_by")
        .prefetch_related("units", "confirmations", "parties")
        .order_by("created_at", "pk")
    )
    # Every child's custodians in one query, not one per distinct child.
    custodians = custodians_of_children(child_ids={c.child_id for c in consents})
    # The municipality's own age rules decide a consent's state here as on the child's page.
    overrides = {
        municipality_id: _overrides_by_purpose(municipality_id=municipality_id)
        for municipality_id in {c.municipality_id for c in consents}
    }
    waiting: list[WaitingConsent] = []
    for consent in consents:
        facts = policies.ConsentFacts(
            consent.municipality_id,
            frozenset(u.pk for u in consent.units.all()),
            consent.direction,
            frozenset(c.side for c in consent.confirmations.all()),
            "",
        )
        side = policies.confirmable_side(actor, facts)
        if side is None:
            continue
        status = _status(
            consent,
            consent.child,
            custodians[consent.child_id],
            overrides[consent.municipality_id],
            today,
        )
        if status.state in (rules.State.WITHDRAWN, rules.State.EXPIRED):
            continue
        recorded = next(iter(facts.confirmed_sides), "")
        waiting.append(WaitingConsent(consent, consent.child, side[0], recorded, status))
    return waiting


def consents_waiting_count(*, actor: Actor) -> int:
    """How many consents wait for the actor's side (the start page's count)."""
    if not (actor.student_health_school_ids or actor.social_unit_ids):
        return 0
    return (
        Consent.objects.filter(
            policies.confirmations_waiting_for(actor), valid_to__gte=timezone.localdate()
        )
        .values("pk")
        .distinct()
        .count()
    )


def health_record_get(*, actor: Actor, child: Child, note_id: UUID) -> Note:
    """A health-care record the actor's profession reads at its school; else NotFound."""
    note = Note.objects.filter(
        pk=note_id,
        child_id=child.pk,
        domain=SecrecyDomain.SCHOOL,
        category=RecordCategory.STUDENT_HEALTH_CARE,
        owner_unit_id__in=actor.health_care_school_ids,
    ).first()
    if note is None:
        raise NotFound
    return note


def author_roles(*, user_id: UUID | None, unit_id: UUID) -> frozenset[str]:
    """The roles the author of a record has held at its unit (the record's profession)."""
    if user_id is None:
        return frozenset()
    return frozenset(
        RoleAssignment.objects.filter(user_id=user_id, unit_id=unit_id)
        .order_by()
        .values_list("role", flat=True)
    )


def health_record_facts(*, note: Note) -> "policies.HealthRecordFacts":
    return policies.HealthRecordFacts(
        note.municipality_id,
        note.owner_unit_id,
        note.category,
        note.created_by_id,
        author_roles(user_id=note.created_by_id, unit_id=note.owner_unit_id),
    )


def release_get_for_update(*, child: Child, release_id: UUID) -> RecordRelease:
    release = (
        RecordRelease.objects.select_for_update().filter(pk=release_id, child_id=child.pk).first()
    )
    if release is None:
        raise NotFound
    return release


def releases_of_child(*, child: Child) -> list[RecordRelease]:
    """Every release of the child's health-care records, newest first (shown on the records)."""
    return list(
        RecordRelease.objects.filter(child_id=child.pk)
        .select_related("released_by", "revoked_by", "consent")
        .order_by("-created_at", "pk")[:200]
    )
