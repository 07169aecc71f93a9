"""The fake REST API (``/api/v10``): the routes Cercle uses, with Discord's checks,
errors (10003, 10008, 10062, 40060, 50001, 50005, 50007, 50013, 50035, 50083, 30034, 30038),
Create Message's ``nonce`` / ``enforce_nonce``, and 429 and 500 injection. An unknown route answers 404 and is recorded so the test fails."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakediscord import validate
from tests.fakediscord.gateway import DIRECT_MESSAGES, GUILD_MESSAGES, GUILD_SCHEDULED_EVENTS, GUILDS
from tests.fakediscord.model import Channel, Message, P, iso_now

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord, InteractionState

Handler = Callable[..., Awaitable[web.Response]]
INTERACTION_TTL = 15 * 60
FIRST_RESPONSE_DEADLINE = 3.0


SCHEDULED_EVENTS_MAX = 100
"""Scheduled or active events a guild may hold at once (Discord: 30038 beyond)."""


class DiscordError(Exception):
    """An error answer: HTTP ``status``, Discord ``code`` and ``message`` (and ``body``)."""

    def __init__(self, status: int, code: int, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.body = status, code, message, body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with ``Content-Type`` exactly ``application/json`` (discord.py checks it)."""
    if status == 204:
        return web.Response(status=204)
    base = {"Content-Type": "application/json"}
    base.update(headers or {})
    return web.Response(body=json.dumps(data).encode(), status=status, headers=base)


def invalid(problems: validate.Problems) -> DiscordError:
    return DiscordError(400, 50035, "Invalid Form Body", validate.errors_body(problems))


MISSING_PERMISSIONS = (403, 50013, "Missing Permissions")
UNKNOWN_CHANNEL = (404, 10003, "Unknown Channel")
UNKNOWN_MESSAGE = (404, 10008, "Unknown Message")
UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")


class Rest:
    """Route table and handlers; state lives on the :class:`FakeDiscord`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        r = self._route
        r("GET", r"/users/@me", self.get_me)
        r("GET", r"/users/(?P<user_id>\d+)", self.get_user)
        r("GET", r"/oauth2/applications/@me", self.get_application)
        r("GET", r"/applications/@me", self.get_application)
        r("GET", r"/gateway/bot", self.get_gateway)
        r("GET", r"/gateway", self.get_gateway)
        r("PUT", r"/applications/(?P<app>\d+)/commands", self.put_commands)
        r("GET", r"/applications/(?P<app>\d+)/commands", self.get_commands)
        r("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", self.put_commands)
        r("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", self.get_commands)
        r("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self.callback, auth=False)
        r("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self.followup, auth=False)
        r("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self.webhook_get, auth=False)
        r("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self.webhook_edit, auth=False)
        r("DELETE", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)", self.webhook_delete, auth=False)
        r("GET", r"/channels/(?P<channel_id>\d+)", self.get_channel)
        r("PATCH", r"/channels/(?P<channel_id>\d+)", self.edit_channel)
        r("DELETE", r"/channels/(?P<channel_id>\d+)", self.delete_channel)
        r("GET", r"/channels/(?P<channel_id>\d+)/messages", self.list_messages)
        r("POST", r"/channels/(?P<channel_id>\d+)/messages", self.create_message)
        r("GET", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", self.get_message)
        r("PATCH", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", self.edit_message)
        r("DELETE", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", self.delete_message)
        r("POST", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)/threads", self.thread_from_message)
        r("POST", r"/channels/(?P<channel_id>\d+)/threads", self.thread_without_message)
        r("PUT", r"/channels/(?P<channel_id>\d+)/thread-members/@me", self.join_thread)
        r("POST", r"/users/@me/channels", self.open_dm)
        r("GET", r"/guilds/(?P<guild_id>\d+)", self.get_guild)
        r("GET", r"/guilds/(?P<guild_id>\d+)/channels", self.get_guild_channels)
        r("GET", r"/guilds/(?P<guild_id>\d+)/roles", self.get_roles)
        r("GET", r"/guilds/(?P<guild_id>\d+)/members", self.list_members)
        r("GET", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)", self.get_member)
        r("GET", r"/guilds/(?P<guild_id>\d+)/scheduled-events", self.list_events)
        r("POST", r"/guilds/(?P<guild_id>\d+)/scheduled-events", self.create_event)
        r("GET", r"/guilds/(?P<guild_id>\d+)/scheduled-events/(?P<event_id>\d+)", self.get_event)
        r("PATCH", r"/guilds/(?P<guild_id>\d+)/scheduled-events/(?P<event_id>\d+)", self.edit_event)
        r("DELETE", r"/guilds/(?P<guild_id>\d+)/scheduled-events/(?P<event_id>\d+)", self.delete_event)

    def _route(self, method: str, pattern: str, handler: Handler, auth: bool = True) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler, auth))

    # -- plumbing -----------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        fake = self.fake
        fake.inflight += 1
        fake.last_request_at = time.monotonic()
        try:
            for method, pattern, handler, auth in self.routes:
                match = pattern.match(path)
                if match is None or method != request.method:
                    continue
                fake.requests.append((request.method, path))
                limited = fake.take_429(request.method, path)
                if limited is not None:
                    return limited
                if auth and request.headers.get("Authorization") != f"Bot {fake.token}":
                    fake.invalid_requests += 1
                    return json_response({"code": 0, "message": "401: Unauthorized"}, 401)
                failing = fake.take_500(request.method, path)
                if failing is not None and not failing["after"]:
                    return json_response({"code": 0, "message": "500: Internal Server Error"}, 500)
                try:
                    body, files = await self._body(request)
                    answer = await handler(request, body, files, **match.groupdict())
                    if failing is not None:  # carried out, but the answer is lost
                        return json_response({"code": 0, "message": "500: Internal Server Error"}, 500)
                    return answer
                except DiscordError as exc:
                    if exc.status in (401, 403, 429):
                        fake.invalid_requests += 1
                    fake.errors.append((request.method, path, exc.code))
                    return json_response(exc.body or {"code": exc.code, "message": exc.message}, exc.status)
            fake.unknown_routes.append(f"{request.method} {path}")
            return json_response({"code": 0, "message": "404: Not Found"}, 404)
        finally:
            fake.inflight -= 1
            fake.last_request_at = time.monotonic()

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes, str | None]]]:
        files: list[tuple[str, bytes, str | None]] = []
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                elif part.filename:
                    files.append((part.filename, bytes(await part.read()), part.headers.get("Content-Type")))
            return body, files
        if request.can_read_body:
            text = await request.text()
            return (json.loads(text) if text else {}), files
        return {}, files

    def channel(self, channel_id: str | int) -> Channel:
        channel = self.fake.channels.get(int(channel_id))
        if channel is None or channel.deleted:
            raise DiscordError(*UNKNOWN_CHANNEL)
        return channel

    def require(self, channel: Channel, *bits: int) -> None:
        """Raise 50013 unless the bot has every permission in ``bits`` in ``channel``."""
        if channel.guild_id is None:
            return
        guild = self.fake.guilds[channel.guild_id]
        perms = guild.permissions_in(self.fake.bot_user.id, channel)
        for bit in bits:
            if not perms & bit:
                raise DiscordError(*MISSING_PERMISSIONS)

    # -- identity -------------------------------------------------------------------

    async def get_me(self, request, body, files):
        return json_response(self.fake.bot_user.payload() | {"bot": True, "verified": True, "mfa_enabled": False, "flags": 0})

    async def get_user(self, request, body, files, user_id):
        user = self.fake.users.get(int(user_id))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def get_application(self, request, body, files):
        return json_response(
            {
                "id": str(self.fake.app_id),
                "name": self.fake.bot_user.username,
                "icon": None,
                "description": "Cercle (fake)",
                "rpc_origins": [],
                "bot_public": self.fake.bot_public,
                "bot_require_code_grant": False,
                "bot": self.fake.bot_user.payload(),
                "owner": self.fake.owner.payload(),
                "summary": "",
                "verify_key": "0" * 64,
                "team": None,
                "flags": self.fake.application_flags(),
                "tags": [],
            }
        )

    async def get_gateway(self, request, body, files):
        return json_response(
            {
                "url": self.fake.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        )

    # -- commands -------------------------------------------------------------------

    def _command_guild(self, guild_id: str | None) -> int | None:
        """The guild of a guild-commands route; Discord answers 403 Missing Access (50001)
        for a guild the bot is not in, whether or not it exists."""
        if guild_id is None:
            return None
        if int(guild_id) not in self.fake.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return int(guild_id)

    async def put_commands(self, request, body, files, app, guild_id=None):
        self._command_guild(guild_id)
        if not isinstance(body, list):
            raise invalid([("_", "Expected an array")])
        problems: validate.Problems = []
        for i, cmd in enumerate(body):
            problems += validate.command(cmd, i)
        problems += validate.duplicate_names((c for c in body if c.get("type", 1) == 1), "")
        if len(body) > 100:
            problems.append(("_", "Must be 100 or fewer in length."))
        if problems:
            raise invalid(problems)
        key = int(guild_id) if guild_id else None
        existing = {c["name"] for c in self.fake.command_store(key)}
        creates = sum(1 for c in body if c["name"] not in existing)
        if self.fake.command_creates.get(key, 0) + creates > 200:
            raise DiscordError(400, 30034, "Max number of daily application command creates has been reached (200)")
        self.fake.command_creates[key] = self.fake.command_creates.get(key, 0) + creates
        stored = []
        for cmd in body:
            data = dict(cmd)
            data.update(
                {
                    "id": str(self.fake.ids.next()),
                    "application_id": str(self.fake.app_id),
                    "version": str(self.fake.ids.next()),
                    "type": cmd.get("type", 1),
                    "default_member_permissions": cmd.get("default_member_permissions"),
                    "nsfw": cmd.get("nsfw", False),
                }
            )
            if guild_id:
                data["guild_id"] = guild_id
            stored.append(data)
        self.fake.set_commands(key, stored)
        return json_response(stored)

    async def get_commands(self, request, body, files, app, guild_id=None):
        return json_response(self.fake.command_store(self._command_guild(guild_id)))

    # -- interactions ------------------------------------------------------------

    def interaction(self, iid: str | None, token: str) -> InteractionState:
        state = self.fake.interactions_by_token.get(token)
        if state is None or (iid is not None and state.id != int(iid)):
            raise DiscordError(*UNKNOWN_INTERACTION)
        return state

    async def callback(self, request, body, files, iid, token):
        state = self.interaction(iid, token)
        elapsed = time.monotonic() - state.created
        if state.responded:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if elapsed > FIRST_RESPONSE_DEADLINE and not self.fake.lenient_deadline:
            raise DiscordError(*UNKNOWN_INTERACTION)
        kind = body.get("type")
        data = body.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):
            if state.type == 4:
                raise invalid([("type", "Autocomplete interactions only accept type 8")])
            if kind == 4:
                payload = dict(data)
                payload["_files"] = files
                problems = validate.message(payload)
                if problems:
                    raise invalid(problems)
            # A "thinking" defer keeps its flags: deferred ephemeral replies stay ephemeral.
            body = data if kind == 4 else {"content": "", "flags": data.get("flags") or 0}
            message = self.fake.store_interaction_message(state, body, files, loading=kind == 5)
            state.original = message
            resource["message"] = message.data
        elif kind in (6, 7):
            if state.type != 3 and not (state.type == 5 and state.from_message):
                raise invalid([("type", "Only component interactions can update a message")])
            if kind == 7:
                problems = validate.message(dict(data) | {"_files": files, "content": data.get("content", "x")})
                if problems:
                    raise invalid(problems)
                target = self.fake.messages[state.message_id]
                self.fake.apply_edit(target, data, files)
                resource["message"] = target.data
        elif kind == 8:
            if state.type != 4:
                raise invalid([("type", "Only autocomplete interactions accept type 8")])
            choices = data.get("choices") or []
            problems = []
            if len(choices) > 25:
                problems.append(("data.choices", "Must be 25 or fewer in length."))
            for i, choice in enumerate(choices):
                if not 1 <= len(str(choice.get("name", ""))) <= 100:
                    problems.append((f"data.choices.{i}.name", "Must be between 1 and 100 in length."))
                if len(str(choice.get("value", ""))) > 100:
                    problems.append((f"data.choices.{i}.value", "Must be 100 or fewer in length."))
            if problems:
                raise invalid(problems)
            state.choices = choices
        elif kind == 9:
            if state.type in (4, 5):
                raise invalid([("type", "Cannot respond to this interaction with a modal")])
            problems = validate.modal(data)
            if problems:
                raise invalid(problems)
            state.modal = data
        else:
            raise invalid([("type", "Unknown interaction callback type")])
        state.responded = True
        state.response_type = kind
        state.ack_at = time.monotonic()
        self.fake.ack_latencies.append(state.ack_at - state.created)
        if kind in (4, 7, 8, 9):
            state.done.set()
        state.acked.set()
        result = {
            "interaction": {
                "id": str(state.id),
                "type": state.type,
                "response_message_id": str(state.original.id) if state.original else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": resource,
        }
        if request.query.get("with_response") in ("1", "true", "True"):
            return json_response(result)
        return json_response(None, 204)

    def webhook_state(self, app: str, token: str) -> InteractionState:
        if int(app) != self.fake.app_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        state = self.fake.interactions_by_token.get(token)
        if state is None or time.monotonic() - state.created > INTERACTION_TTL:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if not state.responded:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return state

    async def followup(self, request, body, files, app, token):
        state = self.webhook_state(app, token)
        payload = dict(body)
        problems = validate.message(payload | {"_files": files})
        if problems:
            raise invalid(problems)
        if state.response_type == 5 and state.original is not None and state.original.data.get("_loading"):
            # Discord: the first followup after a "thinking" defer replaces the loading message.
            original = state.original
            self.fake.apply_edit(original, body, files)
            original.data.pop("_loading", None)
            original.data["flags"] = int(original.data.get("flags") or 0) & ~128
            state.done.set()
            return json_response(original.data)
        message = self.fake.store_interaction_message(state, body, files, followup=True)
        state.followups.append(message)
        state.done.set()
        return json_response(message.data)

    def _webhook_message(self, state: InteractionState, mid: str) -> Message:
        if mid == "@original":
            if state.original is None:
                raise DiscordError(*UNKNOWN_MESSAGE)
            return state.original
        message = self.fake.messages.get(int(mid))
        if message is None or message.interaction_id != state.id:
            raise DiscordError(*UNKNOWN_MESSAGE)
        return message

    async def webhook_get(self, request, body, files, app, token, mid):
        state = self.webhook_state(app, token)
        return json_response(self._webhook_message(state, mid).data)

    async def webhook_edit(self, request, body, files, app, token, mid):
        state = self.webhook_state(app, token)
        if mid == "@original" and state.original is None and state.response_type == 6 and state.message_id:
            message = self.fake.messages[state.message_id]
        else:
            message = self._webhook_message(state, mid)
        merged = {k: message.data.get(k) for k in ("content", "embeds", "components")} | body
        problems = validate.message(merged | {"_files": files or message.attachments})
        if problems:
            raise invalid(problems)
        self.fake.apply_edit(message, body, files)
        message.data.pop("_loading", None)
        state.done.set()
        return json_response(message.data)

    async def webhook_delete(self, request, body, files, app, token, mid):
        state = self.webhook_state(app, token)
        message = self._webhook_message(state, mid)
        await self.fake.remove_message(message)
        state.done.set()
        return json_response(None, 204)

    # -- channels and messages ---------------------------------------------------------

    async def get_channel(self, request, body, files, channel_id):
        channel = self.channel(channel_id)
        if channel.guild_id is not None:
            self.require(channel, P.VIEW_CHANNEL)
        return json_response(channel.payload(self.fake.users))

    async def edit_channel(self, request, body, files, channel_id):
        channel = self.channel(channel_id)
        if not channel.is_thread:
            self.require(channel, P.MANAGE_CHANNELS)
            if "name" in body:
                channel.name = body["name"]
        else:
            guild = self.fake.guilds[channel.guild_id]
            perms = guild.permissions_in(self.fake.bot_user.id, channel)
            is_owner = channel.owner_id == self.fake.bot_user.id
            wants_lock = body.get("locked") is True
            unarchive_only = body.get("archived") is False and not wants_lock and not channel.locked
            if not (perms & P.MANAGE_THREADS or unarchive_only or (is_owner and not wants_lock and not channel.locked)):
                raise DiscordError(*MISSING_PERMISSIONS)
            problems = validate.thread({"name": body.get("name", channel.name), "auto_archive_duration": body.get("auto_archive_duration")})
            if problems:
                raise invalid(problems)
            for key in ("archived", "locked", "auto_archive_duration", "name"):
                if key in body:
                    setattr(channel, key, body[key])
        await self.fake.gateway.dispatch(
            "THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", channel.payload(), intent=GUILDS
        )
        return json_response(channel.payload())

    async def delete_channel(self, request, body, files, channel_id):
        channel = self.channel(channel_id)
        self.require(channel, P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS)
        await self.fake.delete_channel(channel)
        return json_response(channel.payload())

    async def list_messages(self, request, body, files, channel_id):
        """Newest first, ``limit`` ≤ 100 (default 50); ``before`` / ``after`` a message id
        (with ``after``, the oldest ones after it)."""
        channel = self.channel(channel_id)
        self.require(channel, P.VIEW_CHANNEL, P.READ_MESSAGE_HISTORY)
        limit = min(int(request.query.get("limit", 50)), 100)
        messages = self.fake.messages_in(channel.id)
        if "before" in request.query:
            messages = [m for m in messages if m.id < int(request.query["before"])]
        if "after" in request.query:
            messages = [m for m in messages if m.id > int(request.query["after"])][:limit]
        return json_response([m.data for m in reversed(messages[-limit:])])

    def _check_postable(self, channel: Channel, body: dict[str, Any], files: list) -> None:
        if channel.type == 1:
            user = self.fake.users[channel.recipient_id]
            if not user.dms_open or user.bot:
                raise DiscordError(403, 50007, "Cannot send messages to this user")
            return
        if channel.is_thread:
            self.require(channel, P.VIEW_CHANNEL, P.SEND_MESSAGES_IN_THREADS)
            if channel.archived and channel.locked:
                guild = self.fake.guilds[channel.guild_id]
                if not guild.permissions_in(self.fake.bot_user.id, channel) & P.MANAGE_THREADS:
                    raise DiscordError(400, 50083, "Thread is archived")
        else:
            self.require(channel, P.VIEW_CHANNEL, P.SEND_MESSAGES)
        if body.get("embeds"):
            self.require(channel, P.EMBED_LINKS)
        if files:
            self.require(channel, P.ATTACH_FILES)

    async def create_message(self, request, body, files, channel_id):
        """Create Message; with ``nonce`` and ``enforce_nonce: true``, a second create with the
        same nonce by the same author within the fake's window returns the first message
        (Discord's documented dedupe), or 10008 if that message was deleted since."""
        channel = self.channel(channel_id)
        self._check_postable(channel, body, files)
        problems = validate.message(dict(body) | {"_files": files})
        if problems:
            raise invalid(problems)
        try:
            existing = self.fake.nonce_message(self.fake.bot_user, body)
        except KeyError:
            raise DiscordError(*UNKNOWN_MESSAGE) from None
        if existing is not None:
            return json_response(existing.data | {"nonce": str(body["nonce"])})
        if channel.is_thread and channel.archived:
            channel.archived = False
            await self.fake.gateway.dispatch("THREAD_UPDATE", channel.payload(), intent=GUILDS)
        message = await self.fake.post_as(self.fake.bot_user, channel, body, files)
        self.fake.remember_nonce(self.fake.bot_user, body, message)
        nonce = {} if body.get("nonce") is None else {"nonce": str(body["nonce"])}
        return json_response(message.data | nonce)

    async def get_message(self, request, body, files, channel_id, mid):
        channel = self.channel(channel_id)
        self.require(channel, P.VIEW_CHANNEL, P.READ_MESSAGE_HISTORY)
        message = self.fake.messages.get(int(mid))
        if message is None or message.channel_id != channel.id or message.ephemeral:
            raise DiscordError(*UNKNOWN_MESSAGE)
        return json_response(message.data)

    async def edit_message(self, request, body, files, channel_id, mid):
        channel = self.channel(channel_id)
        message = self.fake.messages.get(int(mid))
        if message is None or message.channel_id != channel.id:
            raise DiscordError(*UNKNOWN_MESSAGE)
        if message.author_id != self.fake.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        if channel.is_thread and channel.archived:
            raise DiscordError(400, 50083, "Thread is archived")
        merged = {k: message.data.get(k) for k in ("content", "embeds", "components")} | body
        problems = validate.message(merged | {"_files": files or message.attachments})
        if problems:
            raise invalid(problems)
        self.fake.apply_edit(message, body, files)
        return json_response(message.data)

    async def delete_message(self, request, body, files, channel_id, mid):
        channel = self.channel(channel_id)
        message = self.fake.messages.get(int(mid))
        if message is None or message.channel_id != channel.id:
            raise DiscordError(*UNKNOWN_MESSAGE)
        if message.author_id != self.fake.bot_user.id:
            if channel.type == 1:
                raise DiscordError(403, 50003, "Cannot execute action on a DM channel")
            self.require(channel, P.MANAGE_MESSAGES)
        await self.fake.remove_message(message)
        return json_response(None, 204)

    async def _new_thread(self, parent: Channel, body: dict[str, Any], message: Message | None) -> Channel:
        if parent.type not in (0, 5):
            raise invalid([("channel_id", "Threads can only be created in text channels")])
        self.require(parent, P.VIEW_CHANNEL, P.CREATE_PUBLIC_THREADS)
        problems = validate.thread(body)
        if problems:
            raise invalid(problems)
        thread_id = message.id if message else self.fake.ids.next()
        thread = Channel(
            id=thread_id,
            type=11,
            name=body["name"],
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.fake.bot_user.id,
            auto_archive_duration=body.get("auto_archive_duration") or 4320,
        )
        self.fake.channels[thread.id] = thread
        self.fake.guilds[parent.guild_id].channels[thread.id] = thread
        if message is not None:
            message.data["thread"] = thread.payload()
        await self.fake.gateway.dispatch("THREAD_CREATE", thread.payload() | {"newly_created": True}, intent=GUILDS)
        return thread

    async def thread_from_message(self, request, body, files, channel_id, mid):
        parent = self.channel(channel_id)
        message = self.fake.messages.get(int(mid))
        if message is None or message.channel_id != parent.id:
            raise DiscordError(*UNKNOWN_MESSAGE)
        if int(mid) in self.fake.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        thread = await self._new_thread(parent, body, message)
        return json_response(thread.payload())

    async def thread_without_message(self, request, body, files, channel_id):
        parent = self.channel(channel_id)
        thread = await self._new_thread(parent, body, None)
        return json_response(thread.payload())

    async def join_thread(self, request, body, files, channel_id):
        self.channel(channel_id)
        return json_response(None, 204)

    async def open_dm(self, request, body, files):
        user = self.fake.users.get(int(body.get("recipient_id", 0)))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        channel = self.fake.dm_channel(user)
        return json_response(channel.payload(self.fake.users))

    # -- guilds -------------------------------------------------------------------------

    def guild(self, guild_id: str | int):
        guild = self.fake.guilds.get(int(guild_id))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def get_guild(self, request, body, files, guild_id):
        return json_response(self.guild(guild_id).payload(self.fake.users, full=False))

    async def get_guild_channels(self, request, body, files, guild_id):
        guild = self.guild(guild_id)
        return json_response([c.payload() for c in guild.channels.values() if not c.is_thread and not c.deleted])

    async def get_roles(self, request, body, files, guild_id):
        return json_response([r.payload() for r in self.guild(guild_id).roles.values()])

    async def list_members(self, request, body, files, guild_id):
        guild = self.guild(guild_id)
        if not self.fake.privileged_intents.get("members"):
            raise DiscordError(403, 50001, "Missing Access")
        limit = min(int(request.query.get("limit", 1)), 1000)
        after = int(request.query.get("after", 0))
        ids = sorted(uid for uid in guild.members if uid > after)[:limit]
        return json_response([guild.member_payload(self.fake.users[u]) for u in ids])

    async def get_member(self, request, body, files, guild_id, user_id):
        guild = self.guild(guild_id)
        if int(user_id) not in guild.members:
            raise DiscordError(404, 10007, "Unknown Member")
        return json_response(guild.member_payload(self.fake.users[int(user_id)]))

    def _event_allowed(self, guild) -> None:
        perms = guild.base_permissions(self.fake.bot_user.id)
        if not perms & (P.MANAGE_EVENTS | P.CREATE_EVENTS):
            raise DiscordError(*MISSING_PERMISSIONS)

    async def list_events(self, request, body, files, guild_id):
        return json_response(list(self.guild(guild_id).scheduled_events.values()))

    async def create_event(self, request, body, files, guild_id):
        guild = self.guild(guild_id)
        self._event_allowed(guild)
        problems = validate.scheduled_event(body)
        if problems:
            raise invalid(problems)
        open_events = [e for e in guild.scheduled_events.values() if e["status"] in (1, 2)]
        if len(open_events) >= SCHEDULED_EVENTS_MAX:
            raise DiscordError(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")
        event = {
            "id": str(self.fake.ids.next()),
            "guild_id": str(guild.id),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.fake.bot_user.id),
            "creator": self.fake.bot_user.payload(),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level", 2),
            "status": 1,
            "entity_type": body.get("entity_type", 3),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
            "image": None,
            "recurrence_rule": body.get("recurrence_rule"),
        }
        guild.scheduled_events[int(event["id"])] = event
        await self.fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", event, intent=GUILD_SCHEDULED_EVENTS)
        return json_response(event)

    def _event(self, guild, event_id: str) -> dict[str, Any]:
        event = guild.scheduled_events.get(int(event_id))
        if event is None:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    async def get_event(self, request, body, files, guild_id, event_id):
        return json_response(self._event(self.guild(guild_id), event_id))

    async def edit_event(self, request, body, files, guild_id, event_id):
        guild = self.guild(guild_id)
        self._event_allowed(guild)
        event = self._event(guild, event_id)
        problems = validate.scheduled_event(event | body, partial=True)
        if "status" in body and body["status"] != event["status"]:
            # Discord: SCHEDULED → ACTIVE or CANCELED, ACTIVE → COMPLETED; ended events are final.
            allowed = {1: {2, 4}, 2: {3}}.get(event["status"], set())
            if body["status"] not in allowed:
                problems.append(("status", f"Cannot change status from {event['status']} to {body['status']}"))
        if problems:
            raise invalid(problems)
        event.update({k: v for k, v in body.items() if k in event or k == "entity_metadata"})
        await self.fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", event, intent=GUILD_SCHEDULED_EVENTS)
        return json_response(event)

    async def delete_event(self, request, body, files, guild_id, event_id):
        guild = self.guild(guild_id)
        self._event_allowed(guild)
        event = self._event(guild, event_id)
        del guild.scheduled_events[int(event_id)]
        await self.fake.gateway.dispatch("GUILD_SCHEDULED_EVENT_DELETE", event, intent=GUILD_SCHEDULED_EVENTS)
        return json_response(None, 204)


def now_iso() -> str:
    """Re-exported for handlers that stamp times."""
    return iso_now()


__all__ = ["Rest", "DiscordError", "json_response", "DIRECT_MESSAGES", "GUILD_MESSAGES"]
