"""The vote batch: one transaction, clicks applied in order, net changes written once."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.errors import Conflict
from bot.polls import store
from bot.polls.rules import Series
from tests.polls.conftest import make_poll


async def test_batch_applies_clicks_in_order(polls, clock):
    """Two clicks of one voter in one batch see each other: add then remove leaves nothing; others count."""
    poll = await make_poll(polls, max_choices=2, anonymous=False)
    clicks = [
        store.Click(poll.id, "1", 1, True),
        store.Click(poll.id, "1", 2, True),
        store.Click(poll.id, "1", 1, True),
        store.Click(poll.id, "2", 3, True),
        store.Click(poll.id, "1", 3, True),
        store.Click(poll.id, "1", 1, True),
    ]
    results = await store.apply_clicks(polls.db, clicks, clock.now())
    assert [r.result.new for r in results[:5]] == [(1,), (1, 2), (2,), (3,), (2, 3)]
    assert isinstance(results[5], Conflict) and results[5].key == "polls.error.max_reached"
    rows = await polls.db.fetchall("SELECT voter, position FROM poll_votes WHERE poll_id = ? ORDER BY 1, 2", (poll.id,))
    assert [tuple(r) for r in rows] == [("1", 2), ("1", 3), ("2", 3)]
    assert await polls.db.fetchval("SELECT votes_version FROM polls WHERE id = ?", (poll.id,)) == 1


async def test_batch_keeps_existing_votes_and_moves_them(polls, clock):
    """A later batch starts from the stored choices: a single-choice move deletes the old row."""
    poll = await make_poll(polls, anonymous=False)
    await store.apply_clicks(polls.db, [store.Click(poll.id, "7", 1, True)], clock.now())
    [moved] = await store.apply_clicks(polls.db, [store.Click(poll.id, "7", 2, True)], clock.now())
    assert moved.result.action == "moved" and moved.changed
    assert await store.voter_choices(polls.db, poll.id, "7") == (2,)


async def test_failed_batch_writes_nothing(polls, clock, monkeypatch):
    """A database error inside the batch rolls back every click of it."""
    poll = await make_poll(polls, anonymous=False)

    def broken(conn, clicks, now_ts):
        conn.execute("INSERT INTO poll_votes (poll_id, voter, position) VALUES (?, 'x', 1)", (poll.id,))
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_apply_clicks_in_transaction", broken)
    with pytest.raises(sqlite3.OperationalError):
        await store.apply_clicks(polls.db, [store.Click(poll.id, "x", 1, True)], clock.now())
    assert await polls.db.fetchval("SELECT count(*) FROM poll_votes") == 0
    assert await polls.db.fetchval("SELECT 1") == 1  # the connection is usable again


async def test_series_reads_back_as_a_series(polls):
    """A recurring poll's series comes back typed: choices as texts, local times naive, the rule and zone kept."""
    poll = await make_poll(polls, repeat="weekly", closes="2 days")
    assert poll.series_id is not None
    series = await store.get_series(polls.db, poll.series_id)
    assert isinstance(series, Series) and series.active and series.repeat == "weekly"
    assert series.choices == ("Export", "Search", "Reports") and series.timezone == "Europe/Paris"
    assert series.local_opens.tzinfo is None and series.local_closes - series.local_opens == timedelta(days=2)
    assert await store.get_series(polls.db, poll.series_id + 1) is None
