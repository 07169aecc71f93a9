"""SQL of polls: rows in, :mod:`bot.polls.rules` dataclasses out.

Votes are written by :func:`apply_clicks`: one ``BEGIN IMMEDIATE`` transaction for a batch
of clicks, each click re-reading the poll and the voter's current choices inside it, the
``(poll_id, voter, position)`` primary key making a double click or a race harmless
(one atomic write per click with a uniqueness constraint).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime

from bot.clock import from_ts, to_ts
from bot.db import Database, Row
from bot.errors import CercleError
from bot.polls.rules import (
    ClickResult,
    Poll,
    PollSpec,
    Series,
    Tally,
    VoteGate,
    decide_click,
    dump_choices,
    load_choices,
    message_moves,
)

_POLL_COLUMNS = (
    "id, guild_id, channel_id, message_id, creator_id, question, description, anonymous, max_choices, "
    "show_results, status, opens_at, closes_at, opened_at, closed_at, finalized_at, series_id, "
    "votes_version, rendered_version, created_at, anonymity_threshold, sealed_voters, "
    "(SELECT repeat FROM poll_series WHERE poll_series.id = polls.series_id AND poll_series.active = 1) AS repeat"
)


def _opt(ts: int | None) -> datetime | None:
    return None if ts is None else from_ts(ts)


def _poll(row: Row, choices: tuple[str, ...]) -> Poll:
    return Poll(
        id=row["id"], guild_id=row["guild_id"], channel_id=row["channel_id"], message_id=row["message_id"],
        creator_id=row["creator_id"], question=row["question"], description=row["description"],
        anonymous=bool(row["anonymous"]), max_choices=row["max_choices"], show_results=row["show_results"],
        status=row["status"], opens_at=from_ts(row["opens_at"]), closes_at=from_ts(row["closes_at"]),
        opened_at=_opt(row["opened_at"]), closed_at=_opt(row["closed_at"]), finalized_at=_opt(row["finalized_at"]),
        series_id=row["series_id"], votes_version=row["votes_version"], rendered_version=row["rendered_version"],
        created_at=from_ts(row["created_at"]), choices=choices, repeat=row["repeat"] or "none",
        anonymity_threshold=row["anonymity_threshold"] or 0, sealed_voters=row["sealed_voters"],
    )


async def insert_poll(
    db: Database, spec: PollSpec, *, status: str, series_id: int | None, now: datetime, threshold: int = 0
) -> int | None:
    """Store a poll and its choices in one transaction; returns its id. ``threshold`` is
    the club's anonymity threshold now (kept on the poll: lowering the club's threshold
    later never reveals this poll's counts below it).

    For a series occurrence that already exists (same ``series_id`` and ``opens_at``)
    nothing is written and ``None`` is returned (idempotent next-occurrence creation).
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO polls (guild_id, channel_id, creator_id, question, description, anonymous, max_choices, "
            "show_results, status, opens_at, closes_at, series_id, created_at, anonymity_threshold) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, opens_at) DO NOTHING",
            (
                spec.guild_id, spec.channel_id, spec.creator_id, spec.question, spec.description,
                int(spec.anonymous), spec.max_choices, spec.show_results, status, to_ts(spec.opens_at),
                to_ts(spec.closes_at), series_id, to_ts(now), threshold,
            ),
        )
        if cursor.rowcount != 1:
            return None
        poll_id = cursor.lastrowid
        await conn.executemany(
            "INSERT INTO poll_choices (poll_id, position, label) VALUES (?, ?, ?)",
            [(poll_id, i, label) for i, label in enumerate(spec.choices, start=1)],
        )
        return poll_id


async def insert_series(
    db: Database, spec: PollSpec, *, rule: str, local_opens: datetime, local_closes: datetime, now: datetime
) -> int:
    """Store a recurring series (local wall-clock times as naive ISO text); returns its id."""
    return await db.execute(
        "INSERT INTO poll_series (guild_id, channel_id, creator_id, question, description, choices, anonymous, "
        "max_choices, show_results, repeat, rrule, timezone, local_opens, local_closes, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            spec.guild_id, spec.channel_id, spec.creator_id, spec.question, spec.description,
            dump_choices(spec.choices), int(spec.anonymous), spec.max_choices, spec.show_results, spec.repeat,
            rule, spec.timezone, local_opens.isoformat(), local_closes.isoformat(), to_ts(now),
        ),
    )


async def get_series(db: Database, series_id: int) -> Series | None:
    """A recurring series, or ``None``."""
    row = await db.fetchone("SELECT * FROM poll_series WHERE id = ?", (series_id,))
    if row is None:
        return None
    return Series(
        id=row["id"], guild_id=row["guild_id"], channel_id=row["channel_id"], creator_id=row["creator_id"],
        question=row["question"], description=row["description"], choices=load_choices(row["choices"]),
        anonymous=bool(row["anonymous"]), max_choices=row["max_choices"], show_results=row["show_results"],
        repeat=row["repeat"], rrule=row["rrule"], timezone=row["timezone"],
        local_opens=datetime.fromisoformat(row["local_opens"]), local_closes=datetime.fromisoformat(row["local_closes"]),
        active=bool(row["active"]),
    )


async def deactivate_series(db: Database, series_id: int) -> None:
    """Stop a series: no further occurrence is created."""
    await db.execute("UPDATE poll_series SET active = 0 WHERE id = ?", (series_id,))


async def choices_of(db: Database, poll_id: int) -> tuple[str, ...]:
    """The choice texts of a poll, position 1 first."""
    rows = await db.fetchall("SELECT label FROM poll_choices WHERE poll_id = ? ORDER BY position", (poll_id,))
    return tuple(r[0] for r in rows)


async def get_poll(db: Database, poll_id: int) -> Poll | None:
    """A poll with its choices, or ``None``."""
    row = await db.fetchone(f"SELECT {_POLL_COLUMNS} FROM polls WHERE id = ?", (poll_id,))
    if row is None:
        return None
    return _poll(row, await choices_of(db, poll_id))


async def list_polls(
    db: Database, guild_id: int, statuses: tuple[str, ...], *, closed_since: datetime | None = None, limit: int = 25
) -> list[Poll]:
    """Polls of a guild in ``statuses`` (closed ones only since ``closed_since`` when given),
    soonest deadline first for scheduled/open, latest first for closed; choices not loaded."""
    marks = ", ".join("?" for _ in statuses)
    params: list[object] = [guild_id, *statuses]
    extra = ""
    if closed_since is not None:
        extra = " AND (status != 'closed' OR closed_at >= ?)"
        params.append(to_ts(closed_since))
    rows = await db.fetchall(
        f"SELECT {_POLL_COLUMNS} FROM polls WHERE guild_id = ? AND status IN ({marks}){extra} "
        "ORDER BY CASE status WHEN 'open' THEN 0 WHEN 'scheduled' THEN 1 ELSE 2 END, "
        "CASE WHEN status = 'closed' THEN -closed_at ELSE closes_at END, id DESC LIMIT ?",
        (*params, limit),
    )
    return [_poll(r, ()) for r in rows]


async def search_polls(db: Database, guild_id: int, statuses: tuple[str, ...], query: str, limit: int = 25) -> list[Poll]:
    """Polls of a guild in ``statuses`` whose question contains ``query`` (or whose id is it), newest first."""
    marks = ", ".join("?" for _ in statuses)
    needle = (query or "").strip()
    rows = await db.fetchall(
        f"SELECT {_POLL_COLUMNS} FROM polls WHERE guild_id = ? AND status IN ({marks}) "
        "AND (? = '' OR instr(lower(question), lower(?)) > 0 OR CAST(id AS TEXT) = ?) ORDER BY id DESC LIMIT ?",
        (guild_id, *statuses, needle, needle, needle.lstrip("#"), limit),
    )
    return [_poll(r, ()) for r in rows]


@dataclass(frozen=True)
class PollMeta:
    """The two facts of a poll a click needs before its vote is queued (neither ever changes)."""

    anonymous: bool
    guild_id: int


async def poll_meta(db: Database, poll_id: int) -> PollMeta | None:
    """Whether poll ``poll_id`` is anonymous and its guild, or ``None`` if there is no such poll."""
    row = await db.fetchone("SELECT anonymous, guild_id FROM polls WHERE id = ?", (poll_id,))
    return None if row is None else PollMeta(bool(row[0]), int(row[1]))


async def set_opened(db: Database, poll_id: int, now: datetime) -> None:
    """Record when a poll created open opened (``now``, UTC)."""
    await db.execute("UPDATE polls SET opened_at = ? WHERE id = ?", (to_ts(now), poll_id))


async def discard_unposted(db: Database, poll_id: int, series_id: int | None) -> None:
    """Delete a poll whose message could not be posted (its choices with it) and the
    series created with it, in one transaction: nothing of it is kept."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM polls WHERE id = ?", (poll_id,))
        if series_id is not None:
            await conn.execute("DELETE FROM poll_series WHERE id = ?", (series_id,))


async def set_message(db: Database, poll_id: int, message_id: int) -> None:
    """Record the Discord message that shows the poll."""
    await db.execute("UPDATE polls SET message_id = ? WHERE id = ?", (message_id, poll_id))


async def mark_open(db: Database, poll_id: int, now: datetime) -> bool:
    """``scheduled`` → ``open``; ``True`` only for the caller that made the change."""
    changed = await db.execute_rowcount(
        "UPDATE polls SET status = 'open', opened_at = ? WHERE id = ? AND status = 'scheduled'", (to_ts(now), poll_id)
    )
    return changed == 1


async def mark_closed(db: Database, poll_id: int, now: datetime) -> bool:
    """``open`` → ``closed`` (votes kept: nothing is deleted at close); ``True`` for the one caller that changed it."""
    changed = await db.execute_rowcount(
        "UPDATE polls SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'", (to_ts(now), poll_id)
    )
    return changed == 1


async def mark_cancelled(db: Database, poll_id: int) -> bool:
    """``scheduled`` → ``cancelled``; ``True`` when it changed."""
    changed = await db.execute_rowcount(
        "UPDATE polls SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'", (poll_id,)
    )
    return changed == 1


async def mark_finalized(db: Database, poll_id: int, now: datetime) -> None:
    """The after-close work is done."""
    await db.execute("UPDATE polls SET finalized_at = ? WHERE id = ?", (to_ts(now), poll_id))


async def set_rendered(db: Database, poll_id: int, version: int) -> None:
    """The poll message now shows votes up to ``version``."""
    await db.execute(
        "UPDATE polls SET rendered_version = max(rendered_version, ?) WHERE id = ?", (version, poll_id)
    )


async def tally(db: Database, poll_id: int, n_choices: int) -> Tally:
    """Counts per choice and distinct voters, straight from the votes table (a sealed
    poll's voters from ``sealed_voters``: its votes no longer tell voters apart)."""
    rows = await db.fetchall(
        "SELECT position, count(*) FROM poll_votes WHERE poll_id = ? GROUP BY position", (poll_id,)
    )
    counts = [0] * n_choices
    for position, count in rows:
        if 1 <= position <= n_choices:
            counts[position - 1] = count
    voters = await db.fetchval(
        "SELECT coalesce((SELECT sealed_voters FROM polls WHERE id = ?1), "
        "(SELECT count(DISTINCT voter) FROM poll_votes WHERE poll_id = ?1))",
        (poll_id,), 0,
    )
    return Tally(tuple(counts), int(voters))


async def seal(db: Database, poll_id: int, threshold: int) -> bool:
    """Seal a closed anonymous poll, in one transaction: keep its number of voters in
    ``sealed_voters``, replace every vote's voter key by a random value (so only the
    counts survive: not even the database and the secret together can tell who voted
    what) and raise its kept threshold to ``threshold`` if lower. ``True`` if sealed now;
    a public, open or already sealed poll is left alone."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE polls SET sealed_voters = (SELECT count(DISTINCT voter) FROM poll_votes WHERE poll_id = ?1), "
            "anonymity_threshold = max(coalesce(anonymity_threshold, 0), ?2) "
            "WHERE id = ?1 AND anonymous = 1 AND status = 'closed' AND sealed_voters IS NULL",
            (poll_id, threshold),
        )
        if cursor.rowcount != 1:
            return False
        await conn.execute("UPDATE poll_votes SET voter = lower(hex(randomblob(32))) WHERE poll_id = ?", (poll_id,))
        return True


async def voter_choices(db: Database, poll_id: int, voter: str) -> tuple[int, ...]:
    """The positions ``voter`` (an id or an HMAC key) has chosen."""
    rows = await db.fetchall(
        "SELECT position FROM poll_votes WHERE poll_id = ? AND voter = ? ORDER BY position", (poll_id, voter)
    )
    return tuple(r[0] for r in rows)


@dataclass(frozen=True)
class PublicVote:
    """One vote of a public poll: the ``voter``'s id (decimal text), the chosen
    ``position`` and when it was cast (``voted_at``, UTC; ``None`` for votes stored without)."""

    voter: str
    position: int
    voted_at: datetime | None


async def public_votes(db: Database, poll_id: int) -> list[PublicVote]:
    """The votes of a public poll, oldest first (its export)."""
    rows = await db.fetchall(
        "SELECT voter, position, voted_at FROM poll_votes WHERE poll_id = ? ORDER BY voted_at, voter, position",
        (poll_id,),
    )
    return [PublicVote(r[0], r[1], _opt(r[2])) for r in rows]


@dataclass(frozen=True)
class Click:
    """One click to apply: on ``poll_id`` choice ``position`` by ``voter`` (user id as text
    for a public poll, HMAC key for an anonymous one); ``public`` stores the vote instant."""

    poll_id: int
    voter: str
    position: int
    public: bool


@dataclass(frozen=True)
class ClickOutcome:
    """The result of one applied click: the voter's choices now, and the poll's deadline.

    ``changed``: this click changed the voter's choices. ``refresh``: the batch changed
    what the poll's live message shows (:func:`bot.polls.rules.message_moves`), so the
    message is to be edited; the same for every click of the poll in the batch.
    """

    poll_id: int
    result: ClickResult
    closes_at: datetime
    choices: tuple[str, ...]
    changed: bool
    max_choices: int
    refresh: bool = False


async def apply_clicks(db: Database, clicks: list[Click], now: datetime) -> list[ClickOutcome | CercleError]:
    """Apply a batch of clicks in one transaction, in order; one result per click.

    Inside one ``BEGIN IMMEDIATE`` transaction: the polls' state and the voters' current
    choices are read, each click is applied in order to that state (so two clicks of the
    same member in one batch see each other), and the net changes are written with the
    ``(poll_id, voter, position)`` primary key as the last guard. The whole transaction
    runs in the database thread in one hop (:meth:`bot.db.Database.run`), so a burst of
    clicks does not wait for the event loop between statements. Each click is decided by
    :func:`bot.polls.rules.decide_click`; refusals come back as errors (not raised):
    ``polls.error.gone`` (poll or choice missing), ``polls.error.not_open`` /
    ``polls.error.closed`` / ``polls.error.cancelled``, ``polls.error.max_reached``.
    ``votes_version`` is bumped once for each poll whose message the batch changes
    (:func:`bot.polls.rules.message_moves`: on an anonymous poll, only a change in its
    number of voters), and those polls' outcomes carry ``refresh``.
    """
    return await db.run(_apply_clicks, clicks, to_ts(now))


def _apply_clicks(conn: sqlite3.Connection, clicks: list[Click], now_ts: int) -> list[ClickOutcome | CercleError]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        results = _apply_clicks_in_transaction(conn, clicks, now_ts)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return results


def _apply_clicks_in_transaction(
    conn: sqlite3.Connection, clicks: list[Click], now_ts: int
) -> list[ClickOutcome | CercleError]:
    """Read the batch's polls and voters, decide each click in order with
    :func:`bot.polls.rules.decide_click`, then write the net changes."""
    gates, state = _read_batch(conn, clicks)
    original = dict(state)
    public: dict[tuple[int, str], bool] = {}
    results: list[ClickOutcome | CercleError] = []
    for click in clicks:
        gate = gates[click.poll_id]
        key = (click.poll_id, click.voter)
        current = state.get(key, ())
        decided = decide_click(gate, current, click.position, now_ts)
        if isinstance(decided, CercleError):
            results.append(decided)
            continue
        assert gate is not None  # decide_click refuses a missing poll
        state[key] = decided.new
        public[key] = click.public
        results.append(ClickOutcome(click.poll_id, decided, from_ts(gate.closes_at), gate.choices,
                                    set(current) != set(decided.new), gate.max_choices))
    moved = _moved_messages(clicks, original, state)
    _write_net_changes(conn, original, state, public, now_ts, moved)
    return [replace(r, refresh=True) if isinstance(r, ClickOutcome) and r.poll_id in moved else r for r in results]


def _moved_messages(clicks: list[Click], original: _Votes, state: _Votes) -> set[int]:
    """The polls of the batch whose live message its net changes move (an anonymous
    poll: its number of voters, :func:`bot.polls.rules.message_moves`)."""
    anonymous = {c.poll_id: not c.public for c in clicks}
    changes: dict[int, list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
    for key, new in state.items():
        changes.setdefault(key[0], []).append((original.get(key, ()), new))
    return {poll_id for poll_id, pairs in changes.items() if message_moves(anonymous[poll_id], pairs)}


_Votes = dict[tuple[int, str], tuple[int, ...]]
"""``(poll_id, voter)`` → the voter's chosen positions."""


def _read_batch(conn: sqlite3.Connection, clicks: list[Click]) -> tuple[dict[int, VoteGate | None], _Votes]:
    """Each clicked poll's :class:`~bot.polls.rules.VoteGate` (``None`` if gone) and the
    clicking voters' current choices.

    Few statements, each returning at most one row: the sqlite3 module releases the GIL
    around every step, and under a burst the event loop's thread holds it for up to the
    switch interval each time, so rows and statements are what a batch pays for.
    """
    gates: dict[int, VoteGate | None] = {}
    state: _Votes = {}
    for poll_id in dict.fromkeys(c.poll_id for c in clicks):
        row = conn.execute(
            "SELECT status, max_choices, opens_at, closes_at, "
            "(SELECT json_group_array(label) FROM (SELECT label FROM poll_choices WHERE poll_id = ?1 "
            "ORDER BY position)) AS labels FROM polls WHERE id = ?1",
            (poll_id,),
        ).fetchone()
        gates[poll_id] = None if row is None else VoteGate(
            row["status"], row["max_choices"], row["opens_at"], row["closes_at"], tuple(json.loads(row["labels"]))
        )
        voters = list(dict.fromkeys(c.voter for c in clicks if c.poll_id == poll_id))
        found = conn.execute(
            "SELECT json_group_array(json_array(voter, position)) FROM poll_votes "
            "WHERE poll_id = ? AND voter IN (SELECT value FROM json_each(?))",
            (poll_id, json.dumps(voters)),
        ).fetchone()[0]
        for voter, position in json.loads(found):
            state[(poll_id, voter)] = (*state.get((poll_id, voter), ()), position)
    return gates, state


def _write_net_changes(
    conn: sqlite3.Connection, original: _Votes, state: _Votes, public: dict[tuple[int, str], bool], now_ts: int,
    moved: set[int],
) -> None:
    """Delete the choices dropped and insert the choices added between ``original`` and
    ``state`` (a public vote with its instant), and bump ``votes_version`` once of each
    poll in ``moved`` (those whose message the batch changes)."""
    deletes: list[list[object]] = []
    inserts: list[list[object]] = []
    for key, new in state.items():
        old = set(original.get(key, ()))
        for position in old - set(new):
            deletes.append([*key, position])
        for position in set(new) - old:
            inserts.append([*key, position, now_ts if public.get(key) else None])
    if deletes:
        conn.execute(
            "DELETE FROM poll_votes WHERE (poll_id, voter, position) IN "
            "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(?))",
            (json.dumps(deletes),),
        )
    if inserts:
        conn.execute(
            "INSERT INTO poll_votes (poll_id, voter, position, voted_at) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?) WHERE true "
            "ON CONFLICT DO NOTHING",
            (json.dumps(inserts),),
        )
    if moved:
        conn.execute(
            "UPDATE polls SET votes_version = votes_version + 1 WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(moved)),),
        )


# --- loaders (scheduler re-arming at start) ---------------------------------------------

@dataclass(frozen=True)
class Due:
    """Poll ``poll_id`` has work due at ``when`` (UTC)."""

    poll_id: int
    when: datetime


async def due_opens(db: Database) -> list[Due]:
    """Every scheduled poll at its ``opens_at``, and every open one whose message was never
    recorded (its post was interrupted: it is finished at once)."""
    rows = await db.fetchall(
        "SELECT id, opens_at FROM polls WHERE status = 'scheduled' OR (status = 'open' AND message_id IS NULL)"
    )
    return [Due(r[0], from_ts(r[1])) for r in rows]


async def due_closes(db: Database) -> list[Due]:
    """Open polls at their close, closed ones whose after-close work is unfinished at once (their ``closed_at``)."""
    rows = await db.fetchall(
        "SELECT id, CASE status WHEN 'open' THEN closes_at ELSE closed_at END FROM polls "
        "WHERE status = 'open' OR (status = 'closed' AND finalized_at IS NULL)"
    )
    return [Due(r[0], from_ts(r[1])) for r in rows]


async def stale_live(db: Database) -> list[int]:
    """Open live polls whose message shows fewer votes than stored."""
    rows = await db.fetchall(
        "SELECT id FROM polls WHERE status = 'open' AND show_results = 'live' AND votes_version > rendered_version "
        "AND message_id IS NOT NULL"
    )
    return [r[0] for r in rows]
