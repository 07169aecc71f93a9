"""`cercle run` as a separate process against the fake Discord.

The process is the installed ``cercle`` script (``CERCLE_BIN`` when set: ``.ci/run`` runs
this file with a wheel installed outside the checkout), in a user's environment.
"""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.e2e.cli import cercle_command, user_env
from tests.e2e.harness import build_club
from tests.fakediscord import CommandNotAvailable

pytestmark = pytest.mark.slow


def _env(fake, tmp_path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return user_env(
        home,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DATABASE_PATH=str(tmp_path / "data" / "cercle.sqlite3"),
        ANONYMITY_SECRET_FILE=str(tmp_path / "secrets" / "anonymity.key"),
        LOG_LEVEL="INFO",
        DEFAULT_LOCALE="en",
    )


async def _cercle(*args: str, env: dict[str, str], cwd) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cercle_command(), *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _wait_connected(fake, identifies_before: int) -> None:
    for _ in range(400):
        if fake.gateway.identify_count > identifies_before and fake.gateway.ready_count > identifies_before:
            await fake.settle(quiet=0.2)
            return
        await asyncio.sleep(0.05)
    raise AssertionError("cercle run did not connect to the fake gateway within 20 s")


async def _stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    return process.returncode, stderr.decode()


async def test_cercle_run_process_end_to_end(fake, tmp_path):
    """sync-commands, then run: /help answers, an admin sets zone and language, a member is refused,
    SIGTERM exits 0 with no traceback, and a second start shows the same settings."""
    club = build_club(fake)
    env = _env(fake, tmp_path)

    sync = await _cercle("sync-commands", env=env, cwd=tmp_path)
    out, err = await asyncio.wait_for(sync.communicate(), timeout=60)
    assert sync.returncode == 0, err.decode()
    assert "/help" in out.decode() and "/club" in out.decode()

    process = await _cercle("run", env=env, cwd=tmp_path)
    try:
        await _wait_connected(fake, 0)
        reply = await fake.slash(club.alice, "help", guild=club.guild)
        assert "/help" in reply.text()
        saved = await fake.slash(club.admin, "club config set", guild=club.guild, timezone="America/Montreal", language="fr")
        assert "Saved" in saved.text()
        with pytest.raises(CommandNotAvailable):
            await fake.slash(club.alice, "club config set", guild=club.guild, timezone="UTC")
        fake.allow_command(club.guild, "club")
        refused = await fake.slash(club.alice, "club config set", guild=club.guild, timezone="UTC")
        assert "Only the club's moderators" in refused.text()
    finally:
        code, stderr = await _stop(process)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert fake.token not in stderr

    identifies = fake.gateway.identify_count
    process = await _cercle("run", env=env, cwd=tmp_path)
    try:
        await _wait_connected(fake, identifies)
        shown = await fake.slash(club.admin, "club config show", guild=club.guild)
        assert "America/Montreal" in shown.text() and "French" in shown.text()
    finally:
        code, stderr = await _stop(process)
    assert code == 0, stderr


async def test_cercle_run_without_token_explains_setup(tmp_path):
    """Without a token, `cercle run` exits non-zero with the set-up guidance and no traceback."""
    env = user_env(tmp_path, DATABASE_PATH=str(tmp_path / "db.sqlite3"))
    del env["DISCORD_API_BASE"], env["DISCORD_GATEWAY_URL"]
    process = await _cercle("run", env=env, cwd=tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    text = err.decode()
    assert process.returncode == 2
    assert "DISCORD_TOKEN" in text and "SERVER MEMBERS INTENT" in text and ".env" in text
    assert "Traceback" not in text


async def test_bad_setting_names_the_variable_without_value(tmp_path):
    """A bad DEFAULT_TIMEZONE is named with what is allowed; a bad token value never appears."""
    env = user_env(tmp_path, DEFAULT_TIMEZONE="Mars/Olympus", DISCORD_TOKEN="super-secret-token-value",
                   DATABASE_PATH=str(tmp_path / "d.db"))
    process = await _cercle("run", env=env, cwd=tmp_path)
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    text = err.decode()
    assert process.returncode == 2
    assert "DEFAULT_TIMEZONE" in text and "IANA" in text
    assert "super-secret-token-value" not in text and "Mars/Olympus" not in text and "Traceback" not in text


async def test_second_process_on_the_same_database_refuses_to_start(fake, tmp_path):
    """A second `cercle run` on a database already served exits 3 with a clear message; the first keeps serving."""
    club = build_club(fake)
    env = _env(fake, tmp_path)
    sync = await _cercle("sync-commands", env=env, cwd=tmp_path)
    await asyncio.wait_for(sync.communicate(), timeout=60)
    first = await _cercle("run", env=env, cwd=tmp_path)
    try:
        await _wait_connected(fake, 0)
        second = await _cercle("run", env=env, cwd=tmp_path)
        _, err = await asyncio.wait_for(second.communicate(), timeout=30)
        assert second.returncode == 3 and "already running" in err.decode()
        assert fake.gateway.identify_count == 1
        reply = await fake.slash(club.alice, "help", guild=club.guild)
        assert "/help" in reply.text()
    finally:
        code, stderr = await _stop(first)
    assert code == 0, stderr


@pytest.mark.parametrize("outage", ["refuse", "hang"])
async def test_sigterm_while_discord_is_unreachable_exits_0_at_once(fake, tmp_path, outage):
    """Discord goes away — refusing connections (discord.py backs off between attempts,
    SIGTERM comes in a back-off of 6 s or more) or leaving them unanswered (discord.py waits
    on the handshake) — and SIGTERM still ends `cercle run` within 5 s, with exit 0
    (systemd would SIGKILL it at 30 s)."""
    import re
    import time

    build_club(fake)
    process = await _cercle("run", env=_env(fake, tmp_path), cwd=tmp_path)
    lines: list[str] = []
    stuck = asyncio.Event()

    async def read() -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            lines.append(raw.decode())
            found = re.search(r"reconnect in (\d+\.\d+)s", lines[-1])
            if found and float(found.group(1)) >= 6:
                stuck.set()

    reader = asyncio.create_task(read())
    try:
        await _wait_connected(fake, 0)
        fake.gateway.unreachable = outage
        await fake.gateway.drop_connections()
        if outage == "hang":
            await asyncio.sleep(2.0)  # discord.py's next handshake is pending
        else:
            await asyncio.wait_for(stuck.wait(), 120)
    finally:
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 90)
        took = time.monotonic() - began
        fake.gateway.reachable()
        await asyncio.wait_for(reader, 10)
    stderr = "".join(lines)
    assert code == 0, stderr
    assert took < 5.0, (took, stderr[-2000:])
    assert "Traceback" not in stderr
