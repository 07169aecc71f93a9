"""Start-up benchmark: time until Cercle is ready with every schedule armed, on a
database holding 50 guilds, 500 upcoming meetings with reminders and 500 open polls (when
``bot.polls`` exists), beside a bare discord.py client's time to ready on the same fake
Discord in the same run. Target: Cercle under 2 s more than the bare client.

Run: ``python -m bench.startup [--rounds 3] [--guilds 50] [--meetings 500] [--polls 500]``.
Prints one line per round and the medians; exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import discord

from bot.actor import Actor
from bot.clock import SystemClock
from bot.club.service import ClubService
from bot.context import AppContext
from bot.db import SqliteDatabase
from bot.meetings.rules import Location, to_local
from bot.meetings.service import Draft, MeetingsService
from bot.migrate import migrate
from bot.polls.rules import PollSpec
from bot.polls.service import PollService
from bot.recurrence import rule_for
from bot.scheduler import Scheduler
from bot.settings import Settings
from cercle.app import cercle_intents, create_bot, point_at
from tests.fakediscord import FakeDiscord, P
from tests.support import RecordingPort

SECRET = b"bench-anonymity-secret-of-32-bytes-min"
TARGET_EXTRA_SECONDS = 2.0
GUILD_READY_TIMEOUT = 0.2  # the same for both clients: discord.py waits this long after the last GUILD_CREATE
ZONE = "Europe/Paris"


def build_fake(fake: FakeDiscord, guilds: int) -> list[tuple[int, int]]:
    """Guilds with a meetings channel and a few members; returns ``(guild_id, channel_id)``."""
    found = []
    for index in range(guilds):
        guild = fake.add_guild(f"Club {index}")
        admin_role = fake.add_role(guild, "Admin", P.MANAGE_GUILD)
        for name in ("admin", "alice", "bob"):
            fake.add_member(guild, fake.add_user(f"{name}{index}"), [admin_role] if name == "admin" else [])
        channel = fake.add_channel(guild, "meetings")
        found.append((guild.id, channel.id))
    return found


async def fill_database(settings: Settings, places: list[tuple[int, int]], meetings: int, polls: int) -> int:
    """Store club settings, ``meetings`` upcoming meetings (reminders 24h,1h; some recurring)
    and ``polls`` open polls through the services; returns how many jobs a start must arm."""
    db = await SqliteDatabase(settings.database_path).connect()
    await migrate(db)
    clock = SystemClock()
    port = RecordingPort()
    scheduler = Scheduler(db, clock)
    club = ClubService(db, clock, port, default_timezone=ZONE, default_locale="en")
    ctx = AppContext(settings=settings, db=db, clock=clock, scheduler=scheduler, port=port, club=club, secret=SECRET)
    service = MeetingsService(ctx)
    service.register_jobs()
    for guild_id, channel_id in places:
        await club.update(Actor(1, guild_id, manage_guild=True), meetings_channel_id=channel_id)
    now = clock.now()
    repeats = ["none", "none", "weekly", "monthly", "quarterly"]
    for index in range(meetings):
        guild_id, channel_id = places[index % len(places)]
        starts_at = (now + timedelta(days=2 + index % 60, hours=index % 7)).replace(second=0)
        local_start, repeat = to_local(starts_at, ZONE), repeats[index % len(repeats)]
        draft = Draft(
            guild_id=guild_id, channel_id=channel_id, starts_at=starts_at, local_start=local_start,
            timezone=ZONE, duration_s=5400, location=Location("https://meet.example/club"),
            repeat=repeat, reminders=(86400, 3600), rrule=rule_for(repeat, local_start),
        )
        moderator = Actor(1, guild_id, manage_guild=True)
        await service.create(moderator, draft, title=f"Meeting {index}", agenda="1. Roadmap\n2. Pain points")
    expected = meetings * 4  # two reminders, the start and the end of each
    if polls:
        specs = [
            PollSpec(
                guild_id=places[i % len(places)][0], channel_id=places[i % len(places)][1], creator_id=1,
                question=f"Question {i}?", description="", choices=("Yes", "No", "Maybe"), anonymous=bool(i % 2),
                max_choices=1, show_results="live", opens_at=now, closes_at=now + timedelta(days=3 + i % 20),
                repeat="none", timezone=ZONE,
            )
            for i in range(polls)
        ]
        poll_service = PollService(ctx)
        poll_service.register_jobs()
        await poll_service.create_open_polls(Actor.scheduler(), specs)
        expected += polls
    await db.close()
    return expected


async def time_bare(fake: FakeDiscord) -> float:
    """Seconds from start to ``on_ready`` of a bare ``discord.Client`` (same intents)."""
    client = discord.Client(intents=cercle_intents(), guild_ready_timeout=GUILD_READY_TIMEOUT)
    began = time.perf_counter()
    task = asyncio.create_task(client.start(fake.token))
    await asyncio.wait_for(client.wait_until_ready(), timeout=60)
    elapsed = time.perf_counter() - began
    await client.close()
    await asyncio.wait_for(task, timeout=10)
    return elapsed


async def time_cercle(settings: Settings, fake: FakeDiscord, expected_jobs: int) -> tuple[float, int]:
    """Seconds from start to ready of Cercle (database opened, migrated, cogs loaded,
    schedules armed from the database), and how many jobs were armed."""
    bot = create_bot(settings, clock=SystemClock(), secret=SECRET, guild_ready_timeout=GUILD_READY_TIMEOUT)
    began = time.perf_counter()
    task = asyncio.create_task(bot.start(fake.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    elapsed = time.perf_counter() - began
    armed = len(bot.ctx.scheduler.pending())
    await bot.close()
    await asyncio.wait_for(task, timeout=10)
    if armed < expected_jobs:
        raise AssertionError(f"only {armed} jobs armed, expected at least {expected_jobs}")
    return elapsed, armed


async def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--polls", type=int, default=500)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)
    fake = await FakeDiscord().start()
    try:
        places = build_fake(fake, args.guilds)
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None, discord_token=fake.token, database_path=Path(tmp) / "bench.sqlite3",
                anonymity_secret=SECRET.decode(), discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url,
                default_timezone=ZONE, default_locale="en",
            )
            began = time.perf_counter()
            expected = await fill_database(settings, places, args.meetings, args.polls)
            print(f"database: {args.guilds} guilds, {args.meetings} meetings, {args.polls} polls, "
                  f"{expected} jobs to arm (filled in {time.perf_counter() - began:.1f} s)")
            point_at(settings)  # the bare client talks to the same fake
            bare_times, cercle_times = [], []
            for round_no in range(1, args.rounds + 1):
                bare = await time_bare(fake)
                cercle, armed = await time_cercle(settings, fake, expected)
                bare_times.append(bare)
                cercle_times.append(cercle)
                print(f"round {round_no}: bare discord.py {bare:.3f} s · Cercle {cercle:.3f} s ({armed} jobs armed) · "
                      f"extra {cercle - bare:+.3f} s")
    finally:
        await fake.stop()
    bare_median, cercle_median = statistics.median(bare_times), statistics.median(cercle_times)
    extra = cercle_median - bare_median
    print(f"median: bare {bare_median:.3f} s · Cercle {cercle_median:.3f} s · extra {extra:+.3f} s "
          f"(ratio {cercle_median / bare_median:.2f}×; target extra < {TARGET_EXTRA_SECONDS:.1f} s: "
          f"{'met' if extra < TARGET_EXTRA_SECONDS else 'MISSED'})")
    return 0 if extra < TARGET_EXTRA_SECONDS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
