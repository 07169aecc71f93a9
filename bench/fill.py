"""Fill a benchmark database through Cercle's own services (bench/_wire.py child).

``python bench/fill.py --database FILE --guilds G [--meetings 10] [--polls 10] [--tree PATH]``:
G clubs, each with a meetings channel, ``--meetings`` upcoming meetings (reminders 24 h
and 1 h before; some recurring; 2 to 62 days ahead) and ``--polls`` open polls (closing
in 3 to 23 days): the same schedule per club, so figures at 50, 500 and 5,000 clubs
compare. Prints one answer of the wire: ``{"ok": {"guilds", "jobs", "seconds"}}``. Guild ids are made up:
the jobs are weeks away and never fire during a benchmark.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta
from pathlib import Path

from _wire import child_main, use_tree

SECRET = b"bench-anonymity-secret-of-32-bytes-min"
ZONE = "Europe/Paris"
GUILD0, CHANNEL0 = 500_000_000_000_000_000, 600_000_000_000_000_000
REPEATS = ["none", "none", "weekly", "monthly", "quarterly"]


async def fill(database: Path, guilds: int, meetings: int, polls: int) -> int:
    """Store the schedule; returns how many jobs it makes (4 per meeting, 1 per poll)."""
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
    from bot.scheduler import Scheduler
    from bot.settings import Settings
    from tests.support import RecordingPort

    settings = Settings(_env_file=None, database_path=database, anonymity_secret=SECRET.decode())
    db = await SqliteDatabase(database).connect()
    await migrate(db)
    clock, port = SystemClock(), RecordingPort()
    club = ClubService(db, clock, port, default_timezone=ZONE, default_locale="en")
    ctx = AppContext(settings=settings, db=db, clock=clock, scheduler=Scheduler(db, clock), port=port, club=club,
                     secret=SECRET)
    meeting_service, poll_service = MeetingsService(ctx), PollService(ctx)
    meeting_service.register_jobs()
    poll_service.register_jobs()
    now = clock.now()
    for g in range(guilds):
        guild_id, channel_id = GUILD0 + g, CHANNEL0 + g
        moderator = Actor(1, guild_id, manage_guild=True)
        await club.update(moderator, meetings_channel_id=channel_id)
        for m in range(meetings):
            index = g * meetings + m
            starts_at = (now + timedelta(days=2 + index % 60, hours=index % 7)).replace(second=0, microsecond=0)
            draft = Draft(
                guild_id=guild_id, channel_id=channel_id, starts_at=starts_at, local_start=to_local(starts_at, ZONE),
                timezone=ZONE, duration_s=5400, location=Location("https://meet.example/club"),
                repeat=REPEATS[index % len(REPEATS)], reminders=(86400, 3600),
            )
            await meeting_service.create(moderator, draft, title=f"Meeting {index}", agenda="1. Roadmap\n2. Pain points")
        specs = [
            PollSpec(guild_id=guild_id, channel_id=channel_id, creator_id=1, question=f"Question {p}?", description="",
                     choices=("Yes", "No", "Maybe"), anonymous=bool(p % 2), max_choices=1, show_results="live",
                     opens_at=now, closes_at=now + timedelta(days=3 + (g + p) % 20), repeat="none", timezone=ZONE)
            for p in range(polls)
        ]
        if specs:
            await poll_service.create_open_polls(Actor.scheduler(), specs)
    await db.close()
    return guilds * (meetings * 4 + polls)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--guilds", type=int, required=True)
    parser.add_argument("--meetings", type=int, default=10)
    parser.add_argument("--polls", type=int, default=10)
    parser.add_argument("--tree", default=None)
    args = parser.parse_args()
    use_tree(args.tree)
    began = time.perf_counter()
    jobs = await fill(Path(args.database), args.guilds, args.meetings, args.polls)
    print(json.dumps({"ok": {"guilds": args.guilds, "jobs": jobs, "seconds": time.perf_counter() - began}}), flush=True)


if __name__ == "__main__":
    child_main(main)
