"""``cercle check`` against the fake Discord: the real application id, and what it warns about."""

from __future__ import annotations

import pytest

from tests.e2e.cli import run_cercle_async, user_env

pytestmark = pytest.mark.slow


def _env(fake, tmp_path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return user_env(home, DATA_DIR=str(tmp_path / "data"), DISCORD_TOKEN=fake.token,
                    DISCORD_API_BASE=fake.api_base, DISCORD_GATEWAY_URL=fake.gateway_url)


async def test_check_logs_in_and_prints_the_real_application_id(fake, tmp_path):
    """Online, check prints the application id Discord returns (not a placeholder) and exits 0."""
    result = await run_cercle_async("check", env=_env(fake, tmp_path), cwd=tmp_path)
    assert result.code == 0, result.text
    assert f"application id {fake.app_id}" in result.out
    assert f"Invite URL: https://discord.com/oauth2/authorize?client_id={fake.app_id}&" in result.out
    assert "WARNING" not in result.text and "Not verified" not in result.text
    assert fake.token not in result.text


async def test_check_warns_when_the_bot_is_public(fake, tmp_path):
    """Public Bot on: a warning that names the portal switch (still exit 0: it is a choice)."""
    fake.bot_public = True
    result = await run_cercle_async("check", env=_env(fake, tmp_path), cwd=tmp_path)
    assert result.code == 0, result.text
    assert "WARNING: Public Bot is on" in result.out and "Public Bot" in result.out


async def test_check_warns_when_the_members_intent_is_off(fake, tmp_path):
    """Server Members intent off: check says so and exits 2, and run is refused with the same fix (exit 2)."""
    fake.privileged_intents["members"] = False
    env = _env(fake, tmp_path)
    result = await run_cercle_async("check", env=env, cwd=tmp_path)
    assert result.code == 2, result.text
    assert "Server Members intent is not enabled" in result.out
    run = await run_cercle_async("run", env=env, cwd=tmp_path)
    assert run.code == 2, run.text
    assert "SERVER MEMBERS intent" in run.err and "Traceback" not in run.text


async def test_check_with_a_refused_token(fake, tmp_path):
    """A token of the right shape that Discord refuses (401) is a configuration error (exit 2), not 'unreachable'."""
    env = _env(fake, tmp_path)
    head, middle, _ = fake.token.split(".")
    env["DISCORD_TOKEN"] = f"{head}.{middle}.{'x' * 27}"
    result = await run_cercle_async("check", env=env, cwd=tmp_path)
    assert result.code == 2, result.text
    assert "refused by Discord" in result.err and "Reset Token" in result.err and "reached" not in result.err
