"""The anonymous consultation's text checks (R1.2: no identity of the child is stored)."""

import datetime

from samverkan.children.identity import generate_identity_number
from samverkan.intake import text_checks


def test_identity_numbers_are_found_in_text() -> None:
    number = generate_identity_number(datetime.date(2014, 3, 2), 123)
    assert text_checks.contains_identity_number(f"Eleven {number[2:8]}-{number[8:]} är orolig")
    assert text_checks.contains_identity_number(f"Eleven ({number}) är orolig")
    assert not text_checks.contains_identity_number("Eleven i årskurs 7 har 12 frånvarodagar")


def test_full_names_are_flagged_but_sentence_starts_are_not() -> None:
    assert text_checks.possible_full_names("Vi är oroliga för Ella Andersson i 7B.") == [
        "Ella Andersson"
    ]
    assert text_checks.possible_full_names("Eleven Karl-Erik Ek säger att") == ["Karl-Erik Ek"]
    assert text_checks.possible_full_names("Jag undrar. Hon Kommer ofta sent.") == []
    assert text_checks.possible_full_names("en flicka i åk 4 berättar om bråk hemma") == []
