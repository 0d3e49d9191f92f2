"""Name search: the folded search text, the Swedish sort key, and the database's index of them.

Both values are computed here, in Python, so that PostgreSQL and SQLite see the same text and
sort by the same key whatever their collations (ADR 0004). The index is `pg_trgm` (GIN) on
PostgreSQL and an FTS5 trigram table kept in step by triggers on SQLite; `ensure_index` creates
whichever the database needs and is run by the migration and again after every `migrate` (a
later migration that rebuilds the child table on SQLite drops its triggers with it).
"""

# ruff: noqa: S608 (the SQL below is built from this module's constants, never from input)

import unicodedata
from typing import Any

# Letters that are not a base letter with a combining mark, for the search text.
_SEARCH_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})

SEARCH_TEXT_LENGTH = 320
SORT_KEY_LENGTH = 420


def fold(text: str) -> str:
    """Lower case without diacritics, whitespace collapsed: 'Åsa Öberg-Lind' -> 'asa oberg-lind'.
    The stored search text and every search word go through this."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SEARCH_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def search_text(given_name: str, family_name: str) -> str:
    """The stored search column: both names folded; each search word must occur in it."""
    return fold(f"{given_name} {family_name}")[:SEARCH_TEXT_LENGTH]


# The Swedish alphabet's order as two-digit codes: a separator (space, hyphen) before digits,
# digits before letters, and Å, Ä, Ö after Z. Digits only, so every collation (C, ICU, glibc,
# SQLite's BINARY) orders the keys alike.
_SEPARATOR = "01"
_BETWEEN_NAMES = "00"
_CODES: dict[str, str] = {" ": _SEPARATOR, "-": _SEPARATOR}
_CODES.update({str(d): f"{10 + d}" for d in range(10)})
_CODES.update({chr(ord("a") + i): f"{20 + i}" for i in range(26)})
_CODES.update({"å": "46", "ä": "47", "æ": "47", "ö": "48", "ø": "48", "ü": "44"})  # ü as y


def _sort_codes(name: str) -> str:
    codes: list[str] = []
    for char in unicodedata.normalize("NFC", name.casefold()):
        code = _CODES.get(char)
        if code is None:
            # é -> e, ç -> c ...; what is still no letter (apostrophes, dots) is left out.
            base = unicodedata.normalize("NFKD", char)[:1]
            code = _CODES.get(base, "")
        if code == _SEPARATOR and (not codes or codes[-1] == _SEPARATOR):
            continue
        codes.append(code)
    while codes and codes[-1] == _SEPARATOR:
        codes.pop()
    return "".join(codes)


def sort_key(given_name: str, family_name: str) -> str:
    """Family name, then given name, in Swedish alphabetical order (Å after Z, then Ä, Ö)."""
    return (_sort_codes(family_name) + _BETWEEN_NAMES + _sort_codes(given_name))[:SORT_KEY_LENGTH]


def search_fields(given_name: str, family_name: str) -> dict[str, str]:
    """The derived columns of a child with these names."""
    return {
        "search_name": search_text(given_name, family_name),
        "sort_key": sort_key(given_name, family_name),
    }


def search_words(text: str, limit: int = 4) -> list[str]:
    """The folded words of a search, at most `limit`, duplicates dropped."""
    words: list[str] = []
    for word in fold(text).split():
        if word not in words:
            words.append(word)
    return words[:limit]


# --- the index -----------------------------------------------------------------------------

TRIGRAM_MIN = 3  # shorter words cannot use a trigram index; they only narrow the hits
PG_INDEX = "child_search_trgm"
FTS_ROWS = "children_childsearch"  # SQLite: child id -> a stable integer rowid, and the text
FTS_TABLE = "children_childsearch_fts"
_TRIGGERS = ("children_child_search_ai", "children_child_search_au", "children_child_search_ad")

_SQLITE_TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {FTS_ROWS} (
        rowid INTEGER PRIMARY KEY,
        child_id char(32) NOT NULL UNIQUE,
        search_name text NOT NULL)""",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_name, content='{FTS_ROWS}', content_rowid='rowid', tokenize='trigram')""",
]
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS children_child_search_ai AFTER INSERT ON children_child
    BEGIN
        INSERT INTO {FTS_ROWS}(child_id, search_name) VALUES (new.id, new.search_name);
        INSERT INTO {FTS_TABLE}(rowid, search_name)
            SELECT rowid, search_name FROM {FTS_ROWS} WHERE child_id = new.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS children_child_search_au
    AFTER UPDATE OF search_name ON children_child
    WHEN old.search_name IS NOT new.search_name
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name)
            SELECT 'delete', rowid, search_name FROM {FTS_ROWS} WHERE child_id = old.id;
        UPDATE {FTS_ROWS} SET search_name = new.search_name WHERE child_id = old.id;
        INSERT INTO {FTS_TABLE}(rowid, search_name)
            SELECT rowid, search_name FROM {FTS_ROWS} WHERE child_id = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS children_child_search_ad AFTER DELETE ON children_child
    BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_name)
            SELECT 'delete', rowid, search_name FROM {FTS_ROWS} WHERE child_id = old.id;
        DELETE FROM {FTS_ROWS} WHERE child_id = old.id;
    END""",
]
_SQLITE_REBUILD = [
    f"DELETE FROM {FTS_ROWS}",
    f"INSERT INTO {FTS_ROWS}(child_id, search_name) SELECT id, search_name FROM children_child",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]


def ensure_index(connection: Any) -> bool:
    """Create the name index this database needs if it is missing (idempotent). On SQLite,
    missing triggers mean the child table was rebuilt without them: they are created again
    and the index is rebuilt from the table. True when something was created."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
            if cursor.fetchone():
                return False
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON children_child "
                "USING gin (search_name gin_trgm_ops)"
            )
            return True
        if connection.vendor != "sqlite":
            return False
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s)",
            list(_TRIGGERS),
        )
        if cursor.fetchone()[0] == len(_TRIGGERS):
            return False
        for statement in [*_SQLITE_TABLES, *_SQLITE_TRIGGERS, *_SQLITE_REBUILD]:
            cursor.execute(statement)
        return True


def drop_index(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        elif connection.vendor == "sqlite":
            for trigger in _TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_ROWS}")


def fts_match(words: list[str]) -> str:
    """An FTS5 query: every word (of at least TRIGRAM_MIN letters) as a quoted substring."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
