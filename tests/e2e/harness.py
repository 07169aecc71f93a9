"""End-to-end harness: a FakeDiscord with one club guild, and a real Cercle bot (in this
process, on an injected FakeClock) connected to it.

Typical use in a test::

    async def test_x(harness):
        club = harness.club
        reply = await harness.fake.slash(club.admin, "club config set", guild=club.guild, timezone="Europe/Paris")
        await harness.clock.advance(hours=1)   # runs due scheduled work
        await harness.restart()                # a new bot process on the same database
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.clock import FakeClock
from bot.settings import Settings
from cercle.app import CercleBot, create_bot
from tests.fakediscord import FakeDiscord, Guild, Overwrite, P, Role, User
from tests.fakediscord.model import Channel

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
SECRET = b"e2e-anonymity-secret-32-bytes-or-more"


async def no_sleep(_seconds: float) -> None:
    """Fan-out pacing without waiting (the pacing itself is tested in tests/core)."""
    return None


@dataclass
class Club:
    """The club guild of the e2e tests and its people, roles and channels.

    ``admin`` has Manage Server; ``moderator`` holds the moderator role only (set in the
    club settings by the tests that need it); ``alice`` (en-US), ``bob`` (fr) and ``carol``
    (en-GB, DMs closed) are plain members. ``readonly`` is a channel where the bot may not post.
    """

    guild: Guild
    admin: User
    moderator: User
    alice: User
    bob: User
    carol: User
    admin_role: Role
    moderator_role: Role
    member_role: Role
    general: Channel
    announcements: Channel
    meetings: Channel
    prompts: Channel
    feedback: Channel
    readonly: Channel
    voice: Channel

    @property
    def members(self) -> list[User]:
        return [self.admin, self.moderator, self.alice, self.bob, self.carol]


def build_club(fake: FakeDiscord, *, name: str = "Club Utilisateurs", bot_permissions: int | None = None) -> Club:
    """Create a guild with the usual channels, roles and members."""
    kwargs = {} if bot_permissions is None else {"bot_permissions": bot_permissions}
    guild = fake.add_guild(name, **kwargs)
    admin_role = fake.add_role(guild, "Admin", P.MANAGE_GUILD)
    moderator_role = fake.add_role(guild, "Modérateurs")
    member_role = fake.add_role(guild, "Membres")
    admin = fake.add_member(guild, fake.add_user("admin"), [admin_role, member_role])
    moderator = fake.add_member(guild, fake.add_user("modo", locale="fr"), [moderator_role, member_role])
    alice = fake.add_member(guild, fake.add_user("alice"), [member_role])
    bob = fake.add_member(guild, fake.add_user("bob", locale="fr"), [member_role])
    carol = fake.add_member(guild, fake.add_user("carol", locale="en-GB", dms_open=False), [member_role])
    general = fake.add_channel(guild, "general")
    bot_id = fake.bot_user.id
    readonly = fake.add_channel(guild, "readonly", overwrites=[Overwrite(bot_id, 1, deny=P.SEND_MESSAGES)])
    return Club(
        guild=guild,
        admin=admin,
        moderator=moderator,
        alice=alice,
        bob=bob,
        carol=carol,
        admin_role=admin_role,
        moderator_role=moderator_role,
        member_role=member_role,
        general=general,
        announcements=fake.add_channel(guild, "annonces"),
        meetings=fake.add_channel(guild, "reunions"),
        prompts=fake.add_channel(guild, "questions"),
        feedback=fake.add_channel(guild, "retours"),
        readonly=readonly,
        voice=fake.add_channel(guild, "Salon vocal", type=2),
    )


class Harness:
    """The fake Discord, one club, and the bot process(es) under test."""

    def __init__(self, fake: FakeDiscord, settings: Settings, clock: FakeClock, club: Club) -> None:
        self.fake = fake
        self.settings = settings
        self.clock = clock
        self.club = club
        self.bot: CercleBot | None = None
        self._task: asyncio.Task[None] | None = None
        self.synced = False

    def new_bot(self, **kwargs: object) -> CercleBot:
        """A bot on the same settings, clock and secret (not started)."""
        options: dict[str, object] = {"clock": self.clock, "secret": SECRET, "fanout_sleep": no_sleep, "guild_ready_timeout": 0.05}
        options.update(kwargs)
        return create_bot(self.settings, **options)

    async def start(self, *, wait_catch_up: bool = True, **kwargs: object) -> CercleBot:
        """Start a bot and wait until it is ready and, unless ``wait_catch_up`` is false, its
        start-up run of overdue work is over (raises the bot's own error if it dies)."""
        bot = self.new_bot(**kwargs)
        task = asyncio.create_task(bot.start(self.fake.token))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
            raise AssertionError("the bot stopped before being ready")
        if ready not in done:
            task.cancel()
            raise AssertionError("the bot was not ready within 20 s")
        self.bot, self._task = bot, task
        if wait_catch_up and bot.ctx.scheduler.catch_up is not None:
            await asyncio.wait_for(bot.ctx.scheduler.caught_up(), 20)  # overdue work runs beside the gateway
        if not self.synced:
            await bot.tree.sync()
            self.synced = True
        if wait_catch_up:
            await self.fake.settle()
        return bot

    async def stop(self) -> None:
        """Close the bot as SIGTERM would, and surface any error its task raised."""
        if self.bot is None:
            return
        await self.bot.close()
        task, self.bot, self._task = self._task, None, None
        if task is not None:
            await asyncio.wait_for(task, timeout=10)

    async def restart(self, **kwargs: object) -> CercleBot:
        """Stop the bot and start a new one on the same database file."""
        await self.stop()
        return await self.start(**kwargs)

    async def set_club(self, **options: object) -> None:
        """``/club config set`` as the admin, asserting it worked."""
        reply = await self.fake.slash(self.club.admin, "club config set", guild=self.club.guild, **options)
        assert "Saved" in reply.text() or "Enregistré" in reply.text(), reply.text()

    async def configure_defaults(self) -> None:
        """Point the club's channels and moderator role at the harness's channels."""
        c = self.club
        await self.set_club(
            announcements_channel=c.announcements,
            meetings_channel=c.meetings,
            prompts_channel=c.prompts,
            feedback_channel=c.feedback,
            moderator_role=c.moderator_role,
        )


def quiet_discord_logs() -> None:
    """discord.py's INFO lines are noise in test output."""
    logging.getLogger("discord").setLevel(logging.WARNING)
