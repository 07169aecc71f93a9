"""FakeDiscord: a Discord API server on loopback that the real discord.py talks to.

Start it, build guilds, members and channels, point a bot at ``api_base`` and
``gateway_url``, then act as members: ``slash``, ``autocomplete``, ``click``, ``select``,
``submit_modal``, ``post`` (a member's message in a channel or thread) and ``dm_bot``.
Each action returns a :class:`Reply` holding what the member saw. Routes the fake does
not know are recorded in ``unknown_routes`` (the e2e fixture fails the test on them).
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakediscord.gateway import DIRECT_MESSAGES, GUILD_MESSAGES, GUILDS, MESSAGE_CONTENT, Gateway
from tests.fakediscord.model import (
    Channel,
    Guild,
    Member,
    Message,
    Overwrite,
    P,
    Role,
    Snowflakes,
    User,
    iso_now,
)
from tests.fakediscord.rest import Rest, json_response

# Names discord.py gives the tasks that run events, commands and components.
_BOT_TASKS = ("discord.py: ", "CommandTree-invoker", "discord-ui-view-dispatch-", "discord-ui-dynamic-")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)")

# What Cercle's invite asks for; tests may strip bits to check refusals.
BOT_PERMISSIONS = (
    P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES | P.READ_MESSAGE_HISTORY
    | P.CREATE_PUBLIC_THREADS | P.SEND_MESSAGES_IN_THREADS | P.MANAGE_THREADS | P.MANAGE_EVENTS
    | P.CREATE_EVENTS | P.USE_APPLICATION_COMMANDS | P.ADD_REACTIONS | P.MENTION_EVERYONE
)


class CommandNotAvailable(AssertionError):
    """The member's Discord client would not show this command (permissions, context)."""


@dataclass
class InteractionState:
    """Server-side life of one interaction."""

    id: int
    token: str
    type: int
    user: User
    guild_id: int | None
    channel_id: int
    created: float
    message_id: int | None = None
    from_message: bool = False
    responded: bool = False
    response_type: int | None = None
    ack_at: float | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Reply:
    """What a member saw after an interaction: the response ``message`` (after edits),
    ``followups``, a ``modal`` to fill, autocomplete ``choices``, or the ``updated`` message."""

    state: InteractionState
    fake: FakeDiscord

    @property
    def type(self) -> int | None:
        return self.state.response_type

    @property
    def message(self) -> Message | None:
        return self.state.original

    @property
    def modal(self) -> dict[str, Any] | None:
        return self.state.modal

    @property
    def choices(self) -> list[dict[str, Any]]:
        return self.state.choices or []

    @property
    def followups(self) -> list[Message]:
        return self.state.followups

    @property
    def updated(self) -> Message | None:
        """The component's message after a type 7 update (or a deferred update's edit)."""
        return self.fake.messages.get(self.state.message_id) if self.state.message_id else None

    @property
    def ephemeral(self) -> bool:
        target = self.message or (self.followups[0] if self.followups else None)
        return bool(target and target.ephemeral)

    def all_messages(self) -> list[Message]:
        return ([self.message] if self.message else []) + list(self.followups)

    def text(self) -> str:
        """Everything the member read: response, followups (content and embeds)."""
        return "\n".join(m.text() for m in self.all_messages())

    @property
    def files(self) -> list[dict[str, Any]]:
        return [a for m in self.all_messages() for a in m.attachments]

    def file_bytes(self, index: int = 0) -> bytes:
        return self.fake.attachment_bytes(self.files[index])

    def __repr__(self) -> str:
        return f"<Reply type={self.type} text={self.text()[:200]!r} modal={bool(self.modal)}>"


APPLICATION_FLAGS = {"presences": 1 << 12, "members": 1 << 14, "message_content": 1 << 18}
"""Application flags GATEWAY_PRESENCE, GATEWAY_GUILD_MEMBERS, GATEWAY_MESSAGE_CONTENT: set
when the privileged intent is enabled in the portal (Discord's "Application Flags")."""


def bot_token(app_id: int) -> str:
    """A token of Discord's shape: base64url of the application id (no padding), a
    timestamp part and an HMAC part, joined by dots ("Authorization" in Discord's docs)."""
    head = base64.urlsafe_b64encode(str(app_id).encode()).decode().rstrip("=")
    return f"{head}.{secrets.token_urlsafe(5)[:6]}.{secrets.token_urlsafe(27)[:27]}"


NONCE_WINDOW = 300.0
"""Seconds a nonce with ``enforce_nonce`` is remembered (Discord: "the past few minutes")."""


class FakeDiscord:
    """The fake Discord server. ``privileged_intents`` says which privileged intents the
    application has enabled in its portal (others close the gateway with 4014)."""

    def application_flags(self) -> int:
        """The application's ``flags``: one bit per privileged intent enabled in the portal."""
        return sum(bit for name, bit in APPLICATION_FLAGS.items() if self.privileged_intents.get(name))

    def __init__(self, *, privileged_intents: dict[str, bool] | None = None) -> None:
        self.ids = Snowflakes()
        self.privileged_intents = privileged_intents or {"members": True, "message_content": False, "presences": False}
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self._channel_messages: dict[int, list[int]] = {}
        self.attachments: dict[int, bytes] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.command_creates: dict[int | None, int] = {}
        self.interactions_by_token: dict[str, InteractionState] = {}
        self.requests: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str, int]] = []
        self.unknown_routes: list[str] = []
        self.invalid_requests = 0
        self.edit_counts: dict[int, int] = {}
        self.ack_latencies: list[float] = []
        self.lenient_deadline = False
        self.inflight = 0
        self.last_request_at = 0.0
        self.live_sockets: set[web.WebSocketResponse] = set()
        self._429: list[dict[str, Any]] = []
        self._500: list[dict[str, Any]] = []
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}
        """``(author id, nonce)`` → ``(message id, monotonic time)`` of creates with ``enforce_nonce``."""
        self.nonce_window = NONCE_WINDOW
        self.nonce_hits = 0
        self.owner = self.add_user("owner")
        self.bot_user = self.add_user("Cercle", bot=True)
        self.app_id = self.bot_user.id
        self.token = bot_token(self.app_id)
        self.bot_public = False
        """The portal's "Public Bot" switch (Discord's default for a new application is on)."""
        self.gateway = Gateway(self)
        self.rest = Rest(self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeDiscord:
        """Serve on loopback; ``port=0`` picks a free port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/attachments/{aid}/{filename}", self._serve_attachment)
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.host = host
        return self

    async def stop(self) -> None:
        """Close sockets and the server."""
        for ws in list(self.live_sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(int(request.match_info["aid"]))
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    # -- world building ----------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, locale: str = "en-US", dms_open: bool = True) -> User:
        """A new user (not yet in any guild)."""
        user = User(id=self.ids.next(), username=username, bot=bot, locale=locale, dms_open=dms_open)
        self.users[user.id] = user
        return user

    def add_guild(self, name: str = "Club", *, owner: User | None = None, locale: str = "en-US",
                  bot_permissions: int = BOT_PERMISSIONS) -> Guild:
        """A guild with @everyone, a role for the bot holding ``bot_permissions``, the bot and the owner as members."""
        owner = owner or self.owner
        guild = Guild(id=self.ids.next(), name=name, owner_id=owner.id, preferred_locale=locale)
        guild.roles[guild.id] = Role(id=guild.id, name="@everyone", permissions=P.DEFAULT_EVERYONE, position=0)
        bot_role = Role(id=self.ids.next(), name="Cercle", permissions=bot_permissions, position=5)
        guild.roles[bot_role.id] = bot_role
        guild.bot_role_id = bot_role.id  # type: ignore[attr-defined]
        guild.members[owner.id] = Member(owner.id)
        guild.members[self.bot_user.id] = Member(self.bot_user.id, roles=[bot_role.id])
        guild.command_overrides = {}  # type: ignore[attr-defined]
        self.guilds[guild.id] = guild
        return guild

    def add_role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        role = Role(id=self.ids.next(), name=name, permissions=permissions, position=len(guild.roles))
        guild.roles[role.id] = role
        return role

    def add_channel(self, guild: Guild, name: str, *, type: int = 0, overwrites: list[Overwrite] | None = None) -> Channel:
        channel = Channel(id=self.ids.next(), type=type, name=name, guild_id=guild.id,
                          position=len(guild.channels), overwrites=list(overwrites or []))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_member(self, guild: Guild, user: User, roles: list[Role] | None = None) -> User:
        guild.members[user.id] = Member(user.id, roles=[r.id for r in roles or []])
        return user

    def allow_command(self, guild: Guild, command: str, role: Role | None = None) -> None:
        """What a server admin does in Server Settings → Integrations: let ``role`` (or
        everyone) use a command whose default permission they lack."""
        guild.command_overrides.setdefault(command, set()).add(role.id if role else guild.id)  # type: ignore[attr-defined]

    async def set_overwrite(self, channel: Channel, target_id: int, *, type: int = 0, allow: int = 0, deny: int = 0) -> None:
        """Change a channel overwrite live (CHANNEL_UPDATE to the bot)."""
        channel.overwrites = [o for o in channel.overwrites if o.id != target_id] + [Overwrite(target_id, type, allow, deny)]
        await self.gateway.dispatch("CHANNEL_UPDATE", channel.payload(), intent=GUILDS)

    async def set_bot_permissions(self, guild: Guild, permissions: int) -> None:
        """Change the bot role's permissions live (GUILD_ROLE_UPDATE)."""
        role = guild.roles[guild.bot_role_id]  # type: ignore[attr-defined]
        role.permissions = permissions
        await self.gateway.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.payload()}, intent=GUILDS)

    async def delete_channel(self, channel: Channel) -> None:
        channel.deleted = True
        event = "THREAD_DELETE" if channel.is_thread else "CHANNEL_DELETE"
        payload = channel.payload() if not channel.is_thread else {
            "id": str(channel.id), "guild_id": str(channel.guild_id), "parent_id": str(channel.parent_id), "type": channel.type}
        await self.gateway.dispatch(event, payload, intent=GUILDS)

    async def archive_thread(self, thread: Channel, *, locked: bool = False) -> None:
        """Discord auto-archives a quiet thread (THREAD_UPDATE)."""
        thread.archived = True
        thread.locked = locked
        await self.gateway.dispatch("THREAD_UPDATE", thread.payload(), intent=GUILDS)

    def dm_channel(self, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipient_id == user.id:
                return channel
        channel = Channel(id=self.ids.next(), type=1, recipient_id=user.id)
        self.channels[channel.id] = channel
        return channel

    # -- commands --------------------------------------------------------------------

    def command_store(self, guild_id: int | None) -> list[dict[str, Any]]:
        return self.global_commands if guild_id is None else self.guilds[guild_id].commands

    def set_commands(self, guild_id: int | None, commands: list[dict[str, Any]]) -> None:
        if guild_id is None:
            self.global_commands = commands
        else:
            self.guilds[guild_id].commands = commands

    def find_command(self, name: str, guild: Guild | None) -> dict[str, Any]:
        for cmd in (guild.commands if guild else []) + self.global_commands:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        raise CommandNotAvailable(f"command /{name} is not synced")

    # -- messages --------------------------------------------------------------------

    def messages_in(self, channel_id: int, *, include_ephemeral: bool = False) -> list[Message]:
        """Messages of a channel, oldest first."""
        out = [self.messages[m] for m in self._channel_messages.get(channel_id, []) if m in self.messages]
        return [m for m in out if include_ephemeral or not m.ephemeral]

    def dms_to(self, user: User) -> list[Message]:
        """What the bot sent to ``user`` by DM, oldest first."""
        channel = self.dm_channel(user)
        return [m for m in self.messages_in(channel.id) if m.author_id == self.bot_user.id]

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.attachments[int(attachment["id"])]

    def _attachments(self, channel_id: int, files: list[tuple[str, bytes, str | None]]) -> list[dict[str, Any]]:
        out = []
        for filename, data, content_type in files:
            aid = self.ids.next()
            self.attachments[aid] = data
            url = f"{self.base_url}/attachments/{aid}/{filename}"
            out.append({"id": str(aid), "filename": filename, "size": len(data), "url": url, "proxy_url": url,
                        "content_type": content_type or "application/octet-stream"})
        return out

    def _mentions(self, body: dict[str, Any], *, interaction: bool) -> tuple[list[int], list[int], bool]:
        """Who a message really pings, honouring ``allowed_mentions`` (defaults differ for
        interaction responses: users only)."""
        content = body.get("content") or ""
        allowed = body.get("allowed_mentions")
        parse = set(allowed.get("parse", [])) if allowed is not None else ({"users"} if interaction else {"users", "roles", "everyone"})
        users = [int(u) for u in _USER_MENTION.findall(content)]
        roles = [int(r) for r in _ROLE_MENTION.findall(content)]
        explicit_users = {int(u) for u in (allowed or {}).get("users", [])}
        explicit_roles = {int(r) for r in (allowed or {}).get("roles", [])}
        pinged_users = [u for u in users if "users" in parse or u in explicit_users]
        pinged_roles = [r for r in roles if "roles" in parse or r in explicit_roles]
        everyone = bool(_EVERYONE.search(content)) and "everyone" in parse
        return pinged_users, pinged_roles, everyone

    def _message_payload(self, author: User, channel: Channel, body: dict[str, Any], files, *, interaction: bool) -> dict[str, Any]:
        mid = self.ids.next()
        users, roles, everyone = self._mentions(body, interaction=interaction)
        attachments = self._attachments(channel.id, files)
        embeds = [dict(e, type=e.get("type", "rich")) for e in body.get("embeds") or []]
        data: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel.id),
            "author": author.payload() | ({"bot": True} if author.bot else {}),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": everyone,
            "mentions": [self.users[u].payload() for u in users if u in self.users],
            "mention_roles": [str(r) for r in roles],
            "attachments": attachments,
            "embeds": embeds,
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            guild = self.guilds[channel.guild_id]
            if author.id in guild.members:
                member = guild.member_payload(author)
                member.pop("user")
                data["member"] = member
        return data

    def _store(self, message: Message) -> Message:
        self.messages[message.id] = message
        self._channel_messages.setdefault(message.channel_id, []).append(message.id)
        channel = self.channels.get(message.channel_id)
        if channel is not None and channel.is_thread:
            channel.message_count += 1
        return message

    async def post_as(self, author: User, channel: Channel, body: dict[str, Any], files=()) -> Message:
        """Store a message by ``author`` and dispatch MESSAGE_CREATE (content hidden from a
        bot without the message-content intent, as Discord does)."""
        data = self._message_payload(author, channel, body, list(files), interaction=False)
        message = self._store(Message(id=int(data["id"]), channel_id=channel.id, data=data))
        await self._dispatch_create(message, channel)
        return message

    async def _dispatch_create(self, message: Message, channel: Channel) -> None:
        data = dict(message.data)
        is_dm = channel.type == 1
        if (
            not is_dm
            and message.author_id != self.bot_user.id
            and not self.gateway.has_intent(MESSAGE_CONTENT)
            and str(self.bot_user.id) not in [u["id"] for u in data["mentions"]]
        ):
            data.update({"content": "", "embeds": [], "attachments": [], "components": []})
        await self.gateway.dispatch("MESSAGE_CREATE", data, intent=DIRECT_MESSAGES if is_dm else GUILD_MESSAGES)

    def apply_edit(self, message: Message, body: dict[str, Any], files) -> None:
        """Apply a PATCH to a stored message (kept attachments + new files)."""
        for key in ("content", "embeds", "components", "flags"):
            if key in body and body[key] is not None:
                message.data[key] = body[key] if key != "embeds" else [dict(e, type=e.get("type", "rich")) for e in body[key]]
        if "attachments" in body or files:
            keep_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message.data.get("attachments", []) if a["id"] in keep_ids]
            message.data["attachments"] = kept + self._attachments(message.channel_id, list(files))
        message.data["edited_timestamp"] = iso_now()
        self.edit_counts[message.id] = self.edit_counts.get(message.id, 0) + 1
        if not message.ephemeral:
            asyncio.ensure_future(self.gateway.dispatch("MESSAGE_UPDATE", dict(message.data), intent=GUILD_MESSAGES))

    async def remove_message(self, message: Message) -> None:
        self.messages.pop(message.id, None)
        payload = {"id": str(message.id), "channel_id": str(message.channel_id)}
        channel = self.channels.get(message.channel_id)
        if channel and channel.guild_id:
            payload["guild_id"] = str(channel.guild_id)
        if not message.ephemeral:
            await self.gateway.dispatch("MESSAGE_DELETE", payload, intent=GUILD_MESSAGES)

    def store_interaction_message(self, state: InteractionState, body: dict[str, Any], files, *,
                                  loading: bool = False, followup: bool = False) -> Message:
        channel = self.channels[state.channel_id]
        data = self._message_payload(self.bot_user, channel, body, list(files), interaction=True)
        data["webhook_id"] = str(self.app_id)
        data["application_id"] = str(self.app_id)
        data["interaction_metadata"] = {"id": str(state.id), "type": state.type, "user": state.user.payload(),
                                        "authorizing_integration_owners": {}}
        data["type"] = 20 if state.type == 2 and not followup else 19 if state.type != 2 else 0
        if loading:
            data["flags"] = int(data.get("flags") or 0) | 128
            data["_loading"] = True
        ephemeral = bool(int(data.get("flags") or 0) & 64)
        message = self._store(Message(id=int(data["id"]), channel_id=channel.id, data=data, ephemeral=ephemeral,
                                      interaction_id=state.id))
        if not ephemeral and not loading:
            asyncio.ensure_future(self._dispatch_create(message, channel))
        return message

    # -- 429 injection ------------------------------------------------------------------

    def inject_429(self, method: str, path_pattern: str, *, retry_after: float = 0.05, times: int = 1,
                   is_global: bool = False) -> None:
        """The next ``times`` requests matching ``method`` and the regex ``path_pattern`` get 429."""
        self._429.append({"method": method, "re": re.compile(path_pattern), "retry_after": retry_after,
                          "times": times, "global": is_global, "hits": 0})

    def take_429(self, method: str, path: str) -> web.Response | None:
        for rule in self._429:
            if rule["times"] > 0 and rule["method"] == method and rule["re"].search(path):
                rule["times"] -= 1
                rule["hits"] += 1
                self.invalid_requests += 1
                headers = {"Via": "1.1 google", "Retry-After": str(max(1, int(rule["retry_after"]))),
                           "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Reset-After": str(rule["retry_after"]), "X-RateLimit-Bucket": "fakebucket",
                           "X-RateLimit-Scope": "global" if rule["global"] else "user"}
                if rule["global"]:
                    headers["X-RateLimit-Global"] = "true"
                body = {"message": "You are being rate limited.", "retry_after": rule["retry_after"], "global": rule["global"]}
                return json_response(body, 429, headers)
        return None

    def hits_429(self) -> int:
        return sum(rule["hits"] for rule in self._429)

    # -- 500 injection ------------------------------------------------------------------

    def inject_500(self, method: str, path_pattern: str, *, times: int = 1, after_effect: bool = False) -> None:
        """The next ``times`` requests matching ``method`` and the regex ``path_pattern`` get
        500; with ``after_effect`` the request is carried out first (the answer is what is
        lost: the ambiguous case a nonce protects against)."""
        self._500.append({"method": method, "re": re.compile(path_pattern), "times": times,
                          "after": after_effect, "hits": 0})

    def hits_500(self) -> int:
        return sum(rule["hits"] for rule in self._500)

    def take_500(self, method: str, path: str) -> dict[str, Any] | None:
        """The 500 rule the request ``method path`` falls under now, if any (counted)."""
        for rule in self._500:
            if rule["times"] > 0 and rule["method"] == method and rule["re"].search(path):
                rule["times"] -= 1
                rule["hits"] += 1
                return rule
        return None

    # -- nonces (Create Message's ``nonce`` + ``enforce_nonce``) ------------------------------

    def nonce_message(self, author: User, body: dict[str, Any]) -> Message | None:
        """The message ``author`` created with this body's nonce within :attr:`nonce_window`
        seconds, when the body asks ``enforce_nonce`` (Discord returns it instead of posting
        again). Raises ``KeyError`` when that message was deleted since (Discord: 10008)."""
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        seen = self.nonces.get((author.id, str(nonce)))
        if seen is None or time.monotonic() - seen[1] > self.nonce_window:
            return None
        self.nonce_hits += 1
        return self.messages[seen[0]]

    def remember_nonce(self, author: User, body: dict[str, Any], message: Message) -> None:
        """Keep the nonce of a create with ``enforce_nonce`` for :attr:`nonce_window` seconds."""
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            self.nonces[(author.id, str(body["nonce"]))] = (message.id, time.monotonic())

    def expire_nonces(self) -> None:
        """As if Discord's dedupe window had passed for every nonce seen so far."""
        self.nonces.clear()

    # -- acting as members ----------------------------------------------------------------

    def _context(self, user: User, guild: Guild | None, channel: Channel | None, locale: str | None) -> dict[str, Any]:
        base: dict[str, Any] = {
            "application_id": str(self.app_id),
            "version": 1,
            "locale": locale or user.locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if guild is not None:
            channel = channel or next(c for c in guild.channels.values() if c.type == 0)
            base.update({
                "guild_id": str(guild.id),
                "guild_locale": guild.preferred_locale,
                "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                "channel_id": str(channel.id),
                "channel": channel.payload(),
                "member": guild.member_payload(user, with_permissions_in=channel),
                "app_permissions": str(guild.permissions_in(self.bot_user.id, channel)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            })
        else:
            channel = self.dm_channel(user)
            base.update({
                "channel_id": str(channel.id),
                "channel": channel.payload(self.users),
                "user": user.payload(),
                "app_permissions": str(P.VIEW_CHANNEL | P.SEND_MESSAGES | P.EMBED_LINKS | P.ATTACH_FILES),
                "authorizing_integration_owners": {"0": "0"} if False else {"1": str(user.id)},
                "context": 1,
            })
        base["_channel"] = channel
        return base

    async def _interact(self, itype: int, user: User, guild: Guild | None, channel: Channel | None,
                        data: dict[str, Any], *, locale: str | None, message: Message | None = None,
                        wait: bool = True, settle: bool = True) -> Reply:
        ctx = self._context(user, guild, channel, locale)
        chan: Channel = ctx.pop("_channel")
        state = InteractionState(id=self.ids.next(), token="aW50ZXJhY3Rpb24" + secrets.token_urlsafe(60), type=itype,
                                 user=user, guild_id=guild.id if guild else None, channel_id=chan.id,
                                 created=time.monotonic(), message_id=message.id if message else None,
                                 from_message=message is not None)
        self.interactions_by_token[state.token] = state
        payload = ctx | {"id": str(state.id), "type": itype, "token": state.token, "data": data}
        if message is not None:
            payload["message"] = message.data
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        reply = Reply(state, self)
        if not wait:
            return reply
        try:
            await asyncio.wait_for(state.acked.wait(), timeout=10)
        except TimeoutError:
            raise AssertionError(f"the bot did not answer interaction {data.get('name') or data.get('custom_id')!r} within 10 s") from None
        if state.response_type in (5, 6):
            try:
                await asyncio.wait_for(state.done.wait(), timeout=30)
            except TimeoutError:
                raise AssertionError("the bot deferred and never completed the interaction") from None
        if settle:
            await self.settle()
        return reply

    async def settle(self, quiet: float = 0.02, limit: float = 10.0) -> None:
        """Wait until the bot is idle: no request in flight or made for ``quiet`` seconds,
        and — for a bot in this process — none of discord.py's event, command or component
        tasks still running (work that makes no request, such as counting a thread reply)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            await asyncio.sleep(0.005)
            if self.inflight or time.monotonic() - self.last_request_at < quiet:
                continue
            if not any(not t.done() and t.get_name().startswith(_BOT_TASKS) for t in asyncio.all_tasks()):
                return

    def _build_options(self, schema: list[dict[str, Any]], values: dict[str, Any], guild: Guild | None,
                       resolved: dict[str, dict[str, Any]], focused: str | None) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        for name in values:
            if name not in by_name:
                raise AssertionError(f"unknown option {name!r}; the command has {sorted(by_name)}")
        out = []
        for opt in schema:
            name = opt["name"]
            if name not in values:
                if opt.get("required") and name != focused:
                    raise AssertionError(f"required option {name!r} missing")
                continue
            value = values[name]
            kind = opt["type"]
            entry: dict[str, Any] = {"name": name, "type": kind}
            if name == focused:
                entry.update({"value": str(value), "focused": True})
                out.append(entry)
                continue
            if kind == 3:
                value = str(value)
                if opt.get("choices") and value not in [c["value"] for c in opt["choices"]]:
                    raise AssertionError(f"{value!r} is not a choice of {name!r}")
                if not opt.get("min_length", 0) <= len(value) <= opt.get("max_length", 6000):
                    raise AssertionError(f"{name!r}: length outside the client's limits")
            elif kind in (4, 10):
                if opt.get("choices") and value not in [c["value"] for c in opt["choices"]]:
                    raise AssertionError(f"{value!r} is not a choice of {name!r}")
                if "min_value" in opt and value < opt["min_value"] or "max_value" in opt and value > opt["max_value"]:
                    raise AssertionError(f"{name!r}: the Discord client refuses {value}")
            elif kind == 5:
                value = bool(value)
            elif kind == 6:
                user = value if isinstance(value, User) else self.users[int(value)]
                resolved.setdefault("users", {})[str(user.id)] = user.payload()
                if guild and user.id in guild.members:
                    member = guild.member_payload(user)
                    member.pop("user")
                    member["permissions"] = str(guild.base_permissions(user.id))
                    resolved.setdefault("members", {})[str(user.id)] = member
                value = str(user.id)
            elif kind == 7:
                chan = value if isinstance(value, Channel) else self.channels[int(value)]
                ptypes = opt.get("channel_types")
                if ptypes and chan.type not in ptypes:
                    raise AssertionError(f"channel type {chan.type} not allowed for {name!r}")
                cdata = chan.payload()
                cdata["permissions"] = str(self.guilds[chan.guild_id].permissions_in(self.bot_user.id, chan)) if chan.guild_id else "0"
                resolved.setdefault("channels", {})[str(chan.id)] = cdata
                value = str(chan.id)
            elif kind == 8:
                role = value if isinstance(value, Role) else guild.roles[int(value)]  # type: ignore[union-attr]
                resolved.setdefault("roles", {})[str(role.id)] = role.payload()
                value = str(role.id)
            elif kind == 11:
                filename, data = value
                attachment = self._attachments(0, [(filename, data, "text/plain")])[0]
                resolved.setdefault("attachments", {})[attachment["id"]] = attachment
                value = attachment["id"]
            entry["value"] = value
            out.append(entry)
        return out

    def _resolve_path(self, path: str, guild: Guild | None, user: User) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
        parts = path.split()
        cmd = self.find_command(parts[0], guild)
        self._check_visible(cmd, guild, user)
        node = cmd
        for part in parts[1:]:
            match = [o for o in node.get("options") or [] if o["name"] == part and o["type"] in (1, 2)]
            if not match:
                raise CommandNotAvailable(f"/{path}: no subcommand {part!r}")
            node = match[0]
        if any(o["type"] in (1, 2) for o in node.get("options") or []):
            raise AssertionError(f"/{path} has subcommands and cannot be invoked bare")
        return cmd, parts, node.get("options") or []

    def _check_visible(self, cmd: dict[str, Any], guild: Guild | None, user: User) -> None:
        if guild is None:
            if cmd.get("contexts") is not None and 1 not in cmd["contexts"] or cmd.get("dm_permission") is False:
                raise CommandNotAvailable(f"/{cmd['name']} is not available in DMs")
            return
        needed = cmd.get("default_member_permissions")
        if needed is None:
            return
        perms = guild.base_permissions(user.id)
        if perms & int(needed) == int(needed):
            return
        overrides = guild.command_overrides.get(cmd["name"], set())  # type: ignore[attr-defined]
        member = guild.members.get(user.id)
        if guild.id in overrides or (member and set(member.roles) & overrides):
            return
        raise CommandNotAvailable(f"/{cmd['name']} is hidden from {user.username} (default permissions)")

    @staticmethod
    def _nest(parts: list[str], cmd: dict[str, Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(parts) == 1:
            return options
        node = cmd
        chain = []
        for part in parts[1:]:
            node = next(o for o in node["options"] if o["name"] == part)
            chain.append(node)
        nested = options
        for node in reversed(chain):
            nested = [{"name": node["name"], "type": node["type"], "options": nested}]
        return nested

    async def slash(self, user: User, path: str, *, guild: Guild | None = None, channel: Channel | None = None,
                    locale: str | None = None, wait: bool = True, options: dict[str, Any] | None = None,
                    settle: bool = True, **named: Any) -> Reply:
        """Run ``/path`` (``"club config set"``) as ``user`` with options by name.

        ``settle=False`` returns as soon as the interaction is answered (the bot may be busy
        with other work). ``channel`` is where the command is typed; pass options whose names clash with
        this method's keywords (``channel``, ``guild``, ``locale``…) in ``options``.
        Raises :class:`CommandNotAvailable` when the member's client would not offer the
        command, ``AssertionError`` when the options break the synced schema.
        """
        options = {**named, **(options or {})}
        if channel is not None and guild is None and channel.guild_id:
            guild = self.guilds[channel.guild_id]
        cmd, parts, schema = self._resolve_path(path, guild, user)
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(schema, options, guild, resolved, None)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": self._nest(parts, cmd, built)}
        if resolved:
            data["resolved"] = resolved
        if guild is not None:
            data["guild_id"] = str(guild.id)
        return await self._interact(2, user, guild, channel, data, locale=locale, wait=wait, settle=settle)

    async def autocomplete(self, user: User, path: str, focused: str, *, guild: Guild | None = None,
                           channel: Channel | None = None, locale: str | None = None,
                           options: dict[str, Any] | None = None, **named: Any) -> list[dict[str, Any]]:
        """The choices the bot offers for option ``focused`` (its typed text among the options)."""
        options = {**named, **(options or {})}
        cmd, parts, schema = self._resolve_path(path, guild, user)
        options.setdefault(focused, "")
        built = self._build_options(schema, options, guild, {}, focused)
        data = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": self._nest(parts, cmd, built)}
        reply = await self._interact(4, user, guild, channel, data, locale=locale)
        return reply.choices

    def _component(self, message: Message, *, label: str | None, custom_id: str | None, kind: int) -> dict[str, Any]:
        fresh = self.messages.get(message.id, message)
        for row in fresh.components:
            for comp in row.get("components", []):
                if comp.get("type") != kind:
                    continue
                if (custom_id and comp.get("custom_id") == custom_id) or (label and comp.get("label") == label) or (
                    label and label in (comp.get("label") or "")
                ) or (not label and not custom_id):
                    if comp.get("disabled"):
                        raise AssertionError(f"component {comp.get('label') or comp.get('custom_id')!r} is disabled")
                    return comp
        labels = [c.get("label") or c.get("custom_id") for row in fresh.components for c in row.get("components", [])]
        raise AssertionError(f"no component {label or custom_id!r} on the message; it has {labels}")

    def _where(self, message: Message) -> tuple[Guild | None, Channel]:
        channel = self.channels[message.channel_id]
        return (self.guilds[channel.guild_id] if channel.guild_id else None), channel

    async def click(self, user: User, message: Message, *, label: str | None = None, custom_id: str | None = None,
                    locale: str | None = None, wait: bool = True) -> Reply:
        """Click a button of ``message`` (by label, or part of it, or custom_id) as ``user``."""
        if message.ephemeral and message.interaction_id is not None:
            owner = next((s.user for s in self.interactions_by_token.values() if s.id == message.interaction_id), None)
            if owner is not None and owner.id != user.id:
                raise AssertionError("only the member who got an ephemeral message can click it")
        comp = self._component(message, label=label, custom_id=custom_id, kind=2)
        if comp.get("style") == 5:
            raise AssertionError("link buttons open a URL and send no interaction")
        guild, channel = self._where(message)
        data = {"custom_id": comp["custom_id"], "component_type": 2}
        return await self._interact(3, user, guild, channel, data, locale=locale, message=self.messages.get(message.id, message), wait=wait)

    async def select(self, user: User, message: Message, values: list[str], *, custom_id: str | None = None,
                     locale: str | None = None) -> Reply:
        """Pick ``values`` in a string select of ``message``."""
        comp = self._component(message, label=None, custom_id=custom_id, kind=3)
        allowed = {o["value"] for o in comp.get("options", [])}
        if not set(values) <= allowed:
            raise AssertionError(f"{values} not among the select's options {sorted(allowed)}")
        if not comp.get("min_values", 1) <= len(values) <= comp.get("max_values", 1):
            raise AssertionError("number of values outside the select's limits")
        guild, channel = self._where(message)
        data = {"custom_id": comp["custom_id"], "component_type": 3, "values": list(values)}
        return await self._interact(3, user, guild, channel, data, locale=locale, message=message)

    async def submit_modal(self, user: User, modal: Reply | dict[str, Any], values: dict[str, str], *,
                           guild: Guild | None = None, channel: Channel | None = None, locale: str | None = None,
                           wait: bool = True) -> Reply:
        """Fill and submit a modal; ``values`` keyed by text input custom_id or label.

        Enforces the client's rules (required inputs, min/max length)."""
        source_state = modal.state if isinstance(modal, Reply) else None
        form = modal.modal if isinstance(modal, Reply) else modal
        assert form is not None, "the bot answered without a modal"
        if source_state is not None:
            guild = guild or (self.guilds.get(source_state.guild_id) if source_state.guild_id else None)
            channel = channel or self.channels.get(source_state.channel_id)
            if channel is not None and channel.type == 1:
                guild = None
        used = set()
        rows = []
        for comp in form["components"]:
            inner = comp["components"][0] if comp["type"] == 1 else comp.get("component", comp)
            label = comp.get("label") or inner.get("label")
            key = inner["custom_id"] if inner["custom_id"] in values else label if label in values else None
            value = values.get(key, inner.get("value") or "") if key else (inner.get("value") or "")
            if key:
                used.add(key)
            value = str(value)
            if inner.get("required", True) and not value:
                raise AssertionError(f"modal input {label!r} is required")
            if value and not inner.get("min_length", 0) <= len(value) <= inner.get("max_length", 4000):
                raise AssertionError(f"modal input {label!r}: the client refuses {len(value)} characters")
            submitted = {"type": 4, "custom_id": inner["custom_id"], "value": value}
            rows.append({"type": 1, "components": [submitted]} if comp["type"] == 1 else {"type": 18, "component": submitted})
        unknown = set(values) - used
        if unknown:
            raise AssertionError(f"modal has no inputs {sorted(unknown)}")
        data = {"custom_id": form["custom_id"], "components": rows}
        message = None
        if source_state is not None and source_state.type == 3 and source_state.message_id:
            message = self.messages.get(source_state.message_id)
        return await self._interact(5, user, guild, channel, data, locale=locale, message=message, wait=wait)

    async def post(self, user: User, channel: Channel, content: str) -> Message:
        """A member writes ``content`` in a guild channel or thread."""
        return await self.post_as(user, channel, {"content": content})

    async def dm_bot(self, user: User, content: str) -> Message:
        """A member writes to the bot by DM."""
        return await self.post_as(user, self.dm_channel(user), {"content": content})
