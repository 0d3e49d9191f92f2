"""Consent pages: record a consent, show one, add a party's answer, withdraw, print the form.
Thin (STYLE P1): parse, call the consent services and selectors, render. The services enforce
the object-level policy again on every write."""

import importlib
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.access.decisions import enforce, policy
from samverkan.access.roles import Role
from samverkan.children import policies as children_policies
from samverkan.children import selectors as child_selectors
from samverkan.core import drafts, uploads
from samverkan.core.drafts import draft_form
from samverkan.core.errors import NotFound
from samverkan.core.models import RecordCategory, SecrecyDomain
from samverkan.organisations import selectors as org_selectors

from . import policies, rules, selectors, services
from .errors import ConsentInvalid
from .forms import (
    ConfirmForm,
    ConsentRecordForm,
    PartyAddForm,
    WithdrawForm,
    guardian_rows,
    requirement_rows,
)
from .models import ConsentParty, ConsentPurpose

# The side that must confirm, as the page names it.
SIDE_NAMES: dict[str, Any] = {
    SecrecyDomain.SCHOOL: _lazy("skolan"),
    SecrecyDomain.SOCIAL_SERVICES: _lazy("socialtjänsten"),
}


def _record_form(
    request: HttpRequest, child: Any, relation: Any, draft: drafts.Draft | None
) -> ConsentRecordForm:
    actor = request.actor  # type: ignore[attr-defined]
    units = list(org_selectors.unit_list(actor=actor))
    unit_ids = {u.pk for u in units}
    preselected = (relation.current_school_ids | actor.social_unit_ids) & unit_ids
    return ConsentRecordForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        units=units,
        guardians=guardian_rows(child=child),
        child_name=child.full_name,
        initial={"units": [str(pk) for pk in preselected]},
        draft=draft,
    )


@require_http_methods(["GET", "POST"])
@policy(children_policies.can_search_children)
@draft_form(ConsentRecordForm)
def consent_record(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Registrera samtycke. Bad input shows the form again with every value kept; one draft
    per child (core.drafts)."""
    actor = request.actor  # type: ignore[attr-defined]
    child, relation = child_selectors.child_get_visible(actor=actor, child_id=child_id)
    enforce(policies.can_record_consent(actor, relation))
    draft, done = drafts.draft_for(request, "consent", child.pk)
    if done is not None:
        return done
    form = _record_form(request, child, relation, draft)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            parties, prefixes = form.parties()
            if not form.errors:
                try:
                    consent = services.consent_record(
                        actor=actor,
                        child_id=child.pk,
                        purpose=form.cleaned_data["purpose"],
                        purpose_text=form.cleaned_data["purpose_text"],
                        unit_ids=[UUID(u) for u in form.cleaned_data["units"]],
                        categories=form.cleaned_data["categories"],
                        direction=form.cleaned_data["direction"],
                        follows_child=form.cleaned_data["follows_child"],
                        valid_from=form.cleaned_data["valid_from"],
                        valid_to=form.cleaned_data["valid_to"],
                        parties=parties,
                        evidence=form.cleaned_data["evidence"],
                        request_id=form.cleaned_data["request_id"],
                        proof=form.proof(),
                        recipients=form.recipients(),
                    )
                except ConsentInvalid as error:
                    form.add_service_errors(error.details, prefixes)
                else:
                    messages.success(request, _("Samtycket är registrerat."))
                    url = reverse("consent:detail", args=[child.pk, consent.pk])
                    label = consent.get_purpose_display()
                    drafts.draft_retire(
                        request, form.cleaned_data["request_id"], url=url, label=label
                    )
                    return redirect(url)
    services.consent_form_read(actor=actor, child=child, relation=relation)
    age = rules.age_on(child.birth_date, timezone.localdate())
    overrides = {
        p: selectors.rule_overrides(municipality_id=child.municipality_id, purpose=p)
        for p in ConsentPurpose.values
    }
    context = {
        "child": child,
        "form": form,
        "age": age,
        "requirements": requirement_rows(age=age, overrides=overrides),
    }
    return render(request, "consent/consent_form.html", context, status=status)


def _party_name(party: ConsentParty, child: Any) -> str:
    if party.kind == ConsentParty.Kind.CHILD:
        return f"{child.full_name} ({_('barnet')})"
    return f"{party.guardian.given_name} {party.guardian.family_name}"  # type: ignore[union-attr]


def _detail(
    request: HttpRequest,
    child_id: UUID,
    consent_id: UUID,
    *,
    party_form: PartyAddForm | None = None,
    withdraw_errors: dict[UUID, WithdrawForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    child, relation, views = services.consents_read(
        actor=actor, child_id=child_id, consent_id=consent_id
    )
    view = views[0]
    answered = {p.guardian_id for p in view.parties if p.kind == ConsentParty.Kind.GUARDIAN}
    choices = [
        (f"guardian:{c.guardian_id}", c.name)
        for c in view.custodians
        if c.guardian_id not in answered
    ]
    if not any(p.kind == ConsentParty.Kind.CHILD for p in view.parties):
        choices.append(("child", f"{child.full_name} ({_('barnet')})"))
    if party_form is None:
        party_form = PartyAddForm(choices=choices)
    else:  # shown again after bad input: the real names, the typed values kept
        party_form.fields["party"].choices = choices  # type: ignore[attr-defined]
    can_record = bool(policies.can_record_consent(actor, relation))
    withdraw_errors = withdraw_errors or {}
    parties = [
        {
            "party": p,
            "name": _party_name(p, child),
            "can_withdraw": can_record
            and p.answer == ConsentParty.Answer.GIVEN
            and p.withdrawn_at is None,
            "form": withdraw_errors.get(p.pk) or WithdrawForm(prefix=str(p.pk)),
        }
        for p in view.parties
    ]
    recipients = sorted(
        (r.unit.name, str(Role(r.role).label) if r.role in Role.values else r.role)
        for r in view.consent.recipients.all()
    )
    context = {
        "child": child,
        "cv": view,
        "recipients": recipients,
        "confirmations": {c.side: c for c in view.consent.confirmations.all()},
        "waiting_sides": [
            SIDE_NAMES[s]
            for s in sorted(policies.from_sides(view.consent.direction))
            if s not in {c.side for c in view.consent.confirmations.all()}
        ],
        "parties": parties,
        "can_record": can_record,
        "party_form": party_form,
        "category_labels": [RecordCategory(c).label for c in view.consent.categories],
        "has_missing_party": bool(choices),
    }
    return render(request, "consent/consent_detail.html", context, status=status)


@require_GET
@policy(children_policies.can_search_children)
def consent_detail(request: HttpRequest, child_id: UUID, consent_id: UUID) -> HttpResponse:
    return _detail(request, child_id, consent_id)


@require_POST
@policy(children_policies.can_search_children)
def party_add(request: HttpRequest, child_id: UUID, consent_id: UUID) -> HttpResponse:
    """Add the answer of a party who had not answered (the other guardian, the child)."""
    actor = request.actor  # type: ignore[attr-defined]
    # The party choice is checked by the service; accept any well-formed value here.
    choice = request.POST.get("party", "")
    form = PartyAddForm(request.POST, choices=[(choice, choice)] if choice else [])
    if form.is_valid():
        try:
            services.consent_party_add(
                actor=actor, child_id=child_id, consent_id=consent_id, party=form.party_input()
            )
        except ConsentInvalid as error:
            form.add_service_errors(error.details)
        except ValueError:
            form.add_error("party", _("Välj en av parterna i listan."))
        else:
            messages.success(request, _("Svaret är registrerat."))
            return redirect("consent:detail", child_id=child_id, consent_id=consent_id)
    # Show the page again with the real choices and the typed values.
    return _detail(request, child_id, consent_id, party_form=form, status=400)


@require_POST
@policy(children_policies.can_search_children)
def party_withdraw(
    request: HttpRequest, child_id: UUID, consent_id: UUID, party_id: UUID
) -> HttpResponse:
    """A party withdraws its consent; it takes effect at once."""
    form = WithdrawForm(request.POST, prefix=str(party_id))
    if not form.is_valid():
        return _detail(request, child_id, consent_id, withdraw_errors={party_id: form}, status=400)
    party = services.consent_party_withdraw(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        party_id=party_id,
        reason=form.cleaned_data["reason"],
        reported_by=form.cleaned_data["reported_by"],
        how=form.cleaned_data["how"],
    )
    if party.consent_id != consent_id:
        raise NotFound
    messages.success(request, _("Samtycket är återkallat. Återkallelsen gäller direkt."))
    return redirect("consent:detail", child_id=child_id, consent_id=consent_id)


@require_GET
@policy(children_policies.can_search_children)
def consent_form_pdf(request: HttpRequest, child_id: UUID, consent_id: UUID) -> HttpResponse:
    """The consent form to print and sign, built by consent.reports (logged there)."""
    # Imported when used: consent.reports is written alongside this view.
    reports = importlib.import_module("samverkan.consent.reports")
    pdf: bytes = reports.consent_form_pdf(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        consent_id=consent_id,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"samtycke-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@policy(children_policies.can_search_children)
def evidence_download(
    request: HttpRequest, child_id: UUID, consent_id: UUID, confirmation_id: UUID | None = None
) -> HttpResponse:
    """The scan of the signed form, as a download only (checked and logged by the service)."""
    stored = services.evidence_open(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        consent_id=consent_id,
        confirmation_id=confirmation_id,
    )
    return uploads.attachment_response(stored, filename_stem="underlag")


@require_GET
@policy(children_policies.can_search_children)
def consents_waiting(request: HttpRequest) -> HttpResponse:
    """Samtycken som väntar på bekräftelse: those naming the actor's units that wait for the
    actor's side (an audited read: the children are named)."""
    rows = services.consents_waiting_read(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "consent/consents_waiting.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@policy(children_policies.can_search_children)
def consent_confirm(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    """Bekräfta samtycke: the holding side confirms with evidence. Bad input keeps the values."""
    actor = request.actor  # type: ignore[attr-defined]
    consent, facts = services.consent_confirmation_read(actor=actor, consent_id=consent_id)
    form = ConfirmForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.consent_confirm(
                    actor=actor,
                    consent_id=consent_id,
                    proof=form.proof(),
                    evidence=form.cleaned_data["evidence"],
                )
            except ConsentInvalid as error:
                form.add_service_errors(error.details)
            else:
                messages.success(
                    request,
                    _("Samtycket är bekräftat. Uppgifter från er kan nu lämnas enligt samtycket."),
                )
                return redirect("consent_waiting")
    side = policies.confirmable_side(actor, facts)
    context = {
        "consent": consent,
        "child": consent.child,
        "form": form,
        "side_label": SIDE_NAMES[side[0]] if side else "",
        "units": sorted(u.name for u in consent.units.all()),
        "category_labels": [RecordCategory(c).label for c in consent.categories],
        "recipients": sorted(
            (r.unit.name, str(Role(r.role).label) if r.role in Role.values else r.role)
            for r in consent.recipients.all()
        ),
        "confirmations": list(consent.confirmations.all()),
    }
    return render(request, "consent/consent_confirm.html", context, status=status)


@require_POST
@policy(children_policies.can_search_children)
def record_release(request: HttpRequest, child_id: UUID) -> HttpResponse:
    """Release a health-care record (or a period) to a consent's recipients."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        consent_id = UUID(request.POST.get("consent", ""))
        note_id = UUID(request.POST["note"]) if request.POST.get("note") else None
    except ValueError:
        messages.error(request, _("Välj samtycket som uppgifterna lämnas ut med stöd av."))
        return redirect("children:detail", child_id=child_id)
    try:
        services.record_release(
            actor=actor, child_id=child_id, consent_id=consent_id, note_id=note_id
        )
    except ConsentInvalid as error:
        for problems in error.details.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Journalanteckningen är utlämnad till samtyckets mottagare."))
    return redirect("children:detail", child_id=child_id)


@require_POST
@policy(children_policies.can_search_children)
def release_revoke(request: HttpRequest, child_id: UUID, release_id: UUID) -> HttpResponse:
    """Revoke a release; the record stops crossing at once."""
    services.release_revoke(
        actor=request.actor,  # type: ignore[attr-defined]
        child_id=child_id,
        release_id=release_id,
    )
    messages.success(request, _("Utlämnandet är återtaget."))
    return redirect("children:detail", child_id=child_id)
