"""The systemd unit in deploy/ (docs/operations.md, "systemd"): valid for systemd 252, no
restart after a configuration error, and the same text as the README shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "cercle.service"


def service_values(text: str, key: str) -> list[str]:
    """The values of ``key`` in the unit's ``[Service]`` section."""
    values, section = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and line.startswith(f"{key}="):
            values.append(line.split("=", 1)[1])
    return values


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path):
    """``systemd-analyze verify`` accepts the unit (ExecStart pointed at an existing binary)
    without an unknown key or section."""
    true = shutil.which("true") or "/bin/true"
    text = re.sub(r"(?m)^ExecStart=.*$", f"ExecStart={true}", UNIT.read_text(encoding="utf-8"))
    unit = tmp_path / "cercle.service"
    unit.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for word in ("unknown key", "unknown section", "ignoring"):
        assert word not in output.lower(), output


def test_no_restart_after_a_configuration_error():
    """Exit code 2 (configuration) is in RestartPreventExitStatus; restarts are on failure."""
    text = UNIT.read_text(encoding="utf-8")
    prevented = " ".join(service_values(text, "RestartPreventExitStatus")).split()
    assert "2" in prevented
    assert service_values(text, "Restart") == ["on-failure"]


def test_unit_uses_no_key_newer_than_systemd_252():
    """RestartSteps and RestartMaxDelaySec need systemd 254."""
    text = UNIT.read_text(encoding="utf-8")
    assert not re.search(r"(?m)^\s*(RestartSteps|RestartMaxDelaySec)\s*=", text)


def test_readme_shows_the_unit_verbatim():
    """The README embeds deploy/cercle.service exactly, so the two never drift apart."""
    assert UNIT.read_text(encoding="utf-8") in (ROOT / "README.md").read_text(encoding="utf-8")
