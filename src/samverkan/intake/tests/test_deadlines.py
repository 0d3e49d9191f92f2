"""The law's deadlines (SoL 2025:400 20 kap. 1–2 §§, 19 kap. 6 §) on fixed dates, with the
rule of lag (1930:173) that a period ending on a holiday ends on the next working day."""

import datetime

import pytest

from samverkan.intake import deadlines
from samverkan.intake.deadlines import Flag, ItemFacts

D = datetime.date


def facts(**changes: object) -> ItemFacts:
    base: dict[str, object] = {
        "kind": "report",
        "received_on": D(2026, 11, 2),  # a Monday
        "protection_assessed_on": None,
        "decision_due": None,
        "extended_due": None,
        "decided_on": None,
        "feedback_requested_on": D(2026, 11, 2),
        "feedback_given_on": None,
    }
    base.update(changes)
    return ItemFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 11, 2), D(2026, 11, 16)),  # Monday + 14 = Monday
        (D(2026, 11, 7), D(2026, 11, 23)),  # Saturday + 14 = Saturday → Monday
        (D(2026, 12, 10), D(2026, 12, 28)),  # 24 Dec (eve) → 25, 26, 27 → Monday 28
        (D(2026, 12, 17), D(2027, 1, 4)),  # 31 Dec (eve) → 1 Jan → weekend → 4 Jan
        (D(2026, 6, 5), D(2026, 6, 22)),  # 19 June midsummer eve → 20 (holiday), 21 → 22
        (D(2026, 3, 20), D(2026, 4, 7)),  # 3 April Good Friday → 4, 5, 6 (Easter) → 7
    ],
)
def test_decision_due_is_14_days_moved_to_a_working_day(received: D, due: D) -> None:
    assert deadlines.decision_due(received) == due


def test_protection_assessment_due_same_day_red_the_day_after() -> None:
    """R: at once, recorded the same day (20 kap. 1 §); flagged red when the day has passed."""
    assert deadlines.evaluate(facts(), D(2026, 11, 2)).protection == Flag.DUE_TODAY
    assert deadlines.evaluate(facts(), D(2026, 11, 3)).protection == Flag.OVERDUE
    done = facts(protection_assessed_on=D(2026, 11, 2))
    assert deadlines.evaluate(done, D(2026, 11, 9)).protection == Flag.DONE


def test_decision_flags_at_day_14_and_15() -> None:
    item = facts(decision_due=D(2026, 11, 16))
    assert deadlines.evaluate(item, D(2026, 11, 13)).decision == Flag.OK
    assert deadlines.evaluate(item, D(2026, 11, 14)).decision == Flag.SOON
    assert deadlines.evaluate(item, D(2026, 11, 16)).decision == Flag.DUE_TODAY  # day 14
    assert deadlines.evaluate(item, D(2026, 11, 17)).decision == Flag.OVERDUE  # day 15
    decided = facts(decision_due=D(2026, 11, 16), decided_on=D(2026, 11, 10))
    assert deadlines.evaluate(decided, D(2026, 11, 30)).decision == Flag.DONE


def test_an_extension_moves_the_decision_deadline() -> None:
    item = facts(decision_due=D(2026, 11, 16), extended_due=D(2026, 11, 30))
    result = deadlines.evaluate(item, D(2026, 11, 17))
    assert result.decision == Flag.OK
    assert result.decision_date == D(2026, 11, 30)


def test_feedback_one_week_after_the_decision() -> None:
    item = facts(decided_on=D(2026, 11, 10))
    result = deadlines.evaluate(item, D(2026, 11, 17))
    assert result.feedback_date == D(2026, 11, 17)
    assert result.feedback == Flag.DUE_TODAY
    assert deadlines.evaluate(item, D(2026, 11, 18)).feedback == Flag.OVERDUE
    given = facts(decided_on=D(2026, 11, 10), feedback_given_on=D(2026, 11, 12))
    assert deadlines.evaluate(given, D(2026, 11, 20)).feedback == Flag.DONE


def test_feedback_asked_after_the_decision_is_due_at_once() -> None:
    item = facts(decided_on=D(2026, 11, 10), feedback_requested_on=D(2026, 11, 20))
    assert deadlines.evaluate(item, D(2026, 11, 20)).feedback_date == D(2026, 11, 20)
    assert deadlines.evaluate(item, D(2026, 11, 21)).feedback == Flag.OVERDUE


def test_no_feedback_deadline_without_a_request_or_before_the_decision() -> None:
    assert deadlines.evaluate(facts(feedback_requested_on=None), D(2026, 12, 30)).feedback == (
        Flag.NOT_APPLICABLE
    )
    assert deadlines.evaluate(facts(), D(2026, 11, 20)).feedback == Flag.OK


def test_support_requests_have_no_report_deadlines() -> None:
    result = deadlines.evaluate(facts(kind="support_request"), D(2026, 12, 30))
    assert result.protection == result.decision == Flag.NOT_APPLICABLE
    assert result.worst == Flag.OK
