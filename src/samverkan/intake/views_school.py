"""The school side of the one way in (R1.2, R1.3, R4.3): the entry page, an anonymous
consultation, a report of concern, a support request with consent, and what the school sent.
Thin (STYLE P1): parse, call the intake services and selectors, render. The services enforce
the object-level policy again on every write; the school never sees intake's handling."""

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.access.actor import Actor
from samverkan.access.decisions import policy
from samverkan.children import selectors as child_selectors
from samverkan.consent import policies as consent_policies
from samverkan.core import drafts
from samverkan.core.drafts import draft_form
from samverkan.organisations import selectors as org_selectors

from . import policies, selectors, services
from .errors import NoReceivingUnit, PossibleDuplicate, PossibleName, SubmissionInvalid
from .forms_school import (
    ChildStepForm,
    ConsultationForm,
    ReportForm,
    RequestForm,
    SupplementForm,
)
from .models import ChildSource, Consultation, ItemKind

logger = logging.getLogger(__name__)


def _actor(request: HttpRequest) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]  # set by ActorMiddleware
    return actor


def _unavailable() -> str:
    return _("Det gick inte att skicka just nu. Ingenting sparades. Försök igen.")


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def sender_schools(actor: Actor) -> list[tuple[UUID, str]]:
    """The schools the actor may send from, by name (from the actor's grants: no query)."""
    schools = {
        g.unit_id: g.unit_name for g in actor.grants if policies.can_send_from(actor, g.unit_id)
    }
    return sorted(schools.items(), key=lambda s: (s[1], str(s[0])))


def _reporter_grants(actor: Actor, schools: list[tuple[UUID, str]]) -> list[Any]:
    ids = {pk for pk, _name in schools}
    return [g for g in actor.grants if g.unit_id in ids]


def _consultation(actor: Actor, raw: object) -> Consultation | None:
    """The consultation a report or request follows on (404 when not the actor's to see)."""
    consultation_id = _uuid(raw)
    if consultation_id is None:
        return None
    return selectors.sent_consultation_get(actor=actor, consultation_id=consultation_id)


T = TypeVar("T")


def _submit(form: Any, call: Callable[[], T], name: str) -> tuple[T | None, int]:
    """Run a sending service and put its refusals on the form: the result, or None and the
    status to show the form again with (every value kept)."""
    try:
        return call(), 302
    except PossibleName as error:
        form.ask_names_confirmed = True
        form.add_service_errors(error.details)
    except SubmissionInvalid as error:
        form.add_service_errors(error.details)
    except PossibleDuplicate as error:
        form.duplicate = error.details  # a warning with "Skicka ändå", never a refusal
        return None, error.status
    except NoReceivingUnit as error:
        form.add_error(None, str(error.message))
        return None, error.status
    except DatabaseError:
        logger.exception("%s failed", name)
        form.add_error(None, _unavailable())
        return None, 503
    return None, 400


def _sent(request: HttpRequest, token: UUID, item: Any) -> HttpResponse:
    """Retire the draft (its receipt is the item) and show the receipt."""
    url = reverse("intake:sent_item", args=[item.pk])
    drafts.draft_retire(request, token, url=url, label=item.reference)
    return redirect(f"{url}?skickad=1")


# ---------------------------------------------------------------------------------------------
# The entry page


@require_GET
@policy(policies.can_use_one_way_in)
def entry(request: HttpRequest) -> HttpResponse:
    """Kontakta socialtjänsten: which of the three ways fits, and the school's named contact."""
    actor = _actor(request)
    schools = sender_schools(actor)
    contacts = org_selectors.current_contacts(actor=actor, school_ids={pk for pk, _name in schools})
    return render(request, "intake/school/entry.html", {"contacts": contacts})


# ---------------------------------------------------------------------------------------------
# Anonymous consultation


@require_http_methods(["GET", "POST"])
@policy(policies.can_use_one_way_in)
@draft_form(ConsultationForm)
def consultation_new(request: HttpRequest) -> HttpResponse:
    """Ask social services without naming the child. Bad input keeps every word typed; one
    draft (core.drafts): a second submission shows the first receipt."""
    actor = _actor(request)
    schools = sender_schools(actor)
    draft, done = drafts.draft_for(request, "consultation")
    if done is not None:
        return done
    form = ConsultationForm(
        request.POST if request.method == "POST" else None, schools=schools, draft=draft
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            consultation, status = _submit(
                form,
                lambda: services.consultation_submit(
                    actor=actor,
                    school_id=UUID(data["school"]),
                    age_group=data["age_group"],
                    question=data["question"],
                    names_confirmed=data["names_confirmed"],
                    request_id=data["request_id"],
                ),
                "consultation_submit",
            )
            if consultation is not None:
                url = reverse("intake:consultation_sent", args=[consultation.pk])
                token = data["request_id"]
                drafts.draft_retire(request, token, url=url, label=consultation.reference)
                return redirect(url)
    context = {"form": form, "schools": schools}
    return render(request, "intake/school/consultation_form.html", context, status=status)


@require_GET
@policy(policies.can_use_one_way_in)
def consultation_sent(request: HttpRequest, consultation_id: UUID) -> HttpResponse:
    """A consultation the school sent: the question, its status and the answer."""
    actor = _actor(request)
    consultation = selectors.sent_consultation_get(actor=actor, consultation_id=consultation_id)
    context = {
        "consultation": consultation,
        "can_follow_up": policies.can_send_from(actor, consultation.school_id).allowed,
        "redactions": selectors.consultation_redactions(consultation=consultation),
    }
    return render(request, "intake/school/consultation_sent.html", context)


def _children(
    actor: Actor, schools: list[tuple[UUID, str]], *, child_id: UUID | None, text: str
) -> tuple[list[selectors.ChildChoice], Any]:
    """The children the form offers: the one already chosen (?barn= or the posted child), or
    what a search found (audited by the search). Never a whole school's pupils."""
    school_ids = frozenset(pk for pk, _name in schools)
    if child_id is not None:
        chosen = services.sender_child_read(actor=actor, school_ids=school_ids, child_id=child_id)
        return chosen, None
    if text.strip():
        query, found = services.sender_child_search(actor=actor, school_ids=school_ids, text=text)
        return found, query
    return [], None


def _search_context(search_text: str, search: Any, children: list[Any]) -> dict[str, Any]:
    return {
        "search_text": search_text,
        "search_error": getattr(search, "error", "") or "",
        "searched": bool(search_text.strip()),
        "found": len(children),
    }


# ---------------------------------------------------------------------------------------------
# Report of concern


def _preselect(
    query: QueryDict, children: list[selectors.ChildChoice], consultation: Consultation | None
) -> dict[str, str]:
    """Initial school and child from ?barn= and ?konsultation= (ignored when not the actor's)."""
    initial: dict[str, str] = {}
    if consultation is not None:
        initial["school"] = str(consultation.school_id)
        initial["consultation"] = str(consultation.pk)
        # The question comes along as the start of the report's text, for the sender to edit
        # before sending (the consultation itself stays anonymous).
        initial["observed"] = consultation.question
    child_id = _uuid(query.get("barn"))
    if child_id is None and len(children) == 1:
        child_id = children[0].child_id  # the search found one child: choose it
    for choice in children:
        if choice.child_id == child_id:
            initial["child"] = str(choice.child_id)
            if consultation is None or choice.school_id == consultation.school_id:
                initial["school"] = str(choice.school_id)
            break
    return initial


def _search_posted(
    request: HttpRequest, actor: Actor, schools: list[tuple[UUID, str]]
) -> tuple[str, list[selectors.ChildChoice], Any]:
    """The child search posted from inside a form (never in a GET query: a name or identity
    number would land in access logs and history)."""
    text = request.POST.get("q", "")
    children, search = _children(actor, schools, child_id=None, text=text)
    return text, children, search


def _found_one(
    initial: dict[str, Any], children: list[selectors.ChildChoice], child: str, school: str
) -> None:
    """A search that found one child chooses it, and the school it goes to."""
    initial[child] = ""
    if len(children) == 1:
        initial[child] = str(children[0].child_id)
        initial[school] = str(children[0].school_id)


@require_http_methods(["GET", "POST"])
@policy(policies.can_use_one_way_in)
@draft_form(ReportForm)
def report_new(request: HttpRequest) -> HttpResponse:
    """Anmälan om oro för ett barn (SoL 19 kap. 1 §). The reporter is the signed-in person.
    One draft per child (core.drafts): a second submission shows the first receipt. The child
    is searched for inside the form: htmx swaps only the result; without JavaScript the search
    posts the whole form back, so nothing typed is lost."""
    actor = _actor(request)
    schools = sender_schools(actor)
    posted = request.method == "POST"
    searching = posted and request.POST.get("action") == "search"
    looking_up = posted and request.POST.get("action") == "lookup"
    child_param = request.GET.get("barn")
    draft, done = drafts.draft_for(
        request, "report", _uuid(child_param), sending=not (searching or looking_up)
    )
    if done is not None:
        return done
    search_text, search = "", None
    if searching:
        search_text, children, search = _search_posted(request, actor, schools)
    else:
        child_id = _uuid(request.POST.get("child") if posted else child_param)
        children, search = _children(actor, schools, child_id=child_id, text="")
    consultation = _consultation(
        actor, request.POST.get("consultation") if posted else request.GET.get("konsultation")
    )
    register: dict[str, Any] = {}
    if searching:
        initial = ReportForm.initial_from(request.POST)
        _found_one(initial, children, "child", "school")
        if len(children) == 1:
            initial["child_source"] = ChildSource.SCHOOL
        form = ReportForm(schools=schools, children=children, initial=initial)
    elif looking_up:
        # The register lookup posts the whole form back (the number never goes into a URL).
        initial = ReportForm.initial_from(request.POST)
        initial["child_source"] = ChildSource.REGISTER
        form = ReportForm(schools=schools, children=children, initial=initial)
        register = _register_lookup(actor, request.POST.get("register_number", ""))
    else:
        form = ReportForm(
            request.POST if posted else None,
            schools=schools,
            children=children,
            initial=_preselect(request.GET, children, consultation),
            draft=draft,
        )
    search_context = _search_context(search_text, search, children)
    if searching and request.htmx:  # type: ignore[attr-defined]  # django-htmx
        context = {"form": form, **search_context}
        return render(request, "intake/school/partials/_child_result.html", context)
    status = 200
    if posted and not searching:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            item, status = _submit(
                form,
                lambda: services.report_submit(
                    actor=actor,
                    school_id=UUID(data["school"]),
                    child_id=_uuid(data["child"]),
                    child_source=data["child_source"] or ChildSource.SCHOOL,
                    register_number=data["register_number"],
                    provisional=form.provisional(),
                    observed=data["observed"],
                    situation=data["situation"],
                    needs_protection_now=data["needs_protection_now"],
                    guardians_informed=data["guardians_informed"],
                    wants_feedback=data["wants_feedback"],
                    reporter_phone=data["reporter_phone"],
                    consultation_id=consultation.pk if consultation else None,
                    request_id=data["request_id"],
                    confirm_duplicate=drafts.confirms_duplicate(request),
                ),
                "report_submit",
            )
            if item is not None:
                return _sent(request, data["request_id"], item)
    context = {
        "form": form,
        "schools": schools,
        "consultation": consultation,
        "reporter_grants": _reporter_grants(actor, schools),
        "register": register,
        **search_context,
    }
    return render(request, "intake/school/report_form.html", context, status=status)


def _register_lookup(actor: Actor, number: str) -> dict[str, Any]:
    """The register lookup's result for the page: the match (name and age, or nothing of a
    protected child) or the refusal's message."""
    try:
        return {"match": services.register_lookup(actor=actor, number=number)}
    except SubmissionInvalid as error:
        return {"error": " ".join(str(m) for m in error.details.get("register_number", []))}


# ---------------------------------------------------------------------------------------------
# Support request with consent


def _child_step(
    request: HttpRequest,
    schools: list[tuple[UUID, str]],
    children: list[selectors.ChildChoice],
    consultation: Consultation | None,
) -> tuple[ChildStepForm, selectors.ChildChoice | None]:
    """Step one: which child. ?barn= alone picks the school the child goes to."""
    data = request.GET.copy() if "barn" in request.GET else None
    if data is not None and not data.get("skola"):
        child_id = _uuid(data.get("barn"))
        at = [c.school_id for c in children if c.child_id == child_id]
        if consultation is not None and consultation.school_id in at:
            data["skola"] = str(consultation.school_id)
        elif at:
            data["skola"] = str(at[0])
    initial = {"konsultation": str(consultation.pk)} if consultation else {}
    if consultation is not None:
        initial["skola"] = str(consultation.school_id)
    form = ChildStepForm(data, schools=schools, children=children, initial=initial)
    if data is None or not form.is_valid():
        return form, None
    chosen = _chosen(children, form.cleaned_data["skola"], form.cleaned_data["barn"])
    if chosen is None:
        form.add_error("barn", _("Barnet går inte på den skola du skickar från."))
    return form, chosen


def _chosen(
    children: list[selectors.ChildChoice], school: object, child: object
) -> selectors.ChildChoice | None:
    school_id, child_id = _uuid(school), _uuid(child)
    return next((c for c in children if c.child_id == child_id and c.school_id == school_id), None)


def _request_child_posted(
    request: HttpRequest, actor: Actor, schools: list[tuple[UUID, str]]
) -> HttpResponse:
    """Step one posted: a search (htmx swaps only the result), or the child chosen, which
    goes on to step two by GET with ids only (`?skola=&barn=`), never the search text."""
    consultation = _consultation(actor, request.POST.get("konsultation"))
    search_text, search = "", None
    if request.POST.get("action") == "search":
        search_text, children, search = _search_posted(request, actor, schools)
        initial = drafts.initial_from(ChildStepForm, request.POST)
        _found_one(initial, children, "barn", "skola")
        form = ChildStepForm(schools=schools, children=children, initial=initial)
        status = 200
    else:
        children, search = _children(
            actor, schools, child_id=_uuid(request.POST.get("barn")), text=""
        )
        form = ChildStepForm(request.POST, schools=schools, children=children)
        if form.is_valid():
            chosen = _chosen(children, form.cleaned_data["skola"], form.cleaned_data["barn"])
            if chosen is not None:
                query = QueryDict(mutable=True)
                query.update({"skola": str(chosen.school_id), "barn": str(chosen.child_id)})
                if consultation is not None:
                    query["konsultation"] = str(consultation.pk)
                return redirect(f"{reverse('intake:request_new')}?{query.urlencode()}")
            form.add_error("barn", _("Barnet går inte på den skola du skickar från."))
        status = 400
    search_context = _search_context(search_text, search, children)
    if request.htmx:  # type: ignore[attr-defined]  # django-htmx
        context = {"field": form["barn"], "groups": form.child_options, **search_context}
        return render(request, "intake/school/partials/_child_result.html", context)
    context = {"form": form, "schools": schools, "consultation": consultation, **search_context}
    return render(request, "intake/school/request_child.html", context, status=status)


@require_http_methods(["GET", "POST"])
@policy(policies.can_use_one_way_in)
@draft_form(RequestForm)
def request_new(request: HttpRequest) -> HttpResponse:
    """Begäran om stöd (R1.3): first the child, then the request with a consent in force.
    One draft per child (core.drafts): a second submission shows the first receipt."""
    actor = _actor(request)
    schools = sender_schools(actor)
    posted = request.method == "POST"
    if posted and request.POST.get("action") in ("search", "choose"):
        return _request_child_posted(request, actor, schools)
    child_id = _uuid(request.POST.get("child") if posted else request.GET.get("barn"))
    draft, done = drafts.draft_for(request, "request", child_id)
    if done is not None:
        return done
    children, search = _children(actor, schools, child_id=child_id, text="")
    consultation = _consultation(
        actor, request.POST.get("consultation") if posted else request.GET.get("konsultation")
    )
    if posted:
        chosen = _chosen(children, request.POST.get("school"), request.POST.get("child"))
        if chosen is None:
            step = ChildStepForm(
                {"skola": request.POST.get("school", ""), "barn": request.POST.get("child", "")},
                schools=schools,
                children=children,
            )
            step.is_valid()
            step.add_error(None, _("Välj barnet igen: barnet går inte på den skola du valt."))
            context = {
                "form": step,
                "schools": schools,
                "consultation": consultation,
                **_search_context("", search, children),
            }
            return render(request, "intake/school/request_child.html", context, status=400)
    else:
        step, chosen = _child_step(request, schools, children, consultation)
        if chosen is None:
            context = {
                "form": step,
                "schools": schools,
                "consultation": consultation,
                **_search_context("", search, children),
            }
            status = 400 if step.is_bound else 200
            return render(request, "intake/school/request_child.html", context, status=status)
    school_id, child_id = chosen.school_id, chosen.child_id
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    consents = services.consents_for_request(child=child, school_id=school_id)
    services.request_consents_read(
        actor=actor, child=child, consent_ids=[v.consent.pk for v in consents]
    )
    form = RequestForm(
        request.POST if posted else None,
        draft=draft,
        consent_ids=[v.consent.pk for v in consents],
        initial={
            "school": str(school_id),
            "child": str(child_id),
            "consultation": str(consultation.pk) if consultation else "",
            "consent": str(consents[0].consent.pk) if len(consents) == 1 else "",
            # The consultation's question, for the sender to edit before sending.
            "situation": consultation.question if consultation else "",
        },
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            item, status = _submit(
                form,
                lambda: services.support_request_submit(
                    actor=actor,
                    school_id=school_id,
                    child_id=child_id,
                    support_wished=data["support_wished"],
                    situation=data["situation"],
                    consent_id=UUID(data["consent"]),
                    consultation_id=consultation.pk if consultation else None,
                    request_id=data["request_id"],
                    confirm_duplicate=drafts.confirms_duplicate(request),
                ),
                "support_request_submit",
            )
            if item is not None:
                return _sent(request, data["request_id"], item)
    school_name = dict(schools).get(school_id, "")
    change_url = reverse("intake:request_new")
    if consultation is not None:
        change_url += f"?konsultation={consultation.pk}"
    context = {
        "form": form,
        "child": child,
        "school_name": school_name,
        "consents": consents,
        "consultation": consultation,
        "change_url": change_url,
        "can_record_consent": consent_policies.can_record_consent(actor, relation).allowed,
    }
    return render(request, "intake/school/request_form.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# What the school sent


@require_GET
@policy(policies.can_use_one_way_in)
def sent_list(request: HttpRequest) -> HttpResponse:
    """Skickat till socialtjänsten: reports, requests and consultations, newest first."""
    actor = _actor(request)
    items, consultations = services.sent_list_read(actor=actor)
    context = {"items": items, "consultations": consultations}
    return render(request, "intake/school/sent_list.html", context)


def _sent_item_page(
    request: HttpRequest,
    item_id: UUID,
    *,
    supplement_form: SupplementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    view = services.sent_item_read(actor=actor, item_id=item_id)
    item = view.item
    context = {
        "view": view,
        "item": item,
        "is_report": item.kind == ItemKind.REPORT,
        "reporter_roles": selectors.reporter_roles(item=item),
        "supplements": list(selectors.item_supplements(item=item)),
        "supplement_form": supplement_form
        or SupplementForm(draft=drafts.draft_start(request, "supplement", item_id)),
        "can_request_feedback": item.kind == ItemKind.REPORT
        and item.feedback_requested_at is None
        and item.created_by_id == actor.user_id,
        "just_sent": request.GET.get("skickad") == "1",
    }
    return render(request, "intake/school/sent_item.html", context, status=status)


@require_GET
@policy(policies.can_use_one_way_in)
def sent_item(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """What the school sent, its status, and the outcome when feedback was given. Audited."""
    return _sent_item_page(request, item_id)


@require_POST
@policy(policies.can_use_one_way_in)
@draft_form(SupplementForm)
def supplement(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Add to a sent report or request; the original is never changed. One draft per item
    (core.drafts): a second submission shows "Redan skickad"."""
    if sent := drafts.already_sent(request):
        return sent
    form = SupplementForm(request.POST)
    status = 400
    if form.is_valid():
        added, status = _submit(
            form,
            lambda: services.supplement_add(
                actor=_actor(request),
                item_id=item_id,
                body=form.cleaned_data["body"],
                request_id=form.cleaned_data["request_id"],
            ),
            "supplement_add",
        )
        if added is not None:
            messages.success(request, _("Kompletteringen är skickad till socialtjänsten."))
            url = reverse("intake:sent_item", args=[item_id])
            token = form.cleaned_data["request_id"]
            label = _("komplettering till %(ref)s") % {"ref": added.item.reference}
            drafts.draft_retire(request, token, url=url, label=label)
            drafts.draft_forget(request, "supplement", item_id)  # the page offers the next one
            return redirect(url)
    return _sent_item_page(request, item_id, supplement_form=form, status=status)


@require_POST
@policy(policies.can_use_one_way_in)
def feedback_request(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The reporter asks for feedback after reporting (SoL 19 kap. 6 §)."""
    services.feedback_request(actor=_actor(request), item_id=item_id)
    messages.success(
        request,
        _(
            "Du har bett om återkoppling. Du får veta om en utredning inleds, inte inleds "
            "eller redan pågår."
        ),
    )
    return redirect("intake:sent_item", item_id=item_id)
