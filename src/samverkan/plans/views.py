"""SIP pages: a child's plans, calling a SIP, the plan with its forms, editing, agreeing, the
history side by side and the PDF. Thin (STYLE P1): parse, call a service, render; the services
enforce the object-level policy again on every read and write."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.access.decisions import PUBLIC, policy
from samverkan.children import policies as children_policies
from samverkan.core import drafts
from samverkan.core.drafts import draft_form
from samverkan.core.errors import ConcurrentEdit

from . import chronology, diff, meetings, policies, reports, selectors, services
from .errors import PlanConsentMissing, PlanFrozen, PlanInvalid
from .forms import (
    GOAL_ROWS,
    INTERVENTION_ROWS,
    AgreeForm,
    ConsentLinkForm,
    DownloadCodeForm,
    GoalForm,
    InterventionForm,
    LinkForm,
    MeetingForm,
    PlanCallForm,
    PlanForm,
    add_row_errors,
    consent_choices,
    participant_forms,
)

# Every SIP page is for staff who work with children; the services decide per plan.
STAFF = children_policies.can_search_children


@require_GET
@policy(STAFF)
def plan_list(request: HttpRequest, child_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    child, plans, can_call = services.plans_for_child_read(actor=actor, child_id=child_id)
    return render(
        request,
        "plans/plan_list.html",
        {"child": child, "plans": plans, "can_call": bool(can_call)},
    )


def _retire(request: HttpRequest, token: object, url: str, label: str) -> None:
    """The draft was sent: its receipt is the plan's page (core.drafts)."""
    drafts.draft_retire(request, token, url=url, label=label)


@require_http_methods(["GET", "POST"])
@policy(STAFF)
@draft_form(PlanCallForm)
def plan_call(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Kalla till SIP. Bad input shows the form again with every value kept (400); one draft
    per child (core.drafts): a language switch, Back or a resend keeps it, sent once."""
    actor = request.actor  # type: ignore[attr-defined]
    child, consents = services.plan_call_start(actor=actor, child_id=child_id)
    draft, done = drafts.draft_for(request, "plan_call", child.pk)
    if done is not None:
        return done
    data = request.POST if request.method == "POST" else None
    form = PlanCallForm(data, consents=consent_choices(consents), draft=draft)
    rows = participant_forms(
        data,
        units=selectors.participant_units(actor=actor),
        people=selectors.participant_people(actor=actor),
    )
    status = 200
    if data is not None:
        status = 400
        # Every row is validated, so each shows its own errors.
        results = [form.is_valid(), *(row.is_valid() for row in rows)]
        if all(results):
            index_map: list[int] = []
            participants = []
            for index, row in enumerate(rows):
                value = row.row()
                if value is not None:
                    index_map.append(index)
                    participants.append(value)
            if not any(row.errors for row in rows):
                try:
                    plan = services.plan_call(
                        actor=actor,
                        child_id=child.pk,
                        reason=form.cleaned_data["reason"],
                        participants=participants,
                        request_id=form.cleaned_data["request_id"],
                        consent_id=UUID(form.cleaned_data["consent"])
                        if form.cleaned_data["consent"]
                        else None,
                    )
                except PlanInvalid as error:
                    rest = add_row_errors(rows, "participants", index_map, error.details)
                    form.add_service_errors(rest)
                else:
                    messages.success(request, _("SIP:en är kallad."))
                    url = reverse("plans:detail", kwargs={"plan_id": plan.pk})
                    _retire(request, form.cleaned_data["request_id"], url, _("SIP:en"))
                    return redirect(url)
    all_forms = [form, *rows]
    context = {
        "child": child,
        "form": form,
        "rows": rows,
        "all_forms": all_forms,
        "has_errors": any(f.errors for f in all_forms),
    }
    return render(request, "plans/plan_call.html", context, status=status)


def _detail(
    request: HttpRequest,
    plan_id: UUID,
    *,
    agree_form: AgreeForm | None = None,
    link_form: ConsentLinkForm | None = None,
    meeting_form: MeetingForm | None = None,
    conflict: str = "",
    link_code: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = services.plan_read(actor=actor, plan_id=plan_id, all_contents=False)
    plan = context.plan
    facts = context.facts
    can_edit = policies.can_edit_plan(actor, facts, context.consents)
    can_agree = policies.can_agree_plan(actor, facts, context.consents)
    current = context.current
    if agree_form is None:
        agree_form = AgreeForm(
            initial={"version": plan.version},
            draft=drafts.draft_start(request, "plan_agree", plan.pk),
        )
    if link_form is None:
        link_form = ConsentLinkForm(
            initial={"version": plan.version}, consents=consent_choices(context.consents)
        )
    page = {
        "ctx": context,
        "plan": plan,
        "child": plan.child,
        "current": current,
        "agreed": context.agreed,
        "can_edit": bool(can_edit),
        "can_agree": bool(can_agree) and not current.is_agreed,
        "agree_waits_for_consent": can_agree.reason in ("no_consent", "not_recipient"),
        "show_link": plan.consent_id is None and bool(can_edit),
        "agree_form": agree_form,
        "link_form": link_form,
        "meeting_form": meeting_form or MeetingForm(),
        # Meetings, sendings and links are for those who write the plan (the page shows them
        # to no one else): no queries or drafts for the others.
        "meetings": list(plan.meetings.order_by("starts_at", "pk")[:50]) if can_edit else [],
        "sendings": meetings.sendings_of(plan=plan) if can_edit else [],
        "outside": [
            (p, LinkForm(draft=drafts.draft_start(request, "plan_link", p.pk)))
            for p in plan.participants.all()
            if can_edit and p.is_outside and p.person_email
        ],
        "conflict": conflict,
        "link_code": link_code,
    }
    return render(request, "plans/plan_detail.html", page, status=status)


@require_GET
@policy(STAFF)
def plan_detail(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    return _detail(request, plan_id)


@require_POST
@policy(STAFF)
@draft_form(AgreeForm)
def plan_agree(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    _draft, done = drafts.draft_for(request, "plan_agree", plan_id)
    if done is not None:
        return done  # the same agreement sent twice: "Redan skickad", agreed once
    form = AgreeForm(request.POST)
    if form.is_valid():
        try:
            services.plan_agree(
                actor=actor,
                plan_id=plan_id,
                expected_version=form.cleaned_data["version"],
                attendees=form.cleaned_data["attendees"],
                family_agreed=form.cleaned_data["family_agreed"],
            )
        except PlanInvalid as error:
            form.add_service_errors(error.details)
        except (ConcurrentEdit, PlanFrozen, PlanConsentMissing) as error:
            return _detail(request, plan_id, conflict=str(error.message), status=409)
        else:
            messages.success(request, _("Planen är överenskommen."))
            url = reverse("plans:detail", kwargs={"plan_id": plan_id})
            _retire(request, form.cleaned_data["request_id"], url, _("Planen"))
            # The next version is agreed on a new draft; this token stays "already sent".
            drafts.draft_forget(request, "plan_agree", plan_id)
            return redirect(url)
    return _detail(request, plan_id, agree_form=form, status=400)


@require_POST
@policy(STAFF)
def plan_consent_link(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = selectors.plan_get_visible(actor=actor, plan_id=plan_id)
    form = ConsentLinkForm(request.POST, consents=consent_choices(context.consents))
    if form.is_valid():
        try:
            services.plan_consent_link(
                actor=actor,
                plan_id=plan_id,
                consent_id=UUID(form.cleaned_data["consent"]),
                expected_version=form.cleaned_data["version"],
            )
        except PlanInvalid as error:
            form.add_service_errors(error.details)
        except ConcurrentEdit as error:
            return _detail(request, plan_id, conflict=str(error.message), status=409)
        else:
            messages.success(request, _("Samtycket är kopplat till SIP:en."))
            return redirect("plans:detail", plan_id=plan_id)
    return _detail(request, plan_id, link_form=form, status=400)


def _initial(version: Any) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    plan_initial = {
        "lead_unit": str(version.lead_unit_id or ""),
        "child_words": version.child_words,
        "guardians_view": version.guardians_view,
        "next_follow_up_on": version.next_follow_up_on,
    }
    goals = [{"text": g.text} for g in version.goals.all()]
    interventions = [
        {
            "text": i.text,
            "responsible_unit": str(i.responsible_unit_id),
            "responsible_person": i.responsible_person,
            "start_on": i.start_on,
            "until_on": i.until_on,
            "follow_up_on": i.follow_up_on,
        }
        for i in version.interventions.all()
    ]
    return plan_initial, goals, interventions


def _rows(value: object, default: int) -> int:
    """How many rows the posted form had; a tampered value falls back to the default."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < int(text) <= services.MAX_ROWS else default


@require_http_methods(["GET", "POST"])
@policy(STAFF)
@draft_form(PlanForm)
def plan_edit(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """Ändra planen. An agreed version becomes a new version on save; a stale form shows what
    is saved now (409); bad input keeps every typed value (400); one draft per plan
    (core.drafts): a language switch or a database failure keeps the words, a resend of a
    saved draft saves nothing more."""
    actor = request.actor  # type: ignore[attr-defined]
    context = services.plan_edit_start(actor=actor, plan_id=plan_id)
    draft, done = drafts.draft_for(request, "plan_edit", plan_id)
    if done is not None:
        return done
    plan = context.plan
    units = [p.unit for p in plan.participants.all()]
    data = request.POST if request.method == "POST" else None
    plan_initial, goal_initial, intervention_initial = _initial(context.current)
    plan_initial["version"] = plan.version
    goal_rows = max(len(goal_initial) + 1, GOAL_ROWS)
    intervention_rows = max(len(intervention_initial) + 1, INTERVENTION_ROWS)
    if data is not None:
        goal_rows = _rows(data.get("goal_rows"), goal_rows)
        intervention_rows = _rows(data.get("intervention_rows"), intervention_rows)
        goal_rows = min(goal_rows, services.MAX_ROWS)
        intervention_rows = min(intervention_rows, services.MAX_ROWS)
    form = PlanForm(data, units=units, initial=plan_initial, draft=draft)
    goals = [
        GoalForm(
            data,
            prefix=f"goals-{i}",
            initial=goal_initial[i] if i < len(goal_initial) else None,
        )
        for i in range(goal_rows)
    ]
    interventions = [
        InterventionForm(
            data,
            prefix=f"interventions-{i}",
            units=units,
            initial=intervention_initial[i] if i < len(intervention_initial) else None,
        )
        for i in range(intervention_rows)
    ]
    status, conflict = 200, ""
    if data is not None:
        status = 400
        valid = [f.is_valid() for f in [form, *goals, *interventions]]
        if all(valid):
            goal_map = [i for i, g in enumerate(goals) if g.cleaned_data.get("text", "").strip()]
            item_map = [i for i, f in enumerate(interventions) if not f.is_blank()]
            content = services.PlanContent(
                lead_unit_id=UUID(form.cleaned_data["lead_unit"]),
                goals=tuple(goals[i].cleaned_data["text"] for i in goal_map),
                interventions=tuple(interventions[i].row() for i in item_map),
                child_words=form.cleaned_data["child_words"],
                guardians_view=form.cleaned_data["guardians_view"],
                next_follow_up_on=form.cleaned_data["next_follow_up_on"],
            )
            try:
                version = services.plan_save(
                    actor=actor,
                    plan_id=plan_id,
                    expected_version=form.cleaned_data["version"],
                    content=content,
                )
            except PlanInvalid as error:
                rest = add_row_errors(goals, "goals", goal_map, error.details)
                rest = add_row_errors(interventions, "interventions", item_map, rest)
                form.add_service_errors(rest)
            except ConcurrentEdit as error:
                status, conflict = 409, str(error.message)
            else:
                messages.success(
                    request,
                    _("Planen är sparad som version %(n)s.") % {"n": version.number},
                )
                url = reverse("plans:detail", kwargs={"plan_id": plan_id})
                label = _("version %(n)s") % {"n": version.number}
                _retire(request, form.cleaned_data["request_id"], url, label)
                # The next change is a new draft; a resend of this one shows "Redan skickad".
                drafts.draft_forget(request, "plan_edit", plan_id)
                return redirect(url)
    page = {
        "plan": plan,
        "child": plan.child,
        "current": context.current,
        "form": form,
        "goals": goals,
        "interventions": interventions,
        "goal_rows": goal_rows,
        "intervention_rows": intervention_rows,
        "conflict": conflict,
        "all_forms": [form, *goals, *interventions],
        "errors": form.errors
        or any(g.errors for g in goals)
        or any(i.errors for i in interventions),
    }
    return render(request, "plans/plan_edit.html", page, status=status)


@require_GET
@policy(STAFF)
def plan_history(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """Two versions side by side with what changed (?a=1&b=2; default the last two)."""
    actor = request.actor  # type: ignore[attr-defined]
    context = services.plan_read(actor=actor, plan_id=plan_id)
    versions = {v.number: v for v in context.versions}
    numbers = sorted(versions)

    def pick(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() and int(value) in versions else default

    new = pick("b", numbers[-1])
    old = pick("a", numbers[-2] if len(numbers) > 1 else numbers[-1])
    page = {
        "plan": context.plan,
        "child": context.plan.child,
        "versions": context.versions,
        "old": versions[old],
        "new": versions[new],
        "rows": diff.version_diff(versions[old], versions[new]),
    }
    return render(request, "plans/plan_history.html", page)


@require_GET
@policy(STAFF)
def plan_pdf(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    pdf = reports.plan_pdf(actor=actor, plan_id=plan_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="sip.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@policy(STAFF)
def meeting_schedule(request: HttpRequest, plan_id: UUID) -> HttpResponse:
    """Boka möte: the invitations go out by e-mail with a calendar file."""
    form = MeetingForm(request.POST)
    if form.is_valid():
        starts_at, ends_at = form.moments()
        try:
            meetings.meeting_schedule(
                actor=request.actor,  # type: ignore[attr-defined]
                plan_id=plan_id,
                starts_at=starts_at,
                ends_at=ends_at,
                place=form.cleaned_data["place"],
                request_id=form.cleaned_data["request_id"],
            )
        except PlanInvalid as error:
            form.add_service_errors(error.details)
        else:
            messages.success(request, _("Mötet är bokat. Kallelserna skickas med e-post."))
            return redirect("plans:detail", plan_id=plan_id)
    return _detail(request, plan_id, meeting_form=form, status=400)


@require_POST
@policy(STAFF)
@draft_form(LinkForm)
def download_link(request: HttpRequest, plan_id: UUID, participant_id: UUID) -> HttpResponse:
    """Skicka länk: the link goes by e-mail, the code is shown here once to give by phone. A
    second press of the same form (a double click, Back and resend) makes no second link."""
    _draft, done = drafts.draft_for(request, "plan_link", participant_id)
    if done is not None:
        return done
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _detail(request, plan_id, conflict=_("Ladda om sidan och försök igen."), status=400)
    try:
        link = meetings.download_link_create(
            actor=request.actor,  # type: ignore[attr-defined]
            plan_id=plan_id,
            participant_id=participant_id,
        )
    except PlanInvalid as error:
        first = next(iter(error.details.values()), [str(error.message)])
        return _detail(request, plan_id, conflict=first[0], status=400)
    url = reverse("plans:detail", kwargs={"plan_id": plan_id})
    _retire(request, form.cleaned_data["request_id"], url, _("Länken"))
    drafts.draft_forget(request, "plan_link", participant_id)
    return _detail(request, plan_id, link_code=link.code)


@require_http_methods(["GET", "POST"])
@policy(PUBLIC)
def download(request: HttpRequest, token: str) -> HttpResponse:
    """The outside participant's single-use download: the code from the phone call opens the
    plan's PDF once. Every refusal looks the same, so a link reveals nothing."""
    form = DownloadCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _plan, pdf = meetings.download_fetch(token=token, code=form.cleaned_data["code"])
            except meetings.DownloadRefused:
                form.add_error(
                    "code",
                    _(
                        "Länken eller koden gäller inte. Länken fungerar en gång, under en "
                        "begränsad tid. Be den som kallade till mötet om en ny."
                    ),
                )
            else:
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = 'attachment; filename="sip.pdf"'
                response["Cache-Control"] = "no-store"
                return response
    response = render(request, "plans/download.html", {"form": form}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@policy(STAFF)
def child_chronology(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Barnets kronologi, filtered by kind (?slag=report&slag=plan); printable."""
    kinds = frozenset(k for k in request.GET.getlist("slag") if k in chronology.KIND_LABELS)
    child, entries = services.chronology_read(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        kinds=kinds,
    )
    page = {
        "child": child,
        "entries": chronology.rows(entries),
        "kinds": [(k, label, k in kinds) for k, label in chronology.KIND_LABELS.items()],
    }
    return render(request, "plans/chronology.html", page)
