"""Discord answering badly is a sentence and exit 4 (or 2 when a setting is wrong), from the real ``cercle``."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.e2e.cli import run_cercle_async, user_env

pytestmark = pytest.mark.slow


def _env(tmp_path, token, api_base, gateway_url="ws://127.0.0.1:9/") -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return user_env(home, DATA_DIR=str(tmp_path / "data"), DISCORD_TOKEN=token,
                    DISCORD_API_BASE=api_base, DISCORD_GATEWAY_URL=gateway_url)


@pytest.fixture
async def answering():
    """Start a loopback HTTP server answering every request with ``(status, content type, body)``."""
    runners = []

    async def start(status: int, content_type: str, body: str) -> str:
        async def handler(request):
            return web.Response(status=status, text=body, content_type=content_type)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}/api/v10"

    yield start
    for runner in runners:
        await runner.cleanup()


def _clean(result, fake_token: str) -> None:
    assert "Traceback" not in result.text, result.text
    assert fake_token not in result.text
    assert "<html" not in result.text.lower()


async def test_gateway_unreachable_while_rest_works(fake, tmp_path):
    """REST answers but the WebSocket is blocked: run exits 4 naming DISCORD_GATEWAY_URL, in one sentence."""
    env = _env(tmp_path, fake.token, fake.api_base, gateway_url="ws://127.0.0.1:9/")
    result = await run_cercle_async("run", env=env, cwd=tmp_path)
    assert result.code == 4, result.text
    assert "gateway cannot be reached at ws://127.0.0.1:9/ (DISCORD_GATEWAY_URL)" in result.err
    _clean(result, fake.token)


@pytest.mark.parametrize("command", ["run", "check", "sync-commands"])
async def test_discord_outage_is_exit_4(answering, tmp_path, fake, command):
    """Every REST answer a 503: exit 4, 'try again', never a traceback."""
    api = await answering(503, "application/json", '{"message": "Service Unavailable", "code": 0}')
    result = await run_cercle_async(command, env=_env(tmp_path, fake.token, api), cwd=tmp_path)
    assert result.code == 4, result.text
    assert "HTTP 503" in result.err and "try again" in result.err
    _clean(result, fake.token)


@pytest.mark.parametrize("command", ["run", "check", "sync-commands"])
async def test_a_web_page_at_the_api_base_is_a_configuration_error(answering, tmp_path, fake, command):
    """DISCORD_API_BASE at some web server: exit 2 naming the variable; the page is not dumped."""
    api = await answering(404, "text/html", "<html><body>Not here</body></html>")
    result = await run_cercle_async(command, env=_env(tmp_path, fake.token, api), cwd=tmp_path)
    assert result.code == 2, result.text
    assert f"{api} (DISCORD_API_BASE) does not answer as Discord's API (HTTP 404)" in result.err
    _clean(result, fake.token)


async def test_a_proxy_refusing_requests_is_exit_4(answering, tmp_path, fake):
    """A 403 web page (a proxy or firewall): exit 4 pointing at the network."""
    api = await answering(403, "text/html", "<html>blocked</html>")
    result = await run_cercle_async("check", env=_env(tmp_path, fake.token, api), cwd=tmp_path)
    assert result.code == 4, result.text
    assert "refused before reaching Discord (HTTP 403)" in result.err
    _clean(result, fake.token)


async def test_sync_to_a_server_the_bot_is_not_in(fake, tmp_path):
    """--guild with a server the bot is not in: Discord's 403 Missing Access becomes exit 2 naming --guild."""
    env = _env(tmp_path, fake.token, fake.api_base, fake.gateway_url)
    result = await run_cercle_async("sync-commands", "--guild", "123456789012345678", env=env, cwd=tmp_path)
    assert result.code == 2, result.text
    assert "no server 123456789012345678 that this bot is in" in result.err and "--guild" in result.err
    _clean(result, fake.token)


@pytest.mark.parametrize("value", ["0", "-5", "abc"])
async def test_sync_refuses_a_guild_id_that_cannot_be_one(tmp_path, fake, value):
    """--guild 0 would silently sync globally; it, negatives and words are refused before any request."""
    env = _env(tmp_path, fake.token, fake.api_base)
    result = await run_cercle_async("sync-commands", f"--guild={value}", env=env, cwd=tmp_path)
    assert result.code == 2 and "server id" in result.err
    assert fake.global_commands == []
