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
    await scheduler.caught_up()
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
    await scheduler.caught_up()
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
    await scheduler.caught_up()
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
    await scheduler.caught_up()
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
    await scheduler.caught_up()
    scheduler.arm("k", "x", clock.now() + timedelta(minutes=1))
    await scheduler.stop()
    await clock.advance(minutes=5)
    assert ran == []


async def test_effect_left_unfinished_is_taken_over_and_a_done_one_is_final(db, clock):
    """An interrupted effect keeps its claim unfinished: the next run takes it over; one run at
    a time holds it in a process; once done it is never made again."""
    import asyncio

    import pytest

    scheduler = Scheduler(db, clock)
    with pytest.raises(asyncio.CancelledError):
        async with scheduler.effect("k:1", 1) as effect:
            assert effect is not None and effect.fresh
            raise asyncio.CancelledError
    assert await db.fetchval("SELECT count(*) FROM claims WHERE key = 'k:1' AND done_at IS NULL") == 1
    async with scheduler.effect("k:1", 1) as effect:
        assert effect is not None and not effect.fresh  # taken over, not lost
        async with scheduler.effect("k:1", 1) as again:
            assert again is None  # held by the run above
        await effect.complete(99)
    async with scheduler.effect("k:1", 1) as effect:
        assert effect is None
    assert await db.fetchval("SELECT discord_id FROM claims WHERE key = 'k:1'") == 99


async def test_an_attempted_post_is_found_in_discord_not_posted_again(db, clock):
    """A post attempted by a process that died before recording it is looked for in the channel
    (by fingerprint) and reused; a post never attempted is simply made."""
    from bot.ports import OutMessage
    from tests.support import RecordingPort

    port, scheduler = RecordingPort(), Scheduler(db, clock)
    message = OutMessage(content="Results of poll 7")
    async with scheduler.effect("poll:7:chart", 1) as effect:
        assert effect is not None
        first = await effect.post(port, 5, message)  # reached Discord; the process dies here
    async with scheduler.effect("poll:7:chart", 1) as effect:
        assert effect is not None
        again = await effect.post(port, 5, message)
        await effect.complete(again)
    assert again == first and len(port.of("send_message")) == 1
    async with scheduler.effect("poll:8:chart", 1) as effect:
        assert effect is not None  # intended, never attempted: made at the next run
    async with scheduler.effect("poll:8:chart", 1) as effect:
        assert effect is not None
        await effect.complete(await effect.post(port, 5, message))  # same text, another claim: a new post
    assert len(port.of("send_message")) == 2


async def test_a_resent_attempt_carries_the_same_nonce(db, clock):
    """An attempt not found in the channel is posted again with the claim's own nonce (Discord's
    enforce_nonce returns the first message within its window)."""
    from bot.effects import nonce_for
    from bot.ports import OutMessage
    from tests.support import RecordingPort

    port, scheduler = RecordingPort(), Scheduler(db, clock)
    async with scheduler.effect("prompts:1:2026-W49", 1) as effect:
        assert effect is not None
        await effect.post(port, 5, OutMessage(content="Prompt"))
    port.messages.clear()  # not visible in the channel's history any more
    async with scheduler.effect("prompts:1:2026-W49", 1) as effect:
        assert effect is not None
        await effect.post(port, 5, OutMessage(content="Prompt"))
    nonces = [c.extra["nonce"] for c in port.of("send_message")]
    assert nonces == [nonce_for("prompts:1:2026-W49")] and len(nonce_for("x" * 300)) == 25


async def test_stop_interrupts_a_running_job_whose_post_the_next_start_finishes(db, clock):
    """A job stuck mid-post at shutdown is cancelled by stop() at once; its claim stays
    unfinished, so the next start's run takes it over instead of dropping the post."""
    import asyncio

    scheduler = Scheduler(db, clock)
    entered = asyncio.Event()

    async def handler(ref: str) -> None:
        async with scheduler.effect(f"post:{ref}", 1) as effect:
            assert effect is not None
            entered.set()
            await asyncio.Event().wait()  # a post waiting out a long rate limit
            await effect.complete()

    scheduler.register("k", handler)
    await scheduler.start()
    await scheduler.caught_up()
    scheduler.arm("k", "w49", clock.now() + timedelta(minutes=1))
    runner = asyncio.create_task(clock.advance(minutes=2))
    await asyncio.wait_for(entered.wait(), timeout=5)
    await scheduler.stop()
    await asyncio.wait_for(runner, timeout=5)
    assert await db.fetchval("SELECT count(*) FROM claims WHERE key = 'post:w49' AND done_at IS NULL") == 1
    async with Scheduler(db, clock).effect("post:w49", 1) as effect:
        assert effect is not None and not effect.fresh


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
    await scheduler.caught_up()
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
