"""Races and thresholds of anonymous feedback against a real SQLite file: digest vs withdraw,
double withdraw, and the threshold members were told (docs/anonymity.md, "The anonymity threshold")."""

from __future__ import annotations

import asyncio
import pathlib
import shutil

import pytest

import migrations
from bot.db import SqliteDatabase
from bot.errors import NotFound
from bot.feedback import cohorts
from bot.migrate import discover, migrate
from tests.actors import member, moderator
from tests.feedback.conftest import GUILD, MOD


async def test_digest_never_takes_fewer_than_k_whatever_the_interleaving(svc, ctx, port):
    """A withdraw landing at any point of a digest: the batch posted holds all k answers or none."""
    for n in range(60):
        guild = GUILD + 1 + n
        await ctx.club.update(moderator(guild, MOD), feedback_channel_id=9000 + n)
        codes = [await svc.give(member(guild, 50 + i), guild, text=f"g{n} item {i}") for i in range(5)]
        await ctx.club.get(guild)
        # n < 30: the withdraw starts 30 - n loop turns before the digest; n ≥ 30: n - 30 after.
        first, second = (svc.withdraw, svc.digest) if n < 30 else (svc.digest, svc.withdraw)
        args = {svc.withdraw: (member(None, 42), codes[0]), svc.digest: (moderator(guild, MOD),)}
        tasks = {first: asyncio.create_task(first(*args[first]))}
        for _ in range(abs(30 - n)):
            await asyncio.sleep(0)
        tasks[second] = asyncio.create_task(second(*args[second]))
        result, _ = await asyncio.gather(tasks[svc.digest], tasks[svc.withdraw])
        assert result.posted in (0, 5), (n, result)
        posted = "".join(str(p.message) for p in port.of("send_message") if p.target == 9000 + n)
        assert sum(f"g{n} item {i}" in posted for i in range(5)) in (0, 5), n


async def test_digest_below_threshold_takes_nothing(svc, ctx, port):
    """A digest with fewer than k pending posts nothing, creates no digest and marks nothing."""
    for i in range(4):
        await svc.give(member(GUILD, 50 + i), GUILD, text=f"t{i}")
    result = await svc.digest(moderator(GUILD, MOD))
    assert (result.posted, result.pending, result.threshold) == (0, 4, 5) and not port.of("send_message")
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_digests") == 0
    assert await ctx.db.fetchval("SELECT COUNT(*) FROM feedback_answers WHERE digest_id IS NOT NULL") == 0
    assert await cohorts.count_waiting(ctx.db, GUILD, None) == 4  # not even released yet


async def test_double_withdraw_at_once_deletes_once(svc, ctx):
    """Two withdrawals of the same receipt at once: one deletes, the other is told the code matches nothing."""
    code = await svc.give(member(GUILD, 50), GUILD, text="hello")
    someone = member(None, 7)
    results = await asyncio.gather(svc.withdraw(someone, code), svc.withdraw(someone, code), return_exceptions=True)
    assert sum(isinstance(r, NotFound) for r in results) == 1, results
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    with pytest.raises(NotFound):
        await svc.withdraw(someone, code)


async def test_migration_snapshots_existing_campaigns_and_feedback(tmp_path):
    """0008 gives existing campaigns and spontaneous feedback the club's threshold as it is (5 without settings)."""
    packaged = discover()
    folder = tmp_path / "m"
    folder.mkdir()
    source = pathlib.Path(migrations.__file__).parent
    for m in packaged:
        if m.version < 8:
            name = f"{m.version:04d}_{m.name}.sql"
            shutil.copy(source / name, folder / name)
    db = await SqliteDatabase(tmp_path / "old.sqlite3").connect()
    await migrate(db, folder)
    await db.execute("INSERT INTO club_settings (guild_id, anonymity_threshold) VALUES (1, 7)")
    for guild in (1, 2):
        await db.execute(
            "INSERT INTO feedback_campaigns (guild_id, title, created_at, closes_at) VALUES (?, 't', 0, 1)", (guild,)
        )
        await db.execute(
            "INSERT INTO feedback_answers (id, guild_id, campaign_id, week, receipt_hash) VALUES (?, ?, NULL, 'w', ?)",
            (f"s{guild}", guild, f"h{guild}"),
        )
        await db.execute(
            "INSERT INTO feedback_answers (id, guild_id, campaign_id, week, receipt_hash) VALUES (?, ?, ?, 'w', ?)",
            (f"c{guild}", guild, guild, f"k{guild}"),
        )
    shutil.copy(source / "0008_feedback_threshold.sql", folder / "0008_feedback_threshold.sql")
    assert await migrate(db, folder) == [8]
    assert [tuple(r) for r in await db.fetchall("SELECT guild_id, threshold FROM feedback_campaigns ORDER BY id")] == [
        (1, 7), (2, 5)
    ]
    rows = await db.fetchall("SELECT id, threshold FROM feedback_answers ORDER BY id")
    assert {r[0]: r[1] for r in rows} == {"c1": None, "c2": None, "s1": 7, "s2": 5}
    await db.close()
