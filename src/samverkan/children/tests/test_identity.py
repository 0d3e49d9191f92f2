"""Tests for the personnummer and samordningsnummer validator.

The property tests use the `personnummer` package as an oracle. It parses the short form the same
way we do (the '+' rule by calendar year, FOL 18 §) but is laxer in three documented ways, which
the tests exclude by name: it does not reject birth dates in the future, it accepts any century in
the 12-digit form, and it ignores a '+' in the 12-digit form.
"""

import datetime
import string
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import assume, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from personnummer import personnummer as oracle

from samverkan.children.identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    generate_identity_number,
    is_valid_identity_number,
    looks_like_identity_number,
    mask_identity_number,
    parse_identity_number,
)

TODAY = datetime.date(2025, 6, 15)

# Built with generate_identity_number and checked against the oracle in
# test_example_numbers_are_valid_for_the_oracle.
CHILD_2015 = "201503121236"  # born 2015-03-12, birth number 123, check digit 6
CHILD_2015_SHORT = "150312-1236"
COORDINATION_2015 = "201503721233"  # samordningsnummer for 2015-03-12 (day 12 + 60)
CENTENARIAN = "192506151238"  # born 2025-06-15 minus 100 years, turns 100 on TODAY
LATE_1925 = "192512011236"  # born 1925-12-01, turns 100 later in TODAY's year
EARLY_1926 = "192601011238"  # born 1926-01-01, turns 100 the year after TODAY
TOMORROW = "202506161237"  # born the day after TODAY


@pytest.fixture(autouse=True, scope="module")
def _django_settings_and_frozen_oracle() -> Iterator[None]:
    # Evaluating gettext_lazy needs settings; the project's own settings win when they exist.
    if not settings.configured:
        settings.configure(USE_I18N=False)
    # The oracle reads today's date through this hook, documented as the place to mock it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oracle, "_get_current_date", lambda: TODAY)
        yield


def parse(value: str) -> IdentityNumber:
    return parse_identity_number(value, today=TODAY)


def failure(value: str) -> tuple[str, str]:
    with pytest.raises(InvalidIdentityNumber) as excinfo:
        parse(value)
    with translation.override("sv"):
        return excinfo.value.code, str(excinfo.value.message)


# Accepted forms


def test_example_numbers_are_valid_for_the_oracle() -> None:
    for digits in (CHILD_2015, COORDINATION_2015, CENTENARIAN, LATE_1925, EARLY_1926, TOMORROW):
        assert oracle.valid(digits)


@pytest.mark.parametrize(
    "value",
    [
        "201503121236",
        "20150312-1236",
        "1503121236",
        "150312-1236",
        "  150312-1236\n",
        "150312 - 1236",
        "150312 1236",
        "20150312\u20131236",  # en dash from a word processor
    ],
)
def test_parse_accepts_each_form_of_the_same_number(value: str) -> None:
    number = parse(value)

    assert number.digits == CHILD_2015
    assert number.birth_date == datetime.date(2015, 3, 12)
    assert number.is_coordination_number is False


def test_parse_samordningsnummer_keeps_day_plus_60_and_gives_real_date() -> None:
    number = parse("150372-1233")

    assert number.digits == COORDINATION_2015
    assert number.birth_date == datetime.date(2015, 3, 12)
    assert number.is_coordination_number is True
    assert number.masked() == "20150372-XXXX"


def test_parse_plus_means_the_person_turns_100_this_year_or_earlier() -> None:
    assert parse("250615+1238").digits == CENTENARIAN
    # By calendar year, not exact age: '+' from the year the person turns 100 (FOL 18 §).
    assert parse("251201+1236").digits == LATE_1925
    assert parse("150312+1236").digits == "191503121236"


def test_parse_short_form_without_plus_is_under_100_by_calendar_year() -> None:
    assert parse("250615-1238").birth_date == datetime.date(2025, 6, 15)
    assert parse("260101-1238").digits == EARLY_1926


def test_parse_twelve_digits_accepts_people_over_100_with_hyphen() -> None:
    assert parse("19250615-1238").digits == CENTENARIAN


def test_parse_leap_day_uses_the_chosen_century() -> None:
    leap = generate_identity_number(datetime.date(2000, 2, 29), 41)

    assert parse(leap[2:8] + "-" + leap[8:]).birth_date == datetime.date(2000, 2, 29)
    assert failure(leap[2:8] + "+" + leap[8:]) == (
        "date",
        "Datumet 1900-02-29 finns inte. Kontrollera födelsedatumet.",
    )


def test_parse_born_today_is_valid() -> None:
    assert parse(generate_identity_number(TODAY, 2)).birth_date == TODAY


def test_parse_without_today_uses_the_local_date() -> None:
    assert parse_identity_number(CHILD_2015).digits == CHILD_2015


# Each failure has its own code and message


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("", "empty", "Ange ett personnummer eller samordningsnummer, till exempel 20150312-1234."),
        (
            "   ",
            "empty",
            "Ange ett personnummer eller samordningsnummer, till exempel 20150312-1234.",
        ),
        *[
            (
                value,
                "format",
                "Personnumret måste ha 10 eller 12 siffror, "
                "till exempel 20150312-1234 eller 150312-1234.",
            )
            for value in (
                "15031212",
                "15031212361",
                "2015031212361",
                "2015-03-12-1236",
                "150312--1236",
                "abcdefghij",
                "150312-123x",
                "\u0661\u0665\u0660\u0663\u0661\u0662\u0661\u0662\u0663\u0666",  # Arabic digits
            )
        ],
        (
            "20150312+1236",
            "plus",
            "Plustecken används bara i tiosiffrigt format för personer som fyllt 100. "
            "Skriv bindestreck i stället när du anger alla 12 siffror.",
        ),
        (
            "10150312-1236",
            "century",
            "Ett personnummer med 12 siffror börjar med 18, 19 eller 20. Kontrollera årtalet.",
        ),
        ("150230-1236", "date", "Datumet 2015-02-30 finns inte. Kontrollera födelsedatumet."),
        ("20150230-1236", "date", "Datumet 2015-02-30 finns inte. Kontrollera födelsedatumet."),
        ("151301-1236", "date", "Datumet 2015-13-01 finns inte. Kontrollera födelsedatumet."),
        ("150300-1236", "date", "Datumet 2015-03-00 finns inte. Kontrollera födelsedatumet."),
        ("150345-1236", "date", "Datumet 2015-03-45 finns inte. Kontrollera födelsedatumet."),
        (
            "150290-1236",
            "coordination_date",
            "Samordningsnumret har en dag som inte finns (dag 61\u201391 betyder dag 1\u201331). "
            "Kontrollera att du skrivit rätt.",
        ),
        (
            "150395-1236",
            "coordination_date",
            "Samordningsnumret har en dag som inte finns (dag 61\u201391 betyder dag 1\u201331). "
            "Kontrollera att du skrivit rätt.",
        ),
        (
            "150312-0006",
            "birth_number",
            "De tre siffrorna efter datumet kan inte vara 000. Kontrollera att du skrivit rätt.",
        ),
        (
            "150312-1237",
            "checksum",
            "Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt.",
        ),
        (
            "20250616-1237",
            "future",
            "Födelsedatumet ligger i framtiden. Kontrollera årtalet.",
        ),
        (
            "251201-1236",
            "future",
            "Födelsedatumet ligger i framtiden. Fyller personen 100 år i år eller är äldre? "
            "Skriv då plustecken i stället för bindestreck, eller ange alla 12 siffror.",
        ),
    ],
)
def test_parse_rejects_with_specific_code_and_message(value: str, code: str, message: str) -> None:
    assert failure(value) == (code, message)


def test_invalid_identity_number_is_a_value_error_whose_text_is_the_message() -> None:
    with pytest.raises(ValueError, match="Kontrollsiffran stämmer inte") as excinfo:
        parse("150312-1237")

    assert CHILD_2015_SHORT[:6] not in repr(excinfo.value.args)


def test_is_valid_identity_number() -> None:
    assert is_valid_identity_number(CHILD_2015_SHORT, today=TODAY)
    assert is_valid_identity_number(CHILD_2015)
    assert not is_valid_identity_number("150312-1237", today=TODAY)
    assert not is_valid_identity_number("")


# The value object


def test_identity_number_formats_and_masks() -> None:
    number = parse(CHILD_2015_SHORT)

    assert number.formatted() == "20150312-1236"
    assert number.masked() == "20150312-XXXX"
    assert mask_identity_number(CHILD_2015) == "20150312-XXXX"


def test_identity_number_repr_hides_the_birth_number() -> None:
    assert repr(parse(CHILD_2015_SHORT)) == "IdentityNumber('20150312-XXXX')"


@pytest.mark.parametrize(
    ("serial", "legal_sex"), [(122, "female"), (123, "male"), (990, "female"), (1, "male")]
)
def test_legal_sex_follows_the_second_to_last_digit(serial: int, legal_sex: str) -> None:
    digits = generate_identity_number(datetime.date(2015, 3, 12), serial)

    assert parse(digits).legal_sex == legal_sex


@pytest.mark.parametrize("value", ["", "20150312123", "2015031212345", "20150312-123", "abc"])
def test_mask_identity_number_rejects_anything_but_12_digits(value: str) -> None:
    with pytest.raises(ValueError, match="12 ASCII digits"):
        mask_identity_number(value)


def test_identity_number_rejects_digits_that_are_not_12() -> None:
    with pytest.raises(ValueError, match="12 ASCII digits"):
        IdentityNumber("1503121236", datetime.date(2015, 3, 12), is_coordination_number=False)


# Generating test numbers


def test_generate_identity_number() -> None:
    assert generate_identity_number(datetime.date(2015, 3, 12), 123) == CHILD_2015
    assert generate_identity_number(datetime.date(2015, 3, 12), 123, coordination=True) == (
        COORDINATION_2015
    )
    assert generate_identity_number(datetime.date(2015, 3, 12), 7)[8:11] == "007"


@pytest.mark.parametrize("serial", [0, -1, 1000])
def test_generate_identity_number_rejects_serial_outside_1_to_999(serial: int) -> None:
    with pytest.raises(ValueError, match="serial must be 1-999"):
        generate_identity_number(datetime.date(2015, 3, 12), serial)


def test_generate_identity_number_rejects_years_without_a_century_digit_pair() -> None:
    with pytest.raises(ValueError, match="1800-2099"):
        generate_identity_number(datetime.date(1799, 12, 31), 1)


# Finding numbers in free text


@pytest.mark.parametrize(
    "text",
    [
        f"Eleven {CHILD_2015_SHORT} har varit frånvarande.",
        f"pnr:{CHILD_2015}.",
        "150312 - 1236 mår dåligt",
        "150312 1236",
        "1503121236",
        "Samordningsnummer 150372-1233",
        "Född 20150312\u20131236",  # en dash
        "Hon heter Anna\n150312-1236\n",
    ],
)
def test_looks_like_identity_number_finds_valid_numbers(text: str) -> None:
    assert looks_like_identity_number(text, today=TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Eleven i årskurs 5 har varit frånvarande 12 dagar.",
        "150312-1237",  # wrong check digit
        f"x{CHILD_2015}9",  # part of a longer run of digits
        f"9{CHILD_2015_SHORT}",
        "Ring 150312\n1236",  # the separator never spans lines
        "Datum 2015-03-12, kl 12.36",
    ],
)
def test_looks_like_identity_number_ignores_other_text(text: str) -> None:
    assert not looks_like_identity_number(text, today=TODAY)


def test_looks_like_identity_number_without_today() -> None:
    assert looks_like_identity_number(f"Nummer {CHILD_2015}")


# Properties, with the personnummer package as the oracle


def _two_digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


def _candidate(
    century: str, year: str, month: str, day: str, separator: str, birth_number: str, check: str
) -> str:
    if not check:
        # A correct check digit, computed by the oracle, so that many candidates are valid.
        check = str(oracle._luhn(year + month + day + birth_number))
    return f"{century}{year}{month}{day}{separator}{birth_number}{check}"


# Mostly well-formed candidates, so that each check gets its share of the examples.
identity_like = st.builds(
    _candidate,
    century=st.sampled_from(["", "", "", "", "18", "19", "19", "20", "20", "20", "17", "21"]),
    # Years around TODAY's year hit the century corners of the short form.
    year=st.sampled_from(["24", "25", "26"]) | _two_digits(0, 99),
    month=st.one_of(_two_digits(1, 12), _two_digits(1, 12), _two_digits(0, 19)),
    day=st.one_of(_two_digits(1, 31), _two_digits(1, 31), _two_digits(61, 91), _two_digits(0, 99)),
    separator=st.sampled_from(["", "-", "-", "+"]),
    birth_number=st.integers(0, 999).map(lambda n: f"{n:03d}"),
    check=st.sampled_from(["", "", "", "", "", "", *string.digits]),
)
random_digits = st.text(alphabet=string.digits, min_size=10, max_size=12)


@hypothesis_settings(max_examples=300, deadline=None)
@given(candidate=st.one_of(identity_like, identity_like, identity_like, random_digits))
def test_validity_and_normalisation_agree_with_the_oracle(candidate: str) -> None:
    _assert_agrees_with_oracle(candidate)


def _assert_agrees_with_oracle(candidate: str) -> None:
    oracle_valid = oracle.valid(candidate)

    try:
        ours = parse(candidate)
    except InvalidIdentityNumber as error:
        event(error.code)
        if error.code == "future":
            # Oracle corner: no future check. Everything else about the number is valid.
            assert oracle_valid
            assert oracle.parse(candidate).get_date() > TODAY
        elif error.code == "plus":
            # Oracle corner: it ignores the separator when the century is given.
            _assert_agrees_with_oracle(candidate.replace("+", "-"))
        elif error.code != "century":
            # "century" is the third corner: the oracle accepts any century.
            assert not oracle_valid
    else:
        event("valid")
        assert oracle_valid
        assert ours.digits == oracle.parse(candidate).format(long_format=True)
        assert ours.birth_date == oracle.parse(candidate).get_date()


# Both agree by definition for people born from 1900 up to a year before TODAY.
birth_dates = st.dates(datetime.date(1900, 1, 1), TODAY.replace(year=TODAY.year - 1))
# Birth number 000 is never issued; both we and the oracle reject it.
serials = st.integers(1, 999)


def _short_form(digits: str) -> str:
    # '+' from the calendar year the person turns 100 (FOL 18 §).
    separator = "+" if TODAY.year - int(digits[:4]) >= 100 else "-"
    return f"{digits[2:8]}{separator}{digits[8:]}"


valid_numbers = st.builds(
    lambda birth_date, serial, coordination, form: form(
        generate_identity_number(birth_date, serial, coordination=coordination)
    ),
    birth_date=birth_dates,
    serial=serials,
    coordination=st.booleans(),
    form=st.sampled_from([str, lambda digits: f"{digits[:8]}-{digits[8:]}", _short_form]),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(birth_date=birth_dates, serial=serials, coordination=st.booleans())
def test_generated_numbers_are_valid_and_agree_with_the_oracle(
    birth_date: datetime.date, serial: int, coordination: bool
) -> None:
    digits = generate_identity_number(birth_date, serial, coordination=coordination)
    short = _short_form(digits)

    ours = parse(digits)
    theirs = oracle.parse(digits)

    assert ours.digits == digits == theirs.format(long_format=True)
    assert ours.birth_date == birth_date == theirs.get_date()
    assert ours.is_coordination_number is coordination is theirs.is_coordination_number()
    assert (ours.legal_sex == "female") is theirs.is_female()
    assert ours.legal_sex == ("female" if serial % 2 == 0 else "male")
    assert theirs.format() == short
    assert oracle.valid(short)
    assert parse(short).digits == digits
    if "-" in short:
        assert parse(short.replace("-", "")).digits == digits


@hypothesis_settings(max_examples=300, deadline=None)
@given(value=valid_numbers, position=st.integers(0, 11), step=st.integers(1, 9))
def test_changing_one_digit_never_keeps_a_number_valid(
    value: str, position: int, step: int
) -> None:
    digit_positions = [i for i, char in enumerate(value) if char.isdigit()]
    index = digit_positions[position % len(digit_positions)]
    # The check digit does not cover the century; only the century rule guards it.
    assume(not (len(digit_positions) == 12 and index < 2))
    changed = value[:index] + str((int(value[index]) + step) % 10) + value[index + 1 :]

    assert not is_valid_identity_number(changed, today=TODAY)


@hypothesis_settings(max_examples=300, deadline=None)
@given(value=st.text())
def test_parse_only_ever_raises_invalid_identity_number(value: str) -> None:
    try:
        number = parse(value)
    except InvalidIdentityNumber:
        return

    assert number.digits.isascii()
    assert number.digits.isdigit()
    assert len(number.digits) == 12


@hypothesis_settings(max_examples=300, deadline=None)
@given(prefix=st.text(), suffix=st.text(), value=valid_numbers)
def test_looks_like_identity_number_finds_every_valid_number_set_apart(
    prefix: str, suffix: str, value: str
) -> None:
    assert looks_like_identity_number(f"{prefix} {value} {suffix}", today=TODAY)
