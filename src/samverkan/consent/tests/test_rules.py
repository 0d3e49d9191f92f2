"""consent.rules: whose consent a purpose needs at an age, and whether a consent is in force."""

import datetime
import uuid

import pytest

from samverkan.consent.models import ConsentDirection, ConsentParty, ConsentPurpose, ConsentRule
from samverkan.consent.rules import (
    ActiveConsent,
    Custodian,
    PartyFact,
    State,
    age_on,
    evaluate,
    requirement_for,
)

TODAY = datetime.date(2025, 3, 1)
MOTHER = Custodian(uuid.uuid4(), "Anna Andersson")
FATHER = Custodian(uuid.uuid4(), "Bo Andersson")
JOINT = (MOTHER, FATHER)
GIVEN = ConsentParty.Answer.GIVEN
REFUSED = ConsentParty.Answer.REFUSED
HEARD = ConsentParty.Answer.HEARD
IE = ConsentPurpose.INFORMATION_EXCHANGE
SIP = ConsentPurpose.COORDINATED_PLAN
SUPPORT = ConsentPurpose.SUPPORT_REQUEST


def born(age: int, today: datetime.date = TODAY) -> datetime.date:
    """A birth date making the child exactly `age` on `today` (birthday today)."""
    return today.replace(year=today.year - age)


def guardian(c: Custodian, answer: str = GIVEN, withdrawn: bool = False) -> PartyFact:
    return PartyFact(ConsentParty.Kind.GUARDIAN, c.guardian_id, answer, withdrawn)


def child(answer: str = GIVEN, withdrawn: bool = False) -> PartyFact:
    return PartyFact(ConsentParty.Kind.CHILD, None, answer, withdrawn)


def status(
    age: int,
    *parties: PartyFact,
    purpose: str = IE,
    custodians: tuple[Custodian, ...] = JOINT,
    today: datetime.date = TODAY,
    valid_from: datetime.date = datetime.date(2025, 1, 1),
    valid_to: datetime.date = datetime.date(2025, 12, 31),
    birth_date: datetime.date | None = None,
    overrides: tuple[tuple[int, int, str, str], ...] = (),
):  # type: ignore[no-untyped-def]
    return evaluate(
        valid_from=valid_from,
        valid_to=valid_to,
        parties=tuple(parties),
        custodians=custodians,
        birth_date=birth_date or born(age),
        purpose=purpose,
        today=today,
        overrides=overrides,
    )


def test_age_on_counts_the_birthday_itself() -> None:
    assert age_on(datetime.date(2010, 3, 1), datetime.date(2025, 2, 28)) == 14
    assert age_on(datetime.date(2010, 3, 1), datetime.date(2025, 3, 1)) == 15


# --- Under 12: both custodial guardians; the child is heard ------------------------------------


@pytest.mark.parametrize("purpose", [IE, SUPPORT, SIP])
def test_under_12_both_guardians_with_the_child_heard_is_in_force(purpose: str) -> None:
    result = status(11, guardian(MOTHER), guardian(FATHER), child(HEARD), purpose=purpose)
    assert result.state == State.ACTIVE
    assert result.in_force
    assert result.missing == ()


@pytest.mark.parametrize("purpose", [IE, SUPPORT, SIP])
def test_under_12_joint_custody_one_guardian_missing_is_pending_and_names_them(
    purpose: str,
) -> None:
    result = status(11, guardian(MOTHER), child(HEARD), purpose=purpose)
    assert result.state == State.PENDING
    assert not result.in_force
    assert result.missing == ("Samtycke från vårdnadshavare Bo Andersson.",)


def test_under_12_a_guardian_who_refuses_keeps_it_pending() -> None:
    result = status(11, guardian(MOTHER), guardian(FATHER, REFUSED), child(HEARD))
    assert result.state == State.PENDING
    assert "Samtycke från vårdnadshavare Bo Andersson." in result.missing


def test_under_12_the_childs_view_not_documented_is_listed() -> None:
    result = status(11, guardian(MOTHER))
    assert "Barnets mening är inte dokumenterad (barnet ska höras)." in result.missing
    assert "Samtycke från vårdnadshavare Bo Andersson." in result.missing


def test_under_12_the_childs_consent_alone_is_not_enough() -> None:
    result = status(11, child(GIVEN))
    assert result.state == State.PENDING
    assert set(result.missing) == {
        "Samtycke från vårdnadshavare Anna Andersson.",
        "Samtycke från vårdnadshavare Bo Andersson.",
    }


def test_without_any_custodian_nothing_is_in_force() -> None:
    result = status(11, child(HEARD), custodians=())
    assert result.state == State.PENDING
    assert "Barnet har ingen registrerad vårdnadshavare med vårdnad." in result.missing


def test_a_single_custodian_suffices_when_custody_is_sole() -> None:
    assert status(11, guardian(MOTHER), child(HEARD), custodians=(MOTHER,)).in_force


# --- 12–14: the child's consent too -------------------------------------------------------------


@pytest.mark.parametrize("age", [12, 14])
@pytest.mark.parametrize("purpose", [IE, SUPPORT])
def test_12_to_14_needs_both_guardians_and_the_child(age: int, purpose: str) -> None:
    assert status(age, guardian(MOTHER), guardian(FATHER), child(GIVEN), purpose=purpose).in_force
    without_child = status(age, guardian(MOTHER), guardian(FATHER), child(HEARD), purpose=purpose)
    assert without_child.state == State.PENDING
    assert without_child.missing == (f"Barnets eget samtycke (barnet är {age} år).",)
    refusing = status(age, guardian(MOTHER), guardian(FATHER), child(REFUSED), purpose=purpose)
    assert refusing.state == State.PENDING
    child_only = status(age, guardian(MOTHER), child(GIVEN), purpose=purpose)
    assert child_only.state == State.PENDING
    assert child_only.missing == ("Samtycke från vårdnadshavare Bo Andersson.",)


# --- From 15: the child's consent suffices, or the guardians' when the child doesn't object ----


@pytest.mark.parametrize("age", [15, 17, 18])
@pytest.mark.parametrize("purpose", [IE, SUPPORT])
def test_from_15_the_childs_consent_suffices(age: int, purpose: str) -> None:
    assert status(age, child(GIVEN), purpose=purpose).in_force
    assert status(age, child(GIVEN), custodians=(), purpose=purpose).in_force


@pytest.mark.parametrize("age", [15, 17])
def test_from_15_the_guardians_suffice_when_the_child_does_not_object(age: int) -> None:
    assert status(age, guardian(MOTHER), guardian(FATHER)).in_force
    assert status(age, guardian(MOTHER), guardian(FATHER), child(HEARD)).in_force
    objecting = status(age, guardian(MOTHER), guardian(FATHER), child(REFUSED))
    assert objecting.state == State.PENDING
    assert objecting.missing == (
        f"Barnets eget samtycke (barnet är {age} år), eller vårdnadshavarnas.",
    )


def test_from_15_one_guardian_without_the_child_is_not_enough() -> None:
    result = status(15, guardian(MOTHER))
    assert result.state == State.PENDING
    assert "Samtycke från vårdnadshavare Bo Andersson." in result.missing


# --- SIP: guardians until 18 --------------------------------------------------------------------


@pytest.mark.parametrize("age", [11, 12, 14, 15, 17])
def test_sip_needs_the_guardians_until_18(age: int) -> None:
    assert not status(age, child(GIVEN), purpose=SIP).in_force
    assert status(age, guardian(MOTHER), guardian(FATHER), child(HEARD), purpose=SIP).in_force
    result = status(age, guardian(MOTHER), child(GIVEN), purpose=SIP)
    assert result.state == State.PENDING
    assert "Samtycke från vårdnadshavare Bo Andersson." in result.missing


def test_sip_from_18_the_young_persons_consent_suffices() -> None:
    assert status(18, child(GIVEN), purpose=SIP, custodians=()).in_force


# --- Withdrawal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("age", [11, 12, 14])
def test_one_guardian_withdrawing_ends_it_although_the_other_has_not(age: int) -> None:
    result = status(
        age, guardian(MOTHER, withdrawn=True), guardian(FATHER), child(GIVEN), purpose=IE
    )
    assert result.state == State.WITHDRAWN
    assert not result.in_force
    assert "Samtycke från vårdnadshavare Anna Andersson." in result.missing


def test_a_child_of_12_withdrawing_ends_it() -> None:
    result = status(12, guardian(MOTHER), guardian(FATHER), child(GIVEN, withdrawn=True))
    assert result.state == State.WITHDRAWN


def test_a_child_who_turns_15_while_it_runs_keeps_it_in_force_and_may_then_end_it_alone() -> None:
    birth = datetime.date(2010, 6, 15)
    given_at_14 = datetime.date(2025, 1, 10)
    after_15 = datetime.date(2025, 7, 1)
    assert age_on(birth, given_at_14) == 14
    assert age_on(birth, after_15) == 15
    parties = (guardian(MOTHER), guardian(FATHER), child(GIVEN))
    assert status(0, *parties, birth_date=birth, today=given_at_14).in_force
    assert status(0, *parties, birth_date=birth, today=after_15).in_force
    # At 14 the child's withdrawal also ended it; from 15 it ends it although both guardians
    # still consent (the guardians' consent only suffices while the child does not object).
    withdrawn = (guardian(MOTHER), guardian(FATHER), child(GIVEN, withdrawn=True))
    result = status(0, *withdrawn, birth_date=birth, today=after_15)
    assert result.state == State.WITHDRAWN
    assert not result.in_force
    # From 15 a guardian's withdrawal does not end it while the child consents.
    mother_out = (guardian(MOTHER, withdrawn=True), guardian(FATHER), child(GIVEN))
    assert status(0, *mother_out, birth_date=birth, today=after_15).in_force
    assert not status(0, *mother_out, birth_date=birth, today=given_at_14).in_force


# --- Period -------------------------------------------------------------------------------------


def test_expired_after_valid_to_and_in_force_on_the_last_day() -> None:
    parties = (guardian(MOTHER), guardian(FATHER), child(HEARD))
    end = datetime.date(2025, 3, 1)
    assert status(11, *parties, valid_to=end, today=end, birth_date=born(11)).in_force
    after = status(
        11, *parties, valid_to=end, today=end + datetime.timedelta(days=1), birth_date=born(11)
    )
    assert after.state == State.EXPIRED
    assert not after.in_force
    assert after.missing == ()


def test_not_yet_valid_before_valid_from_and_in_force_on_the_first_day() -> None:
    parties = (guardian(MOTHER), guardian(FATHER), child(HEARD))
    start = datetime.date(2025, 3, 1)
    assert status(11, *parties, valid_from=start, today=start).in_force
    before = status(11, *parties, valid_from=start, today=start - datetime.timedelta(days=1))
    assert before.state == State.NOT_YET_VALID
    assert not before.in_force


def test_expiry_wins_over_withdrawal() -> None:
    parties = (guardian(MOTHER, withdrawn=True), guardian(FATHER))
    result = status(11, *parties, valid_to=TODAY - datetime.timedelta(days=1))
    assert result.state == State.EXPIRED


# --- Municipal rules ----------------------------------------------------------------------------

G = ConsentRule.Guardians
C = ConsentRule.ChildPart


def test_an_override_can_require_the_childs_consent_from_10() -> None:
    overrides = ((0, 9, G.ALL_WITH_CUSTODY, C.HEARD), (10, 17, G.ALL_WITH_CUSTODY, C.CONSENT))
    parties = (guardian(MOTHER), guardian(FATHER), child(HEARD))
    assert status(11, *parties).in_force
    result = status(11, *parties, overrides=overrides)
    assert result.state == State.PENDING
    assert result.missing == ("Barnets eget samtycke (barnet är 11 år).",)


def test_an_override_can_let_the_child_consent_alone_from_13() -> None:
    overrides = ((13, 200, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),)
    assert not status(14, child(GIVEN)).in_force
    assert status(14, child(GIVEN), overrides=overrides).in_force


def test_an_age_outside_every_override_asks_everyone() -> None:
    overrides = ((0, 5, G.ALL_WITH_CUSTODY, C.HEARD),)
    need = requirement_for(IE, 11, overrides)
    assert (need.guardians, need.child) == (G.ALL_WITH_CUSTODY, C.CONSENT)
    assert not status(
        11, guardian(MOTHER), guardian(FATHER), child(HEARD), overrides=overrides
    ).in_force


@pytest.mark.parametrize(
    ("purpose", "age", "guardians", "child_part"),
    [
        (IE, 11, G.ALL_WITH_CUSTODY, C.HEARD),
        (IE, 12, G.ALL_WITH_CUSTODY, C.CONSENT),
        (IE, 14, G.ALL_WITH_CUSTODY, C.CONSENT),
        (IE, 15, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
        (IE, 17, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
        (IE, 18, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
        (SUPPORT, 11, G.ALL_WITH_CUSTODY, C.HEARD),
        (SUPPORT, 12, G.ALL_WITH_CUSTODY, C.CONSENT),
        (SUPPORT, 15, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
        (SIP, 11, G.ALL_WITH_CUSTODY, C.HEARD),
        (SIP, 14, G.ALL_WITH_CUSTODY, C.HEARD),
        (SIP, 17, G.ALL_WITH_CUSTODY, C.HEARD),
        (SIP, 18, G.NOT_NEEDED_IF_CHILD_CONSENTS, C.CONSENT_SUFFICES),
    ],
)
def test_default_requirements_follow_the_law_table(
    purpose: str, age: int, guardians: str, child_part: str
) -> None:
    need = requirement_for(purpose, age)
    assert (need.guardians, need.child) == (guardians, child_part)


# --- ActiveConsent ------------------------------------------------------------------------------

SCHOOL, SOCIAL = "school", "social_services"


def active(direction: str, follows_child: bool = False) -> ActiveConsent:
    return ActiveConsent(
        consent_id=uuid.uuid4(),
        child_id=uuid.uuid4(),
        unit_ids=frozenset({SCHOOL_1, TEAM}),
        categories=frozenset({"social_situation"}),
        direction=direction,
        follows_child=follows_child,
        valid_to=TODAY,
    )


SCHOOL_1, SCHOOL_2, TEAM = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("direction", "school_to_social", "social_to_school"),
    [
        (ConsentDirection.BOTH, True, True),
        (ConsentDirection.SCHOOL_TO_SOCIAL_SERVICES, True, False),
        (ConsentDirection.SOCIAL_SERVICES_TO_SCHOOL, False, True),
    ],
)
def test_allows_follows_the_direction(
    direction: str, school_to_social: bool, social_to_school: bool
) -> None:
    consent = active(direction)
    assert consent.allows(from_domain=SCHOOL, to_domain=SOCIAL) is school_to_social
    assert consent.allows(from_domain=SOCIAL, to_domain=SCHOOL) is social_to_school


def test_covered_units_add_the_current_school_only_when_it_follows_the_child() -> None:
    today_schools = frozenset({SCHOOL_2})
    assert active(ConsentDirection.BOTH).covered_units(today_schools) == {SCHOOL_1, TEAM}
    assert active(ConsentDirection.BOTH, follows_child=True).covered_units(today_schools) == {
        SCHOOL_1,
        SCHOOL_2,
        TEAM,
    }
    assert active(ConsentDirection.BOTH, follows_child=True).covered_units(frozenset()) == {
        SCHOOL_1,
        TEAM,
    }
