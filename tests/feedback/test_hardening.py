"""Races and thresholds of anonymous feedback against a real SQLite file: digest vs withdraw,
double withdraw, and the threshold members were told (DESIGN.md §3)."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import NotFound
from bot.feedback import store
from tests.feedback.conftest import GUILD, MOD


async def test_digest_never_takes_fewer_than_k_whatever_the_interleaving(svc, ctx, port):
    """A withdraw landing at any point of a digest: the batch posted holds all k answers or none."""
    for n in range(60):
        guild = GUILD + 1 + n
        await ctx.club.update(guild, MOD, feedback_channel_id=9000 + n)
        codes = [await svc.give(guild, text=f"g{n} item {i}") for i in range(5)]
        await ctx.club.get(guild)
        # n < 30: the withdraw starts 30 - n loop turns before the digest; n ≥ 30: n - 30 after.
        first, second = (svc.withdraw, svc.digest) if n < 30 else (svc.digest, svc.withdraw)
        args = {svc.withdraw: (42, codes[0]), svc.digest: (guild,)}
        tasks = {first: asyncio.create_task(first(*args[first]))}
        for _ in range(abs(30 - n)):
            await asyncio.sleep(0)
        tasks[second] = asyncio.create_task(second(*args[second]))
        result, _ = await asyncio.gather(tasks[svc.digest], tasks[svc.withdraw])
        assert result.posted in (0, 5), (n, result)
        posted = "".join(str(p.message) for p in port.of("send_message") if p.target == 9000 + n)
        assert sum(f"g{n} item {i}" in posted for i in range(5)) in (0, 5), n


async def test_take_pending_below_threshold_takes_nothing(svc, ctx):
    """take_pending with fewer than k pending creates no digest and marks nothing."""
    for i in range(4):
        await svc.give(GUILD, text=f"t{i}")
    batch = await store.take_pending(ctx.db, GUILD, 0, 5)
    assert batch.digest_id is None and batch.pending == 4 and batch.items == []
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_digests") == 0
    assert await store.count_pending(ctx.db, GUILD) == 4


async def test_double_withdraw_at_once_deletes_once(svc, ctx):
    """Two withdrawals of the same receipt at once: one deletes, the other is told the code matches nothing."""
    code = await svc.give(GUILD, text="hello")
    results = await asyncio.gather(svc.withdraw(7, code), svc.withdraw(7, code), return_exceptions=True)
    assert sum(isinstance(r, NotFound) for r in results) == 1, results
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    with pytest.raises(NotFound):
        await svc.withdraw(7, code)
