"""The systemd units in deploy/systemd: valid for systemd, complete, and consistent.

`systemd-analyze verify` reads the units as systemd would (unknown keys, bad values, missing
executables are errors here); this machine's PID 1 is not systemd, so nothing is booted. Each
unit's ExecStart is run in test_production.py.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from .units import INSTALLED_BIN, UNIT_DIR, all_units, here, services

INSTALL_SYSTEMD = "apt-get install -y systemd"


def test_systemd_analyze_verify_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail(f"systemd-analyze is missing: install it with `{INSTALL_SYSTEMD}`")
    for unit in all_units():
        (tmp_path / unit.name).write_text(here(unit.path.read_text(encoding="utf-8")))
    # A template is verified through an instance of it.
    names = [
        str(tmp_path / (u.name.replace("@.", "@test.") if "@." in u.name else u.name))
        for u in all_units()
    ]

    result = subprocess.run(  # noqa: S603
        [analyze, "verify", "--man=no", *names],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    # systemd-analyze only warns about unknown keys and unparsable values: none is allowed.
    assert result.stderr.strip() == "", result.stderr


def test_every_timer_starts_a_oneshot_service_that_alerts_on_failure() -> None:
    names = {unit.name for unit in all_units()}
    timers = [unit for unit in all_units() if unit.name.endswith(".timer")]
    assert "samverkan-backup.timer" in {t.name for t in timers}
    assert {t.name for t in timers} >= {
        "samverkan-seal-audit.timer",
        "samverkan-verify-audit.timer",
        "samverkan-intake-reminders.timer",
        "samverkan-expire-consents.timer",
        "samverkan-check-worker.timer",
        "samverkan-plan-reminders.timer",
    }
    # Checkpoints reach the system log through the logger samverkan.audit.checkpoint as they
    # are written (docs/runbooks/audit.md); no timer copies them a second time.
    assert "samverkan-ship-checkpoints.timer" not in {t.name for t in timers}
    for timer in timers:
        service = timer.name.removesuffix(".timer") + ".service"
        assert service in names
        assert timer.get("Timer", "Persistent") == "true", timer.name
        assert timer.get("Install", "WantedBy") == "timers.target", timer.name


def test_every_service_runs_the_installed_samverkan_as_its_own_user() -> None:
    for unit in services():
        exec_start = unit.get("Service", "ExecStart")
        assert exec_start.startswith(INSTALLED_BIN + "samverkan "), unit.name
        assert unit.get("Service", "User") == "samverkan", unit.name
        assert unit.get("Service", "EnvironmentFile") == "/etc/samverkan/samverkan.env"
        assert "DJANGO_SETTINGS_MODULE=samverkan.settings.production" in unit.all(
            "Service", "Environment"
        )
        assert unit.get("Service", "ProtectSystem") == "strict", unit.name
        if unit.name != "samverkan-alert@.service":
            assert unit.get("Unit", "OnFailure") == "samverkan-alert@%n.service", unit.name


def test_the_unit_folder_holds_only_units() -> None:
    assert all(p.suffix in {".service", ".timer"} for p in UNIT_DIR.iterdir())


def test_the_backup_alerts_on_failure_too() -> None:
    backup = next(u for u in all_units() if u.name == "samverkan-backup.service")
    assert backup.get("Unit", "OnFailure") == "samverkan-alert@%n.service"
