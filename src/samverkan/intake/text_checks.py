"""Checks of free text that must not identify a child (anonymous consultation, R1.2)."""

import re

from samverkan.children.identity import looks_like_identity_number

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
    return looks_like_identity_number(text)


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
