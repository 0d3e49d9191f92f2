"""Reads about children: actor-scoped, bounded, with every relation named (STYLE P3)."""

import re
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate
from django.utils import timezone

from samverkan.access.actor import Actor
from samverkan.access.roles import HEALTH_CARE_ROLES
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.rules import ActiveConsent, Custodian
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory
from samverkan.organisations.models import SCHOOL_TYPE_CHOICES
from samverkan.support import selectors as support_selectors
from samverkan.support.models import Episode, EpisodeSubject

from . import policies
from .identity import HYPHENS, InvalidIdentityNumber, parse_identity_number
from .models import Child, Enrolment, Guardianship, Note, grade_display
from .search import FTS_ROWS, FTS_TABLE, TRIGRAM_MIN, fts_match, search_words

SEARCH_LIMIT = 50
# The sort key is made of digits (children.search): compared byte by byte it sorts the same
# everywhere, and faster than under a language collation.
BYTE_ORDER = {"postgresql": "C", "sqlite": "BINARY"}
# Text made only of digits, spaces, '+' and the dashes the identity parser accepts is taken for
# an identity number (and explained when it is not a valid one), never for a name.
DIGITS = re.compile(rf"^[\d\s+{re.escape(HYPHENS)}]+$")


@dataclass(frozen=True)
class ChildQuery:
    """A parsed search: by identity number when the text is one, else by name."""

    text: str
    identity_digits: str = ""
    error: str = ""


def child_query_parse(text: str) -> ChildQuery:
    text = " ".join(text.split())[:100]
    if text and DIGITS.match(text):
        try:
            return ChildQuery(text, identity_digits=parse_identity_number(text).digits)
        except InvalidIdentityNumber as error:
            return ChildQuery(text, error=str(error.message))
    return ChildQuery(text)


@dataclass(frozen=True)
class SchoolLine:
    """A search hit's current school as the results table prints it."""

    school: str
    grade: str  # school type and grade, e.g. "Grundskola 5"


NO_SCHOOL = SchoolLine("", "")
_SCHOOL_TYPES = dict(SCHOOL_TYPE_CHOICES)


def child_search(*, actor: Actor, query: ChildQuery) -> list[Child]:
    """Children visible to the actor matching the query, at most SEARCH_LIMIT, each with its
    current school (`school_line`), in the same two queries whatever the number of hits."""
    if not query.text or query.error:
        return []
    qs: QuerySet[Child] = Child.objects.filter(policies.children_visible_to(actor))
    if query.identity_digits:
        # A provisional child has no number; naming it lets the database use the unique
        # (municipality, identity_number) index, which leaves provisional children out.
        qs = qs.filter(identity_number=query.identity_digits, is_provisional=False)
    else:
        qs = _name_matches(qs, search_words(query.text))
    children = list(
        qs.order_by(Collate("sort_key", BYTE_ORDER[connection.vendor]), "pk")[:SEARCH_LIMIT]
    )
    if not children:
        return children
    today = timezone.localdate()
    lines: dict[UUID, SchoolLine] = {}
    # The newest current enrolment of each child, its school by name: plain values, no rows.
    for child_id, school, school_type, grade in (
        Enrolment.objects.filter(child_id__in=[c.pk for c in children], valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-valid_from")
        .values_list("child_id", "school__name", "school_type", "grade")
    ):
        if child_id not in lines:
            lines[child_id] = SchoolLine(
                school,
                f"{_SCHOOL_TYPES.get(school_type, school_type)} {grade_display(grade)}",
            )
    for child in children:
        child.school_line = lines.get(child.pk, NO_SCHOOL)  # type: ignore[attr-defined]
    return children


def _name_matches(qs: QuerySet[Child], words: list[str]) -> QuerySet[Child]:
    """Children whose folded names contain every word (ADR 0004). PostgreSQL finds them with
    the trigram index behind LIKE; SQLite asks its FTS5 trigram table for the words long
    enough to have trigrams. The LIKE filters are kept on SQLite too, so both databases
    return exactly the rows whose search text contains each word."""
    long_words = [w for w in words if len(w) >= TRIGRAM_MIN]
    if long_words and connection.vendor == "sqlite":
        qs = qs.filter(
            pk__in=RawSQL(  # noqa: S611 (constant SQL; the words are a parameter)
                f"SELECT r.child_id FROM {FTS_ROWS} r WHERE r.rowid IN "  # noqa: S608
                f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",
                [fts_match(long_words)],
            )
        )
    for word in words:
        qs = qs.filter(search_name__contains=word)
    return qs


def child_relation(*, child: Child) -> policies.ChildRelation:
    """The facts the child policies decide on (two small indexed queries)."""
    today = timezone.localdate()
    school_ids = frozenset(
        Enrolment.objects.filter(child_id=child.pk, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        # A set needs no order; the default one ("child" first) joins the child table to sort.
        .order_by()
        .values_list("school_id", flat=True)
    )
    # The caseload is the episode (issue 12): teams with an open episode about the child.
    unit_ids, members = support_selectors.child_caseload(child_id=child.pk)
    return policies.ChildRelation(child.pk, child.municipality_id, school_ids, unit_ids, members)


def child_get_visible(*, actor: Actor, child_id: UUID) -> tuple[Child, policies.ChildRelation]:
    """The child if the actor may see it; NotFound otherwise, exactly as if it did not exist."""
    # No order: one row by primary key (first() would sort by the model's name ordering).
    child = next(
        iter(Child.objects.filter(pk=child_id, municipality_id=actor.tenant_id).order_by()[:1]),
        None,
    )
    if child is None:
        raise NotFound
    relation = child_relation(child=child)
    if not policies.can_view_child(actor, relation):
        raise NotFound
    return child, relation


@dataclass(frozen=True)
class GuardianView:
    name: str
    has_custody: bool
    phone: str
    email: str
    address: str


@dataclass(frozen=True)
class ChildOverview:
    """Exactly what this actor may see of one child. A protected child's address and
    guardians' contact details are never put in here, so no template can show them."""

    child: Child
    address: str
    guardians: tuple[GuardianView, ...]
    enrolments: tuple[Enrolment, ...]
    # Each note carries `shared_under`: the consent it is read under, or None within the domain;
    # a health-care note also `releases` (its releases) and `can_release` (the actor's
    # profession at its school may release it).
    notes: tuple[Note, ...]
    note_targets: tuple[policies.RecordRef, ...]
    # The relation the page was opened under, so the view can ask further policies without
    # querying again (e.g. whether to offer "Registrera samtycke").
    relation: policies.ChildRelation
    consents: tuple[consent_selectors.ConsentSummary, ...] = ()
    # Consents in force that a health-care record may be released under (PDL; principle 8).
    release_consents: tuple[ActiveConsent, ...] = ()


def note_ref(note: Note) -> policies.RecordRef:
    """The facts the record policies decide a note on."""
    return policies.RecordRef(
        note.municipality_id,
        note.domain,
        note.category,
        note.owner_unit_id,
        note.child_id,
        note.pk,
        timezone.localdate(note.created_at),
    )


def consent_context(
    *,
    child: Child,
    relation: policies.ChildRelation,
    views: list[consent_selectors.ConsentView] | None = None,
    active: tuple[ActiveConsent, ...] | None = None,
) -> policies.ConsentContext:
    """The consents in force for the child, with the health-care records released under them.
    `active`: the consents in force when the caller has them already."""
    if active is None:
        if views is None:
            views = consent_selectors.consent_views_for_child(child=child)
        active = consent_selectors.active_consents(views=views)
    releases = consent_selectors.releases_for_child(
        child_id=child.pk, consent_ids={a.consent_id for a in active}
    )
    return policies.ConsentContext(active, relation.current_school_ids, releases)


def child_overview(
    *, actor: Actor, child: Child, relation: policies.ChildRelation
) -> ChildOverview:
    protected = child.is_protected
    guardianships = (
        Guardianship.objects.filter(child_id=child.pk)
        # The default ordering's "child" would join the child table to sort rows of one child.
        .order_by("guardian__family_name", "guardian__given_name", "guardian__id")
    )
    guardians: list[GuardianView] = []
    # The custodians the consents' state is judged against (consent.selectors.custodians_of),
    # taken from the same rows.
    custodians: list[Custodian] = []
    for g in guardianships.values_list(
        "guardian_id",
        "guardian__given_name",
        "guardian__family_name",
        "has_custody",
        "guardian__phone",
        "guardian__email",
        "guardian__street_address",
        "guardian__postal_code",
        "guardian__city",
    ):
        guardian_id, given, family, has_custody, phone, email, *address_parts = g
        name = f"{given} {family}"
        guardians.append(
            GuardianView(
                name=name,
                has_custody=has_custody,
                phone="" if protected else phone,
                email="" if protected else email,
                address="" if protected else ", ".join(p for p in address_parts if p),
            )
        )
        if has_custody:
            custodians.append(Custodian(guardian_id, name))
    address = (
        ""
        if protected
        else ", ".join(p for p in (child.street_address, child.postal_code, child.city) if p)
    )
    enrolments_qs = Enrolment.objects.filter(child_id=child.pk)
    if protected:
        # Former schools could reveal where a family with a protected address used to live.
        enrolments_qs = enrolments_qs.filter(school_id__in=relation.current_school_ids)
    enrolments = tuple(enrolments_qs.select_related("school").order_by("-valid_from")[:20])
    consents = consent_selectors.consent_summaries_for_child(
        child=child, custodians=tuple(custodians)
    )
    context = consent_context(
        child=child,
        relation=relation,
        active=tuple(c.active for c in consents if c.active is not None),
    )
    notes = tuple(
        Note.objects.filter(policies.notes_visible_to(actor, context), child_id=child.pk)
        .select_related("owner_unit", "created_by")
        .order_by("-created_at", "pk")[:100]
    )
    for note in notes:
        ref = note_ref(note)
        note.shared_under = (
            (
                policies.consent_covering(actor, ref, context)
                or policies.release_covering(actor, ref, context)
            )
            if not policies.can_view_record(actor, ref)
            else None
        )
    health_units = frozenset(g.unit_id for g in actor.grants if g.role in HEALTH_CARE_ROLES)
    release_consents: tuple[ActiveConsent, ...] = ()
    if any(n.category == RecordCategory.STUDENT_HEALTH_CARE for n in notes) and health_units:
        release_consents = tuple(
            c for c in context.consents if RecordCategory.STUDENT_HEALTH_CARE in c.categories
        )
        by_note: dict[UUID, list[object]] = {}
        for release in consent_selectors.releases_of_child(child=child):
            if release.note_id is not None:
                by_note.setdefault(release.note_id, []).append(release)
        for note in notes:
            note.releases = by_note.get(note.pk, [])  # type: ignore[attr-defined]
            note.can_release = (  # type: ignore[attr-defined]
                note.category == RecordCategory.STUDENT_HEALTH_CARE
                and note.owner_unit_id in health_units
            )
    return ChildOverview(
        release_consents=release_consents,
        consents=tuple(consents),
        relation=relation,
        child=child,
        address=address,
        guardians=tuple(guardians),
        enrolments=enrolments,
        notes=notes,
        note_targets=tuple(policies.note_targets(actor, relation)),
    )


def caseload_list(*, actor: Actor) -> QuerySet[Child]:
    """Children with an open episode of the actor's social-services units (team start page):
    the caseload is the episode (issue 12)."""
    if not actor.social_unit_ids:
        return Child.objects.none()
    return Child.objects.filter(
        municipality_id=actor.tenant_id,
        pk__in=EpisodeSubject.objects.filter(
            episode__status__in=Episode.OPEN_STATUSES,
            episode__owner_unit_id__in=actor.social_unit_ids,
            child__isnull=False,
        ).values("child_id"),
    ).order_by("family_name", "given_name", "pk")
