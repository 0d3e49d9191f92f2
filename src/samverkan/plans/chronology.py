"""One chronology of a child (GIRFEC's chronology; issue 13): everything this user may see,
built from the records themselves, never typed twice. Each entry is visible exactly where its
record is: an intake item through intake's own filters (the handling unit and the team it was
handed to see every step; the school side its own submission and, for the reporter, the
outcome they are owed), consents where the child is, SIPs through the SIP's filter.

Sources are functions (actor, child, context) -> entries, so a new kind of record adds one
source. Support episodes (issue 12) are one: the team that owns an episode (and a member working
by consent, while it runs) sees its request, decision, start, members and end; the school that
referred is told that it ended, and nothing more (support.policies)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.access.actor import Actor
from samverkan.access.roles import Role
from samverkan.children.models import Child
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import Consent, ConsentConfirmation, ConsentParty
from samverkan.intake import policies as intake_policies
from samverkan.intake.models import IntakeItem
from samverkan.support import policies as support_policies
from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject

from . import policies
from .models import CoordinatedPlan, PlanMeeting, PlanVersion
from .selectors import plan_consents

LIMIT = 500


class Kind:
    REPORT = "report"
    CONSENT = "consent"
    PLAN = "plan"
    MEETING = "meeting"
    SUPPORT = "support"


KIND_LABELS = {
    Kind.REPORT: gettext_lazy("Anmälningar och begäran om stöd"),
    Kind.CONSENT: gettext_lazy("Samtycken"),
    Kind.PLAN: gettext_lazy("SIP"),
    Kind.MEETING: gettext_lazy("Möten"),
    Kind.SUPPORT: gettext_lazy("Stödinsatser"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    kind: str
    title: str
    url: str
    source: str  # the organisation the record belongs to
    day_only: bool = False  # recorded as a date, not a moment

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


@dataclass(frozen=True)
class Context:
    """What several sources share, loaded once."""

    consent_views: list[consent_selectors.ConsentView]
    plan_consents: tuple[policies.PlanConsent, ...]


Source = Callable[[Actor, Child, Context], Iterable[Entry]]


def _item_entries(actor: Actor, child: Child, _context: Context) -> Iterable[Entry]:
    handled = intake_policies.items_handled_by(actor)
    sent = intake_policies.items_sent_visible_to(actor)
    items = (
        IntakeItem.objects.filter(handled | sent, child_id=child.pk)
        .select_related("owner_unit", "school", "consultation", "handed_over_to")
        .order_by("received_at", "pk")[:LIMIT]
    )
    for item in items:
        ref = intake_policies.ItemRef(
            item.municipality_id,
            item.owner_unit_id,
            item.school_id,
            item.created_by_id,
            item.handed_over_to_id,
        )
        handler = intake_policies.can_handle_item(actor, ref)
        if not handler and not intake_policies.can_view_as_sender(actor, ref):
            continue
        url = (
            reverse("intake:item", kwargs={"item_id": item.pk})
            if handler
            else reverse("intake:sent_item", kwargs={"item_id": item.pk})
        )
        label = item.get_kind_display()
        if item.consultation is not None and (
            handler or item.consultation.asked_by_id == actor.user_id
        ):
            yield Entry(
                item.consultation.created_at,
                Kind.REPORT,
                _("Konsultation %(ref)s, som blev %(kind)s")
                % {"ref": item.consultation.reference, "kind": label.lower()},
                url,
                item.school.name,
            )
        yield Entry(
            item.received_at,
            Kind.REPORT,
            _("%(kind)s %(ref)s mottagen") % {"kind": label, "ref": item.reference},
            url,
            item.school.name,
        )
        if handler:
            steps = (
                (item.protection_assessed_at, _("Skyddsbedömning gjord")),
                (item.decided_at, _("Beslut: %(d)s") % {"d": item.get_decision_display()}),
                (item.meeting_offered_at, _("Möte erbjudet")),
                (item.feedback_given_at, _("Återkoppling lämnad till anmälaren")),
                (
                    item.handed_over_at,
                    _("Överlämnad till %(team)s")
                    % {"team": item.handed_over_to.name if item.handed_over_to else ""},
                ),
            )
            for at, title in steps:
                if at is not None:
                    yield Entry(
                        at, Kind.REPORT, f"{item.reference}: {title}", url, item.owner_unit.name
                    )
        elif item.created_by_id == actor.user_id and item.feedback_given_at is not None:
            # The outcome goes to its reporter alone (SoL 19 kap. 6 §).
            yield Entry(
                item.feedback_given_at,
                Kind.REPORT,
                f"{item.reference}: {_('Återkoppling lämnad till anmälaren')}",
                url,
                item.owner_unit.name,
            )


def _consent_entries(actor: Actor, child: Child, context: Context) -> Iterable[Entry]:
    # Everyone who may open the child's page sees its consents (consent.policies).
    for view in context.consent_views:
        consent: Consent = view.consent
        url = reverse("consent:detail", kwargs={"child_id": child.pk, "consent_id": consent.pk})
        purpose = consent.get_purpose_display()
        yield Entry(
            consent.created_at,
            Kind.CONSENT,
            _("Samtycke registrerat: %(purpose)s") % {"purpose": purpose},
            url,
            ", ".join(view.units),
        )
        confirmation: ConsentConfirmation
        for confirmation in consent.confirmations.all():
            yield Entry(
                confirmation.confirmed_at,
                Kind.CONSENT,
                _("Samtycke bekräftat av %(unit)s: %(purpose)s")
                % {"unit": confirmation.unit.name, "purpose": purpose},
                url,
                confirmation.unit.name,
            )
        party: ConsentParty
        for party in view.parties:
            if party.withdrawn_at is not None:
                yield Entry(
                    party.withdrawn_at,
                    Kind.CONSENT,
                    _("Samtycke återkallat: %(purpose)s") % {"purpose": purpose},
                    url,
                    "",
                )


def _plan_entries(actor: Actor, child: Child, context: Context) -> Iterable[Entry]:
    plans = list(
        CoordinatedPlan.objects.filter(
            policies.plans_visible_to(actor, context.plan_consents), child_id=child.pk
        )
        .select_related("owner_unit")
        .order_by("created_at", "pk")[:LIMIT]
    )
    if not plans:
        return
    by_id = {p.pk: p for p in plans}
    for plan in plans:
        yield Entry(
            plan.created_at,
            Kind.PLAN,
            _("SIP kallad av %(unit)s") % {"unit": plan.owner_unit.name},
            reverse("plans:detail", kwargs={"plan_id": plan.pk}),
            plan.owner_unit.name,
        )
    for version in PlanVersion.objects.filter(plan_id__in=by_id, agreed_at__isnull=False).order_by(
        "agreed_at", "pk"
    ):
        plan = by_id[version.plan_id]
        yield Entry(
            version.agreed_at,  # type: ignore[arg-type]  # filtered on not null
            Kind.PLAN,
            _("SIP version %(n)s överenskommen") % {"n": version.number},
            reverse("plans:history", kwargs={"plan_id": plan.pk}) + f"?b={version.number}",
            plan.owner_unit.name,
        )
    for meeting in PlanMeeting.objects.filter(plan_id__in=by_id).order_by("starts_at", "pk"):
        plan = by_id[meeting.plan_id]
        yield Entry(
            meeting.starts_at,
            Kind.MEETING,
            _("SIP-möte"),
            reverse("plans:detail", kwargs={"plan_id": plan.pk}),
            plan.owner_unit.name,
        )


def _day(day: datetime.date, *, end: bool = False) -> datetime.datetime:
    """A recorded date as the start (or the end) of that day here, so it sorts among moments:
    a start before what happened that day, an end after it."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    )


def _episode_entries(actor: Actor, child: Child, _context: Context) -> Iterable[Entry]:
    """Support episodes about the child (a family episode lists each of its children): one
    query for the episodes, one for their members; each row decided by support's policy."""
    about_child = Exists(
        EpisodeSubject.objects.filter(episode_id=OuterRef("pk"), child_id=child.pk)
    )
    rows = list(
        Episode.objects.filter(
            support_policies.episodes_visible_to(actor)
            | support_policies.episode_endings_told_to(actor),
            about_child,
        )
        .order_by("created_at", "pk")
        .values(
            "pk",
            "municipality_id",
            "owner_unit_id",
            "owner_unit__name",
            "status",
            "created_at",
            "decided_at",
            "started_on",
            "ended_on",
            "end_reason",
            "intake_item_id",
            "referring_school_id",
            "episode_type__name",
        )[:LIMIT]
    )
    if not rows:
        return
    members: dict[UUID, list[Any]] = {row["pk"]: [] for row in rows}
    for member in (
        EpisodeMember.objects.filter(episode_id__in=members)
        .order_by("created_at", "pk")
        .values("episode_id", "role", "created_at", "ended_at", "user_id")
    ):
        members[member["episode_id"]].append(member)
    end_reasons = dict(Episode.EndReason.choices)
    role_labels = dict(Role.choices)
    for row in rows:
        team = row["owner_unit__name"]
        active = frozenset(m["user_id"] for m in members[row["pk"]] if m["ended_at"] is None)
        facts = support_policies.EpisodeFacts(
            row["pk"], row["municipality_id"], row["owner_unit_id"], row["status"], active
        )
        if support_policies.can_view_episode(actor, facts):
            url = reverse("support:episode", kwargs={"episode_id": row["pk"]})
            kind = row["episode_type__name"]
            yield Entry(
                row["created_at"],
                Kind.SUPPORT,
                _("Förfrågan om stöd till %(team)s: %(type)s") % {"type": kind, "team": team},
                url,
                team,
            )
            if row["decided_at"] is not None:
                declined = row["status"] == Episode.Status.DECLINED
                yield Entry(
                    row["decided_at"],
                    Kind.SUPPORT,
                    _("Förfrågan avböjd") if declined else _("Förfrågan antagen"),
                    url,
                    team,
                )
            if row["started_on"] is not None and row["status"] in (
                Episode.Status.ACTIVE,
                Episode.Status.ENDED,
            ):
                yield Entry(
                    _day(row["started_on"]),
                    Kind.SUPPORT,
                    _("%(type)s startad") % {"type": kind},
                    url,
                    team,
                    day_only=True,
                )
            for member in members[row["pk"]]:
                role = role_labels.get(str(member["role"]), member["role"])
                yield Entry(
                    member["created_at"],
                    Kind.SUPPORT,
                    _("Medarbetare tillsatt: %(role)s") % {"role": role},
                    url,
                    team,
                )
                if member["ended_at"] is not None:
                    yield Entry(
                        member["ended_at"],
                        Kind.SUPPORT,
                        _("Medarbetare lämnade insatsen: %(role)s") % {"role": role},
                        url,
                        team,
                    )
            if row["ended_on"] is not None:
                yield Entry(
                    _day(row["ended_on"], end=True),
                    Kind.SUPPORT,
                    _("%(type)s avslutad: %(reason)s")
                    % {"type": kind, "reason": end_reasons.get(row["end_reason"], "")},
                    url,
                    team,
                    day_only=True,
                )
        elif row["ended_on"] is not None and support_policies.can_know_episode_ended(
            actor,
            municipality_id=row["municipality_id"],
            referring_school_id=row["referring_school_id"],
            status=row["status"],
        ):
            # What the school is told: that the support ended, linked to what it sent.
            yield Entry(
                _day(row["ended_on"], end=True),
                Kind.SUPPORT,
                _("Ett stöd från %(team)s har avslutats") % {"team": team},
                reverse("intake:sent_item", kwargs={"item_id": row["intake_item_id"]})
                if row["intake_item_id"]
                else "",
                team,
                day_only=True,
            )


SOURCES: tuple[Source, ...] = (_item_entries, _consent_entries, _plan_entries, _episode_entries)


def chronology(*, actor: Actor, child: Child, kinds: frozenset[str] = frozenset()) -> list[Entry]:
    """The child's entries the actor may see, oldest first; only `kinds` when given."""
    views = consent_selectors.consent_views_for_child(child=child)
    context = Context(views, plan_consents(child=child, views=views))
    entries = [
        entry
        for source in SOURCES
        for entry in source(actor, child, context)
        if not kinds or entry.kind in kinds
    ]
    entries.sort(key=lambda e: (e.at, e.kind, e.title))
    return entries[:LIMIT]
