"""The systemd units in deploy/systemd, read as systemd reads them (enough for the tests)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
UNIT_DIR = REPO / "deploy" / "systemd"
BACKUP_DIR = REPO / "deploy" / "backup"
# Where the runbook installs the virtualenv; the tests put this checkout's in its place.
INSTALLED_BIN = "/opt/samverkan/venv/bin/"
THIS_BIN = str(Path(sys.executable).parent) + "/"
INSTALLED_BACKUP = "/usr/local/sbin/samverkan-backup"
UNIT_SUFFIXES = frozenset({".service", ".timer"})


@dataclass
class Unit:
    path: Path
    sections: dict[str, list[tuple[str, str]]]

    @property
    def name(self) -> str:
        return self.path.name

    def get(self, section: str, key: str, default: str = "") -> str:
        values = [v for k, v in self.sections.get(section, []) if k == key]
        return values[-1] if values else default

    def all(self, section: str, key: str) -> list[str]:
        return [v for k, v in self.sections.get(section, []) if k == key]


def read_unit(path: Path) -> Unit:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
            continue
        key, _, value = line.partition("=")
        sections[current].append((key.strip(), value.strip()))
    return Unit(path, sections)


def app_units() -> list[Unit]:
    """The app's units (deploy/systemd): every one runs `samverkan`."""
    return [read_unit(path) for path in sorted(UNIT_DIR.iterdir()) if path.is_file()]


def all_units() -> list[Unit]:
    """The app's units and the backup's (deploy/backup)."""
    backup = [read_unit(p) for p in sorted(BACKUP_DIR.iterdir()) if p.suffix in UNIT_SUFFIXES]
    return app_units() + backup


def services() -> list[Unit]:
    return [unit for unit in app_units() if unit.name.endswith(".service")]


def here(text: str) -> str:
    """The unit's text with this checkout's files where the runbook installs them."""
    return text.replace(INSTALLED_BIN, THIS_BIN).replace(
        INSTALLED_BACKUP, str(BACKUP_DIR / "samverkan-backup")
    )
