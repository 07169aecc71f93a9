"""The durable fan-out outbox (docs/architecture.md): enqueue with the claim, paced drain that removes
each recipient as it goes, resume after a stop, failures counted once, nobody DMed twice, no
member id in clear in the tables."""

from __future__ import annotations

import asyncio
import struct

import pytest

from bot.db import SqliteDatabase
from bot.fanout import Delivery, Outbox
from bot.ports import DeliveryError

SECRET = b"outbox-test-secret-of-at-least-32-bytes"
GUILD = 42
MEMBERS = [100_000_000_000_000_000 + n for n in range(1, 11)]  # snowflake-sized ids


def box(db, clock) -> Outbox:
    return Outbox(db, SECRET, clock=clock)


class Recorder:
    """A ``send`` that records calls and fails for ``closed`` ids."""

    def __init__(self, closed=()) -> None:
        self.calls: list[int] = []
        self.closed = set(closed)

    async def __call__(self, user_id: int) -> None:
        self.calls.append(user_id)
        if user_id in self.closed:
            raise DeliveryError("dm_closed", 50007)


async def no_sleep(_seconds: float) -> None:
    return None


async def test_enqueue_is_one_transaction_with_the_claim(db, clock):
    """Enqueue writes the job, its recipients (duplicates ignored) and the claim; a second enqueue with the claim does nothing."""
    outbox = box(db, clock)
    assert await outbox.enqueue("test.job:1", GUILD, MEMBERS + MEMBERS[:3], claim="test:1", payload={"x": 1})
    state = await outbox.state("test.job:1")
    assert (state.guild_id, state.total, state.sent, state.failed, state.pending) == (GUILD, 10, 0, 0, 10)
    assert state.payload == {"x": 1}
    assert await db.fetchval("SELECT COUNT(*) FROM claims WHERE key = 'test:1'") == 1
    assert not await outbox.enqueue("test.job:1b", GUILD, [1, 2], claim="test:1")
    assert await outbox.state("test.job:1b") is None and await outbox.jobs() == ["test.job:1"]
    # Without a claim, the job name itself is the key while it is pending.
    assert not await outbox.enqueue("test.job:1", GUILD, [7])
    assert (await outbox.state("test.job:1")).pending == 10


async def test_enqueue_rolls_back_as_a_whole(db, clock):
    """A failure inside enqueue leaves neither the claim nor any recipient behind."""
    outbox = box(db, clock)
    with pytest.raises(TypeError):
        await outbox.enqueue("test.job:2", GUILD, [1, 2], claim="test:2", payload={"bad": object()})
    assert await db.fetchval("SELECT COUNT(*) FROM claims") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM fanout_outbox") == 0


async def test_drain_paces_counts_failures_and_removes_rows(db, clock):
    """Every recipient once, 1/rate between two sends, closed DMs counted, the outbox empty after."""
    outbox = box(db, clock)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    send = Recorder(closed=MEMBERS[:2])
    await outbox.enqueue("test.job:3", GUILD, MEMBERS)
    result = await outbox.drain("test.job:3", send, rate=5, sleep=sleep)
    assert sorted(send.calls) == MEMBERS
    assert result.sent == 8 and result.failed == 2 and result.failures == {"dm_closed": 2}
    assert waits == [0.2] * 9
    state = await outbox.state("test.job:3")
    assert (state.sent, state.failed, state.pending) == (8, 2, 0)
    assert await outbox.pending() == 0


async def test_run_finishes_with_totals_and_leaves_nothing(db, clock):
    """run() drains, hands the totals to finish() and removes the job row."""
    outbox = box(db, clock)
    finished = []

    async def finish(state) -> None:
        finished.append((state.total, state.sent, state.failed, state.pending))

    await outbox.enqueue("test.job:4", GUILD, MEMBERS)
    result, state = await outbox.run("test.job:4", Delivery(Recorder(closed=[MEMBERS[0]]), finish), sleep=no_sleep)
    assert (result.sent, result.failed) == (9, 1) and finished == [(10, 9, 1, 0)]
    assert await db.fetchval("SELECT COUNT(*) FROM fanout_jobs") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM fanout_outbox") == 0


async def test_stop_in_the_middle_then_resume_sends_each_once(db, clock, settings):
    """A process stopped during the pacing sleep loses nobody; the next one DMs only the rest,
    counts failures once, and finish() sees the totals of both runs."""
    first = box(db, clock)
    send = Recorder(closed=[MEMBERS[-1]])
    calls = 0
    blocked = asyncio.Event()

    async def stuck_sleep(_seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            blocked.set()
            await asyncio.Event().wait()  # the process "stops" here

    await first.enqueue("test.job:5", GUILD, MEMBERS, claim="test:5")
    task = asyncio.create_task(first.drain("test.job:5", send, rate=10, sleep=stuck_sleep))
    await asyncio.wait_for(blocked.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(send.calls) == 4 and (await first.state("test.job:5")).pending == 6
    await db.close()

    # A new process on the same file.
    db2 = await SqliteDatabase(settings.database_path).connect()
    try:
        second = box(db2, clock)
        finished = []

        async def factory(ref, state):
            assert ref == "5" and state.pending == 6

            async def finish(done) -> None:
                finished.append((done.sent, done.failed))

            return Delivery(send, finish)

        second.register("test.job", factory)
        results = await second.resume_all(sleep=no_sleep)
        assert sorted(send.calls) == MEMBERS  # each member exactly once over both processes
        resumed = results["test.job:5"]
        assert resumed.sent + resumed.failed == 6  # the closed member is in one run or the other
        assert finished == [(9, 1)]
        assert await second.jobs() == [] and await second.pending() == 0
        assert await second.resume_all(sleep=no_sleep) == {}  # nothing left: nothing sent again
        assert len(send.calls) == 10
    finally:
        await db2.close()


async def test_send_error_leaves_the_recipient_pending(db, clock):
    """An unexpected error propagates and keeps that recipient (and the rest) for the next start."""
    outbox = box(db, clock)
    seen = []

    async def broken(user_id: int) -> None:
        seen.append(user_id)
        if len(seen) == 3:
            raise RuntimeError("network down")

    await outbox.enqueue("test.job:6", GUILD, MEMBERS)
    with pytest.raises(RuntimeError):
        await outbox.drain("test.job:6", broken, sleep=no_sleep)
    state = await outbox.state("test.job:6")
    assert (state.sent, state.pending) == (2, 8)
    again = Recorder()
    await outbox.drain("test.job:6", again, sleep=no_sleep)
    assert seen[2] in again.calls and not set(seen[:2]) & set(again.calls) and len(again.calls) == 8


async def test_resume_all_skips_unknown_drops_obsolete_and_spares_running_jobs(db, clock, caplog):
    """Unregistered prefixes stay stored, a factory's None drops the job (logged without ids),
    and a job this process is still running is not resumed a second time."""
    outbox = box(db, clock)
    await outbox.enqueue("other.kind:1", GUILD, MEMBERS[:2])
    await outbox.enqueue("test.job:7", GUILD, MEMBERS[:3])

    async def obsolete(ref, state):
        return None

    outbox.register("test.job", obsolete)
    outbox._owned.clear()  # as if a previous process had enqueued them
    await outbox.enqueue("test.job:8", GUILD, MEMBERS[3:5])  # this process's own, running job
    assert await outbox.resume_all(sleep=no_sleep) == {}
    assert sorted(await outbox.jobs()) == ["other.kind:1", "test.job:8"]
    assert "obsolete, 3 pending" in caplog.text
    assert not any(str(m) in caplog.text for m in MEMBERS)
    with pytest.raises(ValueError):
        outbox.register("bad:prefix", obsolete)


async def test_concurrent_drains_of_one_job_send_once(db, clock):
    """Two drains of the same job in one process never DM a member twice."""
    outbox = box(db, clock)
    send = Recorder()

    async def yield_sleep(_seconds: float) -> None:
        await asyncio.sleep(0)

    await outbox.enqueue("test.job:9", GUILD, MEMBERS)
    await asyncio.gather(
        outbox.drain("test.job:9", send, sleep=yield_sleep), outbox.drain("test.job:9", send, sleep=yield_sleep)
    )
    assert sorted(send.calls) == MEMBERS


async def test_recipients_are_not_stored_in_clear(db, clock, settings):
    """No member id appears in the outbox tables, the file or its WAL, as text or as an integer;
    only the holder of the secret reads them back."""
    outbox = box(db, clock)
    await outbox.enqueue("test.job:10", GUILD, MEMBERS)
    rows = await db.fetchall("SELECT * FROM fanout_outbox")
    dump = " ".join(str(tuple(r)) for r in rows)
    path = settings.database_path
    blobs = [path.read_bytes()] + [p.read_bytes() for p in [path.with_name(path.name + "-wal")] if p.exists()]
    for member in MEMBERS:
        assert str(member) not in dump
        for blob in blobs:
            assert str(member).encode() not in blob and struct.pack(">q", member) not in blob
    other = Outbox(db, b"a-guessed-secret", clock=clock)
    wrong = Recorder()
    result = await other.drain("test.job:10", wrong, sleep=no_sleep)
    assert wrong.calls == [] and result.failures == {"unreadable": 10}  # another secret: nobody is guessed


async def test_outbox_of_is_one_per_context(ctx):
    """Services of one process share the outbox kept in the context."""
    assert ctx.outbox is ctx.outbox
    assert ctx.outbox.db is ctx.db
