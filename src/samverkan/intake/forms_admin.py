"""Forms of the routing configuration and the teams' criteria. Swedish messages that say what
to do next; the admin services validate again and own every rule (STYLE P2)."""

from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

from django import forms
from django.utils.translation import gettext_lazy as _

from samverkan.access.models import User
from samverkan.organisations.models import ResidentialArea, Unit

from .models import ItemKind, RoutingRule
from .services_admin import MAX_AGE, RuleInput


def _age(label: Any, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=MAX_AGE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Ange barnets ålder i hela år."),
            "invalid": _("Ange åldern i hela år, till exempel 6."),
            "min_value": _("Ange en ålder på 0 år eller mer."),
            "max_value": _("Ange en ålder på högst %(limit_value)s år."),
        },
    )


def _uuid_or_none(value: str) -> UUID | None:
    return UUID(value) if value else None


def _choices(units: Iterable[Any], empty: Any = None) -> list[tuple[str, str]]:
    rows = [(str(u.pk), str(u.name)) for u in units]
    return [("", str(empty)), *rows] if empty is not None else rows


class RoutingRuleForm(forms.Form):
    name = forms.CharField(
        label=_("Namn på regeln"),
        max_length=120,
        error_messages={
            "required": _("Ge regeln ett namn, till exempel ”Förskolebarn i Norra”."),
            "max_length": _("Namnet får vara högst %(limit_value)d tecken (nu %(show_value)d)."),
        },
    )
    position = forms.IntegerField(
        label=_("Ordning"),
        help_text=_("Reglerna prövas i ordning, lägst nummer först. Den första som passar gäller."),
        min_value=0,
        initial=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Ange ordningen som ett heltal, till exempel 10."),
            "invalid": _("Ange ordningen som ett heltal, till exempel 10."),
            "min_value": _("Ange ordningen som ett heltal, 0 eller högre."),
        },
    )
    kinds = forms.MultipleChoiceField(
        label=_("Gäller för"),
        help_text=_("Välj inget för att regeln ska gälla alla typer."),
        choices=ItemKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Välj typer i listan.")},
    )
    age_from = _age(_("Från ålder"))
    age_to = _age(_("Till och med ålder"))
    school = forms.ChoiceField(
        label=_("Skola"),
        required=False,
        error_messages={"invalid_choice": _("Välj en skola i kommunen ur listan.")},
    )
    residential_area = forms.ChoiceField(
        label=_("Bostadsområde"),
        help_text=_("Skolans bostadsområde."),
        required=False,
        error_messages={"invalid_choice": _("Välj ett bostadsområde i kommunen ur listan.")},
    )
    target_unit = forms.ChoiceField(
        label=_("Mottagande enhet"),
        error_messages={
            "required": _("Välj vilken enhet som ska ta emot ärendena."),
            "invalid_choice": _(
                "Välj en mottagande enhet inom socialtjänsten i kommunen ur listan."
            ),
        },
    )
    is_active = forms.BooleanField(label=_("Regeln är aktiv"), required=False, initial=True)
    # The rule's version when the form was shown, to notice someone else's change.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        schools: Iterable[Unit],
        areas: Iterable[ResidentialArea],
        units: Iterable[Unit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._field("school").choices = _choices(schools, _("Alla skolor"))
        self._field("residential_area").choices = _choices(areas, _("Alla bostadsområden"))
        self._field("target_unit").choices = _choices(units, _("Välj enhet"))

    def _field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    @classmethod
    def initial_for(cls, rule: RoutingRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "position": rule.position,
            "kinds": list(rule.kinds),
            "age_from": rule.age_from,
            "age_to": rule.age_to,
            "school": str(rule.school_id or ""),
            "residential_area": str(rule.residential_area_id or ""),
            "target_unit": str(rule.target_unit_id),
            "is_active": rule.is_active,
            "version": rule.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        age_from, age_to = data.get("age_from"), data.get("age_to")
        if age_from is not None and age_to is not None and age_to < age_from:
            self.add_error(
                "age_to",
                _(
                    "Till och med-åldern måste vara samma som eller högre än från-åldern "
                    "(%(age)d år)."
                )
                % {"age": age_from},
            )
        return data

    def rule_input(self) -> RuleInput:
        data = self.cleaned_data
        return RuleInput(
            name=data["name"],
            position=data["position"],
            kinds=tuple(data["kinds"]),
            age_from=data["age_from"],
            age_to=data["age_to"],
            school_id=_uuid_or_none(data["school"]),
            area_id=_uuid_or_none(data["residential_area"]),
            target_unit_id=_uuid_or_none(data["target_unit"]),
            is_active=data["is_active"],
        )

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class DefaultUnitForm(forms.Form):
    default_unit = forms.ChoiceField(
        label=_("Standardmottagning"),
        help_text=_("Hit går ärenden som ingen regel passar."),
        error_messages={
            "required": _("Välj vilken enhet som tar emot ärenden som ingen regel passar."),
            "invalid_choice": _(
                "Välj en mottagande enhet inom socialtjänsten i kommunen ur listan."
            ),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, units: Iterable[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["default_unit"])
        field.choices = _choices(units, _("Välj enhet"))

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class PreviewForm(forms.Form):
    """A sample child: where would it go? Sent with GET; nothing is stored."""

    kind = forms.ChoiceField(
        label=_("Typ"),
        choices=ItemKind.choices,
        initial=ItemKind.REPORT,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj typ av ärende."),
            "invalid_choice": _("Välj typ i listan."),
        },
    )
    age = _age(_("Barnets ålder"), required=True)
    school = forms.ChoiceField(
        label=_("Skola"),
        error_messages={
            "required": _("Välj vilken skola barnet går på."),
            "invalid_choice": _("Välj en skola i kommunen ur listan."),
        },
    )
    residential_area = forms.ChoiceField(
        label=_("Bostadsområde"),
        help_text=_("Lämna tomt för att använda skolans bostadsområde, som vid en riktig anmälan."),
        required=False,
        error_messages={"invalid_choice": _("Välj ett bostadsområde i kommunen ur listan.")},
    )

    def __init__(
        self, *args: Any, schools: Iterable[Unit], areas: Iterable[ResidentialArea], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["school"]).choices = _choices(schools, _("Välj skola"))
        cast(forms.ChoiceField, self.fields["residential_area"]).choices = _choices(
            areas, _("Skolans bostadsområde")
        )

    def sample(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "age": data["age"],
            "school_id": UUID(data["school"]),
            "area_id": _uuid_or_none(data["residential_area"]),
        }


class TeamProfileForm(forms.Form):
    """A team's criteria and age range, and the member responsible for each school."""

    criteria = forms.CharField(
        label=_("Vilka barn och familjer tar teamet emot?"),
        help_text=_("Visas för mottagningen när ett ärende ska lämnas över."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Beskriv vilka barn och familjer teamet tar emot."),
            "max_length": _(
                "Kriterierna får vara högst %(limit_value)d tecken (nu %(show_value)d)."
            ),
        },
    )
    age_from = _age(_("Från ålder"))
    age_to = _age(_("Till och med ålder"))
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        schools: Iterable[Unit],
        members: Iterable[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        member_choices = [
            ("", str(_("Ingen utsedd"))),
            *((str(m.pk), m.get_full_name() or m.username) for m in members),
        ]
        self.schools = list(schools)
        for school in self.schools:
            self.fields[self.school_field(school.pk)] = forms.ChoiceField(
                label=school.name,
                choices=member_choices,
                required=False,
                error_messages={"invalid_choice": _("Välj en person i teamet ur listan.")},
            )

    @staticmethod
    def school_field(school_id: UUID) -> str:
        return f"school_{school_id}"

    def school_fields(self) -> list[forms.BoundField]:
        return [self[self.school_field(s.pk)] for s in self.schools]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        age_from, age_to = data.get("age_from"), data.get("age_to")
        if age_from is not None and age_to is not None and age_to < age_from:
            self.add_error(
                "age_to",
                _(
                    "Till och med-åldern måste vara samma som eller högre än från-åldern "
                    "(%(age)d år)."
                )
                % {"age": age_from},
            )
        return data

    def school_members(self) -> dict[UUID, UUID | None]:
        return {
            s.pk: _uuid_or_none(self.cleaned_data.get(self.school_field(s.pk)) or "")
            for s in self.schools
        }

    def add_service_errors(self, details: dict[str, list[str]]) -> None:
        for key, messages in details.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


def rule_conditions(rule: RoutingRule) -> list[str]:
    """A rule's conditions in words, for the rules page ("Alla ärenden" when none is set)."""
    words: list[str] = []
    if rule.kinds:
        labels = [str(ItemKind(k).label) for k in rule.kinds if k in ItemKind.values]
        words.append(str(_("Typ: %(kinds)s")) % {"kinds": ", ".join(labels)})
    if rule.age_from is not None and rule.age_to is not None:
        words.append(
            str(_("Ålder %(low)d–%(high)d år")) % {"low": rule.age_from, "high": rule.age_to}
        )
    elif rule.age_from is not None:
        words.append(str(_("Ålder från %(low)d år")) % {"low": rule.age_from})
    elif rule.age_to is not None:
        words.append(str(_("Ålder till och med %(high)d år")) % {"high": rule.age_to})
    if rule.school_id is not None:
        words.append(str(_("Skola: %(name)s")) % {"name": rule.school.name})  # type: ignore[union-attr]
    if rule.residential_area_id is not None:
        words.append(
            str(_("Bostadsområde: %(name)s")) % {"name": rule.residential_area.name}  # type: ignore[union-attr]
        )
    return words or [str(_("Alla ärenden"))]
