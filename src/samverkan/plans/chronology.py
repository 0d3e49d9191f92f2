"""One chronology of a child (GIRFEC's chronology; issue 13): everything this user may see,
built from the records themselves, never typed twice. Each entry is visible exactly where its
record is: an intake item through intake's own filters (the handling unit and the team it was
handed to see every step; the school side its own submission and, for the reporter, the
outcome they are owed), consents where the child is, SIPs through the SIP's filter.

Sources are functions (actor, child, context) -> entries, so a new kind of record adds one
source. Support episodes (issue 12, app `support`) add theirs here when they land on main."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverkan.access.actor import Actor
from samverkan.children.models import Child
from samverkan.consent import selectors as consent_selectors
from samverkan.consent.models import Consent, ConsentConfirmation, ConsentParty
from samverkan.intake import policies as intake_policies
from samverkan.intake.models import IntakeItem

from . import policies
from .models import CoordinatedPlan, PlanMeeting, PlanVersion
from .selectors import plan_consents

LIMIT = 500


class Kind:
    REPORT = "report"
    CONSENT = "consent"
    PLAN = "plan"
    MEETING = "meeting"


KIND_LABELS = {
    Kind.REPORT: gettext_lazy("Anmälningar och begäran om stöd"),
    Kind.CONSENT: gettext_lazy("Samtycken"),
    Kind.PLAN: gettext_lazy("SIP"),
    Kind.MEETING: gettext_lazy("Möten"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    kind: str
    title: str
    url: str
    source: str  # the organisation the record belongs to

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


SOURCES: tuple[Source, ...] = (_item_entries, _consent_entries, _plan_entries)


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
