"""Running the real ``cercle`` console script as a user would, for the process tests.

``CERCLE_BIN`` names the script to run (``.ci/run`` points it at a wheel installed in a
fresh virtual environment outside the checkout); by default it is the one installed
beside the Python running the tests. The child gets a user's environment: none of the
machine's Cercle variables, bytecode writing on, a home of its own, and Discord at a
closed loopback port unless a test points it at the fake — a test never reaches
discord.com.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CLOSED_API_BASE = "http://127.0.0.1:9/api/v10"
"""Nothing listens on the discard port: Discord is unreachable at once."""
CLOSED_GATEWAY = "ws://127.0.0.1:9/"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0"
"""A token of Discord's shape whose first part encodes application id 123456789012345678."""

_OWN_VARIABLES = ("DISCORD_", "DATABASE_", "ANONYMITY_", "DEFAULT_", "DATA_DIR", "XDG_DATA_HOME", "LOG_LEVEL", "DEV_GUILD")


def cercle_command() -> list[str]:
    """The ``cercle`` script to run: ``$CERCLE_BIN``, else the one beside ``sys.executable``."""
    given = os.environ.get("CERCLE_BIN")
    if given:
        return [given]
    beside = Path(sys.executable).parent / "cercle"
    if not beside.exists():
        raise AssertionError(f"no cercle script at {beside}: install the project (pip install .) or set CERCLE_BIN")
    return [str(beside)]


def user_env(home: Path, **variables: str) -> dict[str, str]:
    """A user's environment: ``HOME=home``, bytecode writing on, Discord unreachable,
    none of the machine's Cercle settings, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_VARIABLES)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(HOME=str(home), DISCORD_API_BASE=CLOSED_API_BASE, DISCORD_GATEWAY_URL=CLOSED_GATEWAY)
    env.update(variables)
    return env


@dataclass
class Result:
    """What a ``cercle`` run printed and how it exited."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """stdout and stderr together."""
        return self.out + self.err


def without_file_permission_override() -> list[str]:
    """A prefix that runs the command without the power to ignore file permissions.

    As root (CI), ``setpriv`` drops every capability, so a read-only folder is read-only
    to the child as it is to an ordinary user; as an ordinary user no prefix is needed.
    Skips the test when running as root without ``setpriv``.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a folder read-only to the child")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all", "--"]


def run_cercle(*args: str, env: dict[str, str], cwd: Path, prefix: list[str] | None = None, timeout: float = 60) -> Result:
    """Run ``cercle args…`` to its end and return its :class:`Result`."""
    done = subprocess.run(
        [*(prefix or []), *cercle_command(), *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)



async def run_cercle_async(*args: str, env: dict[str, str], cwd: Path) -> Result:
    """:func:`run_cercle` (60 s at most) for tests whose event loop serves the fake Discord meanwhile."""
    process = await asyncio.create_subprocess_exec(
        *cercle_command(), *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())
