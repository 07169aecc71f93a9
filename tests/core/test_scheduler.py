"""The scheduler: armed from the database, run when the fake clock moves, claims once."""

import asyncio
from datetime import datetime, timedelta

from bot.clock import SystemClock
from bot.scheduler import Scheduler


async def test_jobs_run_in_order_when_due(db, clock):
    """Jobs run at their instant, soonest first, and not before."""
    ran = []
    scheduler = Scheduler(db, clock)

    async def handler(ref: str) -> None:
        ran.append(ref)

    scheduler.register("test.job", handler)
    await scheduler.start()
    scheduler.arm("test.job", "b", clock.now() + timedelta(minutes=10))
    scheduler.arm("test.job", "a", clock.now() + timedelta(minutes=5))
    await clock.advance(minutes=4)
    assert ran == []
    await clock.advance(minutes=7)
    assert ran == ["a", "b"]
    await scheduler.stop()


async def test_loader_arms_at_start_and_overdue_runs_at_once(db, clock):
    """At start the loader's rows are armed; those already past run immediately."""
    ran = []
    scheduler = Scheduler(db, clock)

    async def handler(ref: str) -> None:
        ran.append(ref)

    async def loader():
        return [("late", clock.now() - timedelta(hours=1)), ("soon", clock.now() + timedelta(hours=1))]

    scheduler.register("test.job", handler, loader)
    await scheduler.start()
    assert ran == ["late"]
    assert [a.ref for a in scheduler.pending()] == ["soon"]
    await scheduler.stop()


async def test_rearm_replaces_and_disarm_forgets(db, clock):
    """Arming the same ref again moves it; disarming removes it."""
    ran = []
    scheduler = Scheduler(db, clock)

    async def handler(ref: str) -> None:
        ran.append(ref)

    scheduler.register("k", handler)
    await scheduler.start()
    scheduler.arm("k", "x", clock.now() + timedelta(minutes=1))
    scheduler.arm("k", "x", clock.now() + timedelta(minutes=30))
    scheduler.arm("k", "y", clock.now() + timedelta(minutes=2))
    scheduler.disarm("k", "y")
    await clock.advance(minutes=5)
    assert ran == []
    await clock.advance(minutes=30)
    assert ran == ["x"]
    await scheduler.stop()


async def test_failing_handler_does_not_stop_others(db, clock, caplog):
    """One job raising is logged; the next job still runs."""
    ran = []
    scheduler = Scheduler(db, clock)

    async def handler(ref: str) -> None:
        if ref == "bad":
            raise RuntimeError("boom")
        ran.append(ref)

    scheduler.register("k", handler)
    await scheduler.start()
    scheduler.arm("k", "bad", clock.now() + timedelta(seconds=1))
    scheduler.arm("k", "good", clock.now() + timedelta(seconds=2))
    await clock.advance(seconds=5)
    assert ran == ["good"]
    assert "k:bad failed" in caplog.text
    await scheduler.stop()


async def test_claim_is_won_once_across_schedulers(db, clock):
    """Two schedulers on the same database (two processes) claim a key once only."""
    one, two = Scheduler(db, clock), Scheduler(db, clock)
    assert await one.claim("prompt:1:2026-W49", 1) is True
    assert await two.claim("prompt:1:2026-W49", 1) is False
    await one.complete("prompt:1:2026-W49", 12345)
    row = await db.fetchone("SELECT done_at, discord_id FROM claims WHERE key = ?", ("prompt:1:2026-W49",))
    assert row["discord_id"] == 12345 and row["done_at"] is not None


async def test_stopped_scheduler_runs_nothing(db, clock):
    """After stop, moving the clock runs nothing (a closed bot must not act)."""
    ran = []
    scheduler = Scheduler(db, clock)

    async def handler(ref: str) -> None:
        ran.append(ref)

    scheduler.register("k", handler)
    await scheduler.start()
    scheduler.arm("k", "x", clock.now() + timedelta(minutes=1))
    await scheduler.stop()
    await clock.advance(minutes=5)
    assert ran == []


async def test_claimed_releases_when_interrupted_and_keeps_when_completed(db, clock):
    """An interrupted side effect frees its claim for a retry; a completed one stays claimed."""
    import asyncio

    import pytest

    scheduler = Scheduler(db, clock)
    with pytest.raises(asyncio.CancelledError):
        async with scheduler.claimed("k:1", 1) as won:
            assert won
            raise asyncio.CancelledError
    async with scheduler.claimed("k:1", 1) as won:
        assert won  # released above: the retry wins
        await scheduler.complete("k:1", 99)
    with pytest.raises(RuntimeError):
        async with scheduler.claimed("k:1", 1) as won:
            assert not won
            raise RuntimeError("the loser failing must not free the winner's claim")
    assert await db.fetchval("SELECT discord_id FROM claims WHERE key = 'k:1'") == 99


async def test_stop_interrupts_a_running_job_which_gives_its_claim_back(db, clock):
    """A job stuck mid-side-effect at shutdown is cancelled by stop() while the database is open; its claim is released."""
    import asyncio

    scheduler = Scheduler(db, clock)
    entered = asyncio.Event()

    async def handler(ref: str) -> None:
        async with scheduler.claimed(f"post:{ref}", 1) as won:
            assert won
            entered.set()
            await asyncio.Event().wait()  # a post waiting out a long rate limit
            await scheduler.complete(f"post:{ref}")

    scheduler.register("k", handler)
    await scheduler.start()
    scheduler.arm("k", "w49", clock.now() + timedelta(minutes=1))
    runner = asyncio.create_task(clock.advance(minutes=2))
    await asyncio.wait_for(entered.wait(), timeout=5)
    await scheduler.stop()
    await asyncio.wait_for(runner, timeout=5)
    assert await db.fetchval("SELECT count(*) FROM claims WHERE key = 'post:w49'") == 0


async def test_a_hundred_thousand_armed_jobs_cost_one_timer(db):
    """docs/architecture.md, "Scheduler": with the real clock, APScheduler holds only the
    waker, set at the soonest job, however many are armed; arming an earlier job moves it."""
    clock = SystemClock()
    scheduler = Scheduler(db, clock)
    ran: list[str] = []

    async def handler(ref: str) -> None:
        ran.append(ref)

    far = clock.now() + timedelta(days=30)
    scheduler.register("bench.far", handler, loader=None)
    for n in range(100_000):
        scheduler.arm("bench.far", str(n), far + timedelta(seconds=n))
    await scheduler.start()
    try:
        assert scheduler.timers() == 1 and scheduler.wake_at == far
        sooner = clock.now() + timedelta(days=1)
        scheduler.arm("bench.far", "soon", sooner)
        assert scheduler.timers() == 1 and scheduler.wake_at == sooner
        scheduler.disarm("bench.far", "soon")
        assert scheduler.is_armed("bench.far", "1") and not scheduler.is_armed("bench.far", "soon")
        assert ran == []
    finally:
        await scheduler.stop()


async def test_a_job_fires_with_the_real_clock_and_after_a_restart(db):
    """The waker runs a job at its instant (a real wait of a few hundred milliseconds: this
    is the one path a FakeClock cannot drive), and a restart re-arms it from the loader."""
    clock = SystemClock()
    fired = asyncio.Event()
    due = clock.now() + timedelta(milliseconds=300)

    async def handler(ref: str) -> None:
        fired.set()

    async def loader() -> list[tuple[str, datetime]]:
        return [("x", due)]

    first = Scheduler(db, clock)
    first.register("demo.once", handler, loader)
    await first.start()
    await first.stop()  # stopped before the instant: nothing ran
    assert not fired.is_set()
    second = Scheduler(db, clock)
    second.register("demo.once", handler, loader)
    await second.start()
    try:
        await asyncio.wait_for(fired.wait(), timeout=5)
        assert second.wake_at is None and not second.is_armed("demo.once", "x")
    finally:
        await second.stop()
