"""Two versions of a plan side by side: a pure comparison, row by row (issue 13, versions)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import PlanIntervention, PlanVersion


@dataclass(frozen=True)
class DiffRow:
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _intervention(i: PlanIntervention) -> str:
    follow_up = _("uppföljning %(on)s") % {"on": f"{i.follow_up_on:%Y-%m-%d}"}
    return (
        f"{i.text} – {i.responsible_unit.name}, {i.responsible_person}, "
        f"{i.start_on:%Y-%m-%d}–{i.until_on:%Y-%m-%d}, {follow_up}"
    )


def _date(value: object) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def version_diff(old: PlanVersion, new: PlanVersion) -> list[DiffRow]:
    """Each part of the plan in both versions, with goals and interventions by position."""
    rows = [
        DiffRow(
            _("Huvudansvarig"),
            old.lead_unit.name if old.lead_unit else "",
            new.lead_unit.name if new.lead_unit else "",
        )
    ]
    old_goals = [g.text for g in old.goals.all()]
    new_goals = [g.text for g in new.goals.all()]
    for index in range(max(len(old_goals), len(new_goals))):
        rows.append(
            DiffRow(
                _("Mål %(n)s") % {"n": index + 1},
                old_goals[index] if index < len(old_goals) else "",
                new_goals[index] if index < len(new_goals) else "",
            )
        )
    old_items = [_intervention(i) for i in old.interventions.all()]
    new_items = [_intervention(i) for i in new.interventions.all()]
    for index in range(max(len(old_items), len(new_items))):
        rows.append(
            DiffRow(
                _("Insats %(n)s") % {"n": index + 1},
                old_items[index] if index < len(old_items) else "",
                new_items[index] if index < len(new_items) else "",
            )
        )
    rows += [
        DiffRow(_("Barnets egna ord"), old.child_words, new.child_words),
        DiffRow(_("Vårdnadshavarnas syn"), old.guardians_view, new.guardians_view),
        DiffRow(_("Nästa uppföljning"), _date(old.next_follow_up_on), _date(new.next_follow_up_on)),
    ]
    return rows
