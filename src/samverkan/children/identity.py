"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

Rules (Folkbokföringslagen 18 §, Skatteverket's guidance, lag 2022:1697):

- The number is a birth date YYMMDD, a birth number NNN (001-999; the last digit is odd for men
  and even for women) and a Luhn (modulus 10, weights 2 and 1) check digit over those nine digits.
- A samordningsnummer adds 60 to the day, so days 61-91 mean days 1-31.
- The 10-digit form separates date and birth number with '-', which is replaced by '+' from the
  year the person turns 100. The 12-digit form carries the century (18, 19 or 20) and never uses
  '+'. We always store the 12-digit form.

Error messages are Swedish and say what to do next; the codes are a stable English contract.
Nothing here puts a whole identity number into an exception, a repr or a log line.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from django.conf import settings
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "HYPHENS",
    "IdentityNumber",
    "InvalidIdentityNumber",
    "generate_identity_number",
    "identity_shaped_runs",
    "is_valid_identity_number",
    "looks_like_identity_number",
    "mask_identity_number",
    "parse_identity_number",
]

# Skatteverket stores the century as 18, 19 or 20. The check digit does not cover the century,
# so this is the only guard against a mistyped century in the 12-digit form.
CENTURIES: Final = frozenset({"18", "19", "20"})
COORDINATION_DAY_OFFSET: Final = 60

# Hyphen-like characters people paste from word processors (en dash, minus sign, ...) count as '-'.
HYPHENS: Final = "-\u2010\u2011\u2012–\u2212"
_HYPHENS: Final = HYPHENS
# Horizontal whitespace only, so a match never spans lines in free text.
_SPACES: Final = "[ \t\u00a0\u202f]*"
_NUMBER_BODY: Final = (
    rf"([0-9]{{8}}|[0-9]{{6}}){_SPACES}([{_HYPHENS}+]?){_SPACES}([0-9]{{3}})([0-9])"
)
# ASCII digits only: int() would also accept other scripts' digits, which are no identity number.
_NUMBER_RE: Final = re.compile(_NUMBER_BODY)
_NUMBER_IN_TEXT_RE: Final = re.compile(rf"(?<![0-9]){_NUMBER_BODY}(?![0-9])")
_TWELVE_DIGITS_RE: Final = re.compile(r"[0-9]{12}")

MESSAGE_EMPTY: Final = _(
    "Ange ett personnummer eller samordningsnummer, till exempel 20150312-1234."
)
MESSAGE_FORMAT: Final = _(
    "Personnumret måste ha 10 eller 12 siffror, till exempel 20150312-1234 eller 150312-1234."
)
MESSAGE_PLUS: Final = _(
    "Plustecken används bara i tiosiffrigt format för personer som fyllt 100. "
    "Skriv bindestreck i stället när du anger alla 12 siffror."
)
MESSAGE_CENTURY: Final = _(
    "Ett personnummer med 12 siffror börjar med 18, 19 eller 20. Kontrollera årtalet."
)
MESSAGE_DATE: Final = _("Datumet %(date)s finns inte. Kontrollera födelsedatumet.")
MESSAGE_COORDINATION_DATE: Final = _(
    "Samordningsnumret har en dag som inte finns (dag 61–91 betyder dag 1–31). "
    "Kontrollera att du skrivit rätt."
)
MESSAGE_BIRTH_NUMBER: Final = _(
    "De tre siffrorna efter datumet kan inte vara 000. Kontrollera att du skrivit rätt."
)
MESSAGE_CHECKSUM: Final = _("Kontrollsiffran stämmer inte. Kontrollera att du skrivit rätt.")
MESSAGE_FUTURE: Final = _("Födelsedatumet ligger i framtiden. Kontrollera årtalet.")
MESSAGE_FUTURE_SHORT: Final = _(
    "Födelsedatumet ligger i framtiden. Fyller personen 100 år i år eller är äldre? "
    "Skriv då plustecken i stället för bindestreck, eller ange alla 12 siffror."
)


def _interpolate(message: StrOrPromise, params: dict[str, str]) -> str:
    return str(message) % params


# Translates and fills in placeholders only when the message is rendered, in the active language.
_interpolate_lazy = lazy(_interpolate, str)


class InvalidIdentityNumber(ValueError):
    """The text is not a valid personnummer or samordningsnummer.

    `code` is a stable English code for APIs and tests; `message` a Swedish message for the user.
    """

    code: str
    message: StrOrPromise

    def __init__(self, code: str, message: StrOrPromise) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True, repr=False)
class IdentityNumber:
    """A valid personnummer or samordningsnummer in the stored 12-digit form."""

    digits: str  # YYYYMMDDNNNC; a samordningsnummer keeps its day + 60
    birth_date: datetime.date  # the real date (day - 60 for a samordningsnummer)
    is_coordination_number: bool

    def __post_init__(self) -> None:
        if not _TWELVE_DIGITS_RE.fullmatch(self.digits):
            raise ValueError("IdentityNumber.digits must be 12 ASCII digits.")

    def __repr__(self) -> str:
        # Keep the birth number out of logs and tracebacks.
        return f"IdentityNumber({self.masked()!r})"

    def masked(self) -> str:
        """Date part as stored and the last four digits hidden: 20150312-XXXX."""
        return mask_identity_number(self.digits)

    def formatted(self) -> str:
        """The full number as shown to permitted users: 20150312-1234."""
        return f"{self.digits[:8]}-{self.digits[8:]}"

    @property
    def legal_sex(self) -> Literal["female", "male"]:
        """Legal sex as registered: the second to last digit is even for women."""
        return "female" if int(self.digits[10]) % 2 == 0 else "male"


def parse_identity_number(value: str, *, today: datetime.date | None = None) -> IdentityNumber:
    """Parse a personnummer or samordningsnummer typed by a user; raise InvalidIdentityNumber."""
    text = value.strip()
    if not text:
        raise InvalidIdentityNumber("empty", MESSAGE_EMPTY)
    match = _NUMBER_RE.fullmatch(text)
    if match is None:
        raise InvalidIdentityNumber("format", MESSAGE_FORMAT)
    date_part, separator, birth_number, check = match.groups()
    is_plus = separator == "+"
    if today is None:
        today = _today()

    if len(date_part) == 8:
        if is_plus:
            raise InvalidIdentityNumber("plus", MESSAGE_PLUS)
        if date_part[:2] not in CENTURIES:
            raise InvalidIdentityNumber("century", MESSAGE_CENTURY)
        year = int(date_part[:4])
    else:
        # '-' (or none) from birth up to the year before the 100th birthday, '+' from that year
        # on (FOL 18 §). The rule is by calendar year, not by exact age.
        latest_year = today.year - 100 if is_plus else today.year
        year = latest_year - (latest_year - int(date_part[:2])) % 100
    month, day = int(date_part[-4:-2]), int(date_part[-2:])

    is_coordination = day > COORDINATION_DAY_OFFSET
    real_day = day - COORDINATION_DAY_OFFSET if is_coordination else day
    try:
        birth_date = datetime.date(year, month, real_day)
    except ValueError:
        if is_coordination and 1 <= month <= 12:
            raise InvalidIdentityNumber("coordination_date", MESSAGE_COORDINATION_DATE) from None
        shown = f"{year:04d}-{month:02d}-{real_day:02d}"
        raise InvalidIdentityNumber(
            "date", _interpolate_lazy(MESSAGE_DATE, {"date": shown})
        ) from None

    if birth_number == "000":
        # Skatteverket issues birth numbers 001-999 only.
        raise InvalidIdentityNumber("birth_number", MESSAGE_BIRTH_NUMBER)
    if _luhn_check_digit(date_part[-6:] + birth_number) != int(check):
        raise InvalidIdentityNumber("checksum", MESSAGE_CHECKSUM)
    if birth_date > today:
        # Only '-' or no separator can get here in the short form: the person may have turned
        # 100 this year (then the number is written with '+'), or the year is mistyped.
        message = MESSAGE_FUTURE if len(date_part) == 8 else MESSAGE_FUTURE_SHORT
        raise InvalidIdentityNumber("future", message)

    return IdentityNumber(
        digits=f"{year:04d}{date_part[-4:]}{birth_number}{check}",
        birth_date=birth_date,
        is_coordination_number=is_coordination,
    )


def is_valid_identity_number(value: str, *, today: datetime.date | None = None) -> bool:
    """True if `value` parses as a valid personnummer or samordningsnummer."""
    try:
        parse_identity_number(value, today=today)
    except InvalidIdentityNumber:
        return False
    return True


def mask_identity_number(digits12: str) -> str:
    """Hide the birth number and check digit of a stored number: 20150312-XXXX."""
    if not _TWELVE_DIGITS_RE.fullmatch(digits12):
        raise ValueError("mask_identity_number expects the stored 12 ASCII digits.")
    return f"{digits12[:8]}-XXXX"


def generate_identity_number(
    birth_date: datetime.date, serial: int, *, coordination: bool = False
) -> str:
    """Build a valid 12-digit number for test and demo data; `serial` is the birth number.

    Birth number 000 is never issued, so `serial` must be 1-999.
    """
    if not 1 <= serial <= 999:
        raise ValueError("serial must be 1-999: birth number 000 is never issued.")
    century = f"{birth_date.year:04d}"[:2]
    if century not in CENTURIES:
        raise ValueError("birth_date must be in the years 1800-2099.")
    day = birth_date.day + (COORDINATION_DAY_OFFSET if coordination else 0)
    nine = f"{birth_date:%y%m}{day:02d}{serial:03d}"
    return f"{century}{nine}{_luhn_check_digit(nine)}"


def looks_like_identity_number(text: str, *, today: datetime.date | None = None) -> bool:
    """True if free text contains a valid personnummer or samordningsnummer.

    Finds 10 or 12 digits, with or without '-' or '+' and with optional spaces around the
    separator, that are not part of a longer run of digits, and validates each.
    """
    if today is None:
        today = _today()
    return any(
        is_valid_identity_number("".join(match.groups()), today=today)
        for match in _NUMBER_IN_TEXT_RE.finditer(text)
    )


# A date-shaped run of digits followed by four digits: what a personnummer or samordningsnummer
# looks like whatever its check digit, however it is written ("2018-01-01-4398", "20180101 4399",
# "180101.4398"). Optional century, a valid month, a day 01-31 or 61-91, then four digits;
# between the groups any separator (hyphens, '+', '.', '/', spaces) or none.
_SEP: Final = rf"[{_HYPHENS}+./ \t\u00a0\u202f]{{0,3}}"
_DAY: Final = r"(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
_SHAPED_RE: Final = re.compile(
    rf"(?<![0-9])(?:(?:18|19|20){_SEP})?[0-9]{{2}}{_SEP}(?:0[1-9]|1[0-2]){_SEP}{_DAY}"
    rf"{_SEP}[0-9]{{4}}(?![0-9])"
)


def identity_shaped_runs(text: str) -> list[tuple[int, int]]:
    """Where free text holds something shaped like an identity number, valid or not: the
    (start, end) of each run. Anonymous text refuses these: a mistyped or made-up check digit
    still points at a child, and so does a real number written in an unusual way. Phone
    numbers ("070-123 45 67") and references ("ANM-2026-000042") are not date-shaped."""
    return [(m.start(), m.end()) for m in _SHAPED_RE.finditer(text)]


def _luhn_check_digit(nine_digits: str) -> int:
    """Modulus 10 with weights 2, 1, 2, ... from the left, as Skatteverket computes it."""
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _today() -> datetime.date:
    # The local date (Europe/Stockholm in production): a child born just after midnight is
    # not "born in the future" on a server running in UTC.
    return timezone.localdate() if settings.USE_TZ else timezone.now().date()
