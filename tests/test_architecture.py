"""Architecture rules that read the source (STYLE §3 Ruff, P1, P2, P5).

The rules parse Python with `ast` rather than matching text, so comments, docstrings and
strings never trip them and formatting never hides a breach. Each rule is also run against a
small bad example, so a rule that silently stopped finding anything would fail too.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "samverkan"

# Tables with personal data about children, or the log of who read them.
PERSONAL_DATA_MODELS = frozenset(
    {"Child", "Guardian", "Guardianship", "Enrolment", "Note", "AuditEvent"}
)
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Interfaces: HTML views, API operations and background tasks (P1). A module that outgrew one
# file is a package of the same name.
INTERFACE_MODULES = frozenset({"views", "api", "tasks"})

# Translation functions and how many of their leading arguments are message text.
TRANSLATION_CALLS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": 2,
    "pgettext_lazy": 2,
    "npgettext": 3,
    "npgettext_lazy": 3,
}

# Services modules that write without an audit entry, and why.
UNAUDITED_SERVICES = {
    "audit": "the audit log's own writer",
    "demo": "fictional seed data loaded by an operator command; no actor, no real person",
    "notifications": "notices to staff about their work; they carry no data about a child, and "
    "the change that causes a notice is audited by its own service",
}


def source_files() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"


def is_interface(path: Path) -> bool:
    parts = path.relative_to(SRC).with_suffix("").parts
    return any(part in INTERFACE_MODULES for part in parts)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


# Rule 1: no ORM access to personal data in views, api or tasks (P1, P3).


def personal_data_managers(tree: ast.AST) -> Iterator[ast.Attribute]:
    """`Child.objects`, `models.Note._default_manager` and the like."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and _name(node.value) in PERSONAL_DATA_MODELS
        ):
            yield node


def test_interfaces_never_query_personal_data_directly() -> None:
    files = [path for path in source_files() if is_interface(path)]

    breaches = [where(path, node) for path in files for node in personal_data_managers(parse(path))]

    assert breaches == []


def test_the_interface_scan_covers_the_known_views_and_api() -> None:
    files = {str(p.relative_to(SRC)) for p in source_files() if is_interface(p)}

    assert {"children/views.py", "children/api.py", "api.py", "organisations/views.py"} <= files


def test_the_personal_data_rule_finds_a_direct_query() -> None:
    bad = ast.parse(
        "from .models import Child\n"
        "from samverkan.audit import models\n"
        "def view(request):\n"
        "    Child.objects.filter(pk=1)\n"
        "    return models.AuditEvent._default_manager.all()\n"
    )

    found = list(personal_data_managers(bad))

    assert len(found) == 2


# Rule 2: translated text is a literal with named placeholders, never an f-string (i18n).


def translation_calls(tree: ast.AST) -> Iterator[tuple[ast.Call, list[ast.expr]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            count = TRANSLATION_CALLS.get(_name(node.func))
            if count:
                yield node, node.args[:count]


def formatted_messages(tree: ast.AST) -> Iterator[ast.Call]:
    """Translation calls whose message is built at run time (f-string, % or .format())."""
    for call, messages in translation_calls(tree):
        for message in messages:
            if any(isinstance(n, ast.JoinedStr) for n in ast.walk(message)) or not (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            ):
                yield call
                break


def test_translated_text_is_never_an_f_string_or_built_at_run_time() -> None:
    breaches = [
        where(path, call) for path in source_files() for call in formatted_messages(parse(path))
    ]

    assert breaches == []


def test_the_translation_scan_sees_the_projects_messages() -> None:
    calls = sum(len(list(translation_calls(parse(path)))) for path in source_files())

    assert calls > 100


@pytest.mark.parametrize(
    "code",
    [
        'x = _(f"Hej {name}")',
        'x = gettext_lazy(f"Hej {name}")',
        'x = gettext("Hej %s" % name)',
        'x = _("Hej {}".format(name))',
        "x = _(message)",
        'x = ngettext("en", f"{n} st", n)',
        'x = pgettext("hälsning", f"Hej {name}")',
    ],
)
def test_the_translation_rule_finds_a_message_built_at_run_time(code: str) -> None:
    found = list(formatted_messages(ast.parse(code)))

    assert len(found) == 1


@pytest.mark.parametrize(
    "code",
    [
        'x = _("Hej %(name)s") % {"name": name}',
        'x = ngettext("%(n)d barn", "%(n)d barn", n)',
        'x = pgettext("hälsning", "Hej")',
        'x = _("Lång text som " "fortsätter")',
    ],
)
def test_the_translation_rule_accepts_literals_with_named_placeholders(code: str) -> None:
    found = list(formatted_messages(ast.parse(code)))

    assert found == []


# Rule 3: every write leaves an audit entry (P2, P5).


def services_modules() -> list[Path]:
    return [
        path
        for path in source_files()
        if path.name == "services.py" or path.parent.name == "services"
    ]


def app_of(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def imports_audit(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "samverkan.audit" and any(a.name == "services" for a in node.names):
                return True
            if node.module == "samverkan.audit.services":
                return True
        if isinstance(node, ast.Import) and any(
            a.name == "samverkan.audit.services" for a in node.names
        ):
            return True
    return False


def test_every_services_module_imports_the_audit_log() -> None:
    modules = [path for path in services_modules() if app_of(path) not in UNAUDITED_SERVICES]

    missing = [str(path.relative_to(SRC)) for path in modules if not imports_audit(parse(path))]

    assert "children/services.py" in {str(p.relative_to(SRC)) for p in modules}
    assert missing == []


def functions_reaching_audit(tree: ast.Module) -> dict[str, bool]:
    """For each top-level function: does it call `audit.record`/`audit_services.record`,
    directly or through other functions of the same module?"""
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    calls: dict[str, set[str]] = {}
    records: dict[str, bool] = {}
    for name, function in functions.items():
        called = {_name(n.func) for n in ast.walk(function) if isinstance(n, ast.Call)}
        calls[name] = called & functions.keys()
        records[name] = any(
            isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr in {"record", "record_denied"}
            and _name(n.func.value) in {"audit", "audit_services"}
            for n in ast.walk(function)
        )

    def reaches(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if records[name]:
            return True
        return any(reaches(c, seen | {name}) for c in calls[name] - seen - {name})

    return {name: reaches(name) for name in functions}


def test_every_public_children_service_writes_an_audit_entry() -> None:
    tree = parse(SRC / "children" / "services.py")

    reaching = functions_reaching_audit(tree)

    public = {name: ok for name, ok in reaching.items() if not name.startswith("_")}
    assert {"child_search", "child_open", "note_create"} <= public.keys()
    assert [name for name, ok in public.items() if not ok] == []


def test_the_audit_rule_follows_private_helpers_and_finds_a_gap() -> None:
    tree = ast.parse(
        "def thing_create(**kw):\n"
        "    return _thing_create(**kw)\n"
        "def _thing_create(**kw):\n"
        "    audit.record(actor=kw['actor'])\n"
        "def thing_delete(**kw):\n"
        "    pass\n"
    )

    reaching = functions_reaching_audit(tree)

    assert reaching == {"thing_create": True, "_thing_create": True, "thing_delete": False}
