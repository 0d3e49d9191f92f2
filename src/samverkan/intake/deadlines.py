"""The law's deadlines for an item, computed without a query (pure; tested with fixed dates).

- Immediate protection assessment: at once, recorded the same day (SoL 2025:400 20 kap. 1 §).
- Initial assessment decision: within 14 days of receipt (20 kap. 2 §); later only with a
  recorded exceptional reason (an extension).
- Feedback to a reporter who asked: within one week of the decision, or at once when asked
  after the decision (19 kap. 6 §).

A period that ends on a Saturday, Sunday, public holiday, midsummer eve, Christmas eve or New
Year's eve ends on the next working day (lag (1930:173) om beräkning av lagstadgad tid)."""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays

DECISION_DAYS = 14
FEEDBACK_DAYS = 7
SOON_DAYS = 2  # "coming due" from this many days before the deadline


@lru_cache(maxsize=64)
def _swedish_holidays(year: int) -> frozenset[datetime.date]:
    days = set(holidays.country_holidays("SE", years=year))
    # Not public holidays, yet equal to one under lag (1930:173).
    days.add(datetime.date(year, 12, 24))
    days.add(datetime.date(year, 12, 31))
    # Midsummer eve: the Friday between 19 and 25 June.
    for day in range(19, 26):
        candidate = datetime.date(year, 6, day)
        if candidate.weekday() == 4:
            days.add(candidate)
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _swedish_holidays(day.year)


def period_end(start: datetime.date, days: int) -> datetime.date:
    """The last day of a period of `days` days from `start`, moved to the next working day."""
    end = start + datetime.timedelta(days=days)
    while not is_working_day(end):
        end += datetime.timedelta(days=1)
    return end


def decision_due(received_on: datetime.date) -> datetime.date:
    return period_end(received_on, DECISION_DAYS)


def feedback_due(
    decided_on: datetime.date | None,
    requested_on: datetime.date | None,
    asked_after_decision: bool = False,
) -> datetime.date | None:
    """None until there is both a decision and a request for feedback."""
    if decided_on is None or requested_on is None:
        return None
    if asked_after_decision or requested_on > decided_on:
        return requested_on  # asked after the decision: at once
    return period_end(decided_on, FEEDBACK_DAYS)


class Flag:
    OK = "ok"
    DUE_TODAY = "due_today"
    SOON = "soon"
    OVERDUE = "overdue"
    DONE = "done"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class ItemFacts:
    """What the deadlines depend on, as plain values."""

    kind: str
    received_on: datetime.date
    protection_assessed_on: datetime.date | None
    decision_due: datetime.date | None
    extended_due: datetime.date | None
    decided_on: datetime.date | None
    feedback_requested_on: datetime.date | None
    feedback_given_on: datetime.date | None
    feedback_asked_after_decision: bool = False


@dataclass(frozen=True)
class Deadlines:
    protection: str
    decision: str
    decision_date: datetime.date | None
    feedback: str
    feedback_date: datetime.date | None

    @property
    def worst(self) -> str:
        flags = (self.protection, self.decision, self.feedback)
        for flag in (Flag.OVERDUE, Flag.DUE_TODAY, Flag.SOON):
            if flag in flags:
                return flag
        return Flag.OK


def _flag(due: datetime.date, today: datetime.date) -> str:
    if today > due:
        return Flag.OVERDUE
    if today == due:
        return Flag.DUE_TODAY
    if (due - today).days <= SOON_DAYS:
        return Flag.SOON
    return Flag.OK


def evaluate(facts: ItemFacts, today: datetime.date) -> Deadlines:
    """Flags for each deadline of an item on `today`."""
    if facts.kind != "report":
        protection = Flag.NOT_APPLICABLE
        decision = Flag.NOT_APPLICABLE
        decision_date = None
    else:
        if facts.protection_assessed_on is not None:
            protection = Flag.DONE
        else:
            # Same day: due today; the day after receipt it is overdue (red).
            protection = _flag(facts.received_on, today)
        decision_date = facts.extended_due or facts.decision_due or decision_due(facts.received_on)
        decision = Flag.DONE if facts.decided_on is not None else _flag(decision_date, today)
    feedback_date = feedback_due(
        facts.decided_on, facts.feedback_requested_on, facts.feedback_asked_after_decision
    )
    if facts.feedback_requested_on is None or facts.kind != "report":
        feedback = Flag.NOT_APPLICABLE
    elif facts.feedback_given_on is not None:
        feedback = Flag.DONE
    elif feedback_date is None:
        feedback = Flag.OK  # waiting for the decision
    else:
        feedback = _flag(feedback_date, today)
    return Deadlines(protection, decision, decision_date, feedback, feedback_date)
