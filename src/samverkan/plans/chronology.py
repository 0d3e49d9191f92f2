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
from typing import Any, NamedTuple
from uuid import UUID

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.access.actor import Actor
from samverkan.access.roles import Role
from samverkan.children.models import Child
from samverkan.consent.models import ConsentPurpose
from samverkan.intake import policies as intake_policies
from samverkan.intake.models import IntakeItem, ItemKind
from samverkan.support import policies as support_policies
from samverkan.support.models import Episode, EpisodeMember, EpisodeSubject

from . import policies
from .models import CoordinatedPlan, PlanMeeting, PlanVersion
from .selectors import ConsentRow, consent_rows, plan_consents

LIMIT = 500
PARTICIPANTS = 20  # a SIP's participating organisations, at most (services.MAX_ROWS)


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


class Entry(NamedTuple):
    """One line of the chronology. A tuple, built from values() rows: 200 of them cost little."""

    at: datetime.datetime
    kind: str
    title: str
    url: str
    source: str  # the organisation the record belongs to
    day_only: bool = False  # recorded as a date, not a moment


class Row(NamedTuple):
    """An entry as the page shows it: the date already formatted, the kind already named."""

    when: str
    kind_label: str
    title: str
    url: str
    source: str


def _url_pattern(name: str, **kwargs: object) -> str:
    """The URL of `name` with "{}" where its one id goes: reverse() once, not once per row."""
    key = next(k for k, v in kwargs.items() if v is None)
    return reverse(name, kwargs={**kwargs, key: _ZERO}).replace(str(_ZERO), "{}")


_ZERO = UUID(int=0)


@dataclass(frozen=True)
class Context:
    """What several sources share, loaded once."""

    consents: list[ConsentRow]
    plan_consents: tuple[policies.PlanConsent, ...]


Source = Callable[[Actor, Child, Context], Iterable[Entry]]


def _item_entries(actor: Actor, child: Child, _context: Context) -> Iterable[Entry]:
    """Intake items about the child: one query; each row decided by intake's pure policies."""
    rows = list(
        IntakeItem.objects.filter(
            intake_policies.items_handled_by(actor) | intake_policies.items_sent_visible_to(actor),
            child_id=child.pk,
        )
        .order_by("received_at", "pk")
        .values_list(
            "pk",
            "municipality_id",
            "owner_unit_id",
            "school_id",
            "created_by_id",
            "handed_over_to_id",
            "kind",
            "reference",
            "received_at",
            "protection_assessed_at",
            "decided_at",
            "decision",
            "meeting_offered_at",
            "feedback_given_at",
            "handed_over_at",
            "owner_unit__name",
            "school__name",
            "handed_over_to__name",
            "consultation__created_at",
            "consultation__reference",
            "consultation__asked_by_id",
        )[:LIMIT]
    )
    if not rows:
        return
    handler_url = _url_pattern("intake:item", item_id=None)
    sender_url = _url_pattern("intake:sent_item", item_id=None)
    kinds = {k: str(v) for k, v in ItemKind.choices}
    decisions = {k: str(v) for k, v in IntakeItem.Decision.choices}
    consultation_title = _("Konsultation %(ref)s, som blev %(kind)s")
    received_title = _("%(kind)s %(ref)s mottagen")
    assessed = _("Skyddsbedömning gjord")
    decided = _("Beslut: %(d)s")
    offered = _("Möte erbjudet")
    feedback = _("Återkoppling lämnad till anmälaren")
    handed = _("Överlämnad till %(team)s")
    for (
        pk,
        municipality_id,
        owner_unit_id,
        school_id,
        created_by_id,
        handed_over_to_id,
        kind,
        reference,
        received_at,
        protection_assessed_at,
        decided_at,
        decision,
        meeting_offered_at,
        feedback_given_at,
        handed_over_at,
        owner_name,
        school_name,
        team_name,
        consultation_at,
        consultation_ref,
        asked_by_id,
    ) in rows:
        ref = intake_policies.ItemRef(
            municipality_id, owner_unit_id, school_id, created_by_id, handed_over_to_id
        )
        handler = intake_policies.can_handle_item(actor, ref)
        if not handler and not intake_policies.can_view_as_sender(actor, ref):
            continue
        url = (handler_url if handler else sender_url).format(pk)
        label = kinds.get(kind, kind)
        if consultation_at is not None and (handler or asked_by_id == actor.user_id):
            yield Entry(
                consultation_at,
                Kind.REPORT,
                consultation_title % {"ref": consultation_ref, "kind": label.lower()},
                url,
                school_name,
            )
        yield Entry(
            received_at,
            Kind.REPORT,
            received_title % {"kind": label, "ref": reference},
            url,
            school_name,
        )
        if handler:
            steps = (
                (protection_assessed_at, assessed),
                (decided_at, decided % {"d": decisions.get(decision, decision)}),
                (meeting_offered_at, offered),
                (feedback_given_at, feedback),
                (handed_over_at, handed % {"team": team_name or ""}),
            )
            for at, title in steps:
                if at is not None:
                    yield Entry(at, Kind.REPORT, f"{reference}: {title}", url, owner_name)
        elif created_by_id == actor.user_id and feedback_given_at is not None:
            # The outcome goes to its reporter alone (SoL 19 kap. 6 §).
            yield Entry(feedback_given_at, Kind.REPORT, f"{reference}: {feedback}", url, owner_name)


def _consent_entries(actor: Actor, child: Child, context: Context) -> Iterable[Entry]:
    # Everyone who may open the child's page sees its consents (consent.policies). The rows
    # are loaded once for the SIP filter too, as plain values.
    if not context.consents:
        return
    pattern = _url_pattern("consent:detail", child_id=child.pk, consent_id=None)
    registered = _("Samtycke registrerat: %(purpose)s")
    confirmed = _("Samtycke bekräftat av %(unit)s: %(purpose)s")
    withdrawn = _("Samtycke återkallat: %(purpose)s")
    purposes = {k: str(v) for k, v in ConsentPurpose.choices}
    for consent in context.consents:
        url = pattern.format(consent.consent_id)
        purpose = purposes.get(consent.purpose, consent.purpose)
        yield Entry(
            consent.created_at,
            Kind.CONSENT,
            registered % {"purpose": purpose},
            url,
            ", ".join(sorted(name for _pk, _domain, name in consent.units)),
        )
        for _side, confirmed_at, unit in consent.confirmations:
            yield Entry(
                confirmed_at,
                Kind.CONSENT,
                confirmed % {"unit": unit, "purpose": purpose},
                url,
                unit,
            )
        for withdrawn_at in consent.withdrawn:
            yield Entry(withdrawn_at, Kind.CONSENT, withdrawn % {"purpose": purpose}, url, "")


def _plan_entries(actor: Actor, child: Child, context: Context) -> Iterable[Entry]:
    """The SIPs the actor reads, their agreed versions and meetings: three queries of values.
    The child's plans come with their participating units in one query (no subquery per
    consent), each decided by the SIP's pure policy, the twin of plans_visible_to."""
    found: dict[UUID, tuple[datetime.datetime, str, UUID | None, UUID | None]] = {}
    units: dict[UUID, set[UUID | None]] = {}
    for pk, created_at, unit, created_by_id, consent_id, unit_id in (
        CoordinatedPlan.objects.filter(municipality_id=actor.tenant_id, child_id=child.pk)
        .order_by("created_at", "pk")
        .values_list(
            "pk",
            "created_at",
            "owner_unit__name",
            "created_by_id",
            "consent_id",
            "participants__unit_id",
        )[: LIMIT * PARTICIPANTS]
    ):
        found.setdefault(pk, (created_at, unit, created_by_id, consent_id))
        units.setdefault(pk, set()).add(unit_id)
    plans = {}
    for pk, (called_at, caller_unit, caller_id, basis_id) in found.items():
        # What can_view_plan decides on (the named persons and the lead are for writing).
        facts = policies.PlanFacts(
            plan_id=pk,
            municipality_id=actor.tenant_id,
            child_id=child.pk,
            created_by_id=caller_id,
            consent_id=basis_id,
            participant_unit_ids=frozenset(u for u in units[pk] if u is not None),
            person_ids=frozenset(),
            lead_person_ids=frozenset(),
        )
        if policies.can_view_plan(actor, facts, context.plan_consents):
            plans[pk] = (called_at, caller_unit)
    if not plans:
        return
    detail = _url_pattern("plans:detail", plan_id=None)
    history = _url_pattern("plans:history", plan_id=None)
    called = _("SIP kallad av %(unit)s")
    agreed = _("SIP version %(n)s överenskommen")
    meeting = _("SIP-möte")
    for pk, (created_at, unit) in plans.items():
        yield Entry(created_at, Kind.PLAN, called % {"unit": unit}, detail.format(pk), unit)
    for plan_id, number, agreed_at in (
        PlanVersion.objects.filter(plan_id__in=plans, agreed_at__isnull=False)
        .order_by("agreed_at", "pk")
        .values_list("plan_id", "number", "agreed_at")[:LIMIT]
    ):
        yield Entry(
            agreed_at,  # type: ignore[arg-type]  # filtered on not null
            Kind.PLAN,
            agreed % {"n": number},
            history.format(plan_id) + f"?b={number}",
            plans[plan_id][1],
        )
    for plan_id, starts_at in (
        PlanMeeting.objects.filter(plan_id__in=plans)
        .order_by("starts_at", "pk")
        .values_list("plan_id", "starts_at")[:LIMIT]
    ):
        yield Entry(starts_at, Kind.MEETING, meeting, detail.format(plan_id), plans[plan_id][1])


def _day(day: datetime.date, *, end: bool = False) -> datetime.datetime:
    """A recorded date as the start (or the end) of that day here, so it sorts among moments:
    a start before what happened that day, an end after it."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    )


def _episode_entries(actor: Actor, child: Child, _context: Context) -> Iterable[Entry]:
    """Support episodes about the child (a family episode lists each of its children): one
    query for the episodes, one for their members; each row decided by support's policy."""
    if not support_policies.sees_episodes(actor):
        return
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
    end_reasons = {k: str(v) for k, v in Episode.EndReason.choices}
    role_labels = {k: str(v) for k, v in Role.choices}
    pattern = _url_pattern("support:episode", episode_id=None)
    sent = _url_pattern("intake:sent_item", item_id=None)
    for row in rows:
        team = row["owner_unit__name"]
        active = frozenset(m["user_id"] for m in members[row["pk"]] if m["ended_at"] is None)
        facts = support_policies.EpisodeFacts(
            row["pk"], row["municipality_id"], row["owner_unit_id"], row["status"], active
        )
        if support_policies.can_view_episode(actor, facts):
            url = pattern.format(row["pk"])
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
                sent.format(row["intake_item_id"]) if row["intake_item_id"] else "",
                team,
                day_only=True,
            )


SOURCES: tuple[Source, ...] = (_item_entries, _consent_entries, _plan_entries, _episode_entries)


def chronology(*, actor: Actor, child: Child, kinds: frozenset[str] = frozenset()) -> list[Entry]:
    """The child's entries the actor may see, oldest first; only `kinds` when given."""
    consents = consent_rows(child=child)
    context = Context(consents, plan_consents(child=child, rows=consents))
    entries = [
        entry
        for source in SOURCES
        for entry in source(actor, child, context)
        if not kinds or entry.kind in kinds
    ]
    entries.sort(key=lambda e: (e.at, e.kind, e.title))
    return entries[:LIMIT]


def rows(entries: list[Entry]) -> list[Row]:
    """The entries as the page shows them: each moment in local time formatted once here, so
    the template does no per-row filter or lookup work."""
    zone = timezone.get_current_timezone()
    labels = {k: str(v) for k, v in KIND_LABELS.items()}
    return [
        Row(
            e.at.astimezone(zone).strftime("%Y-%m-%d" if e.day_only else "%Y-%m-%d %H:%M"),
            labels[e.kind],
            e.title,
            e.url,
            e.source,
        )
        for e in entries
    ]
