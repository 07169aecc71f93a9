"""The fake's REST side answers like Discord: auth, limits, permissions, error codes, 429s."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from tests.fakediscord import FakeDiscord, Overwrite, P


@pytest.fixture
async def world():
    fake = await FakeDiscord().start()
    guild = fake.add_guild("G")
    text = fake.add_channel(guild, "text")
    member = fake.add_member(guild, fake.add_user("m"))
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.token}"}) as http:
        yield fake, guild, text, member, http
    await fake.stop()


async def call(http, fake, method, path, body=None, headers=None):
    async with http.request(method, fake.api_base + path, json=body, headers=headers) as resp:
        text = await resp.text()
        return resp.status, (json.loads(text) if text else None), resp.headers


async def test_json_content_type_is_exact(world):
    """discord.py needs Content-Type exactly application/json."""
    fake, *_, http = world
    status, body, headers = await call(http, fake, "GET", "/users/@me")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert body["id"] == str(fake.bot_user.id)


async def test_missing_token_is_401(world):
    """Without the bot token, REST answers 401."""
    fake, *_ = world
    async with aiohttp.ClientSession() as anon:
        status, body, _ = await call(anon, fake, "GET", "/users/@me")
    assert status == 401


async def test_unknown_route_is_recorded(world):
    """A route the fake does not know answers 404 and is recorded for the test to fail on."""
    fake, *_, http = world
    status, _, _ = await call(http, fake, "GET", "/guilds/1/bans")
    assert status == 404 and fake.unknown_routes == ["GET /guilds/1/bans"]
    fake.unknown_routes.clear()


async def test_message_limits_give_50035(world):
    """Content over 2000 characters and an embed title over 256 are refused with 50035 and the paths."""
    fake, guild, text, member, http = world
    status, body, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"content": "x" * 2001})
    assert status == 400 and body["code"] == 50035 and "content" in body["errors"]
    status, body, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"embeds": [{"title": "t" * 257}]})
    assert body["code"] == 50035 and "embeds" in body["errors"]
    status, body, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages",
                                 {"content": "x", "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "L" * 81, "custom_id": "a"}]}]})
    assert body["code"] == 50035


async def test_missing_permission_gives_50013(world):
    """A channel denying Send Messages to the bot answers 403 / 50013."""
    fake, guild, text, member, http = world
    locked = fake.add_channel(guild, "locked", overwrites=[Overwrite(guild.id, 0, deny=P.SEND_MESSAGES)])
    status, body, _ = await call(http, fake, "POST", f"/channels/{locked.id}/messages", {"content": "hi"})
    assert status == 403 and body["code"] == 50013


async def test_closed_dms_give_50007(world):
    """A member with closed DMs: the DM channel opens but sending answers 50007."""
    fake, guild, text, member, http = world
    member.dms_open = False
    status, dm, _ = await call(http, fake, "POST", "/users/@me/channels", {"recipient_id": str(member.id)})
    assert status == 200
    status, body, _ = await call(http, fake, "POST", f"/channels/{dm['id']}/messages", {"content": "hi"})
    assert status == 403 and body["code"] == 50007


async def test_threads_archive_and_unarchive_on_post(world):
    """A thread from a message has the message's id; posting unarchives it; a locked one needs Manage Threads (50083)."""
    fake, guild, text, member, http = world
    _, msg, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"content": "root"})
    status, thread, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages/{msg['id']}/threads",
                                   {"name": "n" * 100, "auto_archive_duration": 1440})
    assert status == 200 and thread["id"] == msg["id"]
    status, body, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages/{msg['id']}/threads", {"name": "again"})
    assert status == 400
    await fake.archive_thread(fake.channels[int(thread["id"])])
    status, _, _ = await call(http, fake, "POST", f"/channels/{thread['id']}/messages", {"content": "wake"})
    assert status == 200 and not fake.channels[int(thread["id"])].archived
    await fake.archive_thread(fake.channels[int(thread["id"])], locked=True)
    await fake.set_bot_permissions(guild, P.VIEW_CHANNEL | P.SEND_MESSAGES | P.SEND_MESSAGES_IN_THREADS)
    status, body, _ = await call(http, fake, "POST", f"/channels/{thread['id']}/messages", {"content": "x"})
    assert body["code"] == 50083
    status, body, _ = await call(http, fake, "POST", f"/channels/{text.id}/threads", {"name": "x" * 101})
    assert body["code"] in (50013, 50035)


async def test_scheduled_events_need_permission_and_limits(world):
    """Creating an event needs Manage/Create Events; names over 100 and non-weekly intervals are refused."""
    fake, guild, text, member, http = world
    event = {"name": "Meet", "entity_type": 3, "privacy_level": 2, "scheduled_start_time": "2027-01-01T10:00:00+00:00",
             "scheduled_end_time": "2027-01-01T11:00:00+00:00", "entity_metadata": {"location": "Paris"}}
    status, created, _ = await call(http, fake, "POST", f"/guilds/{guild.id}/scheduled-events", event)
    assert status == 200 and created["status"] == 1
    status, body, _ = await call(http, fake, "POST", f"/guilds/{guild.id}/scheduled-events", event | {"name": "n" * 101})
    assert body["code"] == 50035
    monthly_x3 = {"frequency": 1, "interval": 3, "start": event["scheduled_start_time"]}
    status, body, _ = await call(http, fake, "POST", f"/guilds/{guild.id}/scheduled-events", event | {"recurrence_rule": monthly_x3})
    assert body["code"] == 50035
    await fake.set_bot_permissions(guild, P.VIEW_CHANNEL | P.SEND_MESSAGES)
    status, body, _ = await call(http, fake, "POST", f"/guilds/{guild.id}/scheduled-events", event)
    assert status == 403 and body["code"] == 50013


async def test_injected_429_has_retry_after_and_via(world):
    """An injected 429 carries retry_after in the body and a Via header, then the route works again."""
    fake, guild, text, member, http = world
    fake.inject_429("POST", r"/channels/\d+/messages$", retry_after=0.25)
    status, body, headers = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"content": "x"})
    assert status == 429 and body["retry_after"] == 0.25 and "Via" in headers
    status, _, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"content": "x"})
    assert status == 200


async def test_command_budget_and_daily_creates(world):
    """A command over 8,000 characters is refused; more than 200 creates a day answer 30034."""
    fake, guild, text, member, http = world
    app = fake.app_id
    big = {"name": "big", "description": "d" * 100, "options": [
        {"type": 1, "name": f"s{i}", "description": "d" * 100, "options": [
            {"type": 3, "name": f"o{j}", "description": "d" * 100} for j in range(3)]} for i in range(25)]}
    status, body, _ = await call(http, fake, "PUT", f"/applications/{app}/guilds/{guild.id}/commands", [big])
    assert status == 400 and body["code"] == 50035
    fake.command_creates[guild.id] = 199
    cmds = [{"name": "a", "description": "a"}, {"name": "b", "description": "b"}]
    status, body, _ = await call(http, fake, "PUT", f"/applications/{app}/guilds/{guild.id}/commands", cmds)
    assert body["code"] == 30034


async def test_interaction_double_ack_and_late_ack(world):
    """A second callback answers 40060; a first callback after 3 s answers 10062."""
    fake, guild, text, member, http = world
    # A raw interaction that no bot answers: the test plays the bot's side by hand.
    reply = await fake._interact(2, member, guild, text, {"id": "1", "name": "x", "type": 1}, locale=None, wait=False)
    state = reply.state
    url = f"/interactions/{state.id}/{state.token}/callback"
    async with aiohttp.ClientSession() as anon:
        status, _, _ = await call(anon, fake, "POST", url, {"type": 4, "data": {"content": "one"}})
        assert status == 204
        status, body, _ = await call(anon, fake, "POST", url, {"type": 4, "data": {"content": "two"}})
        assert body["code"] == 40060
        late = (await fake._interact(2, member, guild, text, {"id": "1", "name": "x", "type": 1}, locale=None, wait=False)).state
        late.created = time.monotonic() - 3.5
        status, body, _ = await call(anon, fake, "POST", f"/interactions/{late.id}/{late.token}/callback", {"type": 5})
        assert status == 404 and body["code"] == 10062


async def test_modal_limits(world):
    """A modal with a title over 45 characters or six inputs is refused."""
    fake, guild, text, member, http = world
    state = (await fake._interact(2, member, guild, text, {"id": "1", "name": "x", "type": 1}, locale=None, wait=False)).state
    url = f"/interactions/{state.id}/{state.token}/callback"
    row = {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}]}
    async with aiohttp.ClientSession() as anon:
        _, body, _ = await call(anon, fake, "POST", url, {"type": 9, "data": {"custom_id": "m", "title": "t" * 46, "components": [row]}})
        assert body["code"] == 50035
        _, body, _ = await call(anon, fake, "POST", url, {"type": 9, "data": {"custom_id": "m", "title": "ok", "components": [row] * 6}})
        assert body["code"] == 50035
        status, _, _ = await call(anon, fake, "POST", url, {"type": 9, "data": {"custom_id": "m", "title": "ok", "components": [row]}})
        assert status == 204


async def test_default_mentions_ping_but_none_does_not(world):
    """A bot message without allowed_mentions pings @everyone and roles; with parse=[] it pings nobody."""
    fake, guild, text, member, http = world
    _, loud, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages", {"content": f"@everyone <@{member.id}>"})
    assert loud["mention_everyone"] and loud["mentions"]
    _, quiet, _ = await call(http, fake, "POST", f"/channels/{text.id}/messages",
                             {"content": f"@everyone <@{member.id}>", "allowed_mentions": {"parse": []}})
    assert not quiet["mention_everyone"] and not quiet["mentions"]


async def test_deferred_ephemeral_stays_ephemeral_and_first_followup_replaces_it(world):
    """A 'thinking' defer with the ephemeral flag stays private; the first followup fills that same message."""
    fake, guild, text, member, http = world
    state = (await fake._interact(2, member, guild, text, {"id": "1", "name": "x", "type": 1}, locale=None, wait=False)).state
    async with aiohttp.ClientSession() as anon:
        status, _, _ = await call(anon, fake, "POST", f"/interactions/{state.id}/{state.token}/callback", {"type": 5, "data": {"flags": 64}})
        assert status == 204 and state.original.ephemeral
        status, body, _ = await call(anon, fake, "POST", f"/webhooks/{fake.app_id}/{state.token}", {"content": "done"})
    assert status == 200 and body["id"] == str(state.original.id)
    assert state.original.content == "done" and state.original.ephemeral and not state.followups
    assert fake.messages_in(text.id) == []  # nothing visible to the channel


async def test_scheduled_event_status_transitions(world):
    """Events go scheduled → active → completed; an ended event cannot change status again."""
    fake, guild, text, member, http = world
    event = {"name": "Meet", "entity_type": 3, "privacy_level": 2, "scheduled_start_time": "2027-01-01T10:00:00+00:00",
             "scheduled_end_time": "2027-01-01T11:00:00+00:00", "entity_metadata": {"location": "Paris"}}
    _, created, _ = await call(http, fake, "POST", f"/guilds/{guild.id}/scheduled-events", event)
    path = f"/guilds/{guild.id}/scheduled-events/{created['id']}"
    status, body, _ = await call(http, fake, "PATCH", path, {"status": 3})
    assert status == 400 and body["code"] == 50035
    assert (await call(http, fake, "PATCH", path, {"status": 2}))[1]["status"] == 2
    assert (await call(http, fake, "PATCH", path, {"status": 3}))[1]["status"] == 3
    status, body, _ = await call(http, fake, "PATCH", path, {"status": 2})
    assert body["code"] == 50035


async def test_command_names_follow_discords_rule_in_every_locale(world):
    """Accented lowercase names pass; a capital, a space or 33 characters in a localisation answer 50035."""
    fake, guild, text, member, http = world
    route = f"/applications/{fake.app_id}/guilds/{guild.id}/commands"
    good = {"name": "meeting", "description": "d", "name_localizations": {"fr": "réunion"}, "options": [
        {"type": 3, "name": "starts", "description": "d", "name_localizations": {"fr": "début"}},
        {"type": 3, "name": "repeat_on", "description": "d", "name_localizations": {"fr": "répéter_le"}}]}
    status, _, _ = await call(http, fake, "PUT", route, [good])
    assert status == 200
    for bad in ("Réunion", "ré union", "r" * 33, "réunion!"):
        cmd = {**good, "name_localizations": {"fr": bad}}
        status, body, _ = await call(http, fake, "PUT", route, [cmd])
        assert status == 400 and body["code"] == 50035, bad
        assert "name_localizations" in body["errors"]["0"], bad


async def test_sibling_names_must_differ_in_every_locale(world):
    """Two options named alike in French, or two commands alike by default, answer 50035."""
    fake, guild, text, member, http = world
    route = f"/applications/{fake.app_id}/guilds/{guild.id}/commands"
    options = [
        {"type": 3, "name": "opens", "description": "d", "name_localizations": {"fr": "fermeture"}},
        {"type": 3, "name": "closes", "description": "d", "name_localizations": {"fr": "fermeture"}},
    ]
    status, body, _ = await call(http, fake, "PUT", route, [{"name": "poll", "description": "d", "options": options}])
    assert status == 400 and body["code"] == 50035
    assert "fr" in body["errors"]["0"]["options"]["1"]["name_localizations"]
    # A French name equal to a sibling's unlocalised English name is a clash too.
    options[0] = {"type": 3, "name": "fermeture", "description": "d"}
    status, body, _ = await call(http, fake, "PUT", route, [{"name": "poll", "description": "d", "options": options}])
    assert status == 400 and body["code"] == 50035
    twins = [{"name": "poll", "description": "a"}, {"name": "poll", "description": "b"}]
    status, body, _ = await call(http, fake, "PUT", route, twins)
    assert status == 400 and body["code"] == 50035
