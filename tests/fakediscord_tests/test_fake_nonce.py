"""The fake's Create Message honours ``nonce`` / ``enforce_nonce`` as Discord documents it: a
second create with the same nonce by the same author within a few minutes returns the
first message instead of posting again; and discord.py's own send carries them."""

from __future__ import annotations

import json

import aiohttp
import discord
import pytest

from tests.fakediscord import FakeDiscord


@pytest.fixture
async def world():
    fake = await FakeDiscord().start()
    guild = fake.add_guild("G")
    text = fake.add_channel(guild, "text")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
        yield fake, text, http
    await fake.stop()


async def post(http, fake, channel, body):
    async with http.post(f"{fake.api_base}/channels/{channel.id}/messages", json=body) as resp:
        return resp.status, json.loads(await resp.text())


async def test_same_enforced_nonce_returns_the_first_message(world):
    """Two creates with one nonce and enforce_nonce make one message; the answer echoes the nonce."""
    fake, text, http = world
    status, first = await post(http, fake, text, {"content": "hello", "nonce": "week-49", "enforce_nonce": True})
    again_status, again = await post(http, fake, text, {"content": "hello", "nonce": "week-49", "enforce_nonce": True})
    assert status == again_status == 200 and first["id"] == again["id"] and again["nonce"] == "week-49"
    assert len(fake.messages_in(text.id)) == 1 and fake.nonce_hits == 1


async def test_nonce_without_enforce_or_after_the_window_posts_again(world):
    """Without enforce_nonce, or once the window passed, the same nonce makes a new message."""
    fake, text, http = world
    _, first = await post(http, fake, text, {"content": "a", "nonce": "n1"})
    _, second = await post(http, fake, text, {"content": "a", "nonce": "n1"})
    assert first["id"] != second["id"]
    _, third = await post(http, fake, text, {"content": "b", "nonce": "n2", "enforce_nonce": True})
    fake.expire_nonces()
    _, fourth = await post(http, fake, text, {"content": "b", "nonce": "n2", "enforce_nonce": True})
    assert third["id"] != fourth["id"] and len(fake.messages_in(text.id)) == 4


async def test_nonce_limits_and_a_deleted_first_message(world):
    """A nonce over 25 characters, or enforce_nonce without one, is 50035; the nonce of a
    message deleted since answers 10008 Unknown Message."""
    fake, text, http = world
    status, body = await post(http, fake, text, {"content": "a", "nonce": "x" * 26, "enforce_nonce": True})
    assert status == 400 and body["code"] == 50035 and "nonce" in body["errors"]
    status, body = await post(http, fake, text, {"content": "a", "enforce_nonce": True})
    assert status == 400 and "nonce" in body["errors"]
    _, first = await post(http, fake, text, {"content": "a", "nonce": "gone", "enforce_nonce": True})
    await fake.remove_message(fake.messages[int(first["id"])])
    status, body = await post(http, fake, text, {"content": "a", "nonce": "gone", "enforce_nonce": True})
    assert status == 404 and body["code"] == 10008


async def test_a_lost_answer_retried_by_discord_py_posts_once(world):
    """A 500 after the message was created (the answer lost): discord.py retries the request
    with the same nonce and enforce_nonce, and Discord's dedupe gives back the first message."""
    fake, text, _ = world
    fake.inject_500("POST", rf"/channels/{text.id}/messages$", after_effect=True)
    client = discord.Client(intents=discord.Intents.none())
    discord.http.Route.BASE = fake.api_base
    await client.login(fake.token)
    try:
        sent = await client.get_partial_messageable(text.id).send("results", nonce="poll-7")
    finally:
        await client.close()
    assert [m.id for m in fake.messages_in(text.id)] == [sent.id] and fake.nonce_hits == 1


async def test_history_pages_with_before_and_after(world):
    """GET messages pages newest first with before, and oldest first after a given id."""
    fake, text, http = world
    ids = [int((await post(http, fake, text, {"content": str(n)}))[1]["id"]) for n in range(5)]
    async with http.get(f"{fake.api_base}/channels/{text.id}/messages", params={"limit": 2, "before": ids[3]}) as resp:
        assert [int(m["id"]) for m in json.loads(await resp.text())] == [ids[2], ids[1]]
    async with http.get(f"{fake.api_base}/channels/{text.id}/messages", params={"limit": 2, "after": ids[0]}) as resp:
        assert [int(m["id"]) for m in json.loads(await resp.text())] == [ids[2], ids[1]]
