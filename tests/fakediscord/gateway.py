"""The fake gateway: HELLO → IDENTIFY → READY (+ GUILD_CREATE), heartbeats, RESUME with
replay, op 7 reconnect, op 9 invalid session, and request-guild-members chunks."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord

HEARTBEAT_MS = 41250

# Intents (Discord's bit numbers).
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16
GUILD_PRESENCES = 1 << 8
PRIVILEGED = {"members": GUILD_MEMBERS, "presences": GUILD_PRESENCES, "message_content": MESSAGE_CONTENT}


@dataclass
class Session:
    """One gateway session: its id, intents, sequence and the events sent (for RESUME)."""

    session_id: str
    intents: int
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    sent: list[dict[str, Any]] = field(default_factory=list)
    identified_at: float = 0.0


class Gateway:
    """Serves the websocket and dispatches events to live sessions."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.identify_count = 0
        self.resume_count = 0
        self.ready_count = 0
        self.refused = 0
        self.unreachable: str | None = None
        """``"refuse"``: every connection is refused (502, as a proxy in front of a Discord
        that is down), clients go into their reconnect back-off; ``"hang"``: connections are
        accepted and never answered (a network that drops packets). ``None``: reachable."""
        self._released = asyncio.Event()

    def reachable(self) -> None:
        """End an outage: connections are answered again (held ones are let go)."""
        self.unreachable = None
        self._released.set()
        self._released = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.unreachable is not None:
            self.refused += 1
            if self.unreachable == "hang":
                await self._released.wait()
            return web.Response(status=502, text="Bad Gateway")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.fake.live_sockets.add(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None}))
        session: Session | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op, d = data.get("op"), data.get("d")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    session = await self._identify(ws, d)
                elif op == 6:
                    session = await self._resume(ws, d)
                elif op == 8:
                    await self._chunk(ws, session, d)
                elif op in (3, 4):
                    continue
                else:
                    await ws.close(code=4001, message=b"Unknown opcode")
        finally:
            self.fake.live_sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        self.identify_count += 1
        if d.get("token") != self.fake.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(d.get("intents", 0))
        for name, bit in PRIVILEGED.items():
            if intents & bit and not self.fake.privileged_intents.get(name, False):
                await ws.close(code=4014, message=b"Disallowed intent(s).")
                return None
        session = Session(session_id=secrets.token_hex(16), intents=intents, ws=ws)
        self.sessions[session.session_id] = session
        ready = {
            "v": 10,
            "user": self.fake.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0, "bot": True},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.fake.guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.fake.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(self.fake.app_id), "flags": self.fake.application_flags()},
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
        }
        self.ready_count += 1
        await self._send(session, "READY", ready)
        for guild in list(self.fake.guilds.values()):
            await self._send(session, "GUILD_CREATE", guild.payload(self.fake.users, full=True))
        return session

    async def _resume(self, ws: web.WebSocketResponse, d: dict[str, Any]) -> Session | None:
        session = self.sessions.get(d.get("session_id", ""))
        if d.get("token") != self.fake.token or session is None or int(d.get("seq") or 0) > session.seq:
            await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
            return None
        self.resume_count += 1
        session.ws = ws
        since = int(d.get("seq") or 0)
        for payload in [p for p in session.sent if p["s"] > since]:
            await ws.send_str(json.dumps(payload))
        await self._send(session, "RESUMED", {})
        return session

    async def _chunk(self, ws: web.WebSocketResponse, session: Session | None, d: dict[str, Any]) -> None:
        if session is None:
            return
        guild = self.fake.guilds.get(int(d["guild_id"]))
        if guild is None:
            return
        members = [guild.member_payload(self.fake.users[u]) for u in guild.members if u in self.fake.users]
        await self._send(
            session,
            "GUILD_MEMBERS_CHUNK",
            {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "nonce": d.get("nonce"),
                "not_found": [],
            },
        )

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(payload)
        if len(session.sent) > 5000:
            del session.sent[:1000]
        if session.ws is not None and not session.ws.closed:
            try:
                await session.ws.send_str(json.dumps(payload))
            except (ConnectionResetError, RuntimeError):
                session.ws = None

    async def dispatch(self, event: str, data: dict[str, Any], *, intent: int | None = None) -> None:
        """Send ``event`` to every session whose intents include ``intent`` (buffered for
        RESUME while a session is disconnected)."""
        for session in list(self.sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            await self._send(session, event, data)

    def has_intent(self, intent: int) -> bool:
        """Whether some session asked for ``intent``."""
        return any(s.intents & intent for s in self.sessions.values())

    async def request_reconnect(self) -> None:
        """Op 7 to every live socket: clients close and RESUME."""
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                await session.ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    async def invalidate_sessions(self) -> None:
        """Op 9 ``d=false``: forget every session; clients must IDENTIFY again."""
        for session in list(self.sessions.values()):
            if session.ws is not None and not session.ws.closed:
                await session.ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
        self.sessions.clear()

    async def drop_connections(self) -> None:
        """Close every socket abnormally (as a network cut): clients try to RESUME."""
        for ws in list(self.fake.live_sockets):
            await ws.close(code=4000, message=b"Unknown error")
        await asyncio.sleep(0)
