"""Forms of the school side of the one way in: an anonymous consultation, a report of concern,
a support request with consent, a supplement. Swedish messages that say what to do next; the
services validate again and own every rule (STYLE P2). Every form keeps what was typed."""

from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.core.drafts import DraftFormMixin, token_field

from .models import AgeGroup, ChildSource, TriState
from .selectors import ChildChoice

TEXT_MAX = 10000


def _textarea(label: Any, *, hint: Any = "", required_message: Any, rows: int = 6) -> forms.Field:
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows, "spellcheck": "true"}),
        error_messages={
            "required": required_message,
            "max_length": _("Skriv högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )


def _tri_state(label: Any, required_message: Any, hint: Any = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=TriState.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": _("Välj ett av svaren."),
        },
    )


def set_schools(field: forms.Field, schools: Sequence[tuple[UUID, str]]) -> None:
    """The school the item is sent from: radios among the actor's schools, or a hidden field
    when there is only one (the page names it)."""
    choice = cast(forms.ChoiceField, field)
    choice.choices = [(str(pk), name) for pk, name in schools]
    if len(schools) == 1:
        choice.widget = forms.HiddenInput()
        choice.initial = str(schools[0][0])


class SchoolChoiceMixin:
    fields: dict[str, forms.Field]

    def set_schools(self, schools: Sequence[tuple[UUID, str]]) -> None:
        set_schools(self.fields["school"], schools)


class ChildGroupsMixin:
    """The child select's options grouped by school, for a template that renders optgroups
    (includes/field.html flattens them)."""

    fields: dict[str, forms.Field]
    child_field_name = "child"

    @property
    def child_options(self) -> list[tuple[str, list[tuple[str, str, bool]]]]:
        """[(school name or "", [(value, label, selected)])] in the field's order."""
        name = self.child_field_name
        bound = self[name]  # type: ignore[index]  # mixed into a forms.Form
        current = str(bound.value() or "")
        groups: list[tuple[str, list[tuple[str, str, bool]]]] = []
        field = cast(forms.ChoiceField, self.fields[name])
        choices = cast(list[tuple[Any, Any]], field.choices)
        for value, label in choices:
            if isinstance(label, list | tuple):
                options = [(str(v), str(lbl), str(v) == current) for v, lbl in label]
                groups.append((str(value), options))
            else:
                groups.append(("", [(str(value), str(label), str(value) == current)]))
        return groups


def school_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Skola"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj vilken skola du skickar från."),
            "invalid_choice": _("Välj en av dina skolor."),
        },
    )


def child_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Barnet det gäller"),
        help_text=_("Sök först fram barnet ovan. Bara barn som går på din skola i dag visas."),
        error_messages={
            "required": _("Välj vilket barn det gäller."),
            "invalid_choice": _("Välj ett barn i listan."),
        },
    )


def _choice_label(c: ChildChoice) -> str:
    label = f"{c.name} ({c.masked_identity_number})"
    if c.protected:
        label += f" – {_('Skyddade personuppgifter')}"
    return label


def child_choices(
    children: Iterable[ChildChoice], school_names: dict[UUID, str]
) -> list[tuple[str, Any]]:
    """An empty first option, then the children; grouped by school when there are several."""
    rows = list(children)
    empty: list[tuple[str, Any]] = [("", _("Välj barn"))]
    if len(school_names) <= 1:
        return empty + [(str(c.child_id), _choice_label(c)) for c in rows]
    groups: list[tuple[str, Any]] = []
    for school_id, school_name in school_names.items():
        options = [(str(c.child_id), _choice_label(c)) for c in rows if c.school_id == school_id]
        if options:
            groups.append((school_name, options))
    return empty + groups


class ServiceErrorsMixin:
    """Put a service's {field: [messages]} on the form's fields, the rest at the top."""

    fields: dict[str, forms.Field]

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            field = key if key in self.fields and not self.fields[key].widget.is_hidden else None
            for message in messages:
                self.add_error(field, message)  # type: ignore[attr-defined]  # a forms.Form mixin


class ConsultationForm(DraftFormMixin, SchoolChoiceMixin, ServiceErrorsMixin, forms.Form):
    """An anonymous consultation: no name, no identity number, only an age group."""

    school = school_field()
    age_group = forms.ChoiceField(
        label=_("Barnets ålder"),
        choices=AgeGroup.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj barnets åldersgrupp.")},
    )
    question = forms.CharField(
        label=_("Din fråga"),
        help_text=_(
            "Beskriv situationen och vad du vill ha råd om. Skriv inte barnets eller familjens "
            "namn, personnummer, adress eller något annat som gör att barnet kan kännas igen."
        ),
        max_length=5000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        error_messages={
            "required": _("Skriv din fråga."),
            "max_length": _("Skriv högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )
    names_confirmed = forms.BooleanField(
        label=_("Jag har kontrollerat att texten inte namnger barnet eller familjen"),
        required=False,
    )
    request_id = token_field()

    def __init__(self, *args: Any, schools: Sequence[tuple[UUID, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_schools(schools)
        # The confirmation is offered only after the check found a possible name.
        self.ask_names_confirmed = bool(self.data.get("names_confirmed"))


class ReportForm(
    DraftFormMixin, SchoolChoiceMixin, ChildGroupsMixin, ServiceErrorsMixin, forms.Form
):
    """A report of concern (SoL 19 kap. 1 §), in the reporter's own words."""

    school = school_field()
    child = child_field()
    observed = _textarea(
        _("Vad har du sett eller hört?"),
        hint=_(
            "Beskriv med dina egna ord vad som har hänt, vad barnet eller någon annan har sagt "
            "och när. Skriv det du vet, inte vad du tror."
        ),
        required_message=_("Beskriv vad du har sett eller hört."),
    )
    situation = _textarea(
        _("Hur är barnets situation nu?"),
        hint=_("Till exempel hur barnet har det i skolan och om barnet är här i dag."),
        required_message=_("Beskriv barnets situation just nu."),
        rows=4,
    )
    needs_protection_now = _tri_state(
        _("Kan barnet behöva skydd redan i dag?"),
        _("Svara på om barnet kan behöva skydd nu."),
        hint=_("Om barnet är i akut fara: ring 112."),
    )
    guardians_informed = _tri_state(
        _("Vet vårdnadshavarna att du gör en anmälan?"),
        _("Svara på om vårdnadshavarna känner till anmälan."),
        hint=_(
            "Du behöver inte berätta för vårdnadshavarna, till exempel om det kan skada barnet."
        ),
    )
    wants_feedback = forms.BooleanField(
        label=_("Jag vill få återkoppling"),
        help_text=_(
            "Socialtjänsten berättar då för dig om en utredning inleds, inte inleds eller redan "
            "pågår, inom en vecka från beslutet (socialtjänstlagen 19 kap. 6 §). Du får inte "
            "veta något mer om ärendet."
        ),
        required=False,
        initial=True,
    )
    reporter_phone = forms.CharField(
        label=_("Telefonnummer där socialtjänsten når dig"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"max_length": _("Skriv högst %(limit_value)d tecken.")},
    )
    consultation = forms.UUIDField(widget=forms.HiddenInput, required=False)
    # A report about any child (issue #14): a child at the sender's school (searched above), a
    # child of the municipality's register by full identity number, or one not in the register.
    child_source = forms.ChoiceField(
        label=_("Vilket barn gäller det?"),
        choices=ChildSource.choices,
        initial=ChildSource.SCHOOL,
        required=False,  # a child at the sender's school, unless another is chosen
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Välj hur du anger barnet.")},
    )
    register_number = forms.CharField(
        label=_("Barnets fullständiga personnummer"),
        help_text=_(
            "Alla tolv eller tio siffror, till exempel 20150312-1234. Sökningen loggas, och du "
            "kan bara göra ett begränsat antal sökningar per timme."
        ),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    provisional_name = forms.CharField(
        label=_("Barnets namn"),
        help_text=_("Så långt du vet det, till exempel bara förnamnet."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    provisional_birth_date = forms.DateField(
        label=_("Födelsedatum"),
        help_text=_("Om du vet det, till exempel 2019-04-30."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Skriv datumet som år-månad-dag, till exempel 2019-04-30.")},
    )
    provisional_age = forms.IntegerField(
        label=_("Ungefärlig ålder i år"),
        help_text=_("Om du inte vet födelsedatumet."),
        required=False,
        min_value=0,
        max_value=20,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Skriv åldern med siffror."),
            "min_value": _("Ange en ålder mellan 0 och 20 år."),
            "max_value": _("Ange en ålder mellan 0 och 20 år."),
        },
    )
    provisional_known = forms.CharField(
        label=_("Det du vet om barnet"),
        help_text=_(
            "Till exempel vårdnadshavarnas namn, var barnet bor eller vilken förskola barnet "
            "går på, syskon."
        ),
        max_length=5000,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    request_id = token_field()

    def __init__(
        self,
        *args: Any,
        schools: Sequence[tuple[UUID, str]],
        children: Iterable[ChildChoice],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_schools(schools)
        child = cast(forms.ChoiceField, self.fields["child"])
        child.choices = child_choices(children, dict(schools))
        child.required = False  # only for a child at the school: the service checks it

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = data.get("child_source") or ChildSource.SCHOOL
        if source == ChildSource.SCHOOL and not data.get("child") and "child" not in self.errors:
            self.add_error("child", _("Välj vilket barn det gäller."))
        return data

    def provisional(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("provisional_name") or "",
            "birth_date": data.get("provisional_birth_date"),
            "age": data.get("provisional_age"),
            "known": data.get("provisional_known") or "",
        }


class ChildStepForm(ChildGroupsMixin, forms.Form):
    """The first step of a support request: which child (the consents depend on the child).
    Posted (the search text stays out of URLs); the choice goes on to step two by GET with
    ids only, so its field names are the page's Swedish query parameters."""

    child_field_name = "barn"

    skola = school_field()
    barn = child_field()
    konsultation = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        schools: Sequence[tuple[UUID, str]],
        children: Iterable[ChildChoice],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_schools(self.fields["skola"], schools)
        cast(forms.ChoiceField, self.fields["barn"]).choices = child_choices(
            children, dict(schools)
        )


class RequestForm(DraftFormMixin, ServiceErrorsMixin, forms.Form):
    """A support request (R1.3) for a chosen child, sent with a consent in force."""

    school = forms.UUIDField(widget=forms.HiddenInput)
    child = forms.UUIDField(widget=forms.HiddenInput)
    support_wished = _textarea(
        _("Vilket stöd önskar ni?"),
        hint=_("Till exempel stöd till familjen, samtal för barnet eller ett nätverksmöte."),
        required_message=_("Beskriv vilket stöd som önskas."),
        rows=4,
    )
    situation = _textarea(
        _("Beskriv barnets situation"),
        hint=_("Vad fungerar och vad är svårt, i skolan och hemma, så som ni känner till det."),
        required_message=_("Beskriv barnets situation."),
    )
    consent = forms.ChoiceField(
        label=_("Samtycke som begäran skickas med"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Välj det samtycke som begäran skickas med. Finns inget samtycke, registrera "
                "det först."
            ),
            "invalid_choice": _("Välj ett av samtyckena i listan."),
        },
    )
    consultation = forms.UUIDField(widget=forms.HiddenInput, required=False)
    request_id = token_field()

    def __init__(self, *args: Any, consent_ids: Iterable[UUID], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["consent"]).choices = [
            (str(pk), str(pk)) for pk in consent_ids
        ]


class SupplementForm(DraftFormMixin, ServiceErrorsMixin, forms.Form):
    body = _textarea(
        _("Komplettering"),
        hint=_(
            "Det du skrev först ändras inte. Kompletteringen läggs till och socialtjänsten får "
            "besked om den."
        ),
        required_message=_("Skriv det du vill komplettera med."),
        rows=5,
    )
    request_id = token_field()
