"""Forms for recording consent, adding a party's answer and withdrawing. Swedish messages that
say what to do next. The services validate again and own every rule (STYLE P2)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.access.roles import Role
from samverkan.children.models import Child, Guardianship
from samverkan.core.drafts import DraftFormMixin, token_field
from samverkan.core.models import RecordCategory
from samverkan.organisations.models import Unit

from . import rules
from .models import ConsentDirection, ConsentForm, ConsentParty, ConsentPurpose, EvidenceKind
from .services import EvidenceInput, PartyInput

NOT_ASKED = ""
ANSWER_GUARDIAN = [
    (ConsentParty.Answer.GIVEN.value, ConsentParty.Answer.GIVEN.label),
    (ConsentParty.Answer.REFUSED.value, ConsentParty.Answer.REFUSED.label),
    (NOT_ASKED, _("Inte tillfrågad ännu")),
]
ANSWER_CHILD = [
    *((a.value, a.label) for a in ConsentParty.Answer),
    (NOT_ASKED, _("Inte dokumenterat ännu")),
]
KIND_ORDER: list[str] = [
    Unit.Kind.SCHOOL,
    Unit.Kind.PRESCHOOL,
    Unit.Kind.UNIT,
    Unit.Kind.TEAM,
    Unit.Kind.ADMINISTRATION,
    Unit.Kind.EXTERNAL,
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        error_messages={
            "required": _("Ange %(label)s.") % {"label": label.lower()},
            "invalid": _("Ange datumet som år-månad-dag, till exempel 2025-08-15."),
        },
    )


@dataclass(frozen=True)
class GuardianRow:
    """A guardian as the form shows them: the name only, never contact details."""

    guardian_id: UUID
    name: str
    has_custody: bool
    prefix: str = ""


def guardian_rows(*, child: Child) -> list[GuardianRow]:
    """The child's guardians, custodians first. Names only, whatever the protection marking."""
    rows = [
        GuardianRow(
            g.guardian_id, f"{g.guardian.given_name} {g.guardian.family_name}", g.has_custody
        )
        for g in Guardianship.objects.filter(child_id=child.pk)
        .select_related("guardian")
        .order_by("-has_custody", "guardian__family_name", "guardian__given_name", "pk")
    ]
    return [
        GuardianRow(r.guardian_id, r.name, r.has_custody, f"g{i}") if r.has_custody else r
        for i, r in enumerate(rows)
    ]


def unit_choices(units: Iterable[Unit]) -> list[tuple[str, str]]:
    ordered = sorted(
        units,
        key=lambda u: (
            KIND_ORDER.index(u.kind) if u.kind in KIND_ORDER else len(KIND_ORDER),
            u.name,
        ),
    )
    return [(str(u.pk), f"{u.name} ({u.get_kind_display()})") for u in ordered]


def _party_fields(
    form: forms.Form, prefix: str, name: str, answers: list[tuple[str, Any]], child: bool
) -> None:
    form.fields[f"{prefix}_answer"] = forms.ChoiceField(
        label=_("Svar från %(name)s") % {"name": name},
        choices=answers,
        required=False,
        initial=NOT_ASKED,
        widget=forms.RadioSelect,
    )
    if child:
        form.fields[f"{prefix}_view"] = forms.CharField(
            label=_("Barnets egen synpunkt"),
            max_length=2000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"max_length": _("Skriv högst %(limit_value)d tecken.")},
        )
    form.fields[f"{prefix}_form"] = forms.ChoiceField(
        label=_("Hur svaret lämnades (%(name)s)") % {"name": name},
        choices=ConsentForm.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    form.fields[f"{prefix}_given_on"] = _date(
        str(_("Datum för svaret (%(name)s)") % {"name": name}), required=False
    )
    form.fields[f"{prefix}_oral_received_by"] = forms.CharField(
        label=_("Muntligt mottaget av (%(name)s)") % {"name": name},
        help_text=_("Fyll i om svaret lämnades muntligt."),
        max_length=200,
        required=False,
    )


def _party_input(
    form: forms.Form, prefix: str, kind: str, guardian_id: UUID | None
) -> PartyInput | None:
    data = form.cleaned_data
    answer = data.get(f"{prefix}_answer") or NOT_ASKED
    if answer == NOT_ASKED:
        return None
    given_on = data.get(f"{prefix}_given_on")
    if not data.get(f"{prefix}_form"):
        form.add_error(f"{prefix}_form", _("Välj hur svaret lämnades."))
    if given_on is None and f"{prefix}_given_on" not in form.errors:
        form.add_error(f"{prefix}_given_on", _("Ange datum för svaret."))
    if not data.get(f"{prefix}_form") or given_on is None:
        return None
    return PartyInput(
        kind=kind,
        guardian_id=guardian_id,
        answer=answer,
        form=data[f"{prefix}_form"],
        given_on=given_on,
        view=data.get(f"{prefix}_view", ""),
        oral_received_by=data.get(f"{prefix}_oral_received_by", ""),
    )


def _role_choices(group: str) -> list[tuple[str, str]]:
    return [(r, str(Role(r).label)) for r in rules.RECIPIENT_ROLE_CHOICES[group]]


RECIPIENT_GROUPS = (
    ("school", _("Vilka på skolorna får ta del av uppgifterna")),
    ("preschool", _("Vilka på förskolorna får ta del av uppgifterna")),
    ("social_services", _("Vilka i socialtjänsten får ta del av uppgifterna")),
)


def _recipient_field(group: str, help_text: Any) -> forms.MultipleChoiceField:
    """The roles that can be ticked at the chosen units of one kind, the defaults ticked."""
    labels = dict(RECIPIENT_GROUPS)
    return forms.MultipleChoiceField(
        label=labels[group],
        help_text=help_text,
        choices=_role_choices(group),
        initial=list(rules.DEFAULT_RECIPIENT_ROLES[ConsentPurpose.INFORMATION_EXCHANGE][group]),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class EvidenceFields(forms.Form):
    """What the consent rests on: the scan of the signed form, or for an oral consent who
    received it, when and how. Every act that opens information needs it (DESIGN principle 8)."""

    evidence_kind = forms.ChoiceField(
        label=_("Vad samtycket bygger på"),
        choices=EvidenceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj vad samtycket bygger på.")},
    )
    evidence = forms.FileField(
        label=_("Inskannad underskriven blankett"),
        help_text=_("PDF, JPEG eller PNG, högst 10 MB."),
        required=False,
    )
    evidence_received_by = forms.CharField(
        label=_("Muntligt samtycke mottaget av"),
        help_text=_("Namn och titel på den som tog emot samtycket."),
        max_length=200,
        required=False,
    )
    evidence_received_on = _date(str(_("Datum då det muntliga samtycket lämnades")), required=False)
    evidence_how = forms.CharField(
        label=_("Hur det muntliga samtycket lämnades"),
        help_text=_("Till exempel i telefon eller vid ett möte på skolan."),
        max_length=200,
        required=False,
    )

    def proof(self) -> EvidenceInput:
        data = self.cleaned_data
        return EvidenceInput(
            kind=data.get("evidence_kind", ""),
            received_by=data.get("evidence_received_by", ""),
            received_on=data.get("evidence_received_on"),
            how=data.get("evidence_how", ""),
        )

    def evidence_block(self) -> list[forms.BoundField]:
        names = (
            "evidence_kind",
            "evidence",
            "evidence_received_by",
            "evidence_received_on",
            "evidence_how",
        )
        return [self[n] for n in names]


class ConfirmForm(EvidenceFields):
    """Confirm a consent for the holder's side, with evidence."""

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class ConsentRecordForm(DraftFormMixin, EvidenceFields):
    """One consent with every custodian's and the child's answer."""

    purpose = forms.ChoiceField(
        label=_("Ändamål"),
        choices=ConsentPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj ändamål.")},
    )
    purpose_text = forms.CharField(
        label=_("Syfte i klartext"),
        help_text=_("Skriv så att barnet och vårdnadshavarna förstår varför uppgifter lämnas."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Beskriv syftet med samtycket."),
            "max_length": _("Syftet får vara högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )
    units = forms.MultipleChoiceField(
        label=_("Verksamheter som får utbyta uppgifter"),
        help_text=_("Välj minst två."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Välj minst två verksamheter som får utbyta uppgifter."),
            "invalid_choice": _("Välj verksamheter i listan."),
        },
    )
    categories = forms.MultipleChoiceField(
        label=_("Uppgifter som får lämnas"),
        choices=RecordCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Välj vilka uppgifter som får lämnas."),
            "invalid_choice": _("Välj uppgifter i listan."),
        },
    )
    direction = forms.ChoiceField(
        label=_("Riktning"),
        choices=ConsentDirection.choices,
        initial=ConsentDirection.BOTH,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj i vilken riktning uppgifter får gå.")},
    )
    follows_child = forms.BooleanField(
        label=_("Gäller även barnets nya skola om barnet byter skola"),
        help_text=_("Annars gäller samtycket bara de verksamheter som är valda."),
        required=False,
    )
    valid_from = _date(str(_("Gäller från")))
    valid_to = _date(str(_("Gäller till och med")))
    recipients_school = _recipient_field(
        "school",
        _("Gäller de skolor som är valda ovan. Lärare får ta del bara om de är ikryssade."),
    )
    recipients_preschool = _recipient_field(
        "preschool", _("Gäller de förskolor som är valda ovan.")
    )
    recipients_social = _recipient_field(
        "social_services", _("Gäller de enheter och team i socialtjänsten som är valda ovan.")
    )
    request_id = token_field()

    def __init__(
        self,
        *args: Any,
        units: Iterable[Unit],
        guardians: list[GuardianRow],
        child_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.unit_groups = {
            str(u.pk): (u.pk, rules.recipient_group(u.kind, u.domain)) for u in units
        }
        cast(forms.MultipleChoiceField, self.fields["units"]).choices = unit_choices(units)
        self.custodians = [g for g in guardians if g.has_custody]
        self.others = [g for g in guardians if not g.has_custody]
        for g in self.custodians:
            _party_fields(self, g.prefix, g.name, ANSWER_GUARDIAN, child=False)
        _party_fields(self, "child", child_name, ANSWER_CHILD, child=True)
        self.fields["valid_from"].initial = timezone.localdate

    def recipients(self) -> list[tuple[UUID, str]]:
        """The ticked roles at every chosen unit of their kind."""
        data = self.cleaned_data
        ticked = {
            "school": data.get("recipients_school", []),
            "preschool": data.get("recipients_preschool", []),
            "social_services": data.get("recipients_social", []),
        }
        pairs: list[tuple[UUID, str]] = []
        for key in data.get("units", []):
            unit_id, group = self.unit_groups.get(key, (None, ""))
            if unit_id is not None:
                pairs.extend((unit_id, role) for role in ticked.get(group, []))
        return pairs

    def recipient_block(self) -> list[forms.BoundField]:
        return [self["recipients_school"], self["recipients_preschool"], self["recipients_social"]]

    def guardian_blocks(self) -> list[tuple[GuardianRow, list[forms.BoundField]]]:
        return [(g, self._block(g.prefix)) for g in self.custodians]

    def child_block(self) -> list[forms.BoundField]:
        return self._block("child")

    def _block(self, prefix: str) -> list[forms.BoundField]:
        names = ("answer", "view", "form", "given_on", "oral_received_by")
        return [self[f"{prefix}_{n}"] for n in names if f"{prefix}_{n}" in self.fields]

    def parties(self) -> tuple[list[PartyInput], list[str]]:
        """The answers given, and for each the field prefix (to put the service's errors)."""
        parties: list[PartyInput] = []
        prefixes: list[str] = []
        for g in self.custodians:
            party = _party_input(self, g.prefix, ConsentParty.Kind.GUARDIAN, g.guardian_id)
            if party is not None:
                parties.append(party)
                prefixes.append(g.prefix)
        party = _party_input(self, "child", ConsentParty.Kind.CHILD, None)
        if party is not None:
            parties.append(party)
            prefixes.append("child")
        return parties, prefixes

    def add_service_errors(self, details: dict[str, list[str]], prefixes: list[str]) -> None:
        for key, messages in details.items():
            field: str | None = key if key in self.fields else None
            if key.startswith("parties-"):
                index = int(key.removeprefix("parties-"))
                if index < len(prefixes):
                    field = f"{prefixes[index]}_answer"
            elif key == "parties":
                field = f"{self.custodians[0].prefix}_answer" if self.custodians else "child_answer"
            elif key == "recipients":
                field = "recipients_school"
            for message in messages:
                self.add_error(field, message)


class PartyAddForm(forms.Form):
    """A missing party's answer, added to a consent already recorded."""

    party = forms.ChoiceField(
        label=_("Vem svaret kommer från"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj vem svaret kommer från."),
            "invalid_choice": _("Välj en av parterna i listan."),
        },
    )
    answer = forms.ChoiceField(
        label=_("Svar"),
        choices=ConsentParty.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj ett svar.")},
    )
    view = forms.CharField(
        label=_("Egen synpunkt"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    form = forms.ChoiceField(
        label=_("Hur svaret lämnades"),
        choices=ConsentForm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj hur svaret lämnades.")},
    )
    given_on = _date(str(_("Datum för svaret")))
    oral_received_by = forms.CharField(
        label=_("Muntligt mottaget av"),
        help_text=_("Fyll i om svaret lämnades muntligt."),
        max_length=200,
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["party"]).choices = choices

    def party_input(self) -> PartyInput:
        data = self.cleaned_data
        kind, _sep, guardian = data["party"].partition(":")
        return PartyInput(
            kind=kind,
            guardian_id=UUID(guardian) if guardian else None,
            answer=data["answer"],
            form=data["form"],
            given_on=data["given_on"],
            view=data["view"],
            oral_received_by=data["oral_received_by"],
        )

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error("answer" if key.startswith("parties") else None, message)


class WithdrawForm(forms.Form):
    reported_by = forms.CharField(
        label=_("Vem meddelade återkallelsen"),
        help_text=_("Till exempel vårdnadshavarens namn, eller barnet självt."),
        max_length=200,
        required=False,
    )
    how = forms.ChoiceField(
        label=_("Hur återkallelsen lämnades"),
        choices=ConsentForm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj hur återkallelsen lämnades.")},
    )
    reason = forms.CharField(
        label=_("Skäl"),
        help_text=_("Vårdnadshavare och barn behöver inte ange något skäl."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("Skriv högst %(limit_value)d tecken.")},
    )


class ReleaseForm(forms.Form):
    """Release one health-care record, or a period of them, under a consent."""

    consent = forms.ChoiceField(
        label=_("Samtycke som uppgifterna lämnas ut med stöd av"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj samtycket."),
            "invalid_choice": _("Välj ett av samtyckena i listan."),
        },
    )


GUARDIAN_TEXT: dict[str, Any] = {
    rules.G.ALL_WITH_CUSTODY: _(
        "alla vårdnadshavare som har vårdnaden (båda, om vårdnaden är gemensam)"
    ),
    rules.G.NOT_NEEDED_IF_CHILD_CONSENTS: _(
        "vårdnadshavarnas samtycke behövs inte om barnet självt samtycker"
    ),
}
CHILD_TEXT: dict[str, Any] = {
    rules.C.HEARD: _("barnet ska få säga sin mening, och den skrivs in"),
    rules.C.CONSENT: _("barnets eget samtycke krävs också"),
    rules.C.CONSENT_SUFFICES: _("barnets eget samtycke räcker"),
}


@dataclass(frozen=True)
class RequirementRow:
    purpose: str
    guardians: str
    child: str


def requirement_rows(
    *, age: int, overrides: dict[str, tuple[tuple[int, int, str, str], ...]]
) -> list[RequirementRow]:
    """Whose consent each purpose needs at the child's age, in plain Swedish."""
    rows = []
    for purpose in ConsentPurpose:
        need = rules.requirement_for(purpose.value, age, overrides.get(purpose.value, ()))
        rows.append(
            RequirementRow(
                str(purpose.label),
                str(GUARDIAN_TEXT.get(need.guardians, need.guardians)),
                str(CHILD_TEXT.get(need.child, need.child)),
            )
        )
    return rows
