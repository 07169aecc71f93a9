"""Weekly prompts benchmark, at the service level (real SQLite file, fake clock,
recording port), each figure beside a baseline measured in the same run:

1. **Weekly tick**: ``--guilds`` clubs scheduled at the same Friday 18:00; one clock move
   posts every club's prompt (claim, rotation pick, post, thread, record). Two services on
   two connections to the same file (two processes by mistake) must still post once per
   club. Baseline: the least a correct poster does — one idempotency claim per club in the
   same database, then the same post and thread sent straight to the port.
2. **Reply counting**: ``--replies`` thread messages counted (thread lookup, HMAC, one
   transaction each). Baseline: one bare ``INSERT`` per message on the same database.
3. **Stats chart**: rendering the PNG of a year of weekly prompts.

Exit status 1 if a club got no post or two. Run: ``python -m bench.prompts [--guilds 300] [--replies 3000]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import FakeClock  # noqa: E402
from bot.club.service import ClubService  # noqa: E402
from bot.context import AppContext  # noqa: E402
from bot.db import SqliteDatabase  # noqa: E402
from bot.migrate import migrate  # noqa: E402
from bot.ports import Embed, OutMessage  # noqa: E402
from bot.prompts.service import PromptService  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.actors import member, moderator  # noqa: E402
from tests.support import RecordingPort  # noqa: E402

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # Friday 18:00 Paris


async def make_ctx(path: Path, clock: FakeClock, port: RecordingPort) -> AppContext:
    """A migrated context on ``path`` (one connection = one 'process')."""
    settings = Settings(_env_file=None, database_path=path, anonymity_secret="bench-anonymity-secret-of-32-bytes-min")
    db = await SqliteDatabase(path).connect()
    await migrate(db)
    club = ClubService(db, clock, port, default_timezone="Europe/Paris", default_locale="en")
    return AppContext(settings=settings, db=db, clock=clock, scheduler=Scheduler(db, clock), port=port,
                      club=club, secret=b"bench-secret")


async def weekly_tick(folder: Path, guilds: int) -> tuple[float, float, int, int]:
    """Seconds for Cercle's tick, seconds for the baseline, posts made, clubs with exactly one post."""
    clock = FakeClock(START)
    port = RecordingPort()
    first = await make_ctx(folder / "tick.sqlite3", clock, port)
    second = await make_ctx(folder / "tick.sqlite3", clock, port)
    services = []
    for ctx in (first, second):
        service = PromptService(ctx)
        service.register_jobs()
        services.append(service)
    for guild in range(1, guilds + 1):
        await first.club.update(moderator(guild), prompts_channel_id=100_000 + guild)
        await services[0].set_schedule(moderator(guild), weekday=4, time="18:00")
    for ctx in (first, second):
        await ctx.scheduler.start()
    started = time.perf_counter()
    await clock.set(FRIDAY)
    cercle = time.perf_counter() - started
    posts = [c for c in port.of("send_message")]
    per_channel: dict[int, int] = {}
    for call in posts:
        per_channel[call.target] = per_channel.get(call.target, 0) + 1
    exactly_one = sum(1 for n in per_channel.values() if n == 1)

    baseline_port = RecordingPort()
    message = OutMessage(embeds=(Embed(title="Prompt of the week · Features", description="x" * 120),))
    started = time.perf_counter()
    for guild in range(1, guilds + 1):
        await first.scheduler.claim(f"bench:{guild}:2026-W49", guild)
        mid = await baseline_port.send_message(100_000 + guild, message)
        await baseline_port.create_thread(100_000 + guild, mid, "x" * 90)
    baseline = time.perf_counter() - started
    for ctx in (first, second):
        await ctx.scheduler.stop()
        await ctx.db.close()
    return cercle, baseline, len(posts), exactly_one


async def reply_counting(folder: Path, replies: int) -> tuple[float, float, int]:
    """Seconds to count ``replies`` thread messages, seconds for bare inserts, replies counted."""
    clock = FakeClock(START)
    port = RecordingPort()
    ctx = await make_ctx(folder / "replies.sqlite3", clock, port)
    service = PromptService(ctx)
    await ctx.club.update(moderator(1), prompts_channel_id=10)
    result = await service.post_now(moderator(1))
    assert result.thread_id is not None
    started = time.perf_counter()
    for i in range(replies):  # the cog builds the author's Actor for each message
        await service.record_reply(member(1, 1_000_000 + i % 200), result.thread_id, message_id=5_000_000 + i)
    cercle = time.perf_counter() - started
    counted = int(await ctx.db.fetchval("SELECT replies FROM prompt_posts WHERE id = ?", (result.post_id,)))
    await ctx.db.execute("CREATE TABLE bench_bare (thread_id INTEGER, author INTEGER)")
    started = time.perf_counter()
    for i in range(replies):
        await ctx.db.execute("INSERT INTO bench_bare VALUES (?, ?)", (result.thread_id, i % 200))
    baseline = time.perf_counter() - started
    await ctx.db.close()
    return cercle, baseline, counted


async def chart_render(folder: Path) -> tuple[float, float]:
    """Seconds for ``/prompt stats`` over 52 weekly prompts: first call (loads matplotlib), then warm."""
    clock = FakeClock(START)
    port = RecordingPort()
    ctx = await make_ctx(folder / "chart.sqlite3", clock, port)
    service = PromptService(ctx)
    await ctx.club.update(moderator(1), prompts_channel_id=10)
    for week in range(52):
        result = await service.post_now(moderator(1))
        assert result.thread_id is not None
        for i in range(week % 7):
            await service.record_reply(member(1, i), result.thread_id)
        await clock.advance(timedelta(days=7))
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        report = await service.stats(moderator(1), weeks=52)
        timings.append(time.perf_counter() - started)
        assert report.chart and report.chart.startswith(b"\x89PNG")
    await ctx.db.close()
    return timings[0], timings[1]


async def main(guilds: int, replies: int) -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cercle, baseline, posts, exactly_one = await weekly_tick(folder, guilds)
        print(f"weekly tick  {guilds} clubs, 2 processes: cercle {cercle:6.2f} s ({guilds / cercle:7.1f} clubs/s)  "
              f"baseline {baseline:6.3f} s  ratio cercle/baseline {cercle / baseline if baseline else float('inf'):8.1f}x")
        print(f"             posts {posts}, clubs with exactly one post {exactly_one}/{guilds}")
        counted_s, bare_s, counted = await reply_counting(folder, replies)
        print(f"replies      {replies}: cercle {counted_s:6.2f} s ({replies / counted_s:7.1f}/s)  "
              f"bare insert {bare_s:6.2f} s ({replies / bare_s:7.1f}/s)  ratio {counted_s / bare_s:5.2f}x  "
              f"counted {counted}")
        cold, warm = await chart_render(folder)
        print(f"stats+chart  52 weeks: first {cold * 1000:7.1f} ms (imports matplotlib), then {warm * 1000:7.1f} ms "
              "(rendered off the event loop)")
    ok = posts == guilds and exactly_one == guilds and counted == replies
    print("OK" if ok else "FAILED: a club was posted twice or not at all, or a reply was lost")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=300)
    parser.add_argument("--replies", type=int, default=3000)
    args = parser.parse_args()
    from bench._wire import parent_main

    parent_main(lambda: main(args.guilds, args.replies))  # a failure exits 1 at once, not hanging on a thread
