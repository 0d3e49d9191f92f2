"""Checks of free text that must not identify a child (anonymous consultation, R1.2)."""

import re

from samverkan.children.identity import identity_shaped_runs, looks_like_identity_number

# Two or more capitalised words in a row ("Ella Andersson", "Karl-Erik Ek"). A sentence's
# first word is capitalised too, so common Swedish sentence starters are not counted.
_NAME = r"[A-ZÅÄÖÉÜ][a-zåäöéü]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéü]+)?"
_FULL_NAME_RE = re.compile(rf"\b({_NAME})((?:\s+{_NAME})+)\b")
_NOT_NAMES = frozenset(
    [
        "jag",
        "du",
        "han",
        "hon",
        "hen",
        "vi",
        "ni",
        "de",
        "det",
        "den",
        "denna",
        "detta",
        "dessa",
        "en",
        "ett",
        "eleven",
        "barnet",
        "flickan",
        "pojken",
        "mamma",
        "pappa",
        "mamman",
        "pappan",
        "vårdnadshavare",
        "vårdnadshavaren",
        "skolan",
        "förskolan",
        "klassen",
        "läraren",
        "rektor",
        "rektorn",
        "kuratorn",
        "skolsköterskan",
        "i",
        "på",
        "om",
        "när",
        "efter",
        "under",
        "sedan",
        "idag",
        "igår",
        "imorgon",
        "måndag",
        "tisdag",
        "onsdag",
        "torsdag",
        "fredag",
        "lördag",
        "söndag",
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
        "vad",
        "hur",
        "varför",
        "kan",
        "ska",
        "vill",
        "har",
        "är",
        "var",
        "socialtjänsten",
        "elevhälsan",
    ]
)


def contains_identity_number(text: str) -> bool:
    """Anything shaped like a personnummer or samordningsnummer, whatever its check digit:
    a date-shaped run (optional century, a valid month, a day 01-31 or 61-91) and four digits,
    with any separators or none. A valid number is always date-shaped; the second test is a
    safety net for the forms the shape does not cover."""
    return bool(identity_shaped_runs(text)) or looks_like_identity_number(text)


# A street name and a number ("Storgatan 12", "Björkvägen 3B", "Lilla Torget 4 lgh 1102").
_STREET_RE = re.compile(
    r"\b([A-ZÅÄÖÉa-zåäöé][a-zåäöé-]*(?:gatan|gata|vägen|väg|gränd|gränden|stigen|stig|allén|"
    r"torget|torg|backen|backe|plan|leden|promenaden|slingan|vägen|bågen|platsen))\s+"
    r"([0-9]{1,4}\s?[A-Za-z]?)\b"
)


def possible_street_addresses(text: str) -> list[str]:
    """Street names with a number, in order of appearance: a home address identifies a family."""
    found: list[str] = []
    for match in _STREET_RE.finditer(text):
        address = f"{match.group(1)} {match.group(2).strip()}"
        if address not in found:
            found.append(address)
    return found


def possible_full_names(text: str) -> list[str]:
    """Word pairs that look like a first and a last name, in order of appearance."""
    found: list[str] = []
    for match in _FULL_NAME_RE.finditer(text):
        words = [match.group(1), *match.group(2).split()]
        while words and words[0].lower() in _NOT_NAMES:
            words.pop(0)
        words = [w for w in words if w.lower() not in _NOT_NAMES]
        if len(words) >= 2:
            name = " ".join(words)
            if name not in found:
                found.append(name)
    return found
