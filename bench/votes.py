"""Vote burst benchmark: 2,000 clicks from 1,000 members on one poll, answered by
Cercle, beside a bare discord.py client acknowledging the same clicks in the same run.

Each member clicks two different choices of a live, anonymous, two-choice poll, so every
click adds a vote: 2,000 clicks must end as 2,000 votes. Both bots run on the real clock,
each against its own FakeDiscord on loopback. By default the fake and the members
clicking run in a separate process (``--same-process`` keeps them in the bot's event
loop), so the fake's own CPU is not charged to the bot: on Discord the bot's machine only
runs the bot. Prints clicks/s, votes/s, p50/p99 time to acknowledge (the fake's clock:
interaction created → callback received, Discord's 3-second rule), message edits of the
poll, and the ratios. The burst is sent as fast as the fake can dispatch it
(``--rate`` paces it instead). Targets: Cercle ≥ 0.5 × the bare client's throughput,
p99 < 1 s, no vote lost (exit status 1 otherwise).

Run: ``python -m bench.votes [--members 1000] [--clicks-per-member 2] [--rounds 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord

from bot.actor import Actor
from bot.clock import SystemClock
from bot.polls import store
from bot.polls.rules import REFRESH_DELAY
from bot.settings import Settings
from cercle.app import cercle_intents, create_bot, point_at
from tests.fakediscord import FakeDiscord, P

SECRET = b"bench-anonymity-secret-of-32-bytes-min"
GUILD_READY_TIMEOUT = 0.2
TARGET_RATIO = 0.5
TARGET_P99 = 1.0
LABELS = ("1. Export", "2. Search", "3. Reports")


@dataclass
class Run:
    """Figures of one burst."""

    name: str
    clicks: int
    seconds: float
    latencies: list[float]
    votes: int | None = None
    edits: int | None = None

    @property
    def per_second(self) -> float:
        return self.clicks / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        extra = ""
        if self.votes is not None:
            extra = f" · {self.votes} votes ({self.votes / self.seconds:.0f} votes/s) · {self.edits} poll message edits"
        return (f"{self.name:>6}: {self.clicks} clicks in {self.seconds:.2f} s = {self.per_second:.0f} clicks/s · "
                f"ack p50 {self.quantile(0.5) * 1000:.0f} ms · p99 {self.quantile(0.99) * 1000:.0f} ms · "
                f"max {max(self.latencies) * 1000:.0f} ms{extra}")


# --- the Discord side: a fake server and members clicking (own process by default) -----

class DiscordSide:
    """A FakeDiscord with one guild (an admin, ``members`` members, a channel) and the burst driver."""

    def __init__(self, members: int) -> None:
        self.members = members
        self.fake: FakeDiscord
        self.people: list = []

    async def start(self) -> dict[str, Any]:
        self.fake = await FakeDiscord().start()
        self.fake.lenient_deadline = True  # measure late acks instead of failing them
        guild = self.fake.add_guild("Bench club")
        admin_role = self.fake.add_role(guild, "Admin", P.MANAGE_GUILD)
        admin = self.fake.add_member(guild, self.fake.add_user("admin"), [admin_role])
        channel = self.fake.add_channel(guild, "annonces")
        self.channel = channel
        self.people = [self.fake.add_member(guild, self.fake.add_user(f"m{i}"), []) for i in range(self.members)]
        return {"token": self.fake.token, "api_base": self.fake.api_base, "gateway_url": self.fake.gateway_url,
                "guild_id": guild.id, "admin_id": admin.id, "channel_id": channel.id}

    async def bare_message(self) -> int:
        components = [{"type": 1, "components": [
            {"type": 2, "style": 1, "label": label, "custom_id": f"bare:{i}"} for i, label in enumerate(LABELS)
        ]}]
        message = await self.fake.post_as(self.fake.bot_user, self.channel, {"content": "poll", "components": components})
        return message.id

    async def burst(self, message_id: int, per_member: int, rate: float | None) -> tuple[float, list[float]]:
        """Send every click (paced at ``rate`` per second, or as fast as possible); wait for every ack."""
        fake = self.fake
        message = fake.messages[message_id]
        clicks = plan(self.people, per_member)
        fake.ack_latencies.clear()
        began = time.perf_counter()
        replies = []
        for index, (member, label) in enumerate(clicks):
            if rate:
                delay = began + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            replies.append(await fake.click(member, message, label=label, wait=False))
        await asyncio.wait_for(asyncio.gather(*(r.state.acked.wait() for r in replies)), timeout=300)
        return time.perf_counter() - began, list(fake.ack_latencies)

    async def edits(self, message_id: int) -> int:
        await self.fake.settle()
        return self.fake.edit_counts.get(message_id, 0)

    async def stop(self) -> None:
        await self.fake.stop()


def _child(conn, members: int) -> None:  # pragma: no cover - runs in the helper process
    async def serve() -> None:
        side = DiscordSide(members)
        loop = asyncio.get_running_loop()
        conn.send(await side.start())
        while True:
            command, *args = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                await side.stop()
                conn.send(None)
                return
            conn.send(await getattr(side, command)(*args))

    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())


class RemoteSide:
    """:class:`DiscordSide` in another process, same interface (calls go through a pipe)."""

    def __init__(self, members: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_child, args=(child, members), daemon=True)

    async def _call(self, *message: Any) -> Any:
        loop = asyncio.get_running_loop()
        self._conn.send(message)
        return await loop.run_in_executor(None, self._conn.recv)

    async def start(self) -> dict[str, Any]:
        self._process.start()
        return await asyncio.get_running_loop().run_in_executor(None, self._conn.recv)

    def __getattr__(self, name: str):
        async def call(*args: Any) -> Any:
            return await self._call(name, *args)

        return call

    async def stop(self) -> None:
        await self._call("stop")
        self._process.join(timeout=10)


def plan(people, per_member: int, seed: int = 7):
    """``(member, label)`` clicks: each member picks ``per_member`` different choices; shuffled."""
    clicks = [(m, LABELS[(i + k) % len(LABELS)]) for i, m in enumerate(people) for k in range(per_member)]
    random.Random(seed).shuffle(clicks)
    return clicks


def settings_for(info: dict[str, Any], directory: str) -> Settings:
    """Settings pointing a bot at the fake described by ``info``."""
    return Settings(
        _env_file=None, discord_token=info["token"], database_path=Path(directory) / "votes.sqlite3",
        anonymity_secret=SECRET.decode(), discord_api_base=info["api_base"], discord_gateway_url=info["gateway_url"],
        default_timezone="Europe/Paris", default_locale="en",
    )


async def run_bare(side, members: int, per_member: int, rate: float | None) -> Run:
    """A bare ``discord.Client`` answering every click with an ephemeral "ok"."""
    info = await side.start()
    try:
        message_id = await side.bare_message()
        with tempfile.TemporaryDirectory() as tmp:
            point_at(settings_for(info, tmp))
        client = discord.Client(intents=cercle_intents(), guild_ready_timeout=GUILD_READY_TIMEOUT)

        @client.event
        async def on_interaction(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        task = asyncio.create_task(client.start(info["token"]))
        await asyncio.wait_for(client.wait_until_ready(), timeout=60)
        seconds, latencies = await side.burst(message_id, per_member, rate)
        await client.close()
        await asyncio.wait_for(task, timeout=10)
        return Run("bare", members * per_member, seconds, latencies)
    finally:
        await side.stop()


async def run_cercle(side, members: int, per_member: int, rate: float | None) -> Run:
    """Cercle on a fresh database, one live anonymous poll allowing ``per_member`` choices."""
    info = await side.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bot = create_bot(settings_for(info, tmp), clock=SystemClock(), secret=SECRET,
                             guild_ready_timeout=GUILD_READY_TIMEOUT)
            task = asyncio.create_task(bot.start(info["token"]))
            await asyncio.wait_for(bot.wait_until_ready(), timeout=60)
            service = bot.services.polls
            admin = Actor(info["admin_id"], info["guild_id"], manage_guild=True)
            await bot.ctx.club.update(admin, announcements_channel_id=info["channel_id"])
            draft = await service.prepare(admin, max_choices=per_member, anonymous=True, show_results="live")
            poll = await service.create(admin, draft, question="Which feature hurts most?", choices="Export\nSearch\nReports")
            seconds, latencies = await side.burst(poll.message_id, per_member, rate)
            during = await side.edits(poll.message_id)
            await asyncio.sleep(REFRESH_DELAY.total_seconds() + 1)  # let the debounced live edit happen
            edits = await side.edits(poll.message_id)
            tally = await store.tally(bot.ctx.db, poll.id, len(poll.choices))
            await bot.close()
            await asyncio.wait_for(task, timeout=10)
            print(f"        poll message edits: {during} by the end of the burst, {edits} after {REFRESH_DELAY.seconds + 1} s")
            return Run("Cercle", members * per_member, seconds, latencies, votes=tally.total, edits=edits)
    finally:
        await side.stop()


async def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--clicks-per-member", type=int, default=2, choices=(1, 2, 3))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rate", type=float, default=None, help="offered clicks per second (default: all at once)")
    parser.add_argument("--same-process", action="store_true", help="run the fake in the bot's event loop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    expected = args.members * args.clicks_per_member

    def side():
        return DiscordSide(args.members) if args.same_process else RemoteSide(args.members)

    where = "same process" if args.same_process else "fake in its own process"
    offered = f"{args.rate:.0f} clicks/s offered" if args.rate else "all at once"
    print(f"{expected} clicks from {args.members} members, {where}, {offered}")
    ok = True  # correctness only (no vote lost); timing targets are printed, never an exit code
    ratios = []
    for round_no in range(1, args.rounds + 1):
        bare = await run_bare(side(), args.members, args.clicks_per_member, args.rate)
        cercle = await run_cercle(side(), args.members, args.clicks_per_member, args.rate)
        ratio = cercle.per_second / bare.per_second
        ratios.append(ratio)
        print(f"round {round_no}:")
        print("  " + bare.line())
        print("  " + cercle.line())
        lost = expected - (cercle.votes or 0)
        met = ratio >= TARGET_RATIO and cercle.quantile(0.99) < TARGET_P99 and lost == 0
        ok = ok and lost == 0
        print(f"  throughput ratio Cercle/bare {ratio:.2f} (target ≥ {TARGET_RATIO}) · Cercle p99 "
              f"{cercle.quantile(0.99) * 1000:.0f} ms (target < {TARGET_P99 * 1000:.0f} ms) · votes lost {lost} · "
              f"{'met' if met else 'MISSED'}")
    if args.rounds > 1:
        print(f"median ratio {statistics.median(ratios):.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
