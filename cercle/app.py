"""The ``commands.Bot`` subclass and its factory (docs/architecture.md, "Start-up").

Everything async starts in ``setup_hook`` — open the database, migrate, build the
services, load the cogs (which register persistent components and scheduler kinds),
then start the scheduler — never in ``on_ready``, which runs again after every failed
RESUME. Commands are not synced here: syncing is the explicit ``cercle sync-commands``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import secrets
from collections.abc import Awaitable, Callable

import discord
import yarl
from discord.ext import commands

from bot.clock import Clock, SystemClock
from bot.club.service import ClubService
from bot.context import AppContext
from bot.db import Database, SqliteDatabase
from bot.fanout import DEFAULT_RATE, dm_rate
from bot.instance import open_instance
from bot.migrate import migrate
from bot.scheduler import Scheduler
from bot.services import Services, build_services
from bot.settings import Settings
from cercle.tree import CercleTranslator, CercleTree

log = logging.getLogger(__name__)


def cercle_intents() -> discord.Intents:
    """The gateway intents Cercle asks for, and why:

    - ``guilds``: channels, threads, roles (permission checks, thread archiving).
    - ``members`` (privileged): who holds a campaign's audience role, DM fan-out.
    - ``guild_messages``: count replies in prompt threads (no content needed).
    - ``dm_messages``: a member writing to the bot by DM gets the anonymous form
      (DM content needs no message-content intent).
    - ``guild_scheduled_events``: keep mirrored scheduled events in step.
    Message content and presences are not requested.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.guild_scheduled_events = True
    return intents


# Manage Threads (archive), Manage Events, Create Events, View, Send, Send in Threads,
# Create Public Threads, Embed Links, Attach Files, Read History, Use App Commands.
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    manage_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    mention_everyone=True,
    manage_events=True,
    create_events=True,
    use_application_commands=True,
)
OAUTH_SCOPES = ("bot", "applications.commands")


def extension_names() -> list[str]:
    """Every ``cogs.<name>`` module not starting with ``_``, in name order."""
    import cogs

    return sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_"))


def point_at(settings: Settings) -> None:
    """Point discord.py at ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL`` (a Discord-compatible
    server, such as the tests' fake). discord.py keeps both as class attributes."""
    discord.http.Route.BASE = settings.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class CercleBot(commands.Bot):
    """Cercle's bot. ``ctx`` (an :class:`AppContext`) and ``services`` (every feature's
    service, :class:`bot.services.Services`) exist once ``setup_hook`` ran."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        secret: bytes | None = None,
        fanout_sleep: Callable[[float], Awaitable[None]] | None = None,
        fanout_rate: float = DEFAULT_RATE,
        start_scheduler: bool = True,
        in_memory: bool = False,
        **client_kwargs: object,
    ) -> None:
        options: dict[str, object] = {
            "command_prefix": commands.when_mentioned,
            "intents": cercle_intents(),
            "allowed_mentions": discord.AllowedMentions.none(),
            "tree_cls": CercleTree,
            "help_command": None,
            "max_messages": 1000,
        }
        options.update(client_kwargs)
        super().__init__(**options)  # type: ignore[arg-type]
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._secret = secret
        self._fanout_sleep = fanout_sleep or asyncio.sleep
        self._fanout_rate = fanout_rate
        self._start_scheduler = start_scheduler
        self._in_memory = in_memory
        self.ctx: AppContext
        self.services: Services
        self.db: Database | None = None
        self.fanout_resume: asyncio.Task[object] | None = None
        """The start-up resumption of unfinished DM fan-outs (owned by ``ctx.tasks``)."""

    async def setup_hook(self) -> None:
        """Open and migrate the database, build services, load cogs, arm the scheduler."""
        from cogs._ports import DiscordPortImpl

        db, secret = await self._open_database()
        self.db = db
        port = DiscordPortImpl(self)
        scheduler = Scheduler(db, self.clock)
        club = ClubService(
            db,
            self.clock,
            port,
            default_timezone=self.settings.default_timezone,
            default_locale=self.settings.default_locale,
        )
        self.ctx = AppContext(
            settings=self.settings,
            db=db,
            clock=self.clock,
            scheduler=scheduler,
            port=port,
            club=club,
            secret=secret,
            fanout_rate=self._fanout_rate,
            sleep=self._fanout_sleep,
        )
        self.services = build_services(self.ctx)
        await self.tree.set_translator(CercleTranslator(self.tree))
        for name in extension_names():
            await self.load_extension(name)
        if self._start_scheduler:
            await scheduler.start()
            # DM fan-outs a previous process left unfinished (docs/architecture.md, "Direct
            # messages"), in the background:
            # a big one must not hold back the gateway connection.
            self.fanout_resume = self.ctx.tasks.spawn(
                self.services.outbox.resume_all(rate=dm_rate(self._fanout_rate), sleep=self._fanout_sleep),
                name="cercle-fanout-resume",
            )
        log.info("Cercle ready to connect: %d extensions, %d scheduled jobs", len(self.extensions), len(scheduler.pending()))

    async def _open_database(self) -> tuple[Database, bytes]:
        """Open the database; returns it with the anonymity secret to use with it.

        ``in_memory`` (``cercle sync-commands``, which only builds the command tree): an
        empty in-memory database and a throw-away secret, so no file is touched. Else the
        instance files through :func:`bot.instance.open_instance`, which raises
        :class:`bot.instance.InstanceError`; a ``secret`` given by the caller (already
        paired by ``cercle run``, or a test's) is used as it is.
        """
        if self._in_memory:
            db = await SqliteDatabase(":memory:").connect()
            await migrate(db)
            return db, secrets.token_bytes(32)
        instance = await open_instance(self.settings, pair_secret=self._secret is None)
        return instance.db, self._secret if self._secret is not None else instance.secret

    async def close(self) -> None:
        """Stop the scheduler and every background task (what a resumed fan-out did not
        send stays in the outbox for the next start), close the gateway, then the database."""
        ctx = getattr(self, "ctx", None)
        if ctx is not None:
            await ctx.scheduler.stop()
        await super().close()
        db, self.db = self.db, None
        if db is not None:
            await db.close()

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: messages are handled by the cogs' listeners only."""
        return None


def _no_voice_warnings() -> None:
    """Cercle never joins voice: silence discord.py's start-up warnings about voice libraries."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def create_bot(settings: Settings, **client_kwargs: object) -> CercleBot:
    """Build Cercle's bot for ``settings``; ``client_kwargs`` go to :class:`CercleBot`
    (``clock``, ``secret``, ``fanout_sleep``, ``fanout_rate``, ``start_scheduler``,
    ``in_memory``) and on to
    ``commands.Bot``."""
    point_at(settings)
    _no_voice_warnings()
    return CercleBot(settings, **client_kwargs)  # type: ignore[arg-type]


def load_all_modules() -> None:
    """Import every cog module (used by schema export without a running bot)."""
    for name in extension_names():
        importlib.import_module(name)
