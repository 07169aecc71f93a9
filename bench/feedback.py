"""Feedback campaign benchmark: a campaign DMed to 2,000 members with the pacing
respected, then 2,000 anonymous answers submitted concurrently, beside a bare discord.py
client acknowledging the same modals in the same run.

Phase 1 (Cercle only): ``/campaign`` fan-out to ``--members`` members (5 % with DMs closed)
at ``--rate`` requests per second (Cercle's default, 20/s, i.e. 10 DMs/s). Prints the fan-out time, DMs sent
and counted failures, and the highest number of REST requests the fake saw in any one
second (Discord's global limit is 50/s; a first DM to a member costs two requests, one to
open the DM channel and one to post).

Phase 2: every reachable member opens the form (clicks the DM button), then all the forms
are submitted at once. Prints answers/s, p50/p99 time to acknowledge (the fake's clock:
interaction sent → callback received) for Cercle and for a bare ``discord.Client`` that
answers every modal with an ephemeral "ok", and the ratio. Checks that every answer was
stored exactly once (exit status 1 otherwise).

Run: ``python -m bench.feedback [--members 2000] [--rate 20] [--fast]`` (``--fast`` skips the
real pacing sleeps of phase 1 and reports the paced schedule instead).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import discord
import yarl

from bot.actor import Actor
from bot.clock import SystemClock
from bot.settings import Settings
from cercle.app import cercle_intents, create_bot
from tests.fakediscord import FakeDiscord, P

SECRET = b"bench-anonymity-secret-of-32-bytes-min"
GUILD_READY_TIMEOUT = 0.2
QUESTIONS = ["0-10: How likely are you to recommend the software to a peer?", "What hurts most?"]
VALUES = {"q1": "8", "q2": "Exports are slow on big projects"}


@dataclass
class Run:
    """Figures of one burst of modal submits."""

    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def line(self) -> str:
        return (f"{self.name:>7}: {self.count} answers in {self.seconds:.2f} s = {self.per_second:.0f} answers/s · "
                f"ack p50 {self.quantile(0.5) * 1000:.0f} ms · p99 {self.quantile(0.99) * 1000:.0f} ms · "
                f"max {max(self.latencies) * 1000:.0f} ms")


def build(fake: FakeDiscord, members: int):
    """One guild: an admin, ``members`` members of a role (every 20th with DMs closed), a feedback channel."""
    guild = fake.add_guild("Bench club")
    admin_role = fake.add_role(guild, "Admin", P.MANAGE_GUILD)
    member_role = fake.add_role(guild, "Members")
    admin = fake.add_member(guild, fake.add_user("admin"), [admin_role])
    channel = fake.add_channel(guild, "feedback")
    people = [
        fake.add_member(guild, fake.add_user(f"m{i}", dms_open=i % 20 != 7), [member_role]) for i in range(members)
    ]
    return guild, admin, member_role, channel, people


async def submit_all(fake: FakeDiscord, forms) -> tuple[float, list[float]]:
    """Submit every ``(member, form, kwargs)`` without waiting; then wait for every acknowledgement."""
    fake.ack_latencies.clear()
    began = time.perf_counter()
    replies = [await fake.submit_modal(member, form, VALUES, wait=False, **kwargs) for member, form, kwargs in forms]
    await asyncio.wait_for(asyncio.gather(*(r.state.acked.wait() for r in replies)), timeout=300)
    elapsed = time.perf_counter() - began
    return elapsed, list(fake.ack_latencies)


async def watch_rate(fake: FakeDiscord, stop: asyncio.Event) -> int:
    """The highest count of REST requests the fake received in any sliding second."""
    stamps: list[tuple[float, int]] = []
    while not stop.is_set():
        stamps.append((time.perf_counter(), len(fake.requests)))
        await asyncio.sleep(0.05)
    best = 0
    j = 0
    for i, (t_i, n_i) in enumerate(stamps):
        while stamps[j][0] < t_i - 1.0:
            j += 1
        best = max(best, n_i - stamps[j][1])
        del i
    return best


async def run_cercle(members: int, rate: float, fast: bool) -> tuple[Run, list[tuple]]:
    """Phase 1 and 2 with Cercle; returns the submit figures and the forms (for the bare run)."""
    fake = await FakeDiscord().start()
    fake.lenient_deadline = True
    try:
        guild, admin, role, channel, people = build(fake, members)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None, discord_token=fake.token, database_path=Path(tmp) / "feedback.sqlite3",
                anonymity_secret=SECRET.decode(), discord_api_base=fake.api_base,
                discord_gateway_url=fake.gateway_url, default_timezone="Europe/Paris", default_locale="en",
            )
            paced: list[float] = []

            async def virtual_sleep(seconds: float) -> None:
                paced.append(seconds)

            options: dict[str, object] = {"fanout_rate": rate}
            if fast:
                options["fanout_sleep"] = virtual_sleep
            bot = create_bot(settings, clock=SystemClock(), secret=SECRET, guild_ready_timeout=GUILD_READY_TIMEOUT, **options)
            task = asyncio.create_task(bot.start(fake.token))
            await asyncio.wait_for(bot.wait_until_ready(), timeout=60)
            service = bot.services.feedback
            moderator = Actor(user_id=admin.id, guild_id=guild.id, manage_guild=True)
            await bot.ctx.club.update(moderator, feedback_channel_id=channel.id)

            stop = asyncio.Event()
            watcher = asyncio.create_task(watch_rate(fake, stop))
            began = time.perf_counter()
            draft = await service.draft_campaign(moderator, title="Bench campaign", closes="in 7 days", audience_role_id=role.id)
            result = await service.launch_campaign(moderator, draft, QUESTIONS)
            fan_seconds = time.perf_counter() - began
            stop.set()
            peak = await watcher
            print(f"  phase 1 · campaign to {result.invited} members: {result.sent} DMs sent, {result.failed} unreachable "
                  f"({result.failures}) in {fan_seconds:.1f} s wall" + (f", paced schedule {sum(paced):.1f} s" if fast else ""))
            print(f"           fan-out rate {rate:g} requests/s ({rate / 2:g} DMs/s) · peak {peak} REST requests in one second "
                  f"({'virtual sleeps: not meaningful' if fast else 'Discord allows 50/s'})")

            forms = []
            reachable = [p for p in people if p.dms_open]
            for member in reachable:
                invite = fake.dms_to(member)[-1]
                form = await fake.click(member, invite, label="Answer", wait=True)
                forms.append((member, form, {}))
            seconds, latencies = await submit_all(fake, forms)
            await fake.settle()
            stored = await bot.ctx.db.fetchval(  # waiting for their cohort, or released
                "SELECT (SELECT COUNT(*) FROM feedback_pending) + (SELECT COUNT(*) FROM feedback_answers)"
            )
            keys = await bot.ctx.db.fetchval("SELECT COUNT(*) FROM feedback_dedupe")
            print(f"           answers stored {stored}, dedupe keys {keys} (expected {len(reachable)})")
            await bot.close()
            await asyncio.wait_for(task, timeout=10)
            if stored != len(reachable) or keys != len(reachable):
                raise SystemExit(1)
            return Run("Cercle", len(forms), seconds, latencies), [f[1].modal for f in forms]
    finally:
        await fake.stop()


async def run_bare(members: int, modals: list[dict]) -> Run:
    """A bare ``discord.Client`` acknowledging the same modals (same custom_ids and inputs) in DMs."""
    fake = await FakeDiscord().start()
    fake.lenient_deadline = True
    try:
        guild, admin, role, channel, people = build(fake, members)
        reachable = [p for p in people if p.dms_open]
        point_at_fake(fake)
        client = discord.Client(intents=cercle_intents(), guild_ready_timeout=GUILD_READY_TIMEOUT)

        @client.event
        async def on_interaction(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

        task = asyncio.create_task(client.start(fake.token))
        await asyncio.wait_for(client.wait_until_ready(), timeout=60)
        forms = [(member, modal, {"channel": fake.dm_channel(member)}) for member, modal in zip(reachable, modals, strict=True)]
        seconds, latencies = await submit_all(fake, forms)
        await client.close()
        await asyncio.wait_for(task, timeout=10)
        return Run("bare", len(forms), seconds, latencies)
    finally:
        await fake.stop()


def point_at_fake(fake: FakeDiscord) -> None:
    """Point discord.py's class-level URLs at ``fake`` (the Cercle run pointed them at its own)."""
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)


async def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--fast", action="store_true", help="do not really sleep between DMs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    cercle, modals = await run_cercle(args.members, args.rate, args.fast)
    bare = await run_bare(args.members, modals)
    print("  phase 2 · " + bare.line())
    print("            " + cercle.line())
    print(f"  answers/s ratio Cercle/bare {cercle.per_second / bare.per_second:.2f} · "
          f"p99 ratio {cercle.quantile(0.99) / bare.quantile(0.99):.2f} (lower is better)")
    return 0


if __name__ == "__main__":
    from bench._wire import parent_main

    parent_main(main)  # a failure exits 1 at once, not hanging on the database's thread
