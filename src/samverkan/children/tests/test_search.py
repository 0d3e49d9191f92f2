"""Name search by index (ADR 0004): the folded search text and the Swedish sort key computed in
Python, kept in step on every write path, indexed on both databases, and the same results in
the same order whichever database the suite runs on (R1.1: finding a child by name)."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samverkan.access.tests.factories import actor_of
from samverkan.children import search, services
from samverkan.children.models import Child
from samverkan.children.tests.factories import ChildFactory, EnrolmentFactory

# --- pure: folding and the sort key --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Åsa Öberg-Lind", "asa oberg-lind"),
        ("  JOSÉ   Müller ", "jose muller"),
        ("Søren Ærø", "soren aero"),
        ("Straße", "strasse"),
    ],
)
def test_fold_drops_case_and_diacritics(text: str, folded: str) -> None:
    assert search.fold(text) == folded


def test_sort_key_puts_a_ring_a_umlaut_o_umlaut_after_z() -> None:
    families = ["Östlund", "Ärlig", "Åberg", "Zetterberg", "Andersson", "Öberg", "Ahlström"]

    ordered = sorted(families, key=lambda f: search.sort_key("Anna", f))

    assert ordered == ["Ahlström", "Andersson", "Zetterberg", "Åberg", "Ärlig", "Öberg", "Östlund"]


def test_sort_key_orders_by_family_then_given_name_ignoring_case_and_accents() -> None:
    names = [("Örjan", "berg"), ("Anna", "Berg-Lind"), ("Åke", "Berg"), ("Élin", "Berg")]

    ordered = sorted(names, key=lambda n: search.sort_key(*n))

    assert ordered == [("Élin", "Berg"), ("Åke", "Berg"), ("Örjan", "berg"), ("Anna", "Berg-Lind")]
    assert search.sort_key("Élin", "Berg") == search.sort_key("elin", "BERG")


def test_sort_key_is_digits_only_so_every_collation_orders_it_alike() -> None:
    assert search.sort_key("Zoë O'Brien", "Åström-Ünal").isdigit()


# --- the database: index kept in step, results and order -------------------------------------

SWEDISH_ORDER = [
    ("Nils", "Andersson"),
    ("Nils", "Zetterberg"),
    ("Nils", "Åberg"),
    ("Nilsa", "Åberg"),
    ("Nils", "Ärlig"),
    ("Nils", "Öberg"),
    ("Nils", "Östlund"),
]


@pytest.fixture
def many(world: Any) -> list[Child]:
    children = []
    for given, family in reversed(SWEDISH_ORDER):
        child = ChildFactory(municipality=world.a, given_name=given, family_name=family)
        EnrolmentFactory(child=child, school=world.school1)
        children.append(child)
    return children


def names(results: list[Child]) -> list[tuple[str, str]]:
    return [(c.given_name, c.family_name) for c in results]


def test_the_database_orders_results_by_the_swedish_key(world: Any, many: list[Child]) -> None:
    actor = actor_of(world.users["intake"])

    _, results = services.child_search(actor=actor, text="nils")

    # The same order on SQLite and PostgreSQL: the suite runs on both (.ci/run).
    assert names(results) == SWEDISH_ORDER
    assert [c.sort_key for c in results] == sorted(c.sort_key for c in results)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ARLIG", [("Nils", "Ärlig")]),
        ("aberg", [("Nils", "Åberg"), ("Nilsa", "Åberg")]),
        ("ÅBERG nilsa", [("Nilsa", "Åberg")]),
        (
            "nils berg",
            [("Nils", "Zetterberg"), ("Nils", "Åberg"), ("Nilsa", "Åberg"), ("Nils", "Öberg")],
        ),
        ("östl", [("Nils", "Östlund")]),
        ("ni ab", [("Nils", "Åberg"), ("Nilsa", "Åberg")]),
        ("zz", []),
        ('"berg', []),
    ],
)
def test_name_search_folds_case_and_diacritics(
    world: Any, many: list[Child], text: str, expected: list[tuple[str, str]]
) -> None:
    actor = actor_of(world.users["intake"])

    _, results = services.child_search(actor=actor, text=text)

    assert names(results) == expected


def test_a_search_by_number_is_served_by_the_unique_index(world: Any) -> None:
    """The unique (municipality, identity_number) index leaves provisional children out, so
    the search must say it wants registered children only, or it reads every child."""
    child = ChildFactory(municipality=world.a)
    actor = actor_of(world.users["intake"])

    with CaptureQueriesContext(connection) as captured:
        _, results = services.child_search(actor=actor, text=child.identity_number)

    assert results == [child]
    search = next(q["sql"] for q in captured.captured_queries if "children_child" in q["sql"])
    where = search.split(" WHERE ", 1)[1]
    assert "identity_number" in where
    assert "is_provisional" in where


def test_the_principal_still_sees_only_their_schools_children(
    world: Any, many: list[Child]
) -> None:
    elsewhere = ChildFactory(municipality=world.a, given_name="Nils", family_name="Ödman")
    EnrolmentFactory(child=elsewhere, school=world.school2)

    _, principal = services.child_search(actor=actor_of(world.users["principal"]), text="nils")
    _, intake = services.child_search(actor=actor_of(world.users["intake"]), text="nils")

    assert elsewhere not in principal
    assert elsewhere in intake


def test_renaming_a_child_moves_it_in_the_index(world: Any, many: list[Child]) -> None:
    actor = actor_of(world.users["intake"])
    child = many[0]  # Nils Östlund

    child.family_name = "Qvist"
    child.save(update_fields=["family_name"])

    assert names(services.child_search(actor=actor, text="östlund")[1]) == []
    assert names(services.child_search(actor=actor, text="qvist")[1]) == [("Nils", "Qvist")]
    child.refresh_from_db()
    assert child.sort_key == search.sort_key("Nils", "Qvist")


def test_bulk_writes_keep_the_search_columns(world: Any) -> None:
    actor = actor_of(world.users["intake"])
    [made] = Child.objects.bulk_create(
        [ChildFactory.build(municipality=world.a, given_name="Ebba", family_name="Ödquist")]
    )
    made.given_name = "Tove"
    Child.objects.bulk_update([made], ["given_name"])

    assert names(services.child_search(actor=actor, text="tove odquist")[1]) == [
        ("Tove", "Ödquist")
    ]
    assert names(services.child_search(actor=actor, text="ebba")[1]) == []
    with pytest.raises(TypeError):
        Child.objects.filter(pk=made.pk).update(family_name="Berg")


def test_a_deleted_child_leaves_the_index(world: Any, many: list[Child]) -> None:
    child = many[0]
    child.enrolments.all().delete()
    child.delete()

    _, results = services.child_search(actor=actor_of(world.users["intake"]), text="östlund")

    assert results == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {search.FTS_ROWS}")  # noqa: S608
            assert cursor.fetchone()[0] == Child.objects.count()


def test_the_trigram_index_is_there_after_migrate(db: None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [search.PG_INDEX]
            )
            assert "gin_trgm_ops" in cursor.fetchone()[0]
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            assert set(search._TRIGGERS) <= triggers
    assert search.ensure_index(connection) is False  # nothing missing, nothing made


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite drops triggers with its table")
def test_lost_triggers_are_made_again_and_the_index_rebuilt(world: Any, many: list[Child]) -> None:
    with connection.cursor() as cursor:
        for trigger in search._TRIGGERS:
            cursor.execute(f"DROP TRIGGER {trigger}")
        cursor.execute(f"DELETE FROM {search.FTS_ROWS}")  # noqa: S608

    assert search.ensure_index(connection) is True

    _, results = services.child_search(actor=actor_of(world.users["intake"]), text="östlund")
    assert names(results) == [("Nils", "Östlund")]
