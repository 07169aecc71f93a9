"""The fake's gateway with the real discord.py: identify, ready, resume, invalid session, fatal intents."""

from __future__ import annotations

import asyncio

import discord
import pytest
import yarl

from tests.fakediscord import FakeDiscord


def bare_client(fake: FakeDiscord, **kwargs) -> discord.Client:
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    intents = kwargs.pop("intents", discord.Intents.default())
    return discord.Client(intents=intents, guild_ready_timeout=0.05, **kwargs)


async def start(client: discord.Client, fake: FakeDiscord) -> asyncio.Task:
    task = asyncio.create_task(client.start(fake.token))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()
    assert ready in done
    return task


@pytest.fixture
async def fake():
    server = await FakeDiscord().start()
    yield server
    await server.stop()


async def test_ready_and_guild_create(fake):
    """A plain discord.py client connects, sees its guild, channels and roles."""
    guild = fake.add_guild("G")
    fake.add_channel(guild, "general")
    client = bare_client(fake)
    task = await start(client, fake)
    g = client.get_guild(guild.id)
    assert g is not None and g.name == "G" and [c.name for c in g.text_channels] == ["general"]
    assert client.user.id == fake.bot_user.id
    await client.close()
    await task


async def test_resume_replays_events_missed_while_disconnected(fake):
    """After a dropped connection discord.py RESUMEs and gets the events sent meanwhile."""
    guild = fake.add_guild("G")
    channel = fake.add_channel(guild, "general")
    member = fake.add_member(guild, fake.add_user("m"))
    intents = discord.Intents.default()
    client = bare_client(fake, intents=intents)
    task = await start(client, fake)
    for ws in list(fake.live_sockets):
        await ws.close(code=4000)
    msg = await fake.post(member, channel, "hello")  # dispatched while disconnected: buffered
    for _ in range(400):
        await asyncio.sleep(0.01)
        if fake.gateway.resume_count:
            break
    assert fake.gateway.resume_count == 1 and fake.gateway.identify_count == 1
    for _ in range(100):
        await asyncio.sleep(0.01)
        if client.get_channel(channel.id).last_message_id == msg.id:
            break
    assert client.get_channel(channel.id).last_message_id == msg.id
    await client.close()
    await task


async def test_invalid_session_forces_identify(fake):
    """Op 9 d=false makes the client IDENTIFY again (a new session)."""
    fake.add_guild("G")
    client = bare_client(fake)
    task = await start(client, fake)
    await fake.gateway.invalidate_sessions()
    for _ in range(800):  # discord.py waits a few seconds before re-identifying
        await asyncio.sleep(0.01)
        if fake.gateway.identify_count == 2:
            break
    assert fake.gateway.identify_count == 2
    await client.close()
    await task


async def test_disallowed_privileged_intent_is_fatal(fake):
    """Asking for the members intent when the portal does not allow it closes with 4014."""
    fake.privileged_intents["members"] = False
    intents = discord.Intents.default()
    intents.members = True
    client = bare_client(fake, intents=intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake.token), timeout=10)
    await client.close()


async def test_wrong_token_fails_login(fake):
    """A wrong token fails at login with 401, as Discord does."""
    client = bare_client(fake)
    with pytest.raises(discord.LoginFailure):
        await client.start("not-the-token")
    await client.close()
