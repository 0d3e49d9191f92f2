"""Intake's handling (SoL 2025:400 19–20 kap.): the queue with the legal deadlines, one item
with its action forms, and the anonymous consultations waiting for an answer.

Thin (STYLE P1): parse, call one service or selector, render. Each action is its own POST view;
on bad input the item page is shown again with the errors at the fields and the typed values
kept (400); a step someone else already recorded, or a stale version, shows its message (409).
The services enforce the object-level policy on every read and write."""

import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.access.decisions import policy
from samverkan.children import policies as children_policies
from samverkan.children.identity import mask_identity_number
from samverkan.children.models import ProtectionMarking
from samverkan.consent.rules import age_on
from samverkan.core.errors import ConcurrentEdit

from . import deadlines, policies, selectors, services
from .errors import ActionInvalid, AlreadyRecorded
from .forms_intake import (
    ActionForm,
    AskReportForm,
    AssignForm,
    ConsultationAnswerForm,
    DecideForm,
    ExtendForm,
    FeedbackForm,
    HandoverForm,
    MeetingForm,
    NoteForm,
    ProtectionForm,
    QueueFilterForm,
    RedactForm,
    ResolveChildForm,
)
from .models import Consultation, IntakeItem, ItemKind

CONSULTATION_PAGE_SIZE = 50


def _days_since(moment: datetime.datetime, today: datetime.date) -> int:
    return (today - timezone.localdate(moment)).days


# ---------------------------------------------------------------------------------------------
# The queue


_PLACEHOLDER = UUID(int=0)
_PLACEHOLDER_TEXT = str(_PLACEHOLDER)


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str = ""  # a govuk-tag modifier: red, orange, yellow; "" for plain text


# One row of the queue's table (intake/handling/queue.html prints the rows as they are).
_QUEUE_ROW = """
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{reference}</a><br><span class="govuk-body-s">{kind} · {status}</span></td>
      <td class="govuk-table__cell">{child}<br>
        <span class="govuk-body-s">{age} · {number}</span>
        {protected}</td>
      <td class="govuk-table__cell">{school}</td>
      <td class="govuk-table__cell">{received}<br>
        <span class="govuk-body-s">{waited}</span></td>
      <td class="govuk-table__cell">{worker}</td>
      <td class="govuk-table__cell">{tags}</td>
    </tr>
  """


@dataclass(frozen=True)
class QueueRow:
    """One row of the queue with every word and date ready: fifty rows of per-row template
    logic, model instances and translation lookups were most of the page's time."""

    url: str
    reference: str
    kind_label: str
    status_label: str
    child_name: str  # "Family, Given"
    age_label: str
    masked_identity_number: str
    is_protected: bool
    school: str
    received: str  # local time, "Y-m-d H:i"
    waited_label: str
    worker: str  # the worker's name, or "Ingen"
    tags: SafeString  # the deadline flags as a list (intake/handling/_deadline_tags.html)

    def html(self, words: "QueueWords") -> SafeString:
        """The table row, every value escaped as the template would."""
        return mark_safe(  # noqa: S308 - every value is escaped by _escape
            _QUEUE_ROW.format(
                url=_escape(self.url),
                reference=_escape(self.reference),
                kind=_escape(self.kind_label),
                status=_escape(self.status_label),
                child=_escape(self.child_name),
                age=_escape(self.age_label),
                number=_escape(self.masked_identity_number),
                protected=words.protected if self.is_protected else "",
                school=_escape(self.school),
                received=_escape(self.received),
                waited=_escape(self.waited_label),
                worker=_escape(self.worker),
                tags=self.tags,
            )
        )


def _escape(value: str) -> str:
    """django.utils.html.conditional_escape without its lazy-string wrapper (fifty rows of a
    dozen values): the same html.escape for a plain string, a safe string as it is."""
    if isinstance(value, SafeString):
        return value
    return html.escape(str(value))


class QueueWords:
    """The queue's translated words, looked up once per page rather than once per row."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.today_label = _("i dag")
        self.nobody = _("Ingen")
        self.protected = format_html(
            '<br><strong class="govuk-tag govuk-tag--red">{}</strong>',
            _("Skyddade personuppgifter"),
        )
        self._ages: dict[int, str] = {}
        self._waits: dict[int, str] = {}
        self.no_number = _("inget personnummer")
        self.kinds = {str(value): str(label) for value, label in ItemKind.choices}
        self.statuses = {str(value): str(label) for value, label in IntakeItem.Status.choices}
        flag = deadlines.Flag
        self.protection = {
            flag.OVERDUE: Tag(_("Skyddsbedömning saknas"), "red"),
            flag.DUE_TODAY: Tag(_("Skyddsbedömning i dag"), "orange"),
        }
        self.status_tags = {
            flag.OVERDUE: Tag(_("Försenad"), "red"),
            flag.DUE_TODAY: Tag(_("I dag"), "orange"),
            flag.SOON: Tag(_("Snart"), "yellow"),
        }
        self.feedback_overdue = Tag(_("Återkoppling försenad"), "red")
        self.decision_by = _("Beslut senast %(date)s")
        self.feedback_by = _("Återkoppling senast %(date)s")
        self.duplicate = Tag(_("Trolig dubblett"), "yellow")
        self.provisional = Tag(_("Finns inte i registret"), "yellow")

    def age(self, years: int) -> str:
        if years not in self._ages:
            self._ages[years] = ngettext("%(age)d år", "%(age)d år", years) % {"age": years}
        return self._ages[years]

    def waited(self, days: int) -> str:
        if days == 0:
            return self.today_label
        if days not in self._waits:
            self._waits[days] = ngettext("väntat %(days)d dag", "väntat %(days)d dagar", days) % {
                "days": days
            }
        return self._waits[days]


def deadline_tags(d: deadlines.Deadlines, words: QueueWords) -> tuple[tuple[str, Tag | None], ...]:
    """The deadline flags as (line, tag) pairs, as intake/handling/_deadline_tags.html shows
    them on the item page."""
    flag = deadlines.Flag
    lines: list[tuple[str, Tag | None]] = []
    if d.protection in words.protection:
        lines.append(("", words.protection[d.protection]))
    if d.decision not in (flag.NOT_APPLICABLE, flag.DONE) and d.decision_date is not None:
        text = words.decision_by % {"date": d.decision_date.isoformat()}
        lines.append((text, words.status_tags.get(d.decision)))
    if d.feedback_date and d.feedback not in (flag.NOT_APPLICABLE, flag.DONE):
        text = words.feedback_by % {"date": d.feedback_date.isoformat()}
        tag = words.status_tags.get(d.feedback)
        if d.feedback == flag.OVERDUE:
            tag = words.feedback_overdue
        lines.append((text, tag))
    return tuple(lines)


def _tag_list(lines: tuple[tuple[str, Tag | None], ...]) -> SafeString:
    items = "".join(
        "<li>{}{}</li>".format(
            _escape(text),
            f' <strong class="govuk-tag govuk-tag--{_escape(t.colour)}">{_escape(t.text)}</strong>'
            if t
            else "",
        )
        for text, t in lines
    )
    return mark_safe(  # noqa: S308 - every value is escaped by _escape
        f'<ul class="govuk-list govuk-!-margin-bottom-0">{items}</ul>'
    )


def queue_row(
    entry: selectors.QueueEntry, today: datetime.date, url_pattern: str, words: QueueWords
) -> QueueRow:
    age = age_on(entry.child_birth_date, today)
    received = timezone.localtime(entry.received_at, words.zone)
    waited = (today - received.date()).days
    lines = deadline_tags(selectors.item_deadlines(entry, today, words.zone), words)
    if entry.likely_duplicate_of_id is not None:
        # Sent anyway after the duplicate warning (issue #11): flagged in the queue too.
        lines += (("", words.duplicate),)
    if entry.child_unresolved:
        # A report about a child not in the register, not yet linked or kept (issue #14).
        lines += (("", words.provisional),)
    if entry.assigned_to_id is None:
        worker = words.nobody
    else:
        full = f"{entry.assigned_first_name} {entry.assigned_last_name}".strip()
        worker = full or entry.assigned_username or ""
    number = entry.child_identity_number
    return QueueRow(
        url=url_pattern.replace(_PLACEHOLDER_TEXT, str(entry.id)),
        reference=entry.reference,
        kind_label=words.kinds.get(entry.kind, entry.kind),
        status_label=words.statuses.get(entry.status, entry.status),
        child_name=f"{entry.child_family_name}, {entry.child_given_name}",
        age_label=words.age(age),
        masked_identity_number=mask_identity_number(number) if number else words.no_number,
        is_protected=entry.child_protection_marking != ProtectionMarking.NONE,
        school=entry.school_name,
        received=received.strftime("%Y-%m-%d %H:%M"),
        waited_label=words.waited(waited),
        worker=worker,
        tags=_tag_list(lines),
    )


@require_GET
@policy(policies.can_work_intake)
def queue(request: HttpRequest) -> HttpResponse:
    """Mottagningens kö: the unit's items by urgency, each with its deadline flags."""
    actor = request.actor  # type: ignore[attr-defined]
    form = QueueFilterForm(request.GET or None)
    status, mine = form.filters()
    entries = services.queue_read(actor=actor, status=status, assigned_to_me=mine, plain=True)
    today = timezone.localdate()
    # One reverse() for the page, not one per row.
    url_pattern = reverse("intake:item", args=[_PLACEHOLDER])
    words = QueueWords()
    rows = [queue_row(entry, today, url_pattern, words).html(words) for entry in entries]
    context = {
        "form": form,
        "rows": rows,
        "counts": selectors.queue_counts(actor=actor),
        "page_size": selectors.QUEUE_PAGE_SIZE,
    }
    return render(request, "intake/handling/queue.html", context)


# ---------------------------------------------------------------------------------------------
# One item


def _shown_actions(actor: Any, item: IntakeItem) -> dict[str, bool]:
    """Which action forms apply now. Intake's own steps are hidden from the team the item was
    handed to (and refused by the services)."""
    is_intake = bool(policies.can_record_assessment(actor, selectors.item_ref(item)))
    is_report = item.kind == ItemKind.REPORT
    is_open = item.handed_over_to_id is None and item.status != IntakeItem.Status.CLOSED
    undecided = item.decided_at is None
    return {
        "assign": is_intake and is_open,
        # SoL 20 kap. 1 §: at once, documented the same day.
        "protection": is_intake and is_report and item.protection_assessed_at is None,
        # SoL 20 kap. 2 §: within 14 days, longer only for exceptional reasons.
        "extend": is_intake and is_report and undecided,
        "decide": is_intake and is_report and undecided and item.protection_assessed_at is not None,
        # SoL 19 kap. 6 §: to a reporter who asked, once the decision is made.
        "feedback": is_intake
        and not undecided
        and item.feedback_requested_at is not None
        and item.feedback_given_at is None,
        # SoL 19 kap. 5 §: a meeting offered to the child, the guardians and the reporter.
        "meeting": is_intake and is_report and is_open,
        # R2.8: a support request, or a report once decided, goes to a team.
        "handover": is_intake and is_open and (not is_report or not undecided),
        "note": True,
        # Issue #14: a child not in the register, linked or kept by intake.
        "resolve": item.child_unresolved
        and bool(policies.can_resolve_child(actor, selectors.item_ref(item))),
    }


def _item_page(
    request: HttpRequest,
    item_id: UUID,
    *,
    bound: ActionForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = services.item_read(actor=actor, item_id=item_id)
    shown = _shown_actions(actor, item)
    if bound is not None and bound.prefix:
        shown[bound.prefix] = True  # the errors must be seen where they were made
    bound_prefix = bound.prefix if bound is not None else None
    forms: dict[str, Any] = {}
    if shown["assign"]:
        workers = selectors.worker_choices(item=item)
        if isinstance(bound, AssignForm):
            bound.set_workers(workers)
            forms["assign"] = bound
        else:
            forms["assign"] = AssignForm(
                workers=workers,
                initial={"assigned_to": str(item.assigned_to_id or ""), "version": item.version},
            )
    if shown["handover"]:
        forms["handover"] = (
            bound
            if bound_prefix == "handover"
            else HandoverForm(teams=selectors.teams_for_handover(actor=actor))
        )
    simple: dict[str, Callable[[], ActionForm]] = {
        "protection": ProtectionForm,
        "extend": lambda: ExtendForm(initial={"version": item.version}),
        "decide": lambda: DecideForm(wants_feedback=item.wants_feedback),
        "feedback": FeedbackForm,
        "meeting": lambda: MeetingForm(initial={"participants": item.meeting_with}),
        "note": NoteForm,
        "resolve": ResolveChildForm,
    }
    if isinstance(bound, DecideForm) and not item.wants_feedback:
        bound.without_feedback()
    for prefix, make in simple.items():
        if shown[prefix]:
            forms[prefix] = bound if bound_prefix == prefix else make()
    today = timezone.localdate()
    context = {
        "item": item,
        "age": age_on(item.child.birth_date, today),
        "consultation": item.consultation,
        "waited_days": _days_since(item.received_at, today),
        "deadlines": selectors.item_deadlines(item, today),
        "reporter_roles": selectors.reporter_roles(item=item),
        "supplements": selectors.item_supplement_entries(item=item),
        "notes": selectors.item_note_entries(item=item),
        "forms": forms,
        "error_form": bound if bound is not None and bound.errors else None,
        "conflict": conflict,
        "is_report": item.kind == ItemKind.REPORT,
    }
    return render(request, "intake/handling/item.html", context, status=status)


@require_GET
@policy(children_policies.can_search_children)
def item(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Ett inkommet ärende. Staff outside the receiving unit (and the team it was handed to)
    get the same 404 as for an item that does not exist, audited (STYLE P4)."""
    return _item_page(request, item_id)


def _act(
    request: HttpRequest,
    item_id: UUID,
    form: ActionForm,
    call: Callable[[], object],
    done: str,
) -> HttpResponse:
    """Run one action: back to the item with a message, or the page again with the errors."""
    if form.is_valid():
        try:
            call()
        except ActionInvalid as error:
            form.add_service_errors(error.details, error.message)
        except (AlreadyRecorded, ConcurrentEdit) as error:
            # The page shows what is recorded now; the forms start again from it.
            return _item_page(request, item_id, conflict=str(error.message), status=409)
        else:
            messages.success(request, done)
            return redirect("intake:item", item_id=item_id)
    return _item_page(request, item_id, bound=form, status=400)


@require_POST
@policy(policies.can_work_intake)
def assign(request: HttpRequest, item_id: UUID) -> HttpResponse:
    # The worker is checked by the service; any posted value is accepted here and the page
    # shows the real choices again after bad input.
    form = AssignForm(request.POST, workers=None)

    def call() -> object:
        try:
            worker_id = UUID(form.cleaned_data["assigned_to"])
        except ValueError:
            raise ActionInvalid(
                details={"assigned_to": [_("Välj en handläggare i listan.")]}
            ) from None
        return services.item_assign(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            user_id=worker_id,
            version=form.cleaned_data["version"],
        )

    return _act(request, item_id, form, call, _("Ärendet är tilldelat."))


@require_POST
@policy(policies.can_work_intake)
def resolve_child(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Link a report about a child not in the register to a register entry, or keep it."""
    form = ResolveChildForm(request.POST)
    keep = request.POST.get("action") == "keep"

    def call() -> object:
        if not keep and not form.cleaned_data["register_number"].strip():
            raise ActionInvalid(
                details={"register_number": [_("Ange barnets fullständiga personnummer.")]}
            )
        return services.item_resolve_child(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            register_number=form.cleaned_data["register_number"],
            keep=keep,
        )

    done = (
        _("Barnet är markerat som inte folkbokfört i kommunen.")
        if keep
        else _("Ärendet är kopplat till barnet i registret.")
    )
    return _act(request, item_id, form, call, done)


@require_POST
@policy(policies.can_work_intake)
def protection(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = ProtectionForm(request.POST)
    return _act(
        request,
        item_id,
        form,
        lambda: services.protection_assessment_record(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            protection_needed=form.needed(),
            assessment=form.cleaned_data["assessment"],
        ),
        _("Skyddsbedömningen är registrerad."),
    )


@require_POST
@policy(policies.can_work_intake)
def extend(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = ExtendForm(request.POST)
    return _act(
        request,
        item_id,
        form,
        lambda: services.decision_extend(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            new_due=form.cleaned_data["new_due"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        ),
        _("Tiden för förhandsbedömningen är förlängd."),
    )


@require_POST
@policy(policies.can_work_intake)
def decide(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = DecideForm(request.POST, wants_feedback=True)
    return _act(
        request,
        item_id,
        form,
        lambda: services.decision_record(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            give_feedback_now=form.feedback_now(),
        ),
        _("Beslutet är registrerat."),
    )


@require_POST
@policy(policies.can_work_intake)
def feedback(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = FeedbackForm(request.POST)
    return _act(
        request,
        item_id,
        form,
        lambda: services.feedback_give(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
        ),
        _("Återkopplingen är skickad till anmälaren."),
    )


@require_POST
@policy(policies.can_work_intake)
def meeting(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = MeetingForm(request.POST)
    return _act(
        request,
        item_id,
        form,
        lambda: services.meeting_offer(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            participants=form.cleaned_data["participants"],
            note=form.cleaned_data["note"],
        ),
        _("Erbjudandet om möte är registrerat."),
    )


@require_POST
@policy(policies.can_work_intake)
def handover(request: HttpRequest, item_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = HandoverForm(request.POST, teams=selectors.teams_for_handover(actor=actor))
    return _act(
        request,
        item_id,
        form,
        lambda: services.handover(
            actor=actor,
            item_id=item_id,
            team_id=UUID(form.cleaned_data["team"]),
            note=form.cleaned_data["note"],
        ),
        _("Ärendet är överlämnat till teamet. Teamet och rektor har fått besked."),
    )


@require_POST
@policy(policies.can_work_intake)
def note(request: HttpRequest, item_id: UUID) -> HttpResponse:
    form = NoteForm(request.POST)
    return _act(
        request,
        item_id,
        form,
        lambda: services.intake_note_add(
            actor=request.actor,  # type: ignore[attr-defined]
            item_id=item_id,
            body=form.cleaned_data["body"],
            request_id=form.cleaned_data["request_id"],
        ),
        _("Anteckningen är sparad."),
    )


# ---------------------------------------------------------------------------------------------
# Anonymous consultations


@require_GET
@policy(policies.can_work_intake)
def consultation_queue(request: HttpRequest) -> HttpResponse:
    """The receiving unit's consultations: those waiting (oldest first) and the latest answered."""
    actor = request.actor  # type: ignore[attr-defined]
    waiting = list(
        selectors.consultation_queue(actor=actor, status=Consultation.Status.OPEN)[
            :CONSULTATION_PAGE_SIZE
        ]
    )
    answered = list(
        selectors.consultation_queue(actor=actor, status=Consultation.Status.ANSWERED).reverse()[
            :CONSULTATION_PAGE_SIZE
        ]
    )
    today = timezone.localdate()
    context = {
        "waiting": [(c, _days_since(c.created_at, today)) for c in waiting],
        "answered": answered,
        "page_size": CONSULTATION_PAGE_SIZE,
    }
    return render(request, "intake/handling/consultation_queue.html", context)


def _consultation_page(
    request: HttpRequest,
    consultation: Consultation,
    *,
    form: ConsultationAnswerForm | None = None,
    redact_form: RedactForm | None = None,
    ask_form: AskReportForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    may_redact = policies.can_redact_consultation(
        actor, consultation.routed_to_id, consultation.municipality_id
    ).allowed
    context = {
        "consultation": consultation,
        "form": form or ConsultationAnswerForm(),
        "redact_form": redact_form or RedactForm(),
        "ask_form": ask_form or AskReportForm(),
        "may_redact": may_redact,
        "redactions": selectors.consultation_redactions(consultation=consultation),
        "converted": selectors.consultation_converted_to(consultation=consultation),
        "conflict": conflict,
        "waited_days": _days_since(consultation.created_at, timezone.localdate()),
    }
    return render(request, "intake/handling/consultation_handle.html", context, status=status)


@require_http_methods(["GET", "POST"])
@policy(policies.can_work_intake)
def consultation_handle(request: HttpRequest, consultation_id: UUID) -> HttpResponse:
    """One consultation and its answer. Bad input shows the form again with the text kept."""
    actor = request.actor  # type: ignore[attr-defined]
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    form = ConsultationAnswerForm(request.POST if request.method == "POST" else None)
    status = 200
    conflict = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.consultation_answer(
                    actor=actor,
                    consultation_id=consultation.pk,
                    answer=form.cleaned_data["answer"],
                )
            except ActionInvalid as error:
                form.add_service_errors(error.details, error.message)
            except AlreadyRecorded as error:
                status = 409
                conflict = str(error.message)
                consultation = selectors.consultation_get_for_handling(
                    actor=actor, consultation_id=consultation_id
                )
            else:
                messages.success(request, _("Svaret är skickat till skolan."))
                return redirect("intake:consultation_handle", consultation_id=consultation.pk)
    return _consultation_page(request, consultation, form=form, conflict=conflict, status=status)


@require_POST
@policy(policies.can_work_intake)
def consultation_redact(request: HttpRequest, consultation_id: UUID) -> HttpResponse:
    """Mask a passage (issue #14). Bad input shows the page again with what was typed."""
    actor = request.actor  # type: ignore[attr-defined]
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    form = RedactForm(request.POST)
    if form.is_valid():
        try:
            services.consultation_redact(
                actor=actor,
                consultation_id=consultation.pk,
                passage=form.cleaned_data["passage"],
                reason=form.cleaned_data["reason"],
            )
        except ActionInvalid as error:
            form.add_service_errors(error.details, error.message)
        else:
            messages.success(request, _("Avsnittet är maskerat. Frågeställaren har fått veta det."))
            return redirect("intake:consultation_handle", consultation_id=consultation.pk)
    return _consultation_page(request, consultation, redact_form=form, status=400)


@require_POST
@policy(policies.can_work_intake)
def consultation_ask_report(request: HttpRequest, consultation_id: UUID) -> HttpResponse:
    """Ask the asker to make a report of concern instead."""
    actor = request.actor  # type: ignore[attr-defined]
    consultation = selectors.consultation_get_for_handling(
        actor=actor, consultation_id=consultation_id
    )
    form = AskReportForm(request.POST)
    if form.is_valid():
        try:
            services.consultation_ask_for_report(
                actor=actor, consultation_id=consultation.pk, note=form.cleaned_data["note"]
            )
        except ActionInvalid as error:
            form.add_service_errors(error.details, error.message)
        else:
            messages.success(request, _("Frågeställaren har ombetts att göra en orosanmälan."))
            return redirect("intake:consultation_handle", consultation_id=consultation.pk)
    return _consultation_page(request, consultation, ask_form=form, status=400)
